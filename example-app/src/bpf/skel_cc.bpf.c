// SPDX-License-Identifier: GPL-2.0
//
// skel_cc: a small TCP congestion control, registered as a
// tcp_congestion_ops struct_ops map. It offers two programs for the
// cong_avoid callback; user space picks one through the generated shadow
// (`ops.cong_avoid = Some(open.progs().<prog>())`) before load, and renames
// the algorithm and sets its flags the same way.
//
// Every program counts its runs in a global of its own (.bss), which user
// space reads after the transfer.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define TCP_CA_NAME_MAX 16

struct sock;

/* The tcp_sock members we read and write. preserve_access_index lets libbpf
 * find them in the running kernel's struct tcp_sock by name (CO-RE), and the
 * kernel allows struct_ops programs to write these. */
struct tcp_sock {
	__u32 snd_cwnd;
	__u32 snd_cwnd_cnt;
	__u32 snd_cwnd_clamp;
	__u32 snd_ssthresh;
} __attribute__((preserve_access_index));

/* The kernel's struct tcp_congestion_ops, cut to the members we fill.
 * libbpf matches members to the kernel's by name, so neither order nor the
 * members left out matter. */
struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	void (*init)(struct sock *sk);
	char name[TCP_CA_NAME_MAX];
	__u32 flags;
};

/* Runs of each program; user space reads them through the skeleton's
 * typed view of .bss. */
__u64 calls_init = 0;
__u64 calls_ssthresh = 0;
__u64 calls_undo_cwnd = 0;
__u64 calls_cong_avoid_reno = 0;
__u64 calls_cong_avoid_aggressive = 0;

static __always_inline struct tcp_sock *tcp_sk(struct sock *sk)
{
	return (struct tcp_sock *)sk;
}

static __always_inline void set_cwnd(struct tcp_sock *tp, __u32 cwnd)
{
	__u32 clamp = tp->snd_cwnd_clamp;

	tp->snd_cwnd = cwnd < clamp ? cwnd : clamp;
}

SEC("struct_ops/cc_init")
void BPF_PROG(cc_init, struct sock *sk)
{
	__sync_fetch_and_add(&calls_init, 1);
}

/* On loss: halve the window, as Reno does. */
SEC("struct_ops/cc_ssthresh")
__u32 BPF_PROG(cc_ssthresh, struct sock *sk)
{
	__u32 half = tcp_sk(sk)->snd_cwnd >> 1;

	__sync_fetch_and_add(&calls_ssthresh, 1);
	return half > 2 ? half : 2;
}

SEC("struct_ops/cc_undo_cwnd")
__u32 BPF_PROG(cc_undo_cwnd, struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	__u32 before_loss = tp->snd_ssthresh << 1;

	__sync_fetch_and_add(&calls_undo_cwnd, 1);
	return tp->snd_cwnd > before_loss ? tp->snd_cwnd : before_loss;
}

/* Reno-like: slow start up to ssthresh, then one segment per window of
 * ACKed segments (additive increase). */
SEC("struct_ops/cc_cong_avoid_reno")
void BPF_PROG(cc_cong_avoid_reno, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	__u32 cwnd = tp->snd_cwnd;

	__sync_fetch_and_add(&calls_cong_avoid_reno, 1);
	if (cwnd < tp->snd_ssthresh) {
		set_cwnd(tp, cwnd + acked);
		return;
	}
	tp->snd_cwnd_cnt += acked;
	if (cwnd && tp->snd_cwnd_cnt >= cwnd) {
		__u32 grow = tp->snd_cwnd_cnt / cwnd;

		tp->snd_cwnd_cnt -= grow * cwnd;
		set_cwnd(tp, cwnd + grow);
	}
}

/* Aggressive: stays in slow start for good, growing the window by twice
 * the ACKed segments whatever ssthresh says. */
SEC("struct_ops/cc_cong_avoid_aggressive")
void BPF_PROG(cc_cong_avoid_aggressive, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	__sync_fetch_and_add(&calls_cong_avoid_aggressive, 1);
	set_cwnd(tp, tp->snd_cwnd + 2 * acked);
}

/* A BPF link holds the registration: if the process dies, however it dies,
 * the link closes and the kernel unregisters the algorithm. */
SEC(".struct_ops.link")
struct tcp_congestion_ops skel_cc = {
	.init = (void *)cc_init,
	.ssthresh = (void *)cc_ssthresh,
	.undo_cwnd = (void *)cc_undo_cwnd,
	.cong_avoid = (void *)cc_cong_avoid_reno,
	.name = "skel_cc",
};
