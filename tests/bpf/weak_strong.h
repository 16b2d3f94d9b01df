// Shared by the `weak_then_strong/` and `strong_then_weak/` fixtures: the
// same globals defined `__weak` in one file and strongly in the other,
// linked in both orders. libbpf's static linker points each symbol at the
// strong copy, but when the weak copy comes first it leaves the variable's
// offset in the DATASEC's BTF on the dead weak copy; the skeleton must
// view the storage the programs use.
#ifndef WEAK_STRONG_H
#define WEAK_STRONG_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct cfg {
	__u32 a;
	__u16 b;
};

/* What a program saw of the globals when it ran. */
struct seen {
	__u64 knob;
	__u64 limit;
	__u64 zeroed;
	__u32 cfg_a;
	__u16 cfg_b;
};

#define SEE(into)                        \
	do {                             \
		(into).knob = knob;      \
		(into).limit = limit;    \
		(into).zeroed = zeroed;  \
		(into).cfg_a = cfg.a;    \
		(into).cfg_b = cfg.b;    \
	} while (0)

#endif
