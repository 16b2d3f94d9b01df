// The weak definitions (see ../weak_strong.h).
#include "../weak_strong.h"

char LICENSE[] SEC("license") = "GPL";

/* Moves the weak copies off the start of their sections. */
__u64 weak_file_only = 0x11;
const volatile __u32 weak_file_ro = 0x12;

__weak __u64 knob = 0xaaaa;
__weak struct cfg cfg = { .a = 1, .b = 2 };
__weak const volatile __u32 limit = 10;
__weak __u64 zeroed;

struct seen seen_in_weak_file = {};

SEC("syscall")
int see_in_weak_file(void *ctx)
{
	SEE(seen_in_weak_file);
	return 0;
}
