//! What each ELF section means to libbpf, and the BTF DATASEC that
//! describes it: the one place that classifies sections and finds their
//! BTF.
//!
//! clang leaves every DATASEC size and variable offset at 0; libbpf's
//! `btf_fixup_datasec` takes sizes from the ELF sections and offsets from
//! the variables' symbols at open. [`collect_datasecs`] computes the same.
//! libbpf leaves static variables at offset 0; we place them from their
//! local symbols instead, so typed views cover them too.

use std::collections::{BTreeMap, HashSet};

use super::elf::{ElfObject, Section, SectionType};
use crate::error::Problem;
use crate::model::DataKind;
use skel_btf::{Btf, BtfTypeId, Kind, Linkage};

/// What libbpf makes of a section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// `.data`, `.rodata`, `.bss` and their `.<suffix>` variants, of the
    /// matching ELF type and not empty: a global-data map.
    Data(DataKind),
    /// `.struct_ops`, `.struct_ops.link` and their `?` (optional) forms:
    /// each variable is a struct_ops map.
    StructOps { link: bool, optional: bool },
    /// `.maps`: BTF-defined maps.
    Maps,
    /// `.kconfig`: externs libbpf fills from the kernel's config.
    Kconfig,
    /// `.BTF`.
    Btf,
    /// Executable code other than `.text`: every global function is a
    /// program.
    Programs,
    /// Anything else (`.text` subprograms, relocations, DWARF, ...).
    Other,
}

