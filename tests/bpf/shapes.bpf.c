// Every member shape a struct_ops shadow meets, in struct_ops maps of all
// four sections. libbpf opens (but no kernel loads) these custom types.
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

typedef int myint;
typedef const volatile myint cv_int;
typedef int (*op_fn)(int);
enum color { RED = 1, GREEN = 2, BLUE = -1 };
enum big { BIG_ONE = 1, BIG_TOP = 0xf000000000000000ULL };

struct nested {
	int x;
	unsigned int flag_a : 1, flag_b : 3, : 0, wide : 20;
	enum color col : 4;
	bool on : 1;
	int (*inner_fn)(int); /* function pointer inside a nested type: opaque */
};

struct __attribute__((packed)) packed_pair {
	char c;
	int i;
};

struct __attribute__((aligned(64))) over_aligned {
	int v;
};

struct shapes_ops {
	/* program slots, plain and through typedef / const */
	int (*op_plain)(int a);
	op_fn op_typedef;
	int (*const op_const)(int a);
	/* scalars of every width */
	char c;
	signed char sc;
	unsigned char uc;
	bool b;
	short s;
	unsigned short us;
	int i;
	unsigned int ui;
	long l;
	unsigned long ul;
	long long ll;
	__int128 i128;
	unsigned __int128 u128;
	float f;
	double d;
	enum color color;
	enum big big;
	cv_int through_typedefs;
	volatile const unsigned int cv;
	/* arrays, strings, nested, unions, pointers */
	int arr[3];
	int grid[2][3];
	char name[16];
	struct nested nested;
	struct nested nested_arr[2];
	union { int as_int; float as_float; char raw[8]; } u;
	struct { int ax, ay; } anon_struct;
	void *opaque;
	struct nested *nested_ptr;
	struct packed_pair pp;
	struct over_aligned oa;
	/* names that collide with generated ones and with Rust keywords */
	int __padding_0;
	int type;
	int self;
	long match;
	int flex_tail[0];
};

struct small_ops {
	int (*run)(int a);
	int value;
};

SEC("struct_ops/op_a")
int BPF_PROG_a(int a) { return a + 1; }
SEC("struct_ops/op_b")
int op_b(int a) { return a + 2; }
SEC("struct_ops/op_c")
int op_c(int a) { return a + 3; }
SEC("?struct_ops/op_alt")
int op_alt(int a) { return a + 4; }

SEC(".struct_ops")
struct shapes_ops shapes = {
	.op_plain = (void *)BPF_PROG_a,
	.op_typedef = (void *)op_b,
	.op_const = (void *)op_c,
	.c = 'x', .sc = -2, .uc = 200, .b = true, .s = -3, .us = 60000,
	.i = -4, .ui = 4000000000u, .l = -5, .ul = 5, .ll = -6,
	.f = 1.5f, .d = 2.25, .color = BLUE, .big = BIG_TOP,
	.through_typedefs = 77, .cv = 88,
	.arr = { 1, 2, 3 }, .grid = { { 1, 2, 3 }, { 4, 5, 6 } },
	.name = "shapes",
	.nested = { .x = 11, .flag_a = 1, .flag_b = 5, .wide = 0xabcde, .col = GREEN, .on = true },
	.u = { .as_int = 0x41424344 },
	.anon_struct = { .ax = 21, .ay = 22 },
	.pp = { .c = 'p', .i = 0x01020304 },
	.oa = { .v = 64 },
	.__padding_0 = 5, .type = 6, .self = 7, .match = 8,
};

SEC(".struct_ops.link")
struct small_ops small_link = { .run = (void *)op_b, .value = 1 };

SEC("?.struct_ops")
struct small_ops small_optional = { .run = (void *)op_c, .value = 2 };

SEC("?.struct_ops.link")
struct small_ops small_optional_link = { .value = 3 };
