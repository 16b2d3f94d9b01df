// The program of the README's complete example: a small TCP congestion
// control (`cc`, a tcp_congestion_ops struct_ops map) with two cong_avoid
// programs to choose from, a `.rodata` switch, a `.bss` counter, a typed
// hash map and a ring buffer of events. The README's Rust compiles against
// its skeleton as a doctest of the tests crate.
//
// skel: event_type events struct event
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct sock;
struct tcp_sock {
	__u32 snd_cwnd;
	__u32 snd_ssthresh;
} __attribute__((preserve_access_index));

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	char name[16];
	__u32 flags;
};

struct event {
	__u32 cwnd;
	__u32 acked;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

const volatile __u32 verbose = 0;
__u64 counter = 0;

static struct tcp_sock *tcp_sk(struct sock *sk)
{
	return (struct tcp_sock *)sk;
}

SEC("struct_ops/ssthresh")
__u32 BPF_PROG(ssthresh, struct sock *sk)
{
	__u32 half = tcp_sk(sk)->snd_cwnd >> 1;

	return half > 2 ? half : 2;
}

SEC("struct_ops/undo_cwnd")
__u32 BPF_PROG(undo_cwnd, struct sock *sk)
{
	return tcp_sk(sk)->snd_cwnd;
}

SEC("struct_ops/reno")
void BPF_PROG(reno, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	__sync_fetch_and_add(&counter, 1);
	tp->snd_cwnd += tp->snd_cwnd < tp->snd_ssthresh ? acked : 1;
}

SEC("struct_ops/eager")
void BPF_PROG(eager, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	__u32 key = acked;
	__u64 one = 1, *n;
	struct event *e;

	__sync_fetch_and_add(&counter, 1);
	tp->snd_cwnd += 2 * acked;
	n = bpf_map_lookup_elem(&counts, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	if (verbose) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (e) {
			e->cwnd = tp->snd_cwnd;
			e->acked = acked;
			bpf_ringbuf_submit(e, 0);
		}
	}
}

SEC(".struct_ops.link")
struct tcp_congestion_ops cc = {
	.ssthresh = (void *)ssthresh,
	.cong_avoid = (void *)reno,
	.undo_cwnd = (void *)undo_cwnd,
	.name = "foo_cc",
};
