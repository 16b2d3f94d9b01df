// Reads the map and global of defs.bpf.c, written by writer.bpf.c's program.
#include "shared.h"

char LICENSE[] SEC("license") = "GPL";

__u64 seen_slots[SLOTS] = {};
__u64 seen_total = 0;

static __always_inline void see(__u32 slot)
{
	__u64 *value = bpf_map_lookup_elem(&counts, &slot);

	if (value && slot < SLOTS)
		seen_slots[slot] = *value;
}

SEC("syscall")
int read_counts(void *ctx)
{
	see(0);
	see(1);
	see(2);
	see(3);
	seen_total = total;
	return 0;
}
