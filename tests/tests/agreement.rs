//! The builder's view of every fixture object agrees with libbpf's: the
//! same maps (names, types, key/value sizes, entries, flags, autocreate)
//! and the same programs (names, sections, autoload), in the same order.

use libbpf_rs::ObjectBuilder;
use object::read::elf::{ElfFile64, SectionHeader as _};
use object::{LittleEndian, Object as _, ObjectSection as _};

#[test]
fn builder_agrees_with_libbpf_on_every_fixture() {
    let fixtures = skel_tests::fixtures();
    assert!(fixtures.len() >= 3, "fixtures: {fixtures:?}");
    for (source, object) in fixtures {
        let name = object
            .file_name()
            .and_then(|f| f.to_str())
            .and_then(|f| f.split('.').next())
            .unwrap()
            .to_owned();
        let bytes = std::fs::read(&object).unwrap();
        // The object is the embedded copy: DWARF's bytes dropped (its
        // sections left as NOBITS headers), BTF kept. Read with the
        // `object` crate, not skel-builder's own reader.
        let elf = ElfFile64::<LittleEndian>::parse(bytes.as_slice()).unwrap();
        let sections: Vec<(String, object::elf::SectionType)> = elf
            .sections()
            .map(|s| {
                let name = s.name().unwrap().to_owned();
                (name, s.elf_section_header().sh_type(LittleEndian))
            })
            .collect();
        assert!(
            sections
                .iter()
                .filter(|(n, _)| n.starts_with(".debug_") || n.starts_with(".rel.debug_"))
                .all(|&(_, t)| t == object::elf::SHT_NOBITS),
            "{}: {sections:?}",
            object.display()
        );
        for name in [".BTF", ".BTF.ext"] {
            assert!(
                sections
                    .iter()
                    .any(|(n, t)| n == name && *t == object::elf::SHT_PROGBITS),
                "{}: no {name}",
                object.display()
            );
        }
        let ours = skel_builder::generate(&name, &object, &bytes)
            .unwrap_or_else(|e| panic!("{}: {e:?}", source.display()))
            .skeleton;

        let mut builder = ObjectBuilder::default();
        builder.name(&name).unwrap();
        let open = builder.open_memory(&bytes).unwrap();

        let theirs: Vec<_> = open
            .maps()
            .map(|m| {
                (
                    m.name().to_string_lossy().into_owned(),
                    u32::from(m.map_type()),
                    m.key_size(),
                    m.value_size(),
                    m.max_entries(),
                    m.map_flags(),
                    m.autocreate(),
                )
            })
            .collect();
        let mine: Vec<_> = ours
            .maps
            .iter()
            .map(|m| {
                (
                    m.name.clone(),
                    m.map_type,
                    m.key_size,
                    m.value_size,
                    m.max_entries,
                    m.map_flags,
                    m.autocreate,
                )
            })
            .collect();
        assert_eq!(mine, theirs, "maps of {}", source.display());

        let theirs: Vec<_> = open
            .progs()
            .map(|p| {
                (
                    p.name().to_string_lossy().into_owned(),
                    p.section().to_string_lossy().into_owned(),
                    p.autoload(),
                )
            })
            .collect();
        let mine: Vec<_> = ours
            .progs
            .iter()
            .map(|p| (p.name.clone(), p.section.clone(), p.autoload))
            .collect();
        assert_eq!(mine, theirs, "programs of {}", source.display());
    }
}
