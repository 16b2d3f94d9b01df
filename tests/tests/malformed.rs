//! Malformed objects give an error that names the file and says what is
//! wrong, never a panic. The cases live in `skel_tests::malformed`, which
//! docs/malformed-inputs.md lists with their messages.

use std::path::Path;

use skel_tests::malformed;

#[test]
fn every_malformed_case_gives_its_error() {
    let mut failures = vec![];
    for case in malformed::cases() {
        let file = format!("{}.bpf.o", case.name);
        let report = match skel_builder::SkeletonBuilder::new()
            .name("malformed")
            .generate(Path::new(&file), &case.bytes)
        {
            Ok(_) => {
                failures.push(format!("{}: accepted", case.name));
                continue;
            }
            Err(e) => e.report(),
        };
        if std::env::var_os("SKEL_SHOW_ERRORS").is_some() {
            eprintln!("--- {} ({})\n{report}\n", case.name, case.what);
        }
        for want in std::iter::once(&file.as_str()).chain(case.expect) {
            if !report.contains(want) {
                failures.push(format!("{}: no {want:?} in:\n{report}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_valid_baseline_is_accepted() {
    let generated = skel_builder::SkeletonBuilder::new()
        .name("valid")
        .generate(Path::new("valid.bpf.o"), &malformed::valid())
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        generated.code.contains("pub counter: i32"),
        "{}",
        generated.code
    );
}

#[test]
fn data_without_btf_is_an_untyped_map() {
    let generated = skel_builder::SkeletonBuilder::new()
        .name("valid")
        .generate(Path::new("valid.bpf.o"), &malformed::valid_without_btf())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let skel = &generated.skeleton;
    assert!(!skel.has_btf);
    assert_eq!(skel.maps.len(), 1);
    assert!(
        matches!(
            &skel.maps[0].kind,
            skel_builder::model::MapKind::Data { section, ty: None, mmapable: false, .. }
                if section == ".data"
        ),
        "{:?}",
        skel.maps[0]
    );
    assert!(!generated.code.contains("counter"), "{}", generated.code);
}

/// Prefixes and single-byte corruptions at evenly spread points of every
/// fixture object: an error naming the file, or a skeleton, never a panic.
/// (The fuzzer goes much further; this keeps a cheap check in every test
/// run. `deep` is left out: its size is the point, and it is slow to
/// generate unoptimized.)
#[test]
fn cut_and_corrupted_fixtures_never_panic() {
    const CUTS: usize = 32;
    const FLIPS: usize = 64;
    for (source, object) in skel_tests::fixtures() {
        if source.ends_with("deep.bpf.c") {
            continue;
        }
        let bytes = std::fs::read(&object).unwrap();
        let shown = object.display().to_string();
        let check = |input: &[u8]| {
            if let Err(e) = skel_builder::SkeletonBuilder::new()
                .name("cut")
                .generate(&object, input)
            {
                let report = e.report();
                assert!(report.contains(&shown), "{report}");
            }
        };
        for len in (0..bytes.len()).step_by(bytes.len() / CUTS + 1) {
            check(&bytes[..len]);
        }
        for at in (0..bytes.len()).step_by(bytes.len() / FLIPS + 1) {
            let mut bad = bytes.clone();
            bad[at] ^= 0xff;
            check(&bad);
        }
    }
}

/// A pointer cycle is not malformed (`struct list { struct list *next; }`
/// is one through a struct; BTF may also point a pointer at itself):
/// pointers stay opaque, so nothing walks the cycle.
#[test]
fn pointer_cycles_are_opaque_pointers() {
    use skel_builder::testing::{BtfTypeId, BtfWriter, data_object, finish};
    let mut btf = BtfWriter::new();
    // [1] ptr -> [1]; [2] typedef loop_t -> [3] ptr -> [2]
    let p = btf.ptr(BtfTypeId(1));
    let t = btf.typedef("loop_t", BtfTypeId(3));
    btf.ptr(t);
    let elf = data_object(&mut btf, &[("p", p, 8), ("t", t, 8)]);
    let g = skel_builder::SkeletonBuilder::new()
        .name("cycle")
        .generate(Path::new("cycle.bpf.o"), &finish(elf, &btf))
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(g.code.contains("pub p: __skel::OpaquePtr,"), "{}", g.code);
    assert!(g.code.contains("pub t: __skel::OpaquePtr,"), "{}", g.code);
}
