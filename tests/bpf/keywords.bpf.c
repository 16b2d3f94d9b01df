// Names that are Rust keywords, or collide once escaped, for maps,
// programs, variables and members.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} type SEC(".maps"), self SEC(".maps"), Self SEC(".maps"), crate SEC(".maps"), bss SEC(".maps"),
  bss_mut SEC(".maps"), self_ SEC(".maps");

int match = 1;
int fn = 2;
int super = 3;
int _ = 4;
const volatile int ref = 5;

struct impl_ops {
	int (*move)(int);
	int (*self)(int);
	int where;
	int async, await, dyn;
};

SEC("struct_ops/loop")
int loop(int a) { return a; }
SEC("struct_ops/yield")
int yield(int a) { return a; }
SEC("tp/syscalls/sys_enter_getpid")
int unsafe(void *ctx) { return match + fn + super + _ + ref; }

SEC(".struct_ops")
struct impl_ops mod = { .move = (void *)loop, .self = (void *)yield, .where = 1 };
SEC(".struct_ops")
struct impl_ops trait = { .move = (void *)loop };
