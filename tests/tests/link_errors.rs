//! Several sources in one skeleton: what goes wrong between files is
//! reported with the files and the symbol, and `vmlinux.h` from the builder
//! gives CO-RE programs that load.

use std::path::{Path, PathBuf};

use libbpf_rs::MapCore;
use skel_builder::{Error, LinkProblem, SkeletonBuilder};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("link_errors")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `files` (name, text) into a fresh scratch directory; returns it
/// and the `.bpf.c` paths in order.
fn sources(name: &str, files: &[(&str, &str)]) -> (PathBuf, Vec<PathBuf>) {
    let dir = scratch(name);
    let mut paths = vec![];
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();
        if file.ends_with(".bpf.c") {
            paths.push(path);
        }
    }
    (dir, paths)
}

/// A builder that finds libbpf's headers.
fn builder() -> SkeletonBuilder {
    let mut b = SkeletonBuilder::new();
    b.include(env!("SKEL_BPF_INCLUDE"));
    b
}

const PRELUDE: &str = "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n\
                       char LICENSE[] SEC(\"license\") = \"GPL\";\n";

#[test]
fn a_duplicate_definition_names_both_files_and_the_symbol() {
    let a = format!("{PRELUDE}int shared_x = 1;\n");
    let b = format!("{PRELUDE}int shared_x = 2;\nint only_b = 3;\n");
    let (dir, srcs) = sources("duplicate", &[("a.bpf.c", &a), ("b.bpf.c", &b)]);
    let err = builder()
        .sources(&srcs)
        .build_to(dir.join("dup.skel.rs"))
        .unwrap_err();
    let text = err.report();
    eprintln!("{text}");
    let Error::Link { problems, .. } = &err else {
        panic!("{text}")
    };
    assert_eq!(
        problems,
        &[LinkProblem::Duplicate {
            symbol: "shared_x".into(),
            files: srcs.clone(),
        }],
        "{text}"
    );
    assert!(
        text.contains("`shared_x`") && text.contains("a.bpf.c") && text.contains("b.bpf.c"),
        "{text}"
    );
}

#[test]
fn an_extern_defined_nowhere_names_its_users_and_the_symbol() {
    let header = "extern int helper_fn(int x);\nextern int missing_global;\n";
    let a = format!(
        "{PRELUDE}#include \"api.h\"\n\
         SEC(\"syscall\") int use_it(void *ctx) {{ return helper_fn(1) + missing_global; }}\n"
    );
    // A kernel symbol and a __weak extern are fine undefined.
    let b = format!(
        "{PRELUDE}#include \"api.h\"\n\
         extern int LINUX_KERNEL_VERSION __attribute__((section(\".kconfig\")));\n\
         extern int maybe_there __attribute__((weak));\n\
         SEC(\"syscall\") int also(void *ctx) {{ return helper_fn(2) + LINUX_KERNEL_VERSION + maybe_there; }}\n"
    );
    let (dir, srcs) = sources(
        "undefined",
        &[("api.h", header), ("a.bpf.c", &a), ("b.bpf.c", &b)],
    );
    let err = builder()
        .sources(&srcs)
        .build_to(dir.join("undef.skel.rs"))
        .unwrap_err();
    let text = err.report();
    eprintln!("{text}");
    let Error::Link { problems, .. } = &err else {
        panic!("{text}")
    };
    assert_eq!(
        problems,
        &[
            LinkProblem::Undefined {
                symbol: "helper_fn".into(),
                files: srcs.clone(),
            },
            LinkProblem::Undefined {
                symbol: "missing_global".into(),
                files: vec![srcs[0].clone()],
            },
        ],
        "{text}"
    );
    assert!(text.contains("2 problems"), "{text}");
}

#[test]
fn libbpfs_own_refusal_names_the_file_and_shows_its_message() {
    // One global, two sizes: only libbpf's linker compares the types.
    let a = format!(
        "{PRELUDE}extern __u64 counter;\nSEC(\"syscall\") int f(void *c) {{ return counter; }}\n"
    );
    let b = format!("{PRELUDE}__u32 counter = 0;\n");
    let (dir, srcs) = sources("mismatch", &[("a.bpf.c", &a), ("b.bpf.c", &b)]);
    let err = builder()
        .sources(&srcs)
        .build_to(dir.join("mismatch.skel.rs"))
        .unwrap_err();
    let text = err.report();
    eprintln!("{text}");
    let Error::LinkFailed { file, messages, .. } = &err else {
        panic!("{text}")
    };
    assert_eq!(file, &srcs[1], "{text}");
    assert!(messages.contains("'counter'"), "{text}");
    assert!(
        text.contains("libbpf: ") && text.contains("b.bpf.c"),
        "{text}"
    );
}

