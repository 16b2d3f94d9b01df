//! What libbpf sees in a BPF object: the ELF and its BTF, given the meaning
//! libbpf gives them at open (sections, maps, programs, struct_ops
//! variables). Nothing here is about Rust: the `translate` step turns the
//! [`Object`] into the skeleton model.
//!
//! Problems are collected per phase and reported together: a malformed
//! object lists everything wrong with it in one build.

pub mod btf;
pub mod elf;
mod maps;
mod programs;
mod sections;
mod strip;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::error::{Error, Problem};
use crate::model::ProgDef;

pub use maps::{ObjMap, ObjMapKind};
pub use sections::Datasec;
#[cfg(test)]
pub use sections::Var;
pub use strip::strip_debug;

/// A BPF object as libbpf opens it.
#[derive(Debug)]
pub struct Object {
    pub btf: btf::Btf,
    /// Fixed-up DATASECs by section name (data and struct_ops sections).
    pub datasecs: BTreeMap<String, Datasec>,
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
    let btf_section = obj.section_by_name(".BTF").ok_or_else(|| Error::NoBtf {
        path: path.to_owned(),
    })?;
    if btf_section.sh_type != elf::SectionType::ProgBits {
        // libbpf refuses it too (LIBBPF_ERRNO__FORMAT).
        return Err(Error::Btf {
            path: path.to_owned(),
            source: btf::BtfError::NotProgbits {
                section_type: match btf_section.sh_type {
                    elf::SectionType::Other(t) => format!("{t:#x}"),
                    known => format!("{known:?}"),
                },
            },
        });
    }
    let btf = btf::Btf::parse(btf_section.data).map_err(|source| Error::Btf {
        path: path.to_owned(),
        source,
    })?;
    let failed = |problems: Vec<Problem>| Error::Object {
        path: path.to_owned(),
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
    let kconfig = sections::kconfig_size(&obj, &btf, &ids);
    let progs = programs::collect(&obj, &mut problems);
    let maps = maps::collect(&obj, &btf, &datasecs, kconfig, object_name, &mut problems);
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
        datasecs,
        maps,
        progs,
    })
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
