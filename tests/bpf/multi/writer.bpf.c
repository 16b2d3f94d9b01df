// Writes through the function and map of defs.bpf.c.
#include "shared.h"

char LICENSE[] SEC("license") = "GPL";

/* Set before load. */
const volatile __u32 write_slot = 1;
const volatile __u64 write_by = 1;

__u64 last_bump = 0;

SEC("syscall")
int write_counts(void *ctx)
{
	last_bump = bump(write_slot, write_by);
	return 0;
}
