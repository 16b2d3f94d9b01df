//! A skeleton written with `generate(path)` and
//! `ObjectLocation::Relative` still builds after it is moved into a crate's
//! `src/` (as when it is committed), pulled in with `mod` or `include!`:
//! its object is found next to it, and the skeleton opens it.

use std::path::Path;

use skel_builder::{ObjectLocation, SkeletonBuilder};
use skel_tests::scratch::ScratchCrate;

#[test]
fn a_moved_skeleton_builds_and_opens_its_object() {
    // Shared with the other scratch-crate tests: one target directory.
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scratch");
    let generated = root.join("checked_in_generated");
    let _ = std::fs::remove_dir_all(&generated);
    let warnings = SkeletonBuilder::new()
        .obj(skel_tests::fixture("globals"))
        .name("globals")
        .object_location(ObjectLocation::Relative)
        .build_to(generated.join("globals.skel.rs"))
        .unwrap()
        .warnings;
    assert!(warnings.is_empty(), "{warnings:?}");
    let skeleton = std::fs::read_to_string(generated.join("globals.skel.rs")).unwrap();
    assert!(
        skeleton.contains("include_bytes!(\"globals.bpf.o\")"),
        "the object is named relative to the skeleton:\n{}",
        &skeleton[..skeleton.len().min(2000)]
    );
    let object = std::fs::read(generated.join("globals.bpf.o")).unwrap();

    // Committed into src/: once as a module file, once as a file pulled
    // in with include! from a subdirectory. Nothing is left where it was
    // generated.
    let krate = ScratchCrate::new(&root, "checked_in_probe", true);
    krate.write("build.rs", "fn main() {}\n");
    krate.write("src/globals.rs", &skeleton);
    std::fs::write(krate.dir.join("src/globals.bpf.o"), &object).unwrap();
    krate.write("src/skel/globals.skel.rs", &skeleton);
    std::fs::write(krate.dir.join("src/skel/globals.bpf.o"), &object).unwrap();
    std::fs::remove_dir_all(&generated).unwrap();
    krate.write(
        "src/main.rs",
        "mod globals;\n\
         mod included {\n    include!(\"skel/globals.skel.rs\");\n}\n\n\
         fn main() -> Result<(), skel_runtime::Error> {\n    \
         let mut storage = skel_runtime::ObjectStorage::new();\n    \
         let open = globals::GlobalsSkelBuilder::default().open(&mut storage)?;\n    \
         println!(\"mod: origin = ({}, {})\", open.maps().data().origin.x, open.maps().data().origin.y);\n    \
         let mut storage = skel_runtime::ObjectStorage::new();\n    \
         let open = included::GlobalsSkelBuilder::default().open(&mut storage)?;\n    \
         println!(\"include: threshold = {}\", open.maps().rodata().data()?.threshold);\n    \
         Ok(())\n}\n",
    );
    let out = krate.cargo(&["build"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = std::process::Command::new(krate.binary()).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(stdout, "mod: origin = (1, 2)\ninclude: threshold = 10\n");
}
