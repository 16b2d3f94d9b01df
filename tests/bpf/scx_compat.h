/* The scheduler of the sched_ext VM test's compatibility checks, written in
 * the style of sched_ext's own schedulers: kernel constants in `.rodata`
 * (scx_enums.h), an exit-info buffer sized before load, and ops of a
 * kernel newer than the one it runs on. Included by scx_compat.bpf.c (the
 * host's stand-in, hand-written types) and ../bpf-vm/scx_compat.bpf.c (the
 * guest's, vmlinux.h), after their types, so both skeletons have one API.
 * The guest side is tests/src/bin/scx_guest/compat.rs. */

/* The ops of a kernel newer than the guest's: the members this scheduler
 * uses, and `skel_next_op`, a callback no kernel has. The `___next` flavor
 * makes libbpf fill the kernel's `struct sched_ext_ops` from it, matching
 * members by name; the loader clears what the running kernel lacks, on
 * purpose (`struct_ops.<map>_clear_missing()`). */
struct sched_ext_ops___next {
	__s32 (*select_cpu)(struct task_struct *p, __s32 prev_cpu, __u64 wake_flags);
	void (*enqueue)(struct task_struct *p, __u64 enq_flags);
	void (*running)(struct task_struct *p);
	void (*exit)(struct scx_exit_info *ei);
	void (*skel_next_op)(struct task_struct *p);
	__u32 dispatch_max_batch;
	__u64 flags;
	__u32 timeout_ms;
	__u32 exit_dump_len;
	__u64 hotplug_seq;
	char name[128];
};

void scx_bpf_dsq_insert(struct task_struct *p, __u64 dsq_id, __u64 slice,
			__u64 enq_flags) __ksym;
void scx_bpf_error_bstr(char *fmt, unsigned long long *data, __u32 data__sz) __ksym;

/* The kernel constants as the program read them, after load. */
__u64 seen_dsq_local = 0;
__u64 seen_slice_dfl = 0;
__u64 seen_enq_preempt = 0;
__s64 seen_task_cursor = 0;
__u64 calls_enqueue = 0;
__u64 calls_running = 0;
__u64 calls_next_op = 0;
/* Set by the loader after attach: the next enqueue exits with an error. */
__u32 trigger_exit = 0;

/* Why the scheduler exited, recorded by its exit callback. */
struct skel_exit_info {
	__s32 kind;
	char msg[256];
} exit_info;

/* The kernel's debug dump at an error exit: sized before load to the
 * ops' exit_dump_len, by resizing its section and setting its length. */
const volatile __u32 uei_dump_len = 0;
char uei_dump[1] SEC(".data.uei_dump");

static char exit_fmt[] = "skel: exit requested";

SEC("struct_ops/compat_select_cpu")
__s32 BPF_PROG(compat_select_cpu, struct task_struct *p, __s32 prev_cpu, __u64 wake_flags)
{
	return prev_cpu;
}

SEC("struct_ops/compat_enqueue")
void BPF_PROG(compat_enqueue, struct task_struct *p, __u64 enq_flags)
{
	__sync_fetch_and_add(&calls_enqueue, 1);
	seen_dsq_local = SCX_DSQ_LOCAL;
	seen_slice_dfl = SCX_SLICE_DFL;
	seen_enq_preempt = SCX_ENQ_PREEMPT;
	seen_task_cursor = (__s64)SCX_TASK_CURSOR;
	if (trigger_exit) {
		unsigned long long param[1] = { 0 };

		scx_bpf_error_bstr(exit_fmt, param, sizeof(param));
	}
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, enq_flags);
}

SEC("struct_ops/compat_running")
void BPF_PROG(compat_running, struct task_struct *p)
{
	__sync_fetch_and_add(&calls_running, 1);
}

SEC("struct_ops/compat_exit")
void BPF_PROG(compat_exit, struct scx_exit_info *ei)
{
	bpf_probe_read_kernel_str(exit_info.msg, sizeof(exit_info.msg), ei->msg);
	bpf_probe_read_kernel_str(uei_dump, uei_dump_len, ei->dump);
	exit_info.kind = ei->kind;
}

/* In the slot of a callback the running kernel lacks. */
SEC("struct_ops/next_op")
void BPF_PROG(next_op, struct task_struct *p)
{
	__sync_fetch_and_add(&calls_next_op, 1);
}

SEC(".struct_ops.link")
struct sched_ext_ops___next scx_compat_ops = {
	.select_cpu = (void *)compat_select_cpu,
	.enqueue = (void *)compat_enqueue,
	.running = (void *)compat_running,
	.exit = (void *)compat_exit,
	.skel_next_op = (void *)next_op,
	.name = "skel_compat",
};