/// The data-section kind of a section name, whatever its ELF type.
pub fn data_kind(name: &str) -> Option<DataKind> {
    let is = |base: &str| {
        name.strip_prefix(base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    };
    if is(".data") {
        Some(DataKind::Data)
    } else if is(".rodata") {
        Some(DataKind::Rodata)
    } else if is(".bss") {
        Some(DataKind::Bss)
    } else {
        None
    }
}

/// The role of a section by name alone (for names that must be unique).
fn role_by_name(name: &str) -> Role {
    match name {
        ".maps" => Role::Maps,
        ".kconfig" => Role::Kconfig,
        ".BTF" => Role::Btf,
        ".struct_ops" => Role::StructOps {
            link: false,
            optional: false,
        },
        ".struct_ops.link" => Role::StructOps {
            link: true,
            optional: false,
        },
        "?.struct_ops" => Role::StructOps {
            link: false,
            optional: true,
        },
        "?.struct_ops.link" => Role::StructOps {
            link: true,
            optional: true,
        },
        _ => match data_kind(name) {
            Some(kind) => Role::Data(kind),
            None => Role::Other,
        },
    }
}

/// The role of a section, as libbpf's `bpf_object__elf_collect` decides it.
pub fn role(section: &Section<'_>) -> Role {
    if section.executable {
        return if section.sh_type == SectionType::ProgBits
            && section.size > 0
            && section.name != ".text"
        {
            Role::Programs
        } else {
            Role::Other
        };
    }
    match role_by_name(&section.name) {
        Role::Data(kind) => {
            let typed = match kind {
                DataKind::Bss => section.sh_type == SectionType::NoBits,
                DataKind::Data | DataKind::Rodata => section.sh_type == SectionType::ProgBits,
            };
            if typed && section.size > 0 {
                Role::Data(kind)
            } else {
                Role::Other
            }
        }
        Role::StructOps { .. } if section.sh_type != SectionType::ProgBits || section.size == 0 => {
            Role::Other
        }
        other => other,
    }
}

/// Sections that libbpf interprets must have unique names, since libbpf
/// finds them by name, and fit in a map value (a `u32` size; a NOBITS
/// `.bss` can claim any size without taking file space).
pub fn check_unique_and_sized(obj: &ElfObject<'_>, problems: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for sec in &obj.sections {
        if role_by_name(&sec.name) == Role::Other {
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

/// A variable of a data or struct_ops section, placed.
#[derive(Clone, Debug)]
pub struct Var {
    pub name: String,
    /// The VAR's type (not the VAR itself).
    pub ty: BtfTypeId,
    pub offset: u64,
    pub size: u64,
    /// Static, or global with hidden visibility: libbpf treats both as
    /// static when deciding whether the map is mmapable.
    pub is_static: bool,
}

/// A section's DATASEC, fixed up as libbpf does at open.
#[derive(Clone, Debug)]
pub struct Datasec {
    pub btf_id: BtfTypeId,
    pub size: u64,
    /// Sorted by offset, as libbpf sorts them.
    pub vars: Vec<Var>,
}

impl Datasec {
    /// libbpf makes a data map mmapable when it holds a non-static variable.
    pub fn mmapable(&self) -> bool {
        self.vars.iter().any(|v| !v.is_static)
    }
}

/// Every DATASEC of the BTF by section name (the first of each name).
pub fn datasec_ids(btf: &Btf) -> BTreeMap<&str, BtfTypeId> {
    let mut out = BTreeMap::new();
    for ty in btf.iter() {
        if let (Kind::Datasec { .. }, Some(name)) = (ty.kind(), ty.name()) {
            out.entry(name).or_insert(ty.id());
        }
    }
    out
}

/// Fixed-up DATASECs by section name. `.kconfig`/`.ksyms` are left out:
/// their layout is libbpf's, computed at open from the externs (see
/// [`kconfig_size`]).
pub fn collect_datasecs(
    elf: &ElfObject<'_>,
    btf: &Btf,
    ids: &BTreeMap<&str, BtfTypeId>,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Datasec> {
    let mut out = BTreeMap::new();
    for (&section_name, &id) in ids {
        if section_name == ".kconfig" || section_name == ".ksyms" {
            continue;
        }
        let Kind::Datasec {
            size: btf_size,
            vars,
        } = btf.get(id).kind()
        else {
            continue;
        };
        let section = elf.section_by_name(section_name);
        let section_size = match (section, btf_size) {
            (Some(s), 0) => s.size,
            (_, size) => u64::from(size),
        };
        let mut fixed = Vec::with_capacity(vars.len());
        // Variables placed at their symbol instead of their BTF offset:
        // (index in `fixed`, BTF offset).
        let mut moved: Vec<(usize, u64)> = vec![];
        for v in vars {
            let var_ty = btf.get(v.ty);
            let Kind::Var { ty: inner, linkage } = var_ty.kind() else {
                problems.push(Problem::NotAVar {
                    section: section_name.to_owned(),
                    type_id: v.ty,
                    kind: var_ty.kind_name(),
                });
                continue;
            };
            let name = var_ty.name().unwrap_or_default().to_owned();
            if linkage == Linkage::Extern {
                continue;
            }
            let size = match btf.size_of(inner) {
                Ok(s) => s,
                Err(_) => u64::from(v.size),
            };
            let found = place(elf, section.map(|s| s.index), &name, linkage);
            let mut moved_from = None;
            let found = if btf_size != 0 {
                // Linked objects (bpftool gen object) carry real offsets,
                // except where a weak copy was overridden.
                let hidden = found.is_some_and(|(_, s)| s);
                let offset = match linked_offset(
                    elf,
                    section_name,
                    section.map(|s| s.index),
                    &name,
                    linkage,
                    v.byte_offset,
                ) {
                    Ok(offset) => offset,
                    Err(p) => {
                        problems.push(p);
                        continue;
                    }
                };
                if offset != u64::from(v.byte_offset) {
                    moved_from = Some(u64::from(v.byte_offset));
                }
                Some((offset, linkage == Linkage::Static || hidden))
            } else {
                found
            };
            let (offset, is_static) = match found {
                Some(found) => found,
                None if linkage == Linkage::Static => {
                    // A static whose symbol we cannot pin down: leave it out
                    // rather than guess an offset.
                    continue;
                }
                None => {
                    problems.push(Problem::VarWithoutSymbol {
                        section: section_name.to_owned(),
                        var: name,
                    });
                    continue;
                }
            };
            if offset
                .checked_add(size)
                .is_none_or(|end| end > section_size)
            {
                problems.push(Problem::VarOutsideSection {
                    section: section_name.to_owned(),
                    var: name,
                    offset,
                    size,
                    section_size,
                });
                continue;
            }
            fixed.push(Var {
                name,
                ty: inner,
                offset,
                size,
                is_static,
            });
            if let Some(btf_offset) = moved_from {
                moved.push((fixed.len() - 1, btf_offset));
            }
        }
        drop_overlapping_moves(section_name, &mut fixed, &moved, problems);
        fixed.sort_by_key(|v| v.offset);
        out.insert(
            section_name.to_owned(),
            Datasec {
                btf_id: id,
                size: section_size,
                vars: fixed,
            },
        );
    }
    out
}

/// Where a variable of a linked object lives: its offset in the DATASEC,
/// unless its symbol says otherwise.
///
/// libbpf's static linker writes each variable's offset into the DATASEC.
/// But given a `__weak` definition and a strong one in a later file, it
/// moves the symbol to the strong copy (so every relocation, i.e. what the
/// programs read and write, goes there) and leaves the variable's DATASEC
/// entry on the dead weak copy (libbpf 1.7, `linker_append_btf`: a global
/// already in the DATASEC only gets its size updated). A view at the BTF
/// offset would show the weak initial value and write where no program
/// reads, so the symbol wins: the view covers the storage the programs use.
fn linked_offset(
    elf: &ElfObject<'_>,
    section_name: &str,
    section: Option<usize>,
    name: &str,
    linkage: Linkage,
    btf_offset: u32,
) -> Result<u64, Problem> {
    let btf_offset = u64::from(btf_offset);
    if linkage == Linkage::Static {
        return Ok(btf_offset);
    }
    let Some(sym) = elf.global_object(name) else {
        return Ok(btf_offset);
    };
    if section.is_some() && sym.section == section {
        return Ok(sym.value);
    }
    let elsewhere = sym.section.and_then(|i| elf.sections.get(i)).map_or_else(
        || "no section".to_owned(),
        |s| format!("section `{}`", s.name),
    );
    Err(Problem::LinkedVarMoved {
        section: section_name.to_owned(),
        var: name.to_owned(),
        btf_offset,
        symbol_offset: sym.value,
        reason: format!("in {elsewhere}"),
    })
}

/// Moved variables (see [`linked_offset`]) that overlap another variable
/// cannot be viewed: each is a problem, and left out.
fn drop_overlapping_moves(
    section: &str,
    vars: &mut Vec<Var>,
    moved: &[(usize, u64)],
    problems: &mut Vec<Problem>,
) {
    let mut dropped = vec![];
    for &(index, btf_offset) in moved {
        let var = &vars[index];
        let end = var.offset.saturating_add(var.size);
        let other = vars.iter().enumerate().find(|(i, o)| {
            *i != index
                && o.size > 0
                && var.size > 0
                && o.offset < end
                && var.offset < o.offset.saturating_add(o.size)
        });
        if let Some((_, other)) = other {
            problems.push(Problem::LinkedVarMoved {
                section: section.to_owned(),
                var: var.name.clone(),
                btf_offset,
                symbol_offset: var.offset,
                reason: format!("where it overlaps `{}`", other.name),
            });
            dropped.push(index);
        }
    }
    dropped.sort_unstable();
    for index in dropped.into_iter().rev() {
        vars.remove(index);
    }
}

/// Finds a variable's offset from its symbol: global/weak `STT_OBJECT`
/// symbols by name anywhere (as libbpf does); statics among the local
/// symbols of their own section, where a function-scope static is named
/// `function.var`.
fn place(
    elf: &ElfObject<'_>,
    section: Option<usize>,
    name: &str,
    linkage: Linkage,
) -> Option<(u64, bool)> {
    if linkage != Linkage::Static {
        let sym = elf.global_object(name)?;
        return Some((sym.value, sym.hidden));
    }
    let mut candidates = elf.local_objects(section?, name);
    let first = candidates.next()?;
    if candidates.next().is_some() {
        return None;
    }
    Some((first.value, true))
}

/// The `.kconfig` externs as libbpf lays them out in its `.kconfig` map:
/// those in the `.kconfig` DATASEC that the code references, sorted by
/// descending alignment, then size, then name, each placed at its
/// alignment; the size is the map's.
pub fn kconfig_datasec(
    elf: &ElfObject<'_>,
    btf: &Btf,
    ids: &BTreeMap<&str, BtfTypeId>,
) -> Option<Datasec> {
    let id = *ids.get(".kconfig")?;
    let Kind::Datasec { vars, .. } = btf.get(id).kind() else {
        return None;
    };
    let mut externs = vec![];
    for v in vars {
        let var = btf.get(v.ty);
        let Kind::Var {
            ty,
            linkage: Linkage::Extern,
        } = var.kind()
        else {
            continue;
        };
        let name = var.name().unwrap_or_default().to_owned();
        if !elf.has_extern(&name) {
            continue;
        }
        let size = btf.size_of(ty).ok()?;
        let align = btf.align_of(ty).ok()?.max(1);
        externs.push((align, size, name, ty));
    }
    if externs.is_empty() {
        return None;
    }
    externs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut off = 0u64;
    let mut out = Vec::with_capacity(externs.len());
    for (align, size, name, ty) in externs {
        off = off.div_ceil(align) * align;
        out.push(Var {
            name,
            ty,
            offset: off,
            size,
            is_static: false,
        });
        off += size;
    }
    u32::try_from(off).ok()?;
    Some(Datasec {
        btf_id: id,
        size: off,
        vars: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::testing::{BtfWriter, ElfWriter, SHF_ALLOC, SHF_WRITE, SHT_PROGBITS, STT_OBJECT};

    /// A linked object's `.data` of 24 bytes: `a` at 0, and `knob` whose
    /// DATASEC entry says byte 8 (a dead weak copy) while its symbol is at
    /// `knob_at` in section `knob_in` (`.data` or `.bss`).
    fn linked(knob_at: u64, knob_in: &str) -> Result<super::super::Object, Error> {
        let mut btf = BtfWriter::new();
        let long = btf.int("long", 8, true);
        let a = btf.var("a", long);
        let knob = btf.var("knob", long);
        btf.datasec(".data", 24, &[(a, 0, 8), (knob, 8, 8)]);
        let mut elf = ElfWriter::new();
        let data = elf.section(".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, vec![0; 24]);
        let bss = elf.nobits(".bss", 16);
        elf.symbol("a", data, 0, 8, STT_OBJECT);
        let at = if knob_in == ".bss" { bss } else { data };
        elf.symbol("knob", at, knob_at, 8, STT_OBJECT);
        elf.btf(&btf);
        super::super::read(std::path::Path::new("linked.o"), &elf.bytes(), "linked")
    }

    #[test]
    fn a_linked_variable_lies_at_its_symbol_not_its_btf_offset() {
        let obj = linked(16, ".data").unwrap();
        let placed: Vec<(&str, u64)> = obj.datasecs[".data"]
            .vars
            .iter()
            .map(|v| (v.name.as_str(), v.offset))
            .collect();
        assert_eq!(placed, [("a", 0), ("knob", 16)]);
        // Where both agree, nothing moves.
        let obj = linked(8, ".data").unwrap();
        assert_eq!(obj.datasecs[".data"].vars[1].offset, 8);
    }

    #[test]
    fn a_moved_variable_that_cannot_be_viewed_is_refused() {
        let problem = |knob_at, knob_in| match linked(knob_at, knob_in) {
            Err(Error::Object { problems, .. }) => problems,
            other => panic!("{other:?}"),
        };
        let overlapping = problem(4, ".data");
        assert_eq!(
            overlapping,
            [Problem::LinkedVarMoved {
                section: ".data".into(),
                var: "knob".into(),
                btf_offset: 8,
                symbol_offset: 4,
                reason: "where it overlaps `a`".into(),
            }]
        );
        assert_eq!(
            overlapping[0].to_string(),
            "data section `.data`: variable `knob` is at byte 8 by BTF, but the programs use its \
             symbol's copy at byte 4, where it overlaps `a`; libbpf's linker leaves BTF on the \
             dead copy when a `__weak` definition comes before the strong one\n\
             hint: give the file with the strong definition first"
        );
        let elsewhere = problem(0, ".bss");
        assert!(
            matches!(&elsewhere[..], [Problem::LinkedVarMoved { var, reason, .. }]
                if var == "knob" && reason == "in section `.bss`"),
            "{elsewhere:?}"
        );
    }

    #[test]
    fn data_section_names() {
        assert_eq!(data_kind(".data"), Some(DataKind::Data));
        assert_eq!(data_kind(".rodata.str1.1"), Some(DataKind::Rodata));
        assert_eq!(data_kind(".bss.x"), Some(DataKind::Bss));
        assert_eq!(data_kind(".database"), None);
        assert_eq!(data_kind(".rodatax"), None);
        assert_eq!(
            role_by_name("?.struct_ops.link"),
            Role::StructOps {
                link: true,
                optional: true
            }
        );
        assert_eq!(role_by_name(".struct_ops.x"), Role::Other);
    }
}
