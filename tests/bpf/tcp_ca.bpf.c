// A small TCP congestion control as a tcp_congestion_ops struct_ops map,
// with two alternative cong_avoid programs. The initialiser references only
// the Reno-like one; tests swap the aggressive one in through the shadow.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define TCP_CA_NAME_MAX 16

struct sock;
struct tcp_sock {
	__u32 snd_cwnd;
	__u32 snd_ssthresh;
} __attribute__((preserve_access_index));

/* The kernel's tcp_congestion_ops, only the members we use; libbpf matches
 * them to the kernel's by name. */
struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	void (*cwnd_event)(struct sock *sk, int ev);
	__u32 (*undo_cwnd)(struct sock *sk);
	void (*init)(struct sock *sk);
	char name[TCP_CA_NAME_MAX];
	__u32 flags;
};

__u64 calls_init = 0;
__u64 calls_ssthresh = 0;
__u64 calls_reno = 0;
__u64 calls_aggressive = 0;
__u64 calls_cwnd_event = 0;
__u64 calls_undo = 0;
__u64 calls_optional = 0;

static __always_inline struct tcp_sock *tcp_sk(struct sock *sk)
{
	return (struct tcp_sock *)sk;
}

SEC("struct_ops/ca_init")
void BPF_PROG(ca_init, struct sock *sk)
{
	__sync_fetch_and_add(&calls_init, 1);
}

SEC("struct_ops/ca_ssthresh")
__u32 BPF_PROG(ca_ssthresh, struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	__u32 half = tp->snd_cwnd >> 1;

	__sync_fetch_and_add(&calls_ssthresh, 1);
	return half > 2 ? half : 2;
}

SEC("struct_ops/ca_undo_cwnd")
__u32 BPF_PROG(ca_undo_cwnd, struct sock *sk)
{
	__sync_fetch_and_add(&calls_undo, 1);
	return tcp_sk(sk)->snd_cwnd;
}

SEC("struct_ops/ca_cong_avoid_reno")
void BPF_PROG(ca_cong_avoid_reno, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	__sync_fetch_and_add(&calls_reno, 1);
	if (tp->snd_cwnd < tp->snd_ssthresh)
		tp->snd_cwnd = tp->snd_cwnd + acked;
	else
		tp->snd_cwnd = tp->snd_cwnd + 1;
}

SEC("struct_ops/ca_cong_avoid_aggressive")
void BPF_PROG(ca_cong_avoid_aggressive, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	__sync_fetch_and_add(&calls_aggressive, 1);
	tp->snd_cwnd = tp->snd_cwnd + 2 * acked;
}

SEC("struct_ops/ca_cwnd_event")
void BPF_PROG(ca_cwnd_event, struct sock *sk, int ev)
{
	__sync_fetch_and_add(&calls_cwnd_event, 1);
}

SEC(".struct_ops")
struct tcp_congestion_ops skel_ca = {
	.init = (void *)ca_init,
	.ssthresh = (void *)ca_ssthresh,
	.undo_cwnd = (void *)ca_undo_cwnd,
	.cong_avoid = (void *)ca_cong_avoid_reno,
	.cwnd_event = (void *)ca_cwnd_event,
	.name = "skel_ca",
};

/* Only the optional map below references this program: it loads exactly
 * when that map's autocreate is turned on. */
SEC("struct_ops/ca_cong_avoid_optional")
void BPF_PROG(ca_cong_avoid_optional, struct sock *sk, __u32 ack, __u32 acked)
{
	__sync_fetch_and_add(&calls_optional, 1);
	tcp_sk(sk)->snd_cwnd = tcp_sk(sk)->snd_cwnd + 1;
}

SEC("?.struct_ops")
struct tcp_congestion_ops skel_ca_optional = {
	.ssthresh = (void *)ca_ssthresh,
	.undo_cwnd = (void *)ca_undo_cwnd,
	.cong_avoid = (void *)ca_cong_avoid_optional,
	.name = "skel_ca_opt",
};
