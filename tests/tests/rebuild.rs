//! Build-script hygiene, measured with real cargo builds of a scratch crate:
//! a build with nothing changed does not rerun the build script, editing an
//! included header does, and the generated file is rewritten only when its
//! content changes.

use std::path::Path;

use skel_tests::scratch::{ScratchCrate, mtime};

#[test]
fn no_op_builds_do_not_rerun_and_headers_do() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rebuild");
    let c = ScratchCrate::new(&root, "rebuild_probe", false);
    c.write("src/main.rs", "fn main() {}\n");
    c.write(
        "build.rs",
        "fn main() {\n    skel_builder::SkeletonBuilder::new().source(\"src/bpf/probe.bpf.c\").build().unwrap();\n}\n",
    );
    c.write("src/bpf/probe.h", "#define VALUE 1\n");
    c.write(
        "src/bpf/probe.bpf.c",
        "#include \"probe.h\"\nint value __attribute__((section(\".data\"))) = VALUE;\n",
    );

    c.build_ran_script();
    let skel = c.out_dir_with("probe.skel.rs").join("probe.skel.rs");

    assert!(
        !c.build_ran_script(),
        "a build with nothing changed must not run the build script"
    );

    // A change to the header that leaves the generated code alone: the
    // script runs, the file is not rewritten.
    let before = mtime(&skel);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    c.write("src/bpf/probe.h", "/* a comment */\n#define VALUE 1\n");
    assert!(
        c.build_ran_script(),
        "editing an included header reruns the build script"
    );
    assert_eq!(mtime(&skel), before, "same content: not rewritten");

    // A change that alters the object: rewritten.
    c.write(
        "src/bpf/probe.h",
        "#define VALUE 1\nint another __attribute__((section(\".data\"))) = 2;\n",
    );
    assert!(c.build_ran_script());
    assert!(std::fs::read_to_string(&skel).unwrap().contains("another"));
    assert!(!c.build_ran_script());
}
