//! Reading a BPF object: the ELF and BTF in it, given the meaning libbpf
//! gives them at open. This step builds the [`crate::model`]; codegen reads
//! only the model.
//!
//! Problems are collected per phase and reported together: a malformed
//! object lists everything wrong with it in one build.

pub mod btf;
mod datasec;
pub mod elf;
mod maps;
mod resizable;
mod strip;
mod types;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::error::{Error, Problem};
use crate::ident::Namespace;
use crate::model::{MapDef, MapKind, ObjectPath, ProgDef, Skeleton};

pub use maps::internal_map_name;
pub use strip::strip_debug;

/// Names libbpf reserves for ELF sections that are not programs.
fn is_program_section(section: &elf::Section<'_>) -> bool {
    section.executable && section.sh_type == elf::SectionType::ProgBits && section.size > 0
}

/// Builds the skeleton model of the object `bytes` read from `path`.
///
/// `name` is the skeleton's name; `object_name` is what the runtime hands to
/// libbpf at open (it prefixes internal map names).
pub fn read(
    path: &Path,
    bytes: &[u8],
    name: &str,
    object_name: &str,
    object_path: ObjectPath,
) -> Result<Skeleton, Error> {
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

    let mut problems = vec![];
    // Everything after this finds sections by name and sizes them in u32.
    check_sections(&obj, &mut problems);
    if !problems.is_empty() {
        return Err(Error::Object {
            path: path.to_owned(),
            problems,
        });
    }
    if obj.section_by_name("maps").is_some() {
        problems.push(Problem::LegacyMaps);
    }
    check_symbols(&obj, &mut problems);
    let datasecs = datasec::collect(&obj, &btf, &mut problems);
    let mut progs = programs(&obj, &mut problems);
    let mut translator = types::Translator::new(&btf);
    let (mut maps, struct_ops_vars) = maps::collect(
        &obj,
        &btf,
        &datasecs,
        object_name,
        &mut translator,
        &mut problems,
    );
    problems.append(&mut translator.problems);

    let mut seen = HashSet::new();
    for m in &maps {
        if !seen.insert(m.name.as_str()) {
            problems.push(Problem::DuplicateMap {
                name: m.name.clone(),
            });
        }
    }
    check_struct_ops_slots(&obj, &maps, &struct_ops_vars, &translator, &mut problems);
    if !problems.is_empty() {
        problems.dedup();
        return Err(Error::Object {
            path: path.to_owned(),
            problems,
        });
    }

    name_accessors(&mut maps, &mut progs);
    Ok(Skeleton {
        name: name.to_owned(),
        object_name: object_name.to_owned(),
        object_path,
        maps,
        progs,
        warnings: std::mem::take(&mut translator.warnings),
        types: translator.types,
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

/// Sections that become maps (and `.BTF`) must have unique names, since
/// libbpf finds them by name, and fit in a map value (a `u32` size; a
/// NOBITS `.bss` can claim any size without taking file space).
fn check_sections(obj: &elf::ElfObject<'_>, problems: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for sec in &obj.sections {
        let name = sec.name.as_str();
        let interpreted = matches!(name, ".BTF" | ".maps" | ".kconfig")
            || maps::is_struct_ops_section(name)
            || maps::data_kind(name).is_some();
        if !interpreted {
            continue;
        }
        if !seen.insert(sec.name.as_str()) {
            problems.push(Problem::DuplicateSection {
                section: sec.name.clone(),
            });
        }
        if sec.size > u64::from(u32::MAX) {
            problems.push(Problem::SectionTooLarge {
                section: sec.name.clone(),
                size: sec.size,
            });
        }
    }
}

/// Programs as libbpf finds them: every `STT_FUNC` in an executable section
/// other than `.text` (whose functions are subprograms), ordered by section
/// index and offset.
fn programs(obj: &elf::ElfObject<'_>, problems: &mut Vec<Problem>) -> Vec<ProgDef> {
    let mut found = vec![];
    for sym in &obj.symbols {
        let Some(sec) = sym.section.map(|i| &obj.sections[i]) else {
            continue;
        };
        if !is_program_section(sec) || sec.name == ".text" || sym.kind != elf::SymbolKind::Func {
            continue;
        }
        if sym.binding == elf::Binding::Local {
            problems.push(Problem::StaticProgram {
                section: sec.name.clone(),
                program: sym.name.clone(),
            });
            continue;
        }
        let plain = sec.name.trim_start_matches('?');
        found.push((
            sec.index,
            sym.value,
            ProgDef {
                name: sym.name.clone(),
                ident: String::new(),
                section: plain.to_owned(),
                struct_ops: plain.starts_with("struct_ops/")
                    || plain.starts_with("struct_ops.s/")
                    || plain == "struct_ops"
                    || plain == "struct_ops.s",
                autoload: !sec.name.starts_with('?'),
            },
        ));
    }
    found.sort_by_key(|(sec, off, _)| (*sec, *off));
    found.into_iter().map(|(_, _, p)| p).collect()
}

/// Each relocation in a struct_ops section must point a function-pointer
/// member at a program, as libbpf requires at open.
fn check_struct_ops_slots(
    obj: &elf::ElfObject<'_>,
    maps: &[MapDef],
    vars: &[maps::StructOpsVar],
    tr: &types::Translator<'_>,
    problems: &mut Vec<Problem>,
) {
    // Relocations of each struct_ops section, read once, sorted by offset.
    let mut relocations: HashMap<usize, Vec<elf::Relocation>> = HashMap::new();
    for var in vars {
        if relocations.contains_key(&var.section_index) {
            continue;
        }
        let section = &obj.sections[var.section_index].name;
        let mut relocs = match obj.relocations_for(var.section_index) {
            Ok(relocs) => relocs,
            Err(e) => {
                problems.push(Problem::BadRelocations {
                    section: section.clone(),
                    reason: e.to_string(),
                });
                vec![]
            }
        };
        for rel in &relocs {
            if rel.symbol >= obj.symbols.len() {
                problems.push(Problem::RelocationBadSymbol {
                    section: section.clone(),
                    offset: rel.offset,
                    symbol: rel.symbol,
                    count: obj.symbols.len(),
                });
            }
        }
        relocs.retain(|rel| rel.symbol < obj.symbols.len());
        relocs.sort_by_key(|rel| rel.offset);
        relocations.insert(var.section_index, relocs);
    }
    // Two maps sharing bytes would also share (and multiply) slot checks.
    let mut sorted: Vec<&maps::StructOpsVar> = vars.iter().collect();
    sorted.sort_by_key(|v| (v.section_index, v.offset));
    let mut prev: Option<(usize, u64, &str)> = None;
    for var in sorted {
        let map = &maps[var.map_index];
        let MapKind::StructOps { shadow, .. } = &map.kind else {
            continue;
        };
        let end = var.offset + u64::from(map.value_size);
        if let Some((section, prev_end, other)) = prev {
            if section == var.section_index && var.offset < prev_end {
                problems.push(Problem::StructOpsOverlap {
                    map: map.name.clone(),
                    other: other.to_owned(),
                });
                continue;
            }
        }
        prev = Some((var.section_index, end, &map.name));
        let relocs = &relocations[&var.section_index];
        let first = relocs.partition_point(|rel| rel.offset < var.offset);
        for rel in relocs[first..].iter().take_while(|rel| rel.offset < end) {
            let member_offset = rel.offset - var.offset;
            let sym = &obj.symbols[rel.symbol];
            let is_prog = sym.kind == elf::SymbolKind::Func
                && sym.section.is_some_and(|s| {
                    is_program_section(&obj.sections[s]) && obj.sections[s].name != ".text"
                });
            if is_prog {
                continue;
            }
            let field = match &tr.types[shadow.0].kind {
                crate::model::TypeDefKind::Struct(s) => {
                    let at = s.fields.partition_point(|f| f.byte_offset < member_offset);
                    s.fields
                        .get(at)
                        .filter(|f| f.byte_offset == member_offset)
                        .map(|f| f.name.clone())
                        .unwrap_or_default()
                }
                _ => String::new(),
            };
            problems.push(Problem::StructOpsBadSlot {
                map: map.name.clone(),
                field,
                offset: member_offset,
                symbol: sym.name.clone(),
            });
        }
    }
}

/// Gives maps and programs accessor names, unique together with the names
/// derived from them (`foo`, `foo_mut`, `foo_data`, `foo_data_mut`,
/// `foo_array`, ...).
fn name_accessors(maps: &mut [MapDef], progs: &mut [ProgDef]) {
    const MAP_FAMILY: &[&str] = &[
        "",
        "_mut",
        "_data",
        "_data_mut",
        "_array",
        "_array_mut",
        "_resize",
        "_kernel",
        "_autoattach",
        "_set_autoattach",
    ];
    const PROG_FAMILY: &[&str] = &["", "_mut"];
    let mut ns = Namespace::new();
    for m in maps.iter_mut() {
        let base = match &m.kind {
            MapKind::Data { section, .. } => section.trim_start_matches('.').to_owned(),
            MapKind::Kconfig => "kconfig".to_owned(),
            _ => m.name.clone(),
        };
        m.ident = ns.claim_group(&base, MAP_FAMILY);
    }
    let mut ns = Namespace::new();
    for p in progs.iter_mut() {
        p.ident = ns.claim_group(&p.name, PROG_FAMILY);
    }
}
