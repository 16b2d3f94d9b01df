// The host's stand-in of ../bpf-vm/scx_compat.bpf.c (the sched_ext VM
// test's compatibility scheduler, built against the guest kernel's
// vmlinux.h): the same maps, programs and globals from hand-written types,
// so the tests crate builds here, where the kernel has no sched_ext. The
// host only opens it. The scheduler itself is in scx_compat.h.
// skel: types enum scx_ops_flags
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

struct scx_exit_info {
	int kind;
	char *msg;
	char *dump;
} __attribute__((preserve_access_index));

/* sched_ext_ops::flags takes these (the README's flags example). */
enum scx_ops_flags {
	SCX_OPS_KEEP_BUILTIN_IDLE = 1LLU << 0,
	SCX_OPS_ENQ_LAST = 1LLU << 1,
	SCX_OPS_ENQ_EXITING = 1LLU << 2,
	SCX_OPS_SWITCH_PARTIAL = 1LLU << 3,
};

/* The guest's build takes these from vmlinux.h; here there is none. */
const volatile __u64 built_dsq_local = 0;
const volatile __u64 built_slice_dfl = 0;
const volatile __u64 built_enq_preempt = 0;
const volatile __s64 built_task_cursor = 0;

#include "scx_enums.h"
#include "scx_compat.h"
