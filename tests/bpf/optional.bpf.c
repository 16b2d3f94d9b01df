// Optional programs (tests/tests/kernel_optional.rs): programs whose
// targets no kernel has, marked optional in the build script, beside
// required programs that load and run. `optional_required.bpf.c` is the
// same code with every program required.
//
// - `on_getpid` (required): counts getpid calls; calls a `__weak` kfunc no
//   kernel has only if `bpf_ksym_exists()` says it is there, so it needs
//   nothing beyond its tracepoint.
// - `on_missing_function`: a kprobe on a function no kernel has.
// - `on_missing_tracepoint`: a tracepoint no kernel has.
// - `on_missing_btf_function`: an fentry on a function no kernel has.
// - `calls_missing_kfunc`: a syscall program whose subprogram calls a kfunc
//   no kernel has, declared without `__weak` (libbpf would fail the whole
//   load for it; the embedded object declares it weak, as only this
//   optional program calls it).
// - `on_getppid` (optional): its target exists, so it loads and runs.
//
// skel: optional_programs on_missing_function, on_missing_tracepoint, on_missing_btf_function, calls_missing_kfunc, on_getppid
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

extern int bpf_skel_no_such_kfunc(int x) __ksym;
extern void bpf_skel_no_such_weak_kfunc(void) __ksym __weak;

__u64 getpid_calls = 0;
__u64 getppid_calls = 0;
__u64 missing_calls = 0;
/* 1 if `on_getpid` found the weak kfunc, 0 if not, 2 before it ran. */
__u32 weak_kfunc_found = 2;

SEC("tp/syscalls/sys_enter_getpid")
int on_getpid(void *ctx)
{
	if (bpf_ksym_exists(bpf_skel_no_such_weak_kfunc)) {
		bpf_skel_no_such_weak_kfunc();
		weak_kfunc_found = 1;
	} else {
		weak_kfunc_found = 0;
	}
	__sync_fetch_and_add(&getpid_calls, 1);
	return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	__sync_fetch_and_add(&getppid_calls, 1);
	return 0;
}

SEC("kprobe/skel_no_such_function_for_tests")
int on_missing_function(void *ctx)
{
	__sync_fetch_and_add(&missing_calls, 1);
	return 0;
}

SEC("tp/skel_no_such_category/skel_no_such_event")
int on_missing_tracepoint(void *ctx)
{
	__sync_fetch_and_add(&missing_calls, 1);
	return 0;
}

SEC("fentry/skel_no_such_function_for_tests")
int BPF_PROG(on_missing_btf_function)
{
	__sync_fetch_and_add(&missing_calls, 1);
	return 0;
}

static __noinline int call_missing_kfunc(int x)
{
	return bpf_skel_no_such_kfunc(x);
}

SEC("syscall")
int calls_missing_kfunc(void *ctx)
{
	__sync_fetch_and_add(&missing_calls, 1);
	return call_missing_kfunc(1);
}
