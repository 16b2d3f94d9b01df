// Programs that tests/tests/kernel_test_run.rs calls from user space with
// BPF_PROG_TEST_RUN, other than packet programs:
//
// - `set_weight`: SEC("syscall") with a context struct, the way sched_ext
//   schedulers call their `arena_init`/`enable_primary_cpu`: reads the
//   request, answers in the same struct, returns 0 or -EINVAL (-22).
// - `on_sys_enter`: raw_tp, given the tracepoint's arguments (u64s) as the
//   context; records the syscall id and the CPU it ran on, returns id + 1.
// - `on_fentry_test1`: fentry on the kernel's test function
//   bpf_fentry_test1, which a tracing test run calls (the program runs only
//   while attached).
// - `tp_btf_sys_enter` and `on_nanosleep` (kprobe): program types whose
//   test runs the kernel refuses.
//
// skel: types weight_args
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define EINVAL 22
#define MAX_WEIGHT 10000

/* The context of `set_weight`: in, then out. */
struct weight_args {
	__u32 cpu;		/* in: which of the two slots */
	__u32 weight;		/* in: 1..=MAX_WEIGHT */
	__u64 scaled;		/* out: weight * 1024 */
	__u32 calls;		/* out: calls so far, this one included */
	__s32 previous;		/* out: the slot's weight before, -1 if unset */
};

__u32 weights[2] = { 0, 0 };
__u32 weight_calls = 0;

__u64 last_syscall_id = 0;
__u32 last_cpu = 0xffffffff;
__u64 raw_tp_runs = 0;

__u32 fentry_arg = 0;
__u64 fentry_runs = 0;

SEC("syscall")
int set_weight(struct weight_args *args)
{
	__u32 slot = args->cpu & 1;
	__u32 old;

	if (args->weight == 0 || args->weight > MAX_WEIGHT)
		return -EINVAL;
	old = weights[slot];
	weights[slot] = args->weight;
	args->previous = old ? (__s32)old : -1;
	args->scaled = (__u64)args->weight * 1024;
	args->calls = __sync_add_and_fetch(&weight_calls, 1);
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(on_sys_enter, void *regs, long id)
{
	last_syscall_id = id;
	last_cpu = bpf_get_smp_processor_id();
	__sync_fetch_and_add(&raw_tp_runs, 1);
	return id + 1;
}

SEC("?fentry/bpf_fentry_test1")
int BPF_PROG(on_fentry_test1, int a)
{
	fentry_arg = a;
	__sync_fetch_and_add(&fentry_runs, 1);
	return 0;
}

SEC("?tp_btf/sys_enter")
int BPF_PROG(tp_btf_sys_enter, void *regs, long id)
{
	return 0;
}

SEC("kprobe/do_nanosleep")
int on_nanosleep(void *ctx)
{
	return 0;
}
