//! The object a skeleton embeds: clang's without what libbpf never reads
//! (DWARF and its relocations, the relocations of `.BTF` and `.BTF.ext`,
//! `.llvm_addrsig`, an empty `.text`), everything else the same, read back
//! with the `object` crate (not skel-builder's reader) and opened by
//! libbpf; `keep_dwarf(true)` keeps the object as clang wrote it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use libbpf_rs::ObjectBuilder;
use object::read::elf::{ElfFile64, SectionHeader as _};
use object::{Endianness, Object as _, ObjectSection as _, ObjectSymbol as _};
use skel_builder::SkeletonBuilder;

/// Sections libbpf skips without reading them.
fn ignored_by_libbpf(name: &str, data_len: usize) -> bool {
    name.starts_with(".debug_")
        || name.starts_with(".rel.debug_")
        || name == ".rel.BTF"
        || name == ".rel.BTF.ext"
        || name == ".llvm_addrsig"
        || (name == ".text" && data_len == 0)
}

/// A section by what it holds: type, flags, size, bytes, link and info
/// (by name).
type SectionFacts = (u32, u64, u64, Vec<u8>, String, String);

/// What an object holds, by name: sections (type, flags, size, bytes,
/// link and info by name), symbols (section by name, value, size, kind)
/// and relocations (section, offset, type, symbol by name).
#[derive(Debug, PartialEq)]
struct Contents {
    sections: BTreeMap<String, SectionFacts>,
    symbols: Vec<(String, String, u64, u64, String)>,
    relocations: Vec<(String, u64, u32, String)>,
}

fn contents(bytes: &[u8], skip: impl Fn(&str, usize) -> bool) -> Contents {
    let elf = ElfFile64::<Endianness>::parse(bytes).unwrap();
    let e = elf.endian();
    let name_of = |index: usize| {
        elf.section_by_index(object::SectionIndex(index))
            .map(|s| s.name().unwrap().to_owned())
            .unwrap_or_default()
    };
    let mut sections = BTreeMap::new();
    for s in elf.sections() {
        let name = s.name().unwrap().to_owned();
        let h = s.elf_section_header();
        let data = s.data().unwrap();
        if skip(&name, data.len()) {
            continue;
        }
        // String tables and the symbol table are rebuilt; their meaning is
        // compared through the symbols below. BTF types are merged: its
        // meaning is compared with bpftool. .BTF.ext keeps its size.
        let t = h.sh_type(e).0;
        let rebuilt =
            [object::elf::SHT_STRTAB.0, object::elf::SHT_SYMTAB.0].contains(&t) || name == ".BTF";
        let bytes = if rebuilt || t == object::elf::SHT_REL.0 || name == ".BTF.ext" {
            vec![]
        } else {
            data.to_vec()
        };
        let size = if rebuilt { 0 } else { h.sh_size(e) };
        let info = if t == object::elf::SHT_REL.0 {
            name_of(h.sh_info(e) as usize)
        } else {
            String::new()
        };
        sections.insert(
            name,
            (
                t,
                h.sh_flags(e).0,
                size,
                bytes,
                name_of(h.sh_link(e) as usize),
                info,
            ),
        );
    }
    let symbols = elf
        .symbols()
        .filter(|s| {
            s.section_index().is_none_or(|i| {
                !skip(
                    &name_of(i.0),
                    elf.section_by_index(i).unwrap().size() as usize,
                )
            })
        })
        .map(|s| {
            (
                s.name().unwrap().to_owned(),
                s.section_index().map(|i| name_of(i.0)).unwrap_or_default(),
                s.address(),
                s.size(),
                format!("{:?}", s.kind()),
            )
        })
        .collect();
    let mut relocations = vec![];
    for s in elf.sections() {
        let name = s.name().unwrap().to_owned();
        // libbpf ignores the relocations of .BTF and .BTF.ext.
        if skip(&name, s.data().unwrap().len()) || name == ".BTF" || name == ".BTF.ext" {
            continue;
        }
        for (offset, r) in s.relocations() {
            let symbol = match r.target() {
                object::RelocationTarget::Symbol(i) => {
                    elf.symbol_by_index(i).unwrap().name().unwrap().to_owned()
                }
                other => format!("{other:?}"),
            };
            let object::RelocationFlags::Elf { r_type } = r.flags() else {
                panic!("not an ELF relocation");
            };
            relocations.push((name.clone(), offset, r_type.0, symbol));
        }
    }
    Contents {
        sections,
        symbols,
        relocations,
    }
}

