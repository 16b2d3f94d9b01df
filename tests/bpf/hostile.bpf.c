// Valid but hostile names: keywords, names differing only in case, names
// that collide once escaped, very long names, and members named like the
// items skel generates. The generated skeleton must compile (this crate
// denies warnings) and keep every name distinct.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define NAME(suffix) CAT(LONG, suffix)
#define LONG a_very_long_name_a_very_long_name_a_very_long_name_a_very_long_name_a_very_long_name_a_very_long_name_a_very_long_name_a_very_long_name_a_very_long_name_a_very_long_name_a_very_long_name_a_very_long_name_a_very_long_name_a_very_long_name_end

/* Types named like Rust primitives and like names used inside generated
 * code (`This` aliases the type in its layout checks). */
struct u8 { int not_a_byte; };
enum i32 { I32_ONE = 1 };
struct This { struct u8 inner; };
struct bool { char b; };

/* Types that collide once escaped or with generated anonymous-type names. */
struct outer { struct { int a; } inner; };
struct outer__inner { long b; };

struct members {
	int x : 3, set_x : 2, x_mut : 3;       /* bitfield accessors vs members */
	int __bitfield_0, __padding_0, __anon_0; /* generated field names */
	char c;
	/* a gap here becomes padding */
	long l;
	int Value, value, VALUE;               /* differ only in case */
	int self, self_, Self, _;             /* escape to the same spellings */
	int LONG;
	struct u8 u8;
	enum i32 i32;
	struct This This;
	struct bool bool;
	union { int u, u_mut, set_u; } un;     /* union accessors vs members */
};

struct members members_var;
struct outer outer_var;
struct outer__inner outer_inner_var;
int Counter = 1, counter = 2, COUNTER = 3;
int NAME(_var) = 4;

SEC(".data.x.y") int in_x_dot_y = 5;
SEC(".data.x_y") int in_x_under_y = 6;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct members);
} Map SEC(".maps"), map SEC(".maps"), map_mut SEC(".maps"), NAME(_map) SEC(".maps");

SEC("tp/syscalls/sys_enter_getpid")
int prog(void *ctx) { return counter + members_var.x; }
SEC("tp/syscalls/sys_enter_getpid")
int Prog(void *ctx) { return Counter; }
SEC("tp/syscalls/sys_enter_getpid")
int prog_mut(void *ctx) { return COUNTER; }
SEC("tp/syscalls/sys_enter_getpid")
int NAME(_prog)(void *ctx) { return 0; }
