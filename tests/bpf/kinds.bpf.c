// The kinds of maps, programs and globals a skeleton meets beyond the other
// fixtures: map-in-map, per-CPU hash with a struct key, .kconfig externs,
// several custom data sections, an autoload-off program, kprobe, xdp,
// socket and tc programs, a static subprogram, 128-bit and floating-point
// globals, a zero-length array and pointers in data sections.
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct inner_val { int a; char b[3]; };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct inner_val);
} inner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, typeof(inner));
} outer SEC(".maps") = { .values = { &inner } };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, struct inner_val);
	__type(value, __u64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} percpu SEC(".maps");

struct wide { unsigned a : 3, b : 5; signed c : 7; unsigned long long d : 40; };
union split { __u64 x; struct { __u32 lo, hi; }; float f; };
enum tiny { TINY_A = 1, TINY_B = 200 } __attribute__((packed));
typedef struct { int x; } anon_td;

/* .data */
struct wide gbf = { .a = 5, .b = 17, .c = -3, .d = 12345 };
enum tiny ge = TINY_B;
__int128 gi128 = -7;
float gfl = 1.5;
double gdb[3] = { 1, 2, 3 };
_Bool gb = 1;
char gstr[10] = "hi";

/* .bss */
union split gu;
anon_td gtd;
unsigned __int128 gu128;
int zla[0]; /* the kernel refuses BTF with a zero-size datasec variable: libbpf loads without BTF (it says so) */
int *gptr;
void (*gfn)(void);
struct { struct { struct { int deep; } l3; } l2; } gnest;
static int static_counter;
__u64 cnt;

/* .rodata */
const volatile char roname[8] = "ro";
const volatile struct wide robf = { .a = 1 };

/* custom sections */
struct { int n; int arr[4][2]; } garr SEC(".data.custom") = { .n = 1, .arr = { [3] = { 7, 8 } } };
long long gsec2 SEC(".data.second");
const volatile int rosec SEC(".rodata.extra") = 9;

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig __weak;

static __noinline int sub(int x) { return x + static_counter; }

SEC("tp/syscalls/sys_enter_getpid")
int tp_getpid(void *ctx)
{
	cnt += sub(LINUX_KERNEL_VERSION != 0) + robf.a + rosec + CONFIG_BPF_SYSCALL + roname[0];
	return 0;
}

SEC("?tp/syscalls/sys_enter_getppid")
int tp_off(void *ctx) { gu.x++; return 0; }

SEC("kprobe/do_nanosleep")
int kp(void *ctx) { gsec2++; return 0; }

SEC("xdp")
int xdp_pass(struct xdp_md *ctx) { return XDP_PASS; }

SEC("socket")
int sock(void *ctx) { return 0; }

SEC("tc")
int tc_ok(void *ctx) { return 0; }
