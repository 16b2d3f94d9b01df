// Deep and wide types, generated and compiled with their layout checks:
// structs nested 50 deep, and a struct of 1,000 members of mixed sizes
// (so that it has padding). tests/tests/huge.rs covers the limits (10,000
// and 65,535 members, 2^31 element arrays, nesting past the limit) with BTF
// written by hand: generated, not compiled, since rustc needs minutes for a
// 10,000-field struct with its layout checks.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct level0 { char tag; long x; };
struct level1 { char tag; struct level0 inner; };
struct level2 { char tag; struct level1 inner; };
struct level3 { char tag; struct level2 inner; };
struct level4 { char tag; struct level3 inner; };
struct level5 { char tag; struct level4 inner; };
struct level6 { char tag; struct level5 inner; };
struct level7 { char tag; struct level6 inner; };
struct level8 { char tag; struct level7 inner; };
struct level9 { char tag; struct level8 inner; };
struct level10 { char tag; struct level9 inner; };
struct level11 { char tag; struct level10 inner; };
struct level12 { char tag; struct level11 inner; };
struct level13 { char tag; struct level12 inner; };
struct level14 { char tag; struct level13 inner; };
struct level15 { char tag; struct level14 inner; };
struct level16 { char tag; struct level15 inner; };
struct level17 { char tag; struct level16 inner; };
struct level18 { char tag; struct level17 inner; };
struct level19 { char tag; struct level18 inner; };
struct level20 { char tag; struct level19 inner; };
struct level21 { char tag; struct level20 inner; };
struct level22 { char tag; struct level21 inner; };
struct level23 { char tag; struct level22 inner; };
struct level24 { char tag; struct level23 inner; };
struct level25 { char tag; struct level24 inner; };
struct level26 { char tag; struct level25 inner; };
struct level27 { char tag; struct level26 inner; };
struct level28 { char tag; struct level27 inner; };
struct level29 { char tag; struct level28 inner; };
struct level30 { char tag; struct level29 inner; };
struct level31 { char tag; struct level30 inner; };
struct level32 { char tag; struct level31 inner; };
struct level33 { char tag; struct level32 inner; };
struct level34 { char tag; struct level33 inner; };
struct level35 { char tag; struct level34 inner; };
struct level36 { char tag; struct level35 inner; };
struct level37 { char tag; struct level36 inner; };
struct level38 { char tag; struct level37 inner; };
struct level39 { char tag; struct level38 inner; };
struct level40 { char tag; struct level39 inner; };
struct level41 { char tag; struct level40 inner; };
struct level42 { char tag; struct level41 inner; };
struct level43 { char tag; struct level42 inner; };
struct level44 { char tag; struct level43 inner; };
struct level45 { char tag; struct level44 inner; };
struct level46 { char tag; struct level45 inner; };
struct level47 { char tag; struct level46 inner; };
struct level48 { char tag; struct level47 inner; };
struct level49 { char tag; struct level48 inner; };

/* 1,000 members: char, short, int and long long in turn. */
#define M4(n) char c##n; short s##n; int i##n; long long l##n;
#define M40(n) M4(n##0) M4(n##1) M4(n##2) M4(n##3) M4(n##4) M4(n##5) M4(n##6) M4(n##7) M4(n##8) M4(n##9)
#define M400(n) M40(n##0) M40(n##1) M40(n##2) M40(n##3) M40(n##4) M40(n##5) M40(n##6) M40(n##7) M40(n##8) M40(n##9)
struct wide { M400(_0) M400(_1) M40(_20) M40(_21) M40(_22) M40(_23) M40(_24) };

struct level49 deep;
struct wide wide;

SEC("tp/syscalls/sys_enter_getpid")
int touch(void *ctx) { return deep.tag + wide.c_000; }
