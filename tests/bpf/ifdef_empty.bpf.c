// A program the preprocessor empties: its headers are read, but everything
// it defines sits under a macro nobody defines (as when a program is
// disabled for an architecture or a kernel version). clang emits no .BTF.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifdef SKEL_TESTS_NEVER_DEFINED
char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

__u64 calls;

SEC("tp/syscalls/sys_enter_getppid")
int count(void *ctx)
{
	calls++;
	return 0;
}
#endif
