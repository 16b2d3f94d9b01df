//! A skeleton committed to a crate (`SkeletonBuilder::checked_in`), through
//! real cargo builds of a scratch crate: `SKEL_REGENERATE=<package>` writes
//! the skeleton, its object and a manifest into `src/`; without it the
//! build script runs no clang and checks the manifest: unchanged inputs
//! pass, a changed header, a changed setting or an edited object fail
//! naming it, and regenerating makes it pass again; a crate published
//! without its C sources still builds.

use std::path::Path;

use skel_tests::scratch::ScratchCrate;

const PACKAGE: &str = "checked_in_manifest_probe";

/// No clang at all: any attempt to run one fails the build.
const NO_CLANG: (&str, &str) = ("CLANG", "/nonexistent/clang-for-skel-tests");

fn build(c: &ScratchCrate, env: &[(&str, &str)]) -> (bool, String) {
    let out = c.cargo_env(&["build", "-v"], env);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn build_script(clang_args: &str) -> String {
    format!(
        "fn main() {{\n    skel_builder::SkeletonBuilder::new()\n        \
         .source(\"bpf/committed.bpf.c\")\n        .clang_args([{clang_args}])\n        \
         .checked_in(\"src/committed.rs\")\n        .build()\n        .unwrap();\n}}\n"
    )
}

#[test]
fn a_checked_in_skeleton_builds_without_clang_until_an_input_changes() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scratch");
    let c = ScratchCrate::new(&root, PACKAGE, true);
    for f in [
        "src/committed.rs",
        "src/committed.bpf.o",
        "src/committed.manifest",
        "Cargo.toml.orig",
    ] {
        let _ = std::fs::remove_file(c.dir.join(f));
    }
    c.write("build.rs", &build_script("\"-DSCALE=3\""));
    c.write("bpf/committed.h", "#define VALUE 7\n");
    c.write(
        "bpf/committed.bpf.c",
        "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n#include \"committed.h\"\n\
         int value __attribute__((section(\".data\"))) = VALUE * SCALE;\n\
         char LICENSE[] SEC(\"license\") = \"GPL\";\n",
    );
    c.write(
        "src/main.rs",
        "mod committed;\n\n\
         fn main() -> Result<(), skel_runtime::Error> {\n    \
         let mut storage = skel_runtime::ObjectStorage::new();\n    \
         let open = committed::CommittedSkelBuilder::default().open(&mut storage)?;\n    \
         println!(\"value = {}\", open.maps().data().value);\n    \
         Ok(())\n}\n",
    );
    let run = || {
        let out = std::process::Command::new(c.binary()).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };

    // Never generated: the error says how to.
    let (ok, stderr) = build(&c, &[NO_CLANG]);
    assert!(!ok);
    assert!(stderr.contains("committed.manifest"), "{stderr}");
    assert!(
        stderr.contains(&format!("SKEL_REGENERATE={PACKAGE} cargo build")),
        "{stderr}"
    );

    // Another package named: nothing is generated.
    let (ok, _) = build(&c, &[("SKEL_REGENERATE", "some-other-crate")]);
    assert!(!ok);
    assert!(!c.dir.join("src/committed.rs").exists());

    // Generated, with clang.
    let regenerate = ("SKEL_REGENERATE", &*format!("other,{PACKAGE}"));
    let (ok, stderr) = build(&c, &[regenerate]);
    assert!(ok, "{stderr}");
    assert_eq!(run(), "value = 21\n");
    let skeleton = std::fs::read_to_string(c.dir.join("src/committed.rs")).unwrap();
    assert!(
        skeleton.contains("include_bytes!(\"committed.bpf.o\")"),
        "{skeleton}"
    );
    let manifest = std::fs::read_to_string(c.dir.join("src/committed.manifest")).unwrap();
    let header = std::fs::read(c.dir.join("bpf/committed.h")).unwrap();
    let object = std::fs::read(c.dir.join("src/committed.bpf.o")).unwrap();
    for line in [
        format!("input {} ../bpf/committed.h", sha256(&header)),
        "config source ../bpf/committed.bpf.c".to_owned(),
        "config clang_arg -DSCALE=3".to_owned(),
        format!("output {} committed.bpf.o", sha256(&object)),
        format!("output {} committed.rs", sha256(skeleton.as_bytes())),
    ] {
        assert!(
            manifest.lines().any(|l| l == line),
            "`{line}` in:\n{manifest}"
        );
    }
    assert!(
        manifest.lines().any(|l| l.starts_with("clang ")),
        "{manifest}"
    );
    assert!(
        manifest.lines().any(|l| l.starts_with("external ")
            && l.ends_with("$DEP_SKEL_RUNTIME_INCLUDE/bpf/bpf_helpers.h")),
        "{manifest}"
    );
    assert!(
        !manifest.contains(&*root.to_string_lossy()),
        "no machine paths:\n{manifest}"
    );

    // Without clang, unchanged: builds, runs, and a second build does not
    // rerun the check.
    let (ok, stderr) = build(&c, &[NO_CLANG]);
    assert!(ok, "{stderr}");
    assert_eq!(run(), "value = 21\n");
    let (ok, stderr) = build(&c, &[NO_CLANG]);
    assert!(ok);
    assert!(
        !stderr.lines().any(|l| l.contains("Running")
            && l.contains("build-script-build")
            && l.contains(PACKAGE)),
        "a no-op build reran the build script:\n{stderr}"
    );

    // A header changed: stale, naming it.
    c.write("bpf/committed.h", "#define VALUE 8\n");
    let (ok, stderr) = build(&c, &[NO_CLANG]);
    assert!(!ok);
    assert!(stderr.contains("is stale"), "{stderr}");
    assert!(stderr.contains("changed: `bpf/committed.h`"), "{stderr}");
    assert!(
        !stderr.contains("committed.bpf.c`"),
        "only what changed: {stderr}"
    );
    assert!(
        !stderr.contains("/nonexistent/clang"),
        "no clang ran: {stderr}"
    );

    // Regenerated: passes again without clang, with the new value.
    let (ok, stderr) = build(&c, &[regenerate]);
    assert!(ok, "{stderr}");
    let (ok, stderr) = build(&c, &[NO_CLANG]);
    assert!(ok, "{stderr}");
    assert_eq!(run(), "value = 24\n");

    // A setting changed in the build script, and the object edited.
    c.write("build.rs", &build_script("\"-DSCALE=4\""));
    let mut edited = std::fs::read(c.dir.join("src/committed.bpf.o")).unwrap();
    edited.push(0);
    std::fs::write(c.dir.join("src/committed.bpf.o"), &edited).unwrap();
    let (ok, stderr) = build(&c, &[NO_CLANG]);
    assert!(!ok);
    assert!(
        stderr.contains("build script setting: `clang_arg -DSCALE=3` is now `clang_arg -DSCALE=4`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`src/committed.bpf.o` is not the file that was generated"),
        "{stderr}"
    );
    let (ok, stderr) = build(&c, &[regenerate]);
    assert!(ok, "{stderr}");
    let (ok, stderr) = build(&c, &[NO_CLANG]);
    assert!(ok, "{stderr}");
    assert_eq!(run(), "value = 32\n");

    // Sources gone: missing, unless the crate was made by `cargo package`
    // (published without its C sources), where it builds.
    std::fs::remove_file(c.dir.join("bpf/committed.h")).unwrap();
    let (ok, stderr) = build(&c, &[NO_CLANG]);
    assert!(!ok);
    assert!(stderr.contains("missing: `bpf/committed.h`"), "{stderr}");
    std::fs::copy(c.dir.join("Cargo.toml"), c.dir.join("Cargo.toml.orig")).unwrap();
    let (ok, stderr) = build(&c, &[NO_CLANG]);
    assert!(ok, "{stderr}");
    assert_eq!(run(), "value = 32\n");
}

/// SHA-256 in hex, from coreutils' `sha256sum`: the manifest's hashes are
/// the ones anyone can check.
fn sha256(bytes: &[u8]) -> String {
    use std::io::Write as _;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}
