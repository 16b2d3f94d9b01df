// Batch operations (`lookup_batch`, `update_batch`, `delete_batch`,
// `iter()`): maps the test fills from user space, one of each shape the
// kernel's batch commands treat differently, and a stack trace map, which
// has no batch commands (the key walk), that `stacks` fills on every
// getppid() of the test's thread.
//
// - `hash`: hash map, a key with padding, a 16-byte value;
// - `percpu`: per-CPU hash of 12-byte values (a 16-byte slot per CPU);
// - `percpu_wide`: per-CPU hash of u64 (slots without padding);
// - `trie`: LPM trie (batch position: a key, not a bucket);
// - `array`, `percpu_array`: arrays (batch lookups and updates, no
//   deletes);
// - `stacks`: stack trace map (no batch commands at all).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct key {
	__u32 id;
	__u16 kind;
	/* two bytes of padding */
};

struct value {
	__u64 sum;
	__u32 count;
	char tag[4];
};

struct small {
	__u32 a;
	__u32 b;
	__u32 c;
};

struct trie_key {
	__u32 prefixlen;
	__u8 addr[4];
};

#define ENTRIES 16384

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENTRIES);
	__type(key, struct key);
	__type(value, struct value);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, ENTRIES);
	__type(key, __u32);
	__type(value, struct small);
} percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} percpu_wide SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct trie_key);
	__type(value, __u32);
} trie SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 100);
	__type(key, __u32);
	__type(value, struct value);
} array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 100);
	__type(key, __u32);
	__type(value, struct small);
} percpu_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64[127]);
} stacks SEC(".maps");

const volatile __u32 target_tid = 0;

SEC("tp/syscalls/sys_enter_getppid")
int record_stacks(void *ctx)
{
	if ((__u32)bpf_get_current_pid_tgid() != target_tid)
		return 0;
	bpf_get_stackid(ctx, &stacks, 0);
	bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	return 0;
}
