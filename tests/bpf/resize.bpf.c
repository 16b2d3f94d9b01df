// Data sections whose last variable is an array, resized before load the
// way sched_ext schedulers size their exit-dump buffer and per-CPU arrays.
// The kernel test grows `slots` and `dump`, tells the program their new
// lengths through .rodata, and the program writes their last elements
// when the test's process calls getppid().
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct slot {
	__u64 calls;
	__u32 pid;
	__u32 tag;
};

/* Set before load. .rodata is frozen at load, so the verifier knows these
 * values and checks each access against the resized map's size. */
const volatile __u32 target_pid = 0;
const volatile __u32 nr_slots = 1;
const volatile __u32 dump_len = 1;

/* A variable before the array: the typed view covers it, the slice the
 * array to the section's end. */
__u64 generation SEC(".data.slots") = 7;
struct slot slots[1] SEC(".data.slots");

/* Only the array, as sched_ext's exit-dump buffer. */
char dump[1] SEC(".data.dump");

/* The last variable is not an array: not resizable. */
__u32 before[4] SEC(".data.fixed");
__u32 after SEC(".data.fixed");

/* Keeps the compiler from reasoning about an index into a one-element
 * array; the verifier still sees the constant. */
static __always_inline __u64 opaque(__u64 v)
{
	asm volatile("" : "+r"(v));
	return v;
}

SEC("tp/syscalls/sys_enter_getppid")
int fill_last(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct slot *last;
	char *end;

	if (pid != target_pid || nr_slots == 0 || dump_len == 0)
		return 0;
	last = (void *)slots + opaque((__u64)(nr_slots - 1) * sizeof(struct slot));
	last->calls++;
	last->pid = pid;
	last->tag = nr_slots;
	end = (char *)dump + opaque(dump_len - 1);
	*end = 'Z';
	generation++;
	after = before[0];
	return 0;
}
