// Maps declared with key_size/value_size, no BTF key or value types (as
// scx_simple's and rusty's per-CPU `stats`), typed by the build script:
//
// - `stats`: per-CPU array of 2 u64 counters (its u32 key needs no name);
// - `flows`: hash from `struct flow` to `struct flow_stats`;
// - `events_q`: queue of u32.
//
// `count` (a syscall program) bumps them; kernel_sized_maps.rs reads them
// back through the typed handles.
//
// skel: map_value_type stats u64
// skel: map_key_type flows struct flow
// skel: map_value_type flows struct flow_stats
// skel: map_value_type events_q __u32
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct flow {
	__u32 saddr;
	__u16 sport;
	__u16 dport;
};

struct flow_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
	__uint(max_entries, 2);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(key_size, sizeof(struct flow));
	__uint(value_size, sizeof(struct flow_stats));
	__uint(max_entries, 16);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 8);
} events_q SEC(".maps");

struct count_args {
	__u32 idx;
	__u32 bytes;
};

SEC("syscall")
int count(struct count_args *args)
{
	__u32 idx = args->idx & 1;
	__u64 *cnt = bpf_map_lookup_elem(&stats, &idx);
	struct flow key = { .saddr = 0x0a000001, .sport = 1000, .dport = 53 };
	struct flow_stats init = {}, *fs;
	__u32 ev = args->bytes;

	if (cnt)
		(*cnt)++;
	fs = bpf_map_lookup_elem(&flows, &key);
	if (!fs) {
		bpf_map_update_elem(&flows, &key, &init, BPF_NOEXIST);
		fs = bpf_map_lookup_elem(&flows, &key);
	}
	if (fs) {
		fs->packets++;
		fs->bytes += args->bytes;
	}
	bpf_map_push_elem(&events_q, &ev, 0);
	return 0;
}
