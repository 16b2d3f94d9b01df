// SEC("syscall") programs the skeleton types by their BTF signature
// (tests/tests/kernel_syscall_typed.rs calls them):
//
// - `scale`: its one parameter points to a struct (through a typedef), so
//   `skel.progs().scale()` has `.run(&mut scale_args)`; it answers in the
//   struct, counts its calls in a global and returns 0, or -EINVAL (-22)
//   for a zero factor.
// - `ping`: a `void *` context, so no typed run (a plain program; called
//   with `run_syscall` on bytes or `test_run()` without context).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define EINVAL 22

struct scale_args {
	__u32 value;		/* in */
	__u32 factor;		/* in: not 0 */
	__u64 result;		/* out: value * factor */
	__u64 calls;		/* out: calls so far, this one included */
};

typedef struct scale_args scale_args_t;

__u64 scale_calls = 0;
__u64 last_result = 0;
__u64 pings = 0;

SEC("syscall")
int scale(scale_args_t *args)
{
	if (args->factor == 0)
		return -EINVAL;
	args->result = (__u64)args->value * args->factor;
	last_result = args->result;
	args->calls = __sync_add_and_fetch(&scale_calls, 1);
	return 0;
}

SEC("syscall")
int ping(void *ctx)
{
	return __sync_add_and_fetch(&pings, 1);
}
