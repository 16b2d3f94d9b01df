// Kernel compatibility on this machine's kernel (tests/tests/kernel_compat.rs):
// a tcp_congestion_ops whose BPF struct declares members no kernel has (a
// callback the initialiser fills, and a scalar), `.rodata` constants the
// kernel's enums decide, and flags from an enum assigned to a plain integer
// member.
// skel: types enum compat_cong_flags
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct sock;
struct tcp_sock {
	__u32 snd_cwnd;
	__u32 snd_ssthresh;
} __attribute__((preserve_access_index));

/* Values of tcp_congestion_ops::flags (TCP_CONG_* are macros in the kernel;
 * this enum stands for the enum a kernel header gives, as sched_ext's
 * `enum scx_ops_flags` does for sched_ext_ops::flags). */
enum compat_cong_flags {
	COMPAT_CONG_NON_RESTRICTED = 0x1,
	COMPAT_CONG_NEEDS_ECN = 0x2,
};
/* Puts the enum into BTF. */
enum compat_cong_flags compat_flags_seen;

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	void (*init)(struct sock *sk);
	/* In no kernel's tcp_congestion_ops: what a newer kernel might add. */
	void (*future_callback)(struct sock *sk);
	__u64 future_knob;
	char name[16];
	__u32 flags;
};

/* Kernel constants (sched_ext's convention): `__` + an enum constant of the
 * running kernel, filled by the skeleton's fill_kernel_consts(). */
const volatile __u32 __CA_EVENT_LOSS __weak;       /* enum tcp_ca_event */
const volatile __u64 __PERF_CONTEXT_HV __weak;     /* 64-bit (ENUM64) */
const volatile __s64 __CPUHP_INVALID __weak;       /* -1, a signed enum */
const volatile __s32 __PERF_EVENT_STATE_DEAD;      /* -5, not weak */
const volatile __u64 __SKEL_NO_SUCH_CONSTANT __weak; /* in no kernel */
const volatile __u32 __PERF_CONTEXT_USER __weak;   /* 64-bit: does not fit */
const volatile __u64 __RES_LIMIT __weak;           /* several enums, values differ */
/* Not kernel constants by the naming rule: left alone. */
const volatile __u32 __lower_case = 7;
const volatile __u32 plain_setting = 9;

__u64 seen_loss = 0;
__u64 seen_hv = 0;
__s64 seen_invalid = 0;
__s64 seen_dead = 0;
__u64 seen_missing = 1;
__u64 calls_cong_avoid = 0;
__u64 calls_future = 0;

static __always_inline struct tcp_sock *tcp_sk(struct sock *sk)
{
	return (struct tcp_sock *)sk;
}

SEC("struct_ops/cp_init")
void BPF_PROG(cp_init, struct sock *sk)
{
	/* What this program reads from .rodata after load. */
	seen_loss = __CA_EVENT_LOSS;
	seen_hv = __PERF_CONTEXT_HV;
	seen_invalid = __CPUHP_INVALID;
	seen_dead = __PERF_EVENT_STATE_DEAD;
	seen_missing = __SKEL_NO_SUCH_CONSTANT;
}

SEC("struct_ops/cp_ssthresh")
__u32 BPF_PROG(cp_ssthresh, struct sock *sk)
{
	__u32 half = tcp_sk(sk)->snd_cwnd >> 1;

	return half > 2 ? half : 2;
}

SEC("struct_ops/cp_undo_cwnd")
__u32 BPF_PROG(cp_undo_cwnd, struct sock *sk)
{
	return tcp_sk(sk)->snd_cwnd;
}

SEC("struct_ops/cp_cong_avoid")
void BPF_PROG(cp_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	__sync_fetch_and_add(&calls_cong_avoid, 1);
	tcp_sk(sk)->snd_cwnd = tcp_sk(sk)->snd_cwnd + 1;
}

SEC("struct_ops/cp_future")
void BPF_PROG(cp_future, struct sock *sk)
{
	__sync_fetch_and_add(&calls_future, 1);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops compat_ca = {
	.init = (void *)cp_init,
	.ssthresh = (void *)cp_ssthresh,
	.undo_cwnd = (void *)cp_undo_cwnd,
	.cong_avoid = (void *)cp_cong_avoid,
	.future_callback = (void *)cp_future,
	.name = "skel_compat",
};
