// The core skeleton fixture: maps of several kinds, globals in every data
// section, and programs of several types. The kernel test attaches `count_getpid`,
// calls getpid() and reads the count back from `counts` and `.bss`.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct pair { __u32 a; __u64 b; });
} pairs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} scratch SEC(".maps");

/* .bss, .data, .rodata and a custom section of each kind */
__u64 hits = 0;
__u32 last_pid = 0;
__u64 initialised = 42;
const volatile __u32 target_pid = 0;
const volatile __u64 step = 1;
__u32 custom_data SEC(".data.custom") = 7;
const volatile __u32 custom_ro SEC(".rodata.custom") = 9;

SEC("tp/syscalls/sys_enter_getpid")
int count_getpid(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *val;

	if (target_pid && pid != target_pid)
		return 0;
	val = bpf_map_lookup_elem(&counts, &pid);
	if (val)
		__sync_fetch_and_add(val, 1);
	else
		bpf_map_update_elem(&counts, &pid, &one, BPF_NOEXIST);
	__sync_fetch_and_add(&hits, step);
	if (last_pid != pid)
		bpf_printk("new pid %d", pid);
	else
		bpf_printk("same pid %d", pid);
	last_pid = pid;
	return 0;
}

SEC("tp/syscalls/sys_enter_clock_nanosleep")
int on_nanosleep(void *ctx)
{
	__u32 *e = bpf_ringbuf_reserve(&events, sizeof(__u32), 0);
	if (e) {
		*e = bpf_get_current_pid_tgid() >> 32;
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

SEC("raw_tp/sys_enter")
int any_syscall(void *ctx)
{
	__u32 zero = 0, *n = bpf_map_lookup_elem(&scratch, &zero);
	if (n)
		*n += 1;
	return 0;
}

SEC("xdp")
int pass_all(struct xdp_md *ctx)
{
	return XDP_PASS + custom_ro - 9 + (custom_data - 7);
}

SEC("socket")
int accept_all(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("?tc")
int not_loaded_by_default(struct __sk_buff *skb)
{
	return 0;
}
