//! What libbpf sees in a BPF object: the ELF and its BTF, given the meaning
//! libbpf gives them at open (sections, maps, programs, struct_ops
//! variables). Nothing here is about Rust: the `translate` step turns the
//! [`Object`] into the skeleton model.
//!
//! Problems are collected per phase and reported together: a malformed
//! object lists everything wrong with it in one build.

mod calls;
pub mod elf;
mod maps;
mod programs;
pub mod raw;
mod sections;
mod strip;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::error::{Error, NeedsBtf, Problem};
use crate::model::ProgDef;

pub use calls::weaken;
pub use maps::{InnerDef, ObjMap, ObjMapKind};
pub use sections::Datasec;
#[cfg(test)]
pub use sections::Var;
pub use strip::strip_debug;

/// A BPF object as libbpf opens it.
#[derive(Debug)]
pub struct Object {
    /// Its BTF; empty when the object has no `.BTF` section (see
    /// `has_btf`).
    pub btf: skel_btf::Btf,
    /// The object has a `.BTF` section. Without one, only what needs no
    /// BTF is in it (checked at read).
    pub has_btf: bool,
    /// Built for `bpfeb`: a big-endian object, for big-endian machines.
    pub big_endian: bool,
    /// Fixed-up DATASECs by section name (data and struct_ops sections).
    pub datasecs: BTreeMap<String, Datasec>,
    /// The `.kconfig` externs the code uses, laid out as libbpf's
    /// `.kconfig` map holds them.
    pub kconfig: Option<Datasec>,
    /// Maps in libbpf's creation order.
    pub maps: Vec<ObjMap>,
    /// Programs in libbpf's order (section index, then offset).
    pub progs: Vec<ProgDef>,
}

/// Reads the object `bytes` (read from `path`, for messages).
///
/// `object_name` is what the runtime hands to libbpf at open: it prefixes
/// internal map names.
pub fn read(path: &Path, bytes: &[u8], object_name: &str) -> Result<Object, Error> {
    let obj = elf::ElfObject::parse(bytes).map_err(|source| Error::Elf {
        path: path.to_owned(),
        source,
    })?;
    // No .BTF: clang emits none for a source with no types in it (empty,
    // or emptied by the preprocessor), and `-g0` or a strip drops it. libbpf
    // opens such an object as long as nothing in it needs BTF.
    let btf = match obj.section_by_name(".BTF") {
        Some(section) => Some(parse_btf(path, section, obj.big_endian)?),
        None => {
            let needed_by = needs_btf(&obj);
            if !needed_by.is_empty() {
                return Err(Error::NoBtf {
                    path: path.to_owned(),
                    needed_by,
                });
            }
            None
        }
    };
    let has_btf = btf.is_some();
    let btf = btf.unwrap_or_else(skel_btf::Btf::empty);
    let failed = |problems: Vec<Problem>| Error::Object {
        path: path.to_owned(),
        inputs: vec![],
        problems,
    };

    let mut problems = vec![];
    // Everything after this finds sections by name and sizes them in u32.
    sections::check_unique_and_sized(&obj, &mut problems);
    if !problems.is_empty() {
        return Err(failed(problems));
    }
    if obj.section_by_name("maps").is_some() {
        problems.push(Problem::LegacyMaps);
    }
    check_symbols(&obj, &mut problems);
    let ids = sections::datasec_ids(&btf);
    let datasecs = sections::collect_datasecs(&obj, &btf, &ids, &mut problems);
    let kconfig = sections::kconfig_datasec(&obj, &btf, &ids);
    let kconfig_size = kconfig.as_ref().and_then(|k| u32::try_from(k.size).ok());
    let mut progs = programs::collect(&obj, &mut problems);
    calls::fill(&obj, &btf, &mut progs);
    let maps = maps::collect(
        &obj,
        &btf,
        &datasecs,
        kconfig_size,
        object_name,
        &mut problems,
    );
    let mut seen = HashSet::new();
    for m in &maps {
        if !seen.insert(m.name.as_str()) {
            problems.push(Problem::DuplicateMap {
                name: m.name.clone(),
            });
        }
    }
    programs::check_struct_ops_slots(&obj, &btf, &maps, &mut problems);
    if !problems.is_empty() {
        problems.dedup();
        return Err(failed(problems));
    }
    Ok(Object {
        btf,
        has_btf,
        big_endian: obj.big_endian,
        datasecs,
        kconfig,
        maps,
        progs,
    })
}