fn compile(source: &Path, target: &str, out: &Path) -> Vec<u8> {
    let status = std::process::Command::new(skel_builder::default_clang())
        .args(["-g", "-O2", "-target", target, "-D__TARGET_ARCH_x86"])
        .arg("-I")
        .arg(env!("SKEL_BPF_INCLUDE"))
        .args(["-idirafter", "/usr/include/x86_64-linux-gnu", "-c"])
        .arg(source)
        .arg("-o")
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success(), "clang failed on {}", source.display());
    std::fs::read(out).unwrap()
}

fn scratch() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lean_object");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture_sources() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bpf");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.to_string_lossy().ends_with(".bpf.c")
                // Built without -g by the build script.
                && !p.to_string_lossy().ends_with("nobtf.bpf.c")
        })
        .collect();
    sources.sort();
    sources
}

/// The BTF of an object as C, as bpftool prints it (anonymous types
/// inline, so merged copies print the same); `None` without bpftool.
fn btf_as_c(object: &Path) -> Option<String> {
    let out = std::process::Command::new("bpftool")
        .args(["btf", "dump", "file"])
        .arg(object)
        .args(["format", "c"])
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "bpftool on {}: {}",
        object.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// Every fixture, compiled little- and big-endian: only the sections
/// libbpf ignores are gone, and every other section, symbol and
/// relocation is the same, by name; the BTF says the same (bpftool's C);
/// the file is a multiple of 8 bytes.
#[test]
fn only_what_libbpf_ignores_is_removed_in_either_byte_order() {
    let dir = scratch();
    let mut checked = 0;
    for source in fixture_sources() {
        for target in ["bpfel", "bpfeb"] {
            let stem = source.file_name().unwrap().to_str().unwrap();
            let clang = compile(&source, target, &dir.join(format!("{stem}.{target}.o")));
            let lean = skel_builder::testing::strip_debug(&clang)
                .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
            assert_eq!(lean.len() % 8, 0, "{}", source.display());
            let before = contents(&clang, ignored_by_libbpf);
            let after = contents(&lean, |_, _| false);
            assert_eq!(after, before, "{} ({target})", source.display());
            let had_dwarf = contents(&clang, |_, _| false)
                .sections
                .contains_key(".debug_info");
            assert_eq!(
                had_dwarf,
                before.sections.contains_key(".BTF"),
                "{}: -g gives both DWARF and BTF",
                source.display()
            );
            if had_dwarf {
                assert!(
                    lean.len() < clang.len(),
                    "{} ({target}): {} -> {} bytes",
                    source.display(),
                    clang.len(),
                    lean.len()
                );
            }
            if target == "bpfel" && had_dwarf {
                let lean_path = dir.join(format!("{stem}.{target}.lean.o"));
                std::fs::write(&lean_path, &lean).unwrap();
                let clang_path = dir.join(format!("{stem}.{target}.o"));
                assert_eq!(
                    btf_as_c(&lean_path),
                    btf_as_c(&clang_path),
                    "{}",
                    source.display()
                );
            }
            // Again: nothing left to remove or merge, the same bytes.
            assert_eq!(skel_builder::testing::strip_debug(&lean).unwrap(), lean);
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked}");
}

/// libbpf opens every lean object the builder embedded (kernel tests load
/// them) with the same maps and programs as clang's own object.
#[test]
fn libbpf_opens_the_lean_object_as_it_opens_clangs() {
    let dir = scratch();
    for source in fixture_sources() {
        let stem = source.file_name().unwrap().to_str().unwrap();
        let clang = compile(&source, "bpfel", &dir.join(format!("{stem}.libbpf.o")));
        let lean = skel_builder::testing::strip_debug(&clang).unwrap();
        let open = |bytes: &[u8]| {
            let mut builder = ObjectBuilder::default();
            builder.name("lean").unwrap();
            let obj = builder.open_memory(bytes).map(|o| {
                let maps: Vec<String> = o
                    .maps()
                    .map(|m| m.name().to_string_lossy().into_owned())
                    .collect();
                let progs: Vec<String> = o
                    .progs()
                    .map(|p| p.name().to_string_lossy().into_owned())
                    .collect();
                (maps, progs)
            });
            obj.map_err(|e| e.to_string())
        };
        assert_eq!(open(&lean), open(&clang), "{}", source.display());
    }
}

/// `keep_dwarf(true)` embeds the object with its DWARF; the default does
/// not, and keeps `.BTF` and `.BTF.ext`.
#[test]
fn keep_dwarf_keeps_the_object_as_clang_wrote_it() {
    let dir = scratch();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("bpf/globals.bpf.c");
    let sections = |keep: bool| {
        let out = dir.join(format!("keep_{keep}"));
        let warnings = SkeletonBuilder::new()
            .source(&source)
            .include(env!("SKEL_BPF_INCLUDE"))
            .keep_dwarf(keep)
            .build_to(out.join("globals.skel.rs"))
            .unwrap()
            .warnings;
        assert!(warnings.is_empty(), "{warnings:?}");
        let bytes = std::fs::read(out.join("globals.bpf.o")).unwrap();
        assert_eq!(bytes.len() % 8, 0);
        let elf = ElfFile64::<Endianness>::parse(bytes.as_slice()).unwrap();
        elf.sections()
            .map(|s| s.name().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let kept = sections(true);
    let lean = sections(false);
    for name in [
        ".debug_info",
        ".rel.debug_info",
        ".debug_line",
        ".BTF",
        ".BTF.ext",
    ] {
        assert!(kept.iter().any(|s| s == name), "{name} in {kept:?}");
    }
    assert!(!lean.iter().any(|s| s.contains(".debug_")), "{lean:?}");
    for name in [".BTF", ".BTF.ext", ".data", ".rodata", ".symtab"] {
        assert!(lean.iter().any(|s| s == name), "{name} in {lean:?}");
    }
}

/// Merged BTF types move the ids after them: the kernel still accepts the
/// lean object's `.BTF.ext` (function and line records, checked at load),
/// and a program that reads a type's local id (`bpf_core_type_id_local`,
/// rewritten by libbpf at load from the CO-RE record) gets its id in the
/// lean object's BTF.
#[test]
fn a_program_sees_its_types_renumbered_ids() {
    if !skel_tests::kernel::available("a_program_sees_its_types_renumbered_ids") {
        return;
    }
    let dir = scratch();
    let source = dir.join("renumbered.bpf.c");
    std::fs::write(
        &source,
        "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n#include <bpf/bpf_core_read.h>\n\
         /* The same anonymous struct twice, before `target`. */\n\
         struct args { struct { int x; int y; } p; struct { int x; int y; } q; };\n\
         struct target { int z; long w; };\n\
         SEC(\"syscall\")\nint first(struct args *ctx)\n{\n\treturn ctx->p.x + ctx->q.y;\n}\n\
         SEC(\"syscall\")\nint probe(void *ctx)\n{\n\
         \treturn bpf_core_type_id_local(struct target);\n}\n\
         char LICENSE[] SEC(\"license\") = \"GPL\";\n",
    )
    .unwrap();
    let clang = compile(&source, "bpfel", &dir.join("renumbered.o"));
    let lean = skel_builder::testing::strip_debug(&clang).unwrap();
    let target_id = |bytes: &[u8]| {
        let btf = libbpf_rs::btf::Btf::from_raw("renumbered", bytes)
            .unwrap()
            .expect("the object has BTF");
        let ty: libbpf_rs::btf::types::Struct<'_> = btf.type_by_name("target").unwrap();
        u32::from(ty.type_id())
    };
    let (before, after) = (target_id(&clang), target_id(&lean));
    assert!(
        after < before,
        "a copy before `target` merged: {before} -> {after}"
    );

    let mut builder = ObjectBuilder::default();
    builder.name("renumbered").unwrap();
    let obj = builder.open_memory(&lean).unwrap().load().unwrap();
    let prog = obj.progs_mut().find(|p| p.name() == "probe").unwrap();
    let out = prog.test_run(libbpf_rs::ProgramInput::default()).unwrap();
    assert_eq!(out.return_value, after);
}
