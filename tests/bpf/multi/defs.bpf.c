// The definitions shared.h declares: the map, the global and the function.
#include "shared.h"

char LICENSE[] SEC("license") = "GPL";

struct counts_map counts SEC(".maps");
__u64 total = 0;

/* A global function: other files call it through the linker. */
__noinline __u64 bump(__u32 slot, __u64 by)
{
	__u64 *value;

	if (slot >= SLOTS)
		return 0;
	value = bpf_map_lookup_elem(&counts, &slot);
	if (!value)
		return 0;
	__sync_fetch_and_add(value, by);
	__sync_fetch_and_add(&total, by);
	return *value;
}
