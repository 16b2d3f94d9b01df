//! Programs as libbpf finds them at open, and the struct_ops slots that
//! point at them.

use std::collections::HashMap;

use super::elf::{Binding, ElfObject, Relocation, Symbol, SymbolKind};
use super::maps::{ObjMap, ObjMapKind};
use super::sections::{Role, role};
use crate::error::Problem;
use crate::model::ProgDef;
use skel_btf::{Btf, Kind};

/// Is this symbol a program: a function in a program section (libbpf's
/// rule; functions in `.text` are subprograms)?
pub fn is_program(obj: &ElfObject<'_>, sym: &Symbol) -> bool {
    sym.kind == SymbolKind::Func
        && sym
            .section
            .is_some_and(|s| role(&obj.sections[s]) == Role::Programs)
}

/// Is a program of this section a struct_ops program (`struct_ops/...`,
/// `struct_ops.s/...`, with or without a leading `?`)?
pub fn is_struct_ops_section(section: &str) -> bool {
    let plain = section.trim_start_matches('?');
    plain.starts_with("struct_ops/")
        || plain.starts_with("struct_ops.s/")
        || plain == "struct_ops"
        || plain == "struct_ops.s"
}

/// Programs in libbpf's order (section index, then offset). Static
/// functions in program sections are problems: libbpf only loads globals.
pub fn collect(obj: &ElfObject<'_>, problems: &mut Vec<Problem>) -> Vec<ProgDef> {
    let mut found = vec![];
    for sym in &obj.symbols {
        if !is_program(obj, sym) {
            continue;
        }
        let Some(sec) = sym.section.map(|i| &obj.sections[i]) else {
            continue;
        };
        if sym.binding == Binding::Local {
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
                section: plain.to_owned(),
                struct_ops: is_struct_ops_section(&sec.name),
                autoload: !sec.name.starts_with('?'),
                ..ProgDef::default()
            },
        ));
    }
    found.sort_by_key(|(sec, off, _)| (*sec, *off));
    found.into_iter().map(|(_, _, p)| p).collect()
}

/// Each relocation in a struct_ops variable must point a function-pointer
/// member at a program, as libbpf requires at open.
pub fn check_struct_ops_slots(
    obj: &ElfObject<'_>,
    btf: &Btf,
    maps: &[ObjMap],
    problems: &mut Vec<Problem>,
) {
    // Relocations of each struct_ops section, read once, sorted by offset.
    let mut relocations: HashMap<usize, Vec<Relocation>> = HashMap::new();
    let vars: Vec<(&ObjMap, usize, u64, skel_btf::BtfTypeId)> = maps
        .iter()
        .filter_map(|m| match &m.kind {
            ObjMapKind::StructOps {
                section_index,
                offset,
                struct_id,
                ..
            } => Some((m, *section_index, *offset, *struct_id)),
            _ => None,
        })
        .collect();
    for &(_, index, _, _) in &vars {
        if relocations.contains_key(&index) {
            continue;
        }
        let section = &obj.sections[index].name;
        let mut relocs = match obj.relocations_for(index) {
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
        relocations.insert(index, relocs);
    }
    // Two maps sharing bytes would also share (and multiply) slot checks.
    let mut sorted = vars;
    sorted.sort_by_key(|&(_, index, offset, _)| (index, offset));
    let mut prev: Option<(usize, u64, &str)> = None;
    for (map, index, offset, struct_id) in sorted {
        let end = offset + u64::from(map.value_size);
        if let Some((section, prev_end, other)) = prev
            && section == index
            && offset < prev_end
        {
            problems.push(Problem::StructOpsOverlap {
                map: map.name.clone(),
                other: other.to_owned(),
            });
            continue;
        }
        prev = Some((index, end, &map.name));
        let relocs = &relocations[&index];
        let first = relocs.partition_point(|rel| rel.offset < offset);
        for rel in relocs[first..].iter().take_while(|rel| rel.offset < end) {
            let sym = &obj.symbols[rel.symbol];
            let member_offset = rel.offset - offset;
            let field = || member_at(btf, struct_id, member_offset);
            if !is_program(obj, sym) {
                problems.push(Problem::StructOpsBadSlot {
                    map: map.name.clone(),
                    field: field(),
                    offset: member_offset,
                    symbol: sym.name.clone(),
                });
                continue;
            }
            // libbpf types a program by its section: only struct_ops ones
            // may fill a slot; anything else makes it refuse the object at
            // open.
            let section = sym.section.map_or("", |s| obj.sections[s].name.as_str());
            if !is_struct_ops_section(section) {
                problems.push(Problem::StructOpsSlotNotStructOps {
                    map: map.name.clone(),
                    field: field(),
                    program: sym.name.clone(),
                    section: section.trim_start_matches('?').to_owned(),
                });
            }
        }
    }
}

/// The name of the member of struct `id` at `byte_offset`, or `""`.
fn member_at(btf: &Btf, id: skel_btf::BtfTypeId, byte_offset: u64) -> String {
    match btf.get(id).kind() {
        Kind::Struct(c) => c
            .members
            .iter()
            .find(|m| m.bitfield_size == 0 && u64::from(m.bit_offset) == byte_offset * 8)
            .and_then(|m| m.name().map(str::to_owned))
            .unwrap_or_default(),
        _ => String::new(),
    }
}
