// The "full vmlinux.h" program of the benchmark suite: CO-RE tracing and a
// struct_ops map typed by the running kernel's own tcp_congestion_ops. The
// harness dumps vmlinux.h from /sys/kernel/btf/vmlinux with bpftool at bench
// time; it is not committed.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "bench.h"

char LICENSE[] SEC("license") = "GPL";

struct switch_event {
	u32 prev_pid;
	u32 next_pid;
	u64 ts_ns;
	long prev_state;
	char comm[BENCH_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct switch_event);
} last_switch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, u64);
	__type(value, u64);
} connects SEC(".maps");

const volatile pid_t target_tgid = 0;
const volatile bool trace_connects = true;
u64 switches = 0;
u64 connect_calls = 0;
u64 ca_calls[4] = {};
struct switch_event latest = {};

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct switch_event ev = {};
	u32 pid = BPF_CORE_READ(next, pid);

	if (target_tgid && BPF_CORE_READ(next, tgid) != target_tgid)
		return 0;
	ev.prev_pid = BPF_CORE_READ(prev, pid);
	ev.next_pid = pid;
	ev.ts_ns = bpf_ktime_get_ns();
	ev.prev_state = BPF_CORE_READ(prev, __state);
	BPF_CORE_READ_STR_INTO(&ev.comm, next, comm);
	bpf_map_update_elem(&last_switch, &pid, &ev, BPF_ANY);
	bpf_ringbuf_output(&events, &ev, sizeof(ev), 0);
	latest = ev;
	__sync_fetch_and_add(&switches, 1);
	return 0;
}

SEC("fentry/tcp_v4_connect")
int BPF_PROG(on_connect, struct sock *sk)
{
	u64 cookie = bpf_get_socket_cookie(sk);
	u64 port = BPF_CORE_READ(sk, __sk_common.skc_dport);

	if (!trace_connects)
		return 0;
	bpf_map_update_elem(&connects, &cookie, &port, BPF_ANY);
	__sync_fetch_and_add(&connect_calls, 1);
	return 0;
}

SEC("struct_ops/bench_ssthresh")
u32 BPF_PROG(bench_ssthresh, struct sock *sk)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	u32 half = BPF_CORE_READ(tp, snd_cwnd) >> 1;

	__sync_fetch_and_add(&ca_calls[0], 1);
	return half > 2 ? half : 2;
}

SEC("struct_ops/bench_cong_avoid")
void BPF_PROG(bench_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	__sync_fetch_and_add(&ca_calls[1], 1);
}

SEC("struct_ops/bench_undo_cwnd")
u32 BPF_PROG(bench_undo_cwnd, struct sock *sk)
{
	__sync_fetch_and_add(&ca_calls[2], 1);
	return BPF_CORE_READ((const struct tcp_sock *)sk, snd_cwnd);
}

SEC("struct_ops/bench_init")
void BPF_PROG(bench_init, struct sock *sk)
{
	__sync_fetch_and_add(&ca_calls[3], 1);
}

/* The kernel's own tcp_congestion_ops, every member, from vmlinux.h. */
SEC(".struct_ops")
struct tcp_congestion_ops bench_ca = {
	.ssthresh = (void *)bench_ssthresh,
	.cong_avoid = (void *)bench_cong_avoid,
	.undo_cwnd = (void *)bench_undo_cwnd,
	.init = (void *)bench_init,
	.name = "skel_bench",
};
