// One struct_ops map (a TCP congestion control) and programs that are not
// struct_ops callbacks: load associates them with the map where the kernel
// can (BPF_PROG_ASSOC_STRUCT_OPS), as sched_ext's SCX_OPS_LOAD does
// (tests/tests/kernel_assoc.rs).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct sock;
struct tcp_sock {
	__u32 snd_cwnd;
} __attribute__((preserve_access_index));

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	char name[16];
};

__u64 syscall_runs = 0;
__u64 getpid_calls = 0;

SEC("struct_ops/as_ssthresh")
__u32 BPF_PROG(as_ssthresh, struct sock *sk)
{
	__u32 half = ((struct tcp_sock *)sk)->snd_cwnd >> 1;

	return half > 2 ? half : 2;
}

SEC("struct_ops/as_cong_avoid")
void BPF_PROG(as_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	tp->snd_cwnd = tp->snd_cwnd + 1;
}

SEC("struct_ops/as_undo_cwnd")
__u32 BPF_PROG(as_undo_cwnd, struct sock *sk)
{
	return ((struct tcp_sock *)sk)->snd_cwnd;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops assoc_ca = {
	.ssthresh = (void *)as_ssthresh,
	.cong_avoid = (void *)as_cong_avoid,
	.undo_cwnd = (void *)as_undo_cwnd,
	.name = "skel_assoc",
};

SEC("syscall")
int assoc_syscall(void *ctx)
{
	__sync_fetch_and_add(&syscall_runs, 1);
	return 0;
}

SEC("tp/syscalls/sys_enter_getpid")
int assoc_getpid(void *ctx)
{
	__sync_fetch_and_add(&getpid_calls, 1);
	return 0;
}

/* Not loaded unless a test turns its autoload on: nothing to associate. */
SEC("?syscall")
int assoc_unloaded(void *ctx)
{
	return 0;
}
