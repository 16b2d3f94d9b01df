//! Build-script hygiene, measured with real cargo builds of a scratch crate:
//! a build with nothing changed does not rerun the build script, editing an
//! included header does, and the generated file is rewritten only when its
//! content changes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Runs `cargo build -v` in `dir`; returns whether the build script ran.
fn build(dir: &Path, target: &Path) -> bool {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "-v", "--offline"]).current_dir(dir);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("CARGO_") && key != "CARGO_HOME"
            || key == "RUSTFLAGS"
            || key == "OUT_DIR"
        {
            cmd.env_remove(key);
        }
    }
    cmd.env("CARGO_TARGET_DIR", target);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cargo build failed:\n{stderr}");
    stderr.lines().any(|l| {
        l.contains("Running") && l.contains("build-script-build") && l.contains("rebuild_probe")
    })
}

fn mtime(p: &Path) -> SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

#[test]
fn no_op_builds_do_not_rerun_and_headers_do() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rebuild");
    let dir = root.join("rebuild_probe");
    let target = root.join("target");
    std::fs::create_dir_all(dir.join("src/bpf")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"rebuild_probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             [build-dependencies]\nskel-builder = {{ path = {:?} }}\n[workspace]\n",
            workspace().join("skel-builder")
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(
        dir.join("build.rs"),
        "fn main() {\n    skel_builder::SkeletonBuilder::new().source(\"src/bpf/probe.bpf.c\").build().unwrap();\n}\n",
    )
    .unwrap();
    let header = dir.join("src/bpf/probe.h");
    std::fs::write(&header, "#define VALUE 1\n").unwrap();
    std::fs::write(
        dir.join("src/bpf/probe.bpf.c"),
        "#include \"probe.h\"\nint value __attribute__((section(\".data\"))) = VALUE;\n",
    )
    .unwrap();

    build(&dir, &target);
    let skel = std::fs::read_dir(target.join("debug/build"))
        .unwrap()
        .map(|e| e.unwrap().path().join("out/probe.skel.rs"))
        .find(|p| p.exists())
        .expect("the skeleton was generated");

    assert!(
        !build(&dir, &target),
        "a build with nothing changed must not run the build script"
    );

    // A change to the header that leaves the generated code alone: the
    // script runs, the file is not rewritten.
    let before = mtime(&skel);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(&header, "/* a comment */\n#define VALUE 1\n").unwrap();
    assert!(
        build(&dir, &target),
        "editing an included header reruns the build script"
    );
    assert_eq!(mtime(&skel), before, "same content: not rewritten");

    // A change that alters the object: rewritten.
    std::fs::write(
        &header,
        "#define VALUE 1\nint another __attribute__((section(\".data\"))) = 2;\n",
    )
    .unwrap();
    assert!(build(&dir, &target));
    assert!(std::fs::read_to_string(&skel).unwrap().contains("another"));
    assert!(!build(&dir, &target));
}
