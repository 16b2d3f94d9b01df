// Typed globals: every data section, with the shapes a translator meets.
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

enum mode { MODE_OFF, MODE_ON = 5 };
struct point { int x, y; };
struct flags { unsigned int a : 1, b : 7, c : 24; signed int neg : 4; };
/* Bitfields of 64-bit types: accessors read and write u64/i64 directly. */
enum wide_e { WIDE_LOW = 1, WIDE_HIGH = 0x100000000ULL };
/* Signed and 64-bit enumerators: clang 14 wrote them into BTF truncated to
 * 32 bits and unsigned; tests/tests/globals_open.rs compares each generated
 * constant with the value written here. */
enum sign_e { SIGN_NEG = -5, SIGN_POS = 7 };
enum wide_neg { WIDE_NEG = -0x100000000LL, WIDE_MINUS_ONE = -1, WIDE_TOP = 0x7fffffffffffffffLL };
struct wide_bits { unsigned long long big : 40; long long sbig : 20; enum wide_e we : 36; };
union value { __u32 u; float f; };
struct __attribute__((packed)) packed_rec { char tag; __u32 n; };
struct empty {};
struct task_struct___old { int pid; };
typedef struct { long z; } foo;
struct foo { short s; };

/* .data */
bool enabled = true;
enum mode mode = MODE_ON;
enum sign_e sign = SIGN_NEG;
enum wide_neg wide_neg = WIDE_NEG;
struct point origin = { 1, 2 };
struct point path[3] = { { 1, 1 }, { 2, 2 }, { 3, 3 } };
struct flags fl = { 1, 100, 0xabcdef, -3 };
struct wide_bits wb = { 0xabcdef1234ULL, -5, WIDE_LOW };
union value val = { .u = 0x3f800000 };
struct packed_rec rec = { 'r', 7 };
char greeting[12] = "hi";
struct task_struct___old old = { 3 };
__u8 bytes[5] = { 1, 2, 3, 4, 5 };
foo typedef_anon = { 9 };
struct foo tagged = { 8 };
/* Placed in .data by hand: clang 15 and later put an all-zero struct in .bss. */
struct empty nothing SEC(".data") = {};

/* .bss */
__u64 counter;
int *ptr;
static int hidden_counter;

/* .rodata */
const volatile int threshold = 10;
const volatile char label[8] = "rodata";

/* custom sections */
__u32 in_custom SEC(".data.custom") = 3;
const volatile __u32 ro_custom SEC(".rodata.custom") = 4;

SEC("tp/syscalls/sys_enter_getppid")
int count_getppid(void *ctx)
{
	if (!enabled || mode != MODE_ON)
		return 0;
	counter += threshold;
	hidden_counter++;
	origin.x = hidden_counter;
	return in_custom + ro_custom + tagged.s + typedef_anon.z + bytes[0] + old.pid + rec.n + label[0] + greeting[0] + fl.b + path[1].y + val.u + (ptr ? 1 : 0);
}
