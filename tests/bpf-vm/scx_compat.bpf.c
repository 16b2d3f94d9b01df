// The sched_ext VM test's compatibility scheduler (scx_compat.h), built
// against a vmlinux.h that skel-builder prints from the guest kernel's BTF
// (see scx_minimal.bpf.c here): kernel constants in `.rodata` that the
// loader fills from the running kernel, an exit-dump buffer it resizes, and
// the ops of a newer kernel, whose extra callback it clears on purpose.
// The host builds ../bpf/scx_compat.bpf.c in its place.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* What vmlinux.h, printed from the guest kernel's BTF at build time, says:
 * the guest compares them with what the loader fills in at run time. Read
 * before scx_enums.h makes these names the `.rodata` constants. */
const volatile __u64 built_dsq_local = SCX_DSQ_LOCAL;
const volatile __u64 built_slice_dfl = SCX_SLICE_DFL;
const volatile __u64 built_enq_preempt = SCX_ENQ_PREEMPT;
const volatile __s64 built_task_cursor = SCX_TASK_CURSOR;

#include "../bpf/scx_enums.h"
#include "../bpf/scx_compat.h"
