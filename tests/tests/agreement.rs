//! The builder's view of every fixture object agrees with libbpf's: the
//! same maps (names, types, key/value sizes, entries, flags, autocreate)
//! and the same programs (names, sections, autoload), in the same order.

use libbpf_rs::ObjectBuilder;

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
        // sections left as NOBITS headers), BTF kept.
        let elf = skel_builder::object::elf::ElfObject::parse(&bytes).unwrap();
        assert!(
            elf.sections
                .iter()
                .filter(|s| s.name.starts_with(".debug_") || s.name.starts_with(".rel.debug_"))
                .all(|s| s.sh_type == skel_builder::object::elf::SectionType::NoBits),
            "{}",
            object.display()
        );
        assert!(elf.section_by_name(".BTF").is_some() && elf.section_by_name(".BTF.ext").is_some());
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
