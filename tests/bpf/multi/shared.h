// Shared by the three files of the `multi` fixture, linked into one object
// (and one skeleton) with libbpf's static linker: a map, a global and a
// function each defined in one file (defs.bpf.c) and used in the others.
#ifndef MULTI_SHARED_H
#define MULTI_SHARED_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SLOTS 4

struct counts_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLOTS);
	__type(key, __u32);
	__type(value, __u64);
};

/* Defined in defs.bpf.c. */
extern struct counts_map counts SEC(".maps");
extern __u64 total;
extern __u64 bump(__u32 slot, __u64 by);

#endif
