// The scheduler of ../bpf/scx_minimal.bpf.c, written against the guest
// kernel's own types: `vmlinux.h` is printed by skel-builder from the BTF
// of the kernel the VM test boots (vm/run.sh extracts it and sets
// SKEL_VM_BTF; the build script then builds this file in place of
// ../bpf/scx_minimal.bpf.c). The same maps, programs and globals, so the
// guest program and its checks are the same.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* From vmlinux.h: struct task_struct, struct sched_ext_ops (the whole
 * kernel struct), and the enum64 constants SCX_DSQ_LOCAL, SCX_DSQ_GLOBAL
 * (enum scx_dsq_id_flags) and SCX_SLICE_DFL (enum scx_public_consts). */
void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags) __ksym;

u64 calls_select_cpu = 0;
u64 calls_enqueue_local = 0;
u64 calls_enqueue_global = 0;
u64 calls_running = 0;

SEC("struct_ops/select_cpu")
s32 BPF_PROG(select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	__sync_fetch_and_add(&calls_select_cpu, 1);
	return prev_cpu;
}

SEC("struct_ops/enqueue_local")
void BPF_PROG(enqueue_local, struct task_struct *p, u64 enq_flags)
{
	__sync_fetch_and_add(&calls_enqueue_local, 1);
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, enq_flags);
}

/* Referenced by no initialiser: loaded only when a shadow slot holds it. */
SEC("struct_ops/enqueue_global")
void BPF_PROG(enqueue_global, struct task_struct *p, u64 enq_flags)
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
