// skel: prebuilt_without_btf
// The tests' build script compiles this with `clang -O2 -target bpf` (no
// `-g`, so no .BTF) and hands the object to `.obj()`, as a user with a
// prebuilt, stripped object would. libbpf opens such an object: programs
// and `.data`/`.rodata`/`.bss` maps need no BTF (only `.maps`, struct_ops
// and externs do), and the skeleton has the same, without typed views.
// No headers: the definitions below are what bpf_helpers.h would give.
#define SEC(name) __attribute__((section(name), used))

char LICENSE[] SEC("license") = "GPL";

unsigned long long calls;
unsigned int step = 3;
const volatile unsigned int limit = 100;

SEC("tp/syscalls/sys_enter_getppid")
int count_calls(void *ctx)
{
	if (calls < limit)
		calls += step;
	return 0;
}

SEC("?tp/syscalls/sys_enter_getpgid")
int off_by_default(void *ctx)
{
	return 1;
}
