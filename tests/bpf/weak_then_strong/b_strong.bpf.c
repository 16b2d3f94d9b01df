// The strong definitions (see ../weak_strong.h).
#include "../weak_strong.h"

char LICENSE[] SEC("license") = "GPL";

__u64 strong_file_only = 0x22;
const volatile __u32 strong_file_ro = 0x23;

__u64 knob = 0xbbbb;
struct cfg cfg = { .a = 3, .b = 4 };
const volatile __u32 limit = 20;
__u64 zeroed;

struct seen seen_in_strong_file = {};

SEC("syscall")
int see_in_strong_file(void *ctx)
{
	SEE(seen_in_strong_file);
	return 0;
}
