//! Bad input to the builder gives one clear error naming the file, with a
//! hint, never a panic.

use std::path::{Path, PathBuf};

use skel_builder::{Error, SkeletonBuilder};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("builder_errors")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_clang_failure_shows_clangs_message_and_command() {
    let dir = scratch("clang_fails");
    let src = dir.join("broken.bpf.c");
    std::fs::write(&src, "int broken( { return 0; }\n").unwrap();
    let err = SkeletonBuilder::new()
        .source(&src)
        .generate(dir.join("broken.skel.rs"))
        .unwrap_err();
    let text = err.report();
    assert!(matches!(err, Error::ClangFailed { .. }), "{text}");
    assert!(text.contains("broken.bpf.c"), "{text}");
    assert!(text.contains("error:"), "clang's own message: {text}");
    assert!(text.contains("-target bpf"), "the command it ran: {text}");
}

#[test]
fn a_missing_clang_says_what_to_install() {
    let dir = scratch("no_clang");
    let src = dir.join("ok.bpf.c");
    std::fs::write(&src, "int x;\n").unwrap();
    let err = SkeletonBuilder::new()
        .source(&src)
        .clang("/nonexistent/clang-99")
        .generate(dir.join("ok.skel.rs"))
        .unwrap_err();
    let text = err.report();
    assert!(matches!(err, Error::ClangNotFound { .. }), "{text}");
    assert!(
        text.contains("/nonexistent/clang-99") && text.contains("apt-get install clang"),
        "{text}"
    );
    assert!(text.contains("CLANG"), "names the env var override: {text}");
}

#[test]
fn a_missing_source_names_the_file() {
    let dir = scratch("missing");
    let err = SkeletonBuilder::new()
        .source(dir.join("nope.bpf.c"))
        .generate(dir.join("nope.skel.rs"))
        .unwrap_err();
    let text = err.report();
    assert!(text.contains("nope.bpf.c"), "{text}");
}

#[test]
fn an_object_without_btf_gets_a_hint() {
    let dir = scratch("no_btf");
    let src = dir.join("nobtf.bpf.c");
    std::fs::write(&src, "int x SEC;\n".replace(" SEC", "")).unwrap();
    let obj = dir.join("nobtf.o");
    let status = std::process::Command::new("clang")
        .args(["-O2", "-target", "bpf", "-c"])
        .arg(&src)
        .arg("-o")
        .arg(&obj)
        .status()
        .unwrap();
    assert!(status.success());
    let err = SkeletonBuilder::new()
        .obj(&obj)
        .generate(dir.join("nobtf.skel.rs"))
        .unwrap_err();
    let text = err.report();
    assert!(matches!(err, Error::NoBtf { .. }), "{text}");
    assert!(text.contains("nobtf.o") && text.contains("-g"), "{text}");
}

#[test]
fn an_elf_that_is_not_bpf_is_refused() {
    // The test binary itself: an x86-64 (or other host) ELF.
    let exe = std::env::current_exe().unwrap();
    let bytes = std::fs::read(&exe).unwrap();
    let err = skel_builder::generate("host", &exe, &bytes).unwrap_err();
    let text = err.report();
    assert!(matches!(err, Error::Elf { .. }), "{text}");
    assert!(
        text.contains("not BPF") && text.contains("-target bpf"),
        "{text}"
    );

    let err = skel_builder::generate("text", Path::new("notes.txt"), b"hello").unwrap_err();
    assert!(
        err.report().contains("notes.txt") && err.report().contains("not an ELF"),
        "{}",
        err.report()
    );
}

#[test]
fn a_bad_skeleton_name_is_refused() {
    let err = skel_builder::generate("my-skel", Path::new("x.o"), b"").unwrap_err();
    assert!(matches!(err, Error::BadName { .. }), "{err:?}");
    let err = skel_builder::generate("type", Path::new("x.o"), b"").unwrap_err();
    assert!(matches!(err, Error::BadName { .. }), "{err:?}");
}

#[test]
fn no_input_is_an_error() {
    let err = SkeletonBuilder::new().generate("x.rs").unwrap_err();
    assert!(matches!(err, Error::NoInput), "{err:?}");
}
