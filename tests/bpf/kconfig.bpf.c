// `.kconfig` externs of each kind libbpf fills at load: the kernel's
// version, a bool, a tristate (declared __weak: zero where the kernel's
// config lacks it) and an int. kernel_kconfig.rs reads them through
// `skel.maps().kconfig()` and checks the version against uname(2).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_TCP_CONG_DCTCP __kconfig __weak;
extern int CONFIG_HZ __kconfig;

/* What the program saw, to compare with the user-space view. */
__u32 seen_version = 0;
__u32 seen_hz = 0;

SEC("syscall")
int read_config(void *ctx)
{
	seen_version = LINUX_KERNEL_VERSION;
	seen_hz = CONFIG_HZ;
	return CONFIG_BPF_SYSCALL + (CONFIG_TCP_CONG_DCTCP == TRI_YES) * 2;
}
