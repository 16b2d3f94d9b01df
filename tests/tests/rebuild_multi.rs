//! Build-script hygiene of a skeleton made of several sources and a
//! builder-printed `vmlinux.h`, with real cargo builds of a scratch crate:
//! `rerun-if-changed` covers every source, every header and the BTF file,
//! and `vmlinux.h` is rewritten only when its content changes.

use std::path::Path;
use std::time::Duration;

use skel_builder::testing::BtfWriter;
use skel_tests::scratch::{ScratchCrate, mtime};

/// A small kernel BTF: `struct probe_task { int pid; <extra> }`.
fn kernel_btf(extra_member: bool) -> Vec<u8> {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    let mut members = vec![("pid", int, 0, 0)];
    if extra_member {
        members.push(("tgid", int, 32, 0));
    }
    w.struct_("probe_task", 4 * members.len() as u32, &members);
    w.bytes()
}

#[test]
fn every_source_header_and_the_btf_rerun_the_build_script() {
    // The target directory of `rebuild.rs`: dependencies built once.
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rebuild");
    let c = ScratchCrate::with_features(&root, "multi_probe", false, &["link", "vmlinux-h"]);
    let dir = &c.dir;
    let write = |path: &Path, text: &[u8]| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    c.write("src/main.rs", "fn main() {}\n");
    c.write(
        "build.rs",
        "fn main() {\n    skel_builder::SkeletonBuilder::new()\n        \
         .sources([\"src/bpf/a.bpf.c\", \"src/bpf/b.bpf.c\"])\n        \
         .vmlinux_h_from(\"kernel.btf\")\n        .build()\n        .unwrap();\n}\n",
    );
    let btf = dir.join("kernel.btf");
    write(&btf, &kernel_btf(false));
    let header = dir.join("src/bpf/shared.h");
    write(&header, b"extern int b_value;\n#define A_VALUE 1\n");
    let a = dir.join("src/bpf/a.bpf.c");
    write(
        &a,
        b"#include \"vmlinux.h\"\n#include \"shared.h\"\n\
         struct probe_task task __attribute__((section(\".data\")));\n\
         int a_value __attribute__((section(\".data\"))) = A_VALUE;\n\
         int *b_ref __attribute__((section(\".data\"))) = &b_value;\n",
    );
    let b = dir.join("src/bpf/b.bpf.c");
    write(
        &b,
        b"int b_value __attribute__((section(\".data\"))) = 2;\n",
    );

    c.build_ran_script();
    // Named after the first source.
    let out = c.out_dir_with("a.skel.rs");
    let skel = out.join("a.skel.rs");
    let vmlinux_h = out.join("vmlinux.h");
    assert!(
        std::fs::read_to_string(&vmlinux_h)
            .unwrap()
            .contains("struct probe_task {")
    );
    let code = std::fs::read_to_string(&skel).unwrap();
    assert!(
        code.contains("pub a_value") && code.contains("pub b_value"),
        "{code}"
    );

    assert!(
        !c.build_ran_script(),
        "nothing changed: the script must not run"
    );

    // Each input, edited without changing the result: the script runs,
    // nothing is rewritten.
    let before = (mtime(&skel), mtime(&vmlinux_h));
    for (path, text) in [
        (
            &b,
            "/* b */\nint b_value __attribute__((section(\".data\"))) = 2;\n".as_bytes(),
        ),
        (
            &header,
            b"/* h */\nextern int b_value;\n#define A_VALUE 1\n",
        ),
        (&btf, &kernel_btf(false)),
    ] {
        std::thread::sleep(Duration::from_millis(1100));
        write(path, text);
        assert!(
            c.build_ran_script(),
            "editing {} reruns the build script",
            path.display()
        );
        assert!(!c.build_ran_script(), "and then it is a no-op again");
    }
    assert_eq!(
        (mtime(&skel), mtime(&vmlinux_h)),
        before,
        "same content: not rewritten"
    );

    // A new kernel type: vmlinux.h is rewritten.
    std::thread::sleep(Duration::from_millis(1100));
    write(&btf, &kernel_btf(true));
    assert!(c.build_ran_script());
    assert!(
        std::fs::read_to_string(&vmlinux_h)
            .unwrap()
            .contains("\tint tgid;")
    );
}
