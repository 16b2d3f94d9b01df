// Typed maps and events: one map of every kind a typed handle serves, a
// ring buffer and a perf event array of `struct event`, and a program that
// fills them with values the kernel test predicts.
//
// skel: event_type events struct event
// skel: event_type perf_events struct event
// skel: types enum unused_state, struct standalone, typedef standalone_t
//
// On every getppid() of the test's thread, `fill` writes, for round n
// (1, 2, ...): `hash[{pid, n}] = {n * 10, n * 100, "round"}`, the same into
// `lru`, `array[n % 4] = {n, ...}`, per-CPU counters, pushes n into
// `queue` and `stack`, bumps `inner_counts[7]` of the map stored at
// `outer[0]` and of `by_name[3]`, and emits one `struct event` on each
// event map.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct key {
	__u32 pid;
	__u16 round;
	__u8 pad[2];
};

struct value {
	__u64 tens;
	__u32 hundreds;
	char label[12];
};

enum kind { KIND_NONE = 0, KIND_HASH = 1, KIND_EVENT = 0x7fffffff };

struct event {
	__u32 pid;
	__u32 round;
	__u64 stamp;
	enum kind kind;
	char comm[16];
};

/* Only asked for by name (`types` in the comment above), used by no map,
 * global or signature: the builder has clang put the tagged ones in BTF. A
 * typedef it cannot name before the source defines it, so this one is
 * used by a global. */
enum unused_state { STATE_OFF = 0, STATE_ON = 3 };
struct standalone { __s16 x; __u8 flags[3]; };
typedef struct standalone standalone_t;
standalone_t *keep_standalone_t;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct key);
	__type(value, struct value);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, struct key);
	__type(value, struct value);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct value);
} array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} percpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct value);
} percpu_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 16);
	__type(value, __u32);
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 16);
	__type(value, __u32);
} stack SEC(".maps");

struct inner_counts {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_counts);
} outer SEC(".maps") = {
	.values = { [0] = &inner_a },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_counts);
} by_name SEC(".maps") = {
	.values = { [3] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096 * 4);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

const volatile __u32 target_tid = 0;
__u32 rounds = 0;
/* The same C type as the events carry: one Rust type for both. */
struct event last_event = {};

static void bump(void *outer_map, __u32 slot)
{
	__u32 key = 7;
	__u64 one = 1, *count;
	void *inner = bpf_map_lookup_elem(outer_map, &slot);

	if (!inner)
		return;
	count = bpf_map_lookup_elem(inner, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(inner, &key, &one, BPF_ANY);
}

SEC("tp/syscalls/sys_enter_getppid")
int fill(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 n, zero = 0, idx;
	struct key k = {};
	struct value v = {};
	struct event *e;
	__u64 *pc;
	struct value *pv;

	if (tid != target_tid)
		return 0;
	n = ++rounds;
	k.pid = tid;
	k.round = n;
	v.tens = n * 10;
	v.hundreds = n * 100;
	__builtin_memcpy(v.label, "round", 6);
	bpf_map_update_elem(&hash, &k, &v, BPF_ANY);
	bpf_map_update_elem(&lru, &k, &v, BPF_ANY);
	idx = n % 4;
	v.tens = n;
	bpf_map_update_elem(&array, &idx, &v, BPF_ANY);

	pc = bpf_map_lookup_elem(&percpu_hash, &zero);
	if (pc) {
		*pc += n;
	} else {
		__u64 first = n;

		bpf_map_update_elem(&percpu_hash, &zero, &first, BPF_ANY);
	}
	pv = bpf_map_lookup_elem(&percpu_array, &zero);
	if (pv) {
		pv->tens += 1;
		pv->hundreds = n;
	}
	bpf_map_push_elem(&queue, &n, 0);
	bpf_map_push_elem(&stack, &n, 0);
	bump(&outer, 0);
	bump(&by_name, 3);

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->pid = tid;
		e->round = n;
		e->stamp = 1000 + n;
		e->kind = KIND_EVENT;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		last_event = *e;
		bpf_ringbuf_submit(e, 0);
	}
	struct event pe = {
		.pid = tid,
		.round = n,
		.stamp = 2000 + n,
		.kind = KIND_HASH,
	};
	bpf_get_current_comm(pe.comm, sizeof(pe.comm));
	bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &pe, sizeof(pe));
	return 0;
}
