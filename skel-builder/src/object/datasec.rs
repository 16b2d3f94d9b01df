//! What libbpf's `btf_fixup_datasec` computes at open: clang leaves every
//! DATASEC size and variable offset at 0, so sizes come from the ELF
//! sections and offsets from the variables' symbols. libbpf leaves static
//! variables at offset 0; we place them from their local symbols instead, so
//! the typed view covers them too.

use std::collections::BTreeMap;

use super::btf::{Btf, BtfTypeId, Kind, Linkage};
use super::elf::ElfObject;
use crate::error::Problem;

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

/// Fixed-up DATASECs by section name. `.kconfig`/`.ksyms` are left out:
/// their layout is libbpf's, computed at open from the externs.
pub fn collect(
    elf: &ElfObject<'_>,
    btf: &Btf,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Datasec> {
    let mut out = BTreeMap::new();
    for (id, ty) in btf.iter() {
        let Kind::Datasec {
            size: btf_size,
            vars,
        } = &ty.kind
        else {
            continue;
        };
        let Some(section_name) = ty.name.as_deref() else {
            continue;
        };
        if section_name == ".kconfig" || section_name == ".ksyms" {
            continue;
        }
        let section = elf.section_by_name(section_name);
        let section_size = match (section, *btf_size) {
            (Some(s), 0) => s.size,
            (_, size) => u64::from(size),
        };
        let mut fixed = Vec::with_capacity(vars.len());
        for v in vars {
            let var_ty = btf.get(v.ty);
            let Kind::Var { ty: inner, linkage } = var_ty.kind else {
                problems.push(Problem::NotAVar {
                    section: section_name.to_owned(),
                    type_id: v.ty,
                    kind: var_ty.kind.name(),
                });
                continue;
            };
            let name = var_ty.name.clone().unwrap_or_default();
            if linkage == Linkage::Extern {
                continue;
            }
            let size = match btf.size_of(inner) {
                Ok(s) => s,
                Err(_) => u64::from(v.size),
            };
            let found = place(elf, section.map(|s| s.index), &name, linkage);
            let found = if *btf_size != 0 {
                // Linked objects (bpftool gen object) carry real offsets.
                let hidden = found.is_some_and(|(_, s)| s);
                Some((u64::from(v.offset), linkage == Linkage::Static || hidden))
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
        }
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
