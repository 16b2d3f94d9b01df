//! The object a skeleton embeds also sits in the binary's `.bpf.objs`
//! section, one symbol per object, as libbpf-cargo 0.26 puts it: tools
//! (veristat scripts) extract it from a shipped binary by the symbol's
//! address and size, and libbpf opens what they get.

use std::path::Path;

use libbpf_rs::ObjectBuilder;
use object::{Object as _, ObjectSection as _, ObjectSymbol as _};
use skel_tests::scratch::ScratchCrate;

/// The objects in `binary`'s `.bpf.objs` section: (symbol, bytes), found
/// the way an extraction script finds them (symbols in the section).
fn bpf_objs(binary: &Path) -> Vec<(String, Vec<u8>)> {
    let bytes = std::fs::read(binary).unwrap();
    let file = object::File::parse(bytes.as_slice()).unwrap();
    let section = file
        .section_by_name(".bpf.objs")
        .unwrap_or_else(|| panic!("{}: no .bpf.objs section", binary.display()));
    let data = section.data().unwrap();
    file.symbols()
        .filter(|s| s.section_index() == Some(section.index()) && s.size() > 0)
        .map(|s| {
            let start = (s.address() - section.address()) as usize;
            let end = start + s.size() as usize;
            (s.name().unwrap().to_owned(), data[start..end].to_vec())
        })
        .collect()
}

/// libbpf opens `bytes`; returns its map names.
fn open_maps(bytes: &[u8]) -> Vec<String> {
    let mut builder = ObjectBuilder::default();
    builder.name("extracted").unwrap();
    let open = builder
        .open_memory(bytes)
        .unwrap_or_else(|e| panic!("libbpf refuses the extracted object: {e}"));
    open.maps()
        .map(|m| m.name().to_string_lossy().into_owned())
        .collect()
}

/// This test's own binary (edition 2024, the tests crate's skeletons):
/// the skeleton it opens is in `.bpf.objs`, byte for byte.
#[test]
fn this_binary_holds_the_objects_it_uses() {
    let mut storage = skel_runtime::ObjectStorage::new();
    let open = skel_tests::globals_skel::GlobalsSkelBuilder::default()
        .open(&mut storage)
        .unwrap();
    drop(open);
    let embedded = std::fs::read(skel_tests::fixture("globals")).unwrap();
    let objs = bpf_objs(&std::env::current_exe().unwrap());
    let found: Vec<&String> = objs
        .iter()
        .filter(|(_, bytes)| *bytes == embedded)
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "globals' object once in .bpf.objs: {:?}",
        objs.iter().map(|(n, b)| (n, b.len())).collect::<Vec<_>>()
    );
    assert!(found[0].contains("OBJECT"), "{}", found[0]);
    let maps = open_maps(&embedded);
    assert!(maps.iter().any(|m| m.ends_with(".data")), "{maps:?}");
}

/// A user's crate of edition 2021 (the `unsafe(link_section)` attribute
/// must compile there too) with a skeleton its build script makes: the
/// built binary runs, and its `.bpf.objs` holds exactly the embedded
/// object, which libbpf opens.
#[test]
fn an_edition_2021_binary_ships_its_object_in_bpf_objs() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scratch");
    let krate = ScratchCrate::new(&root, "bpf_objs_probe", true);
    krate.edition("2021");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("bpf/globals.bpf.c");
    krate.write(
        "src/bpf/globals.bpf.c",
        &std::fs::read_to_string(source).unwrap(),
    );
    krate.write(
        "build.rs",
        "fn main() {\n    skel_builder::SkeletonBuilder::new()\n        \
         .source(\"src/bpf/globals.bpf.c\")\n        .build()\n        .unwrap();\n}\n",
    );
    krate.write(
        "src/main.rs",
        "mod globals {\n    include!(concat!(env!(\"OUT_DIR\"), \"/globals.skel.rs\"));\n}\n\n\
         fn main() -> Result<(), skel_runtime::Error> {\n    \
         let mut storage = skel_runtime::ObjectStorage::new();\n    \
         let open = globals::GlobalsSkelBuilder::default().open(&mut storage)?;\n    \
         println!(\"threshold = {}\", open.maps().rodata().data()?.threshold);\n    \
         Ok(())\n}\n",
    );
    let out = krate.cargo(&["build"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = std::process::Command::new(krate.binary()).output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&run.stdout), "threshold = 10\n");

    let embedded =
        std::fs::read(krate.out_dir_with("globals.bpf.o").join("globals.bpf.o")).unwrap();
    let objs = bpf_objs(&krate.binary());
    assert_eq!(
        objs.len(),
        1,
        "one object, one symbol: {:?}",
        objs.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    let (symbol, extracted) = &objs[0];
    assert!(symbol.contains("OBJECT"), "{symbol}");
    assert!(
        extracted == &embedded,
        "the extracted object is the embedded one, byte for byte"
    );
    let maps = open_maps(extracted);
    for map in [".data", ".rodata", ".bss"] {
        assert!(maps.iter().any(|m| m.ends_with(map)), "{map} in {maps:?}");
    }
}
