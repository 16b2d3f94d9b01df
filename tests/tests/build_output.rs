//! What a user sees from real cargo builds of scratch crates: a failed
//! skeleton build shows its report once, however the build script handles
//! the error, and a successful one passes clang's warnings (and the
//! builder's) on as cargo warnings, once each.

use std::path::Path;

use skel_tests::scratch::ScratchCrate;

/// Shared with the other scratch-crate tests: one target directory.
fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("scratch")
}

/// A source clang refuses, with a marker in its message.
const BROKEN: &str = "#error skel-marker: this program does not build\nint x;\n";
const MARKER: &str = "error: skel-marker: this program does not build";

fn main_rs(name: &str) -> String {
    format!(
        "mod {name} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{name}.skel.rs\"));\n}}\nfn main() {{}}\n"
    )
}

#[test]
fn a_failed_build_shows_its_report_once() {
    let styles = [
        // The README's build script.
        (
            "once_question_mark",
            "fn main() -> Result<(), skel_builder::Error> {\n    \
             skel_builder::SkeletonBuilder::new().source(\"src/bpf/broken.bpf.c\").build()?;\n    \
             Ok(())\n}\n",
        ),
        (
            "once_unwrap",
            "fn main() {\n    \
             skel_builder::SkeletonBuilder::new().source(\"src/bpf/broken.bpf.c\").build().unwrap();\n}\n",
        ),
        // The error ignored: the build script succeeds (cargo hides its
        // stderr), and the crate's build stops at the skeleton.
        (
            "once_ignored",
            "fn main() {\n    \
             let _ = skel_builder::SkeletonBuilder::new().source(\"src/bpf/broken.bpf.c\").build();\n}\n",
        ),
    ];
    for (package, build_rs) in styles {
        // With skel-runtime: once fixed, the skeleton must compile.
        let krate = ScratchCrate::new(&root(), package, true);
        krate.write("build.rs", build_rs);
        krate.write("src/bpf/broken.bpf.c", BROKEN);
        krate.write("src/main.rs", &main_rs("broken"));
        let out = krate.cargo(&["build"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{package}: the build must fail\n{stderr}"
        );
        // rustc quotes the line of the skeleton that stops the build (the
        // `compile_error!` holding the report): a quote, not a report.
        let shown: String = stderr
            .lines()
            .filter(|l| !l.contains("compile_error!("))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(
            shown.matches(MARKER).count(),
            1,
            "{package}: clang's message must show once:\n{stderr}"
        );
        assert_eq!(
            shown
                .matches("skel-builder: clang failed to compile")
                .count(),
            1,
            "{package}: the report must show once:\n{stderr}"
        );
        assert!(stderr.contains("broken.bpf.c"), "{package}: {stderr}");

        // Fixed, it builds: the build script reruns (for `once_ignored`,
        // whose script succeeded, because it watches the source).
        krate.write("src/bpf/broken.bpf.c", "int x;\n");
        let out = krate.cargo(&["build"]);
        assert!(
            out.status.success(),
            "{package}: the fixed source builds:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        krate.write("src/bpf/broken.bpf.c", BROKEN);
    }
}

#[test]
fn clang_and_builder_warnings_become_cargo_warnings_once_each() {
    let krate = ScratchCrate::new(&root(), "warnings_probe", false);
    let dir = &krate.dir;
    // Two skeletons: one whose source warns, one from a prebuilt object
    // without BTF.
    krate.write(
        "src/bpf/warns.bpf.c",
        "#include \"twice.h\"\n#include \"twice.h\"\n#warning look at me\n\
         int unused_fn(void) { int unused_var; return 0; }\n",
    );
    krate.write("src/bpf/twice.h", "#warning from a header read twice\n");
    krate.write(
        "src/bpf/plain.bpf.c",
        "int x;\n__attribute__((section(\"tp/syscalls/sys_enter_getppid\"), used)) \
         int prog(void *ctx) { return x; }\n",
    );
    let prebuilt = dir.join("src/bpf/plain.o");
    let status = std::process::Command::new(skel_builder::default_clang())
        .args(["-O2", "-target", "bpf", "-c"])
        .arg(dir.join("src/bpf/plain.bpf.c"))
        .arg("-o")
        .arg(&prebuilt)
        .status()
        .unwrap();
    assert!(status.success());
    krate.write(
        "build.rs",
        "fn main() -> Result<(), skel_builder::Error> {\n    \
         skel_builder::SkeletonBuilder::new()\n        .source(\"src/bpf/warns.bpf.c\")\n        \
         .clang_args([\"-Wunused-variable\"])\n        .build()?;\n    \
         skel_builder::SkeletonBuilder::new().obj(\"src/bpf/plain.o\").build()?;\n    Ok(())\n}\n",
    );
    krate.write("src/main.rs", "fn main() {}\n");
    let out = krate.cargo(&["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("warning: warnings_probe@0.0.0: "))
        .collect();
    assert_eq!(
        warnings,
        [
            "src/bpf/twice.h:1: from a header read twice [-W#warnings]",
            "src/bpf/warns.bpf.c:3: look at me [-W#warnings]",
            "src/bpf/warns.bpf.c:4: unused variable 'unused_var' [-Wunused-variable]",
            "skel: `src/bpf/plain.o` has no .BTF section: data sections `.bss` are maps without \
             typed views, and the kernel gets no BTF with its programs; compile with `-g` (and \
             do not strip .BTF) to have them",
        ],
        "{stderr}"
    );
}
