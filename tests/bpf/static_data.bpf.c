// A data section holding only `static` variables: libbpf sets
// BPF_F_MMAPABLE only on sections with a global variable, so `.bss` here
// is not mmapped (scx_simple's `vtime_now`); `.data` has a global and is.
// kernel_static_data.rs reads and writes `.bss` through its one element,
// and reads the static-only `.rodata` the same way.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* .bss, static only (volatile: clang keeps loads of what only user space
 * writes). */
static volatile __u64 ticks;
static volatile __u64 threshold;

/* .rodata, static only too: frozen at load and not mmapped; the loader
 * may set it before load. */
static const volatile __u64 step = 1;

/* .data: a global, so mmapped and live. */
__u32 version = 1;

/* The program's answer: 1 once `ticks` reaches a nonzero `threshold`. */
SEC("syscall")
int tick(void *ctx)
{
	__u64 now = ticks + step;

	ticks = now;

	version = 2;
	return threshold && now >= threshold;
}