/// The object's BTF, which must be in the ELF file's byte order (libbpf
/// reads it so).
fn parse_btf(
    path: &Path,
    section: &elf::Section<'_>,
    big_endian: bool,
) -> Result<skel_btf::Btf, Error> {
    if section.sh_type != elf::SectionType::ProgBits {
        // libbpf refuses it too (LIBBPF_ERRNO__FORMAT).
        return Err(Error::Btf {
            path: path.to_owned(),
            source: skel_btf::BtfError::NotProgbits {
                section_type: match section.sh_type {
                    elf::SectionType::Other(t) => format!("{t:#x}"),
                    known => format!("{known:?}"),
                },
            },
        });
    }
    // The magic (0xeb9f) says the BTF's byte order before anything else
    // is read in it.
    let magic = section.data.get(..2);
    let other_order = if big_endian {
        [0x9f, 0xeb]
    } else {
        [0xeb, 0x9f]
    };
    if magic == Some(&other_order[..]) {
        return Err(Error::Btf {
            path: path.to_owned(),
            source: skel_btf::BtfError::ByteOrder {
                big_endian: !big_endian,
            },
        });
    }
    // Either byte order: the object's (checked against the target later).
    skel_btf::Btf::parse(section.data).map_err(|source| Error::Btf {
        path: path.to_owned(),
        source,
    })
}

/// What libbpf cannot open without BTF (its `libbpf_needs_btf` and extern
/// collection): maps declared in `.maps`, struct_ops maps, externs.
fn needs_btf(obj: &elf::ElfObject<'_>) -> Vec<NeedsBtf> {
    let mut needed = vec![];
    let defined_in = |index: usize| {
        obj.symbols.iter().filter(move |s| {
            s.section == Some(index)
                && s.kind == elf::SymbolKind::Object
                && s.binding != elf::Binding::Local
                && !s.name.is_empty()
        })
    };
    for sec in &obj.sections {
        let before = needed.len();
        match sections::role(sec) {
            sections::Role::Maps => {
                needed.extend(defined_in(sec.index).map(|s| NeedsBtf::DeclaredMap {
                    map: s.name.clone(),
                }));
                if needed.len() == before {
                    needed.push(NeedsBtf::DeclaredMap {
                        map: sec.name.clone(),
                    });
                }
            }
            sections::Role::StructOps { .. } => {
                needed.extend(defined_in(sec.index).map(|s| NeedsBtf::StructOpsMap {
                    map: s.name.clone(),
                    section: sec.name.clone(),
                }));
                if needed.len() == before {
                    needed.push(NeedsBtf::StructOpsMap {
                        map: sec.name.clone(),
                        section: sec.name.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    needed.extend(
        obj.symbols
            .iter()
            .filter(|s| {
                s.section.is_none()
                    && s.kind == elf::SymbolKind::NoType
                    && matches!(s.binding, elf::Binding::Global | elf::Binding::Weak)
                    && !s.name.is_empty()
            })
            .map(|s| NeedsBtf::Extern {
                name: s.name.clone(),
            }),
    );
    needed
}

/// Symbols that claim to live in a section must fit in it.
fn check_symbols(obj: &elf::ElfObject<'_>, problems: &mut Vec<Problem>) {
    for sym in &obj.symbols {
        let Some(index) = sym.section else { continue };
        if !matches!(sym.kind, elf::SymbolKind::Func | elf::SymbolKind::Object) {
            continue;
        }
        let section = &obj.sections[index];
        if sym
            .value
            .checked_add(sym.size)
            .is_none_or(|end| end > section.size)
        {
            problems.push(Problem::SymbolOutsideSection {
                section: section.name.clone(),
                symbol: sym.name.clone(),
                offset: sym.value,
                size: sym.size,
                section_size: section.size,
            });
        }
    }
}