#[test]
fn a_source_and_a_prebuilt_object_link_into_one_skeleton() {
    let a = format!(
        "{PRELUDE}extern int from_obj;\nint from_src = 1;\n\
                     SEC(\"syscall\") int f(void *c) {{ return from_obj; }}\n"
    );
    let b = format!("{PRELUDE}int from_obj = 2;\n");
    let (dir, srcs) = sources("mixed", &[("a.bpf.c", &a), ("b.bpf.c", &b)]);
    // Build b alone first, to use its object as a prebuilt input.
    builder()
        .source(&srcs[1])
        .build_to(dir.join("b.skel.rs"))
        .unwrap();
    let obj = dir.join("b.bpf.o");
    assert!(obj.exists());
    let out = dir.join("mixed.skel.rs");
    builder().source(&srcs[0]).obj(&obj).build_to(&out).unwrap();
    let code = std::fs::read_to_string(out).unwrap();
    assert!(
        code.contains("pub from_src") && code.contains("pub from_obj"),
        "both files' globals in one .data:\n{code}"
    );
    // Named after the first source.
    assert!(code.contains("pub struct ASkelBuilder"), "{code}");
}

/// A CO-RE program that includes the builder's `vmlinux.h`, built through
/// `SkeletonBuilder::vmlinux_h`, loads on this kernel: the types carry
/// `preserve_access_index`, so libbpf relocates field accesses against the
/// kernel's BTF.
#[test]
fn a_core_program_on_the_builders_vmlinux_h_loads() {
    let Some(_kernel) =
        skel_tests::kernel::exclusive("a_core_program_on_the_builders_vmlinux_h_loads")
    else {
        return;
    };
    let src = "#include \"vmlinux.h\"\n\
               #include <bpf/bpf_helpers.h>\n\
               #include <bpf/bpf_core_read.h>\n\
               char LICENSE[] SEC(\"license\") = \"GPL\";\n\
               __u64 matched = 0;\n\
               __u64 mismatched = 0;\n\
               SEC(\"tp/syscalls/sys_enter_getpid\")\n\
               int on_getpid(void *ctx)\n{\n\
               \tstruct task_struct *t = (void *)bpf_get_current_task();\n\
               \tint tgid = BPF_CORE_READ(t, tgid);\n\
               \tif (tgid == (int)(bpf_get_current_pid_tgid() >> 32))\n\
               \t\t__sync_fetch_and_add(&matched, 1);\n\
               \telse\n\
               \t\t__sync_fetch_and_add(&mismatched, 1);\n\
               \treturn 0;\n}\n";
    let (dir, srcs) = sources("core", &[("core_vmlinux.bpf.c", src)]);
    builder()
        .source(&srcs[0])
        .vmlinux_h()
        .build_to(dir.join("core_vmlinux.skel.rs"))
        .unwrap();
    let header = std::fs::read_to_string(dir.join("vmlinux.h")).unwrap();
    assert!(header.contains("struct task_struct {"));

    let obj = libbpf_rs::ObjectBuilder::default()
        .open_file(dir.join("core_vmlinux.bpf.o"))
        .unwrap()
        .load()
        .unwrap();
    let _link = obj.progs_mut().next().unwrap().attach().unwrap();
    for _ in 0..3 {
        // SAFETY: getpid has no preconditions.
        unsafe { libc::syscall(libc::SYS_getpid) };
    }
    let bss = obj
        .maps()
        .find(|m| m.name().to_string_lossy().ends_with(".bss"))
        .unwrap();
    let value = bss
        .lookup(&0u32.to_ne_bytes(), libbpf_rs::MapFlags::ANY)
        .unwrap()
        .unwrap();
    let matched = u64::from_ne_bytes(value[..8].try_into().unwrap());
    let mismatched = u64::from_ne_bytes(value[8..16].try_into().unwrap());
    assert!(matched >= 3, "tgid read through CO-RE: {matched} matches");
    assert_eq!(mismatched, 0, "tgid read through CO-RE never differs");
}
