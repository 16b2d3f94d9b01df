// A minimal sched_ext scheduler as a sched_ext_ops struct_ops map, for the
// VM test (vm/run.sh, guest program tests/src/bin/scx_guest.rs).
//
// Two alternative enqueue programs count their calls; the initialiser
// references only enqueue_local, and the guest swaps in enqueue_global
// through the shadow. `running` is an optional callback the guest clears.
// The host only opens this object (sched_ext is not in the host kernel).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* A complete type (not a forward declaration): libbpf refuses a kfunc
 * prototype whose pointer argument is a forward-declared struct. */
struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

/* The kernel's values (enum scx_dsq_id_flags, enum scx_public_consts). */
#define SCX_DSQ_GLOBAL ((1ULL << 63) | 1)
#define SCX_DSQ_LOCAL ((1ULL << 63) | 2)
#define SCX_SLICE_DFL 20000000ULL
#define SCX_OPS_NAME_LEN 128

/* Kernel 6.13+ (scx_bpf_dispatch is gone in 7.x). */
void scx_bpf_dsq_insert(struct task_struct *p, __u64 dsq_id, __u64 slice,
			__u64 enq_flags) __ksym;

/* The kernel's sched_ext_ops, only the members we use; libbpf matches them
 * to the kernel's by name, and data members must have the kernel's sizes. */
struct sched_ext_ops {
	__s32 (*select_cpu)(struct task_struct *p, __s32 prev_cpu, __u64 wake_flags);
	void (*enqueue)(struct task_struct *p, __u64 enq_flags);
	void (*running)(struct task_struct *p);
	__u32 dispatch_max_batch;
	__u64 flags;
	__u32 timeout_ms;
	__u32 exit_dump_len;
	__u64 hotplug_seq;
	char name[SCX_OPS_NAME_LEN];
};

__u64 calls_select_cpu = 0;
__u64 calls_enqueue_local = 0;
__u64 calls_enqueue_global = 0;
__u64 calls_running = 0;

/* Without select_cpu the kernel's default skips enqueue for a task that
 * wakes on an idle CPU; returning prev_cpu makes enqueue run every time. */
SEC("struct_ops/select_cpu")
__s32 BPF_PROG(select_cpu, struct task_struct *p, __s32 prev_cpu, __u64 wake_flags)
{
	__sync_fetch_and_add(&calls_select_cpu, 1);
	return prev_cpu;
}

SEC("struct_ops/enqueue_local")
void BPF_PROG(enqueue_local, struct task_struct *p, __u64 enq_flags)
{
	__sync_fetch_and_add(&calls_enqueue_local, 1);
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, enq_flags);
}

/* Referenced by no initialiser: loaded only when a shadow slot holds it. */
SEC("struct_ops/enqueue_global")
void BPF_PROG(enqueue_global, struct task_struct *p, __u64 enq_flags)
{
	__sync_fetch_and_add(&calls_enqueue_global, 1);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SEC("struct_ops/running")
void BPF_PROG(running, struct task_struct *p)
{
	__sync_fetch_and_add(&calls_running, 1);
}

SEC(".struct_ops.link")
struct sched_ext_ops skel_scx = {
	.select_cpu = (void *)select_cpu,
	.enqueue = (void *)enqueue_local,
	.running = (void *)running,
	.name = "skel_scx",
};
