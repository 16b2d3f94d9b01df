// The runtime rows of `make bench`: a hash map for typed lookup+update
// against libbpf-rs's byte API, a ring buffer that a tracepoint fills
// with `burst` events at once (bpf_loop), for typed consumption against
// raw, and a 100,000-entry hash map user space fills and reads whole
// (typed `iter()` against libbpf-rs's `keys()` and `lookup()`).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct value {
	__u64 count;
	__u64 bytes;
	__u32 pid;
	__u32 flags;
	__u64 stamp;
};

struct sample {
	__u64 seq;
	__u64 stamp;
	__u32 cpu;
	__u32 len;
	__u64 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct value);
} table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 100000);
	__type(key, __u32);
	__type(value, struct value);
} entries SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} samples SEC(".maps");

const volatile __u32 target_tid = 0;
__u32 burst = 0;
__u64 emitted = 0;

static long emit(__u64 i, void *ctx)
{
	struct sample *s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);

	if (!s)
		return 1;
	s->seq = i;
	s->stamp = i * 3;
	s->cpu = 0;
	s->len = sizeof(*s);
	s->pad = 0;
	bpf_ringbuf_submit(s, BPF_RB_NO_WAKEUP);
	emitted++;
	return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int fill(void *ctx)
{
	if ((__u32)bpf_get_current_pid_tgid() != target_tid)
		return 0;
	bpf_loop(burst, emit, 0, 0);
	return 0;
}
