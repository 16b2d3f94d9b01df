// Two tcp_congestion_ops maps, to attach one by one. `good_ca` is
// complete; `bad_ca` leaves out ssthresh, which the kernel requires, so the
// kernel refuses to register it (EINVAL) although it loads. The skeleton's
// name is longer than the 15 bytes libbpf keeps of an object name, and its
// errors must name it whole.
//
// Two members exist for load errors the tests provoke through the shadow:
// `get_info`, for which the kernel refuses BPF programs (ENOTSUPP, a
// kernel-internal errno, with a line in the verifier's log), and
// `no_such_member`, which the kernel's struct lacks (libbpf refuses a
// non-zero value, with a line in its log).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct sock;
union tcp_cc_info;

struct tcp_sock {
	__u32 snd_cwnd;
} __attribute__((preserve_access_index));

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	__u64 (*get_info)(struct sock *sk, __u32 ext, int *attr, union tcp_cc_info *info);
	char name[16];
	__u32 no_such_member;
};

__u64 calls = 0;

SEC("struct_ops/aa_ssthresh")
__u32 BPF_PROG(aa_ssthresh, struct sock *sk)
{
	__u32 half = ((struct tcp_sock *)sk)->snd_cwnd >> 1;

	return half > 2 ? half : 2;
}

SEC("struct_ops/aa_cong_avoid")
void BPF_PROG(aa_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	__sync_fetch_and_add(&calls, 1);
	tp->snd_cwnd = tp->snd_cwnd + 1;
}

SEC("struct_ops/aa_undo_cwnd")
__u32 BPF_PROG(aa_undo_cwnd, struct sock *sk)
{
	return ((struct tcp_sock *)sk)->snd_cwnd;
}

/* In no initialiser: loads only if a test puts it in a slot. */
SEC("struct_ops/aa_get_info")
__u64 BPF_PROG(aa_get_info, struct sock *sk, __u32 ext, int *attr, union tcp_cc_info *info)
{
	return 0;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops good_ca = {
	.ssthresh = (void *)aa_ssthresh,
	.cong_avoid = (void *)aa_cong_avoid,
	.undo_cwnd = (void *)aa_undo_cwnd,
	.name = "skel_aa_good",
};

SEC(".struct_ops")
struct tcp_congestion_ops bad_ca = {
	.cong_avoid = (void *)aa_cong_avoid,
	.undo_cwnd = (void *)aa_undo_cwnd,
	.name = "skel_aa_bad",
};
