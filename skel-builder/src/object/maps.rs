//! Maps as libbpf makes them at open, in its order: `.maps` declarations,
//! global data sections, `.kconfig`, then struct_ops variables.

use std::collections::BTreeMap;

use super::btf::{Btf, BtfTypeId, Kind, Linkage};
use super::datasec::Datasec;
use super::elf::{ElfObject, SectionType};
use super::types::Translator;
use crate::error::Problem;
use crate::model::{DataKind, MapDef, MapKind};

const BPF_MAP_TYPE_ARRAY: u32 = 2;
const BPF_MAP_TYPE_STRUCT_OPS: u32 = 26;
const BPF_MAP_TYPE_ARRAY_OF_MAPS: u32 = 12;
const BPF_MAP_TYPE_HASH_OF_MAPS: u32 = 13;
const BPF_F_RDONLY_PROG: u32 = 1 << 7;
const BPF_F_MMAPABLE: u32 = 1 << 10;
const BPF_F_LINK: u32 = 1 << 13;
/// `BPF_OBJ_NAME_LEN - 1`: the longest name the kernel keeps.
const MAX_NAME: usize = 15;

/// A struct_ops variable, for the caller to find its initial slots.
pub struct StructOpsVar {
    pub map_index: usize,
    pub section_index: usize,
    pub offset: u64,
}

pub fn collect(
    elf: &ElfObject<'_>,
    btf: &Btf,
    datasecs: &BTreeMap<String, Datasec>,
    object_name: &str,
    tr: &mut Translator<'_>,
    problems: &mut Vec<Problem>,
) -> (Vec<MapDef>, Vec<StructOpsVar>) {
    let mut maps = vec![];
    declared_maps(btf, datasecs, &mut maps, problems);

    // Global data, in section order. Typed views are declared first so
    // they keep short names, and defined after every name is claimed.
    let mut to_define = vec![];
    for sec in &elf.sections {
        if sec.size == 0 || sec.executable {
            continue;
        }
        let name = sec.name.as_str();
        let kind = match (data_kind(name), sec.sh_type) {
            (Some(k @ (DataKind::Data | DataKind::Rodata)), SectionType::ProgBits) => k,
            (Some(DataKind::Bss), SectionType::NoBits) => DataKind::Bss,
            _ => continue,
        };
        let ds = datasecs.get(name);
        let ty = ds.map(|ds| {
            let r = tr.declare_datasec(name, ds);
            to_define.push((maps.len(), r, name, ds));
            r
        });
        let mmapable = ds.is_some_and(Datasec::mmapable);
        let mut flags = if kind == DataKind::Rodata {
            BPF_F_RDONLY_PROG
        } else {
            0
        };
        if mmapable {
            flags |= BPF_F_MMAPABLE;
        }
        maps.push(MapDef {
            name: internal_map_name(object_name, name),
            lookup_name: name.to_owned(),
            ident: String::new(),
            kind: MapKind::Data {
                section: name.to_owned(),
                kind,
                mmapable,
                ty,
                resizable: None,
            },
            map_type: BPF_MAP_TYPE_ARRAY,
            key_size: 4,
            value_size: sec.size.min(u64::from(u32::MAX)) as u32,
            max_entries: 1,
            map_flags: flags,
            autocreate: true,
        });
    }

    if let Some(size) = kconfig_size(elf, btf) {
        maps.push(MapDef {
            name: internal_map_name(object_name, ".kconfig"),
            lookup_name: ".kconfig".to_owned(),
            ident: String::new(),
            kind: MapKind::Kconfig,
            map_type: BPF_MAP_TYPE_ARRAY,
            key_size: 4,
            value_size: size,
            max_entries: 1,
            map_flags: BPF_F_RDONLY_PROG | BPF_F_MMAPABLE,
            autocreate: true,
        });
    }

    let mut struct_ops = vec![];
    let mut shadows = vec![];
    for sec in &elf.sections {
        let name = sec.name.as_str();
        if !is_struct_ops_section(name)
            || sec.sh_type != SectionType::ProgBits
            || sec.size == 0
            || sec.executable
        {
            continue;
        }
        let Some((_, Kind::Datasec { vars, .. })) = btf
            .iter()
            .find(|(_, t)| {
                t.name.as_deref() == Some(name) && matches!(t.kind, Kind::Datasec { .. })
            })
            .map(|(id, t)| (id, &t.kind))
        else {
            problems.push(Problem::NoDatasec {
                section: name.to_owned(),
            });
            continue;
        };
        for v in vars {
            let var = btf.get(v.ty);
            let Kind::Var { ty, .. } = var.kind else {
                problems.push(Problem::NotAVar {
                    section: name.to_owned(),
                    type_id: v.ty,
                    kind: var.kind.name(),
                });
                continue;
            };
            let map = var.name.clone().unwrap_or_default();
            let resolved = match btf.skip_modifiers(ty) {
                Ok(id) => id,
                Err(source) => {
                    problems.push(Problem::BadType {
                        type_name: btf.c_spelling(ty),
                        type_id: ty,
                        source,
                    });
                    continue;
                }
            };
            let Kind::Struct(comp) = &btf.get(resolved).kind else {
                problems.push(Problem::StructOpsNotStruct {
                    map,
                    type_name: btf.c_spelling(resolved),
                    type_id: resolved,
                });
                continue;
            };
            if btf.get(resolved).name.is_none() {
                problems.push(Problem::StructOpsAnonymous {
                    map,
                    type_id: resolved,
                });
                continue;
            }
            // The variable's offset: from its symbol, as libbpf's fixup does.
            let offset = elf
                .global_object(&map)
                .map(|s| s.value)
                .unwrap_or(u64::from(v.offset));
            let size = u64::from(comp.size);
            if offset.checked_add(size).is_none_or(|end| end > sec.size) {
                problems.push(Problem::VarOutsideSection {
                    section: name.to_owned(),
                    var: map,
                    offset,
                    size,
                    section_size: sec.size,
                });
                continue;
            }
            let shadow = tr.declare_shadow(&map, resolved);
            shadows.push((shadow, resolved));
            let plain = name.trim_start_matches('?');
            struct_ops.push(StructOpsVar {
                map_index: maps.len(),
                section_index: sec.index,
                offset,
            });
            maps.push(MapDef {
                name: map.clone(),
                lookup_name: map,
                ident: String::new(),
                kind: MapKind::StructOps {
                    section: name.to_owned(),
                    shadow,
                    kernel_struct: essential_name(btf.name(resolved)).to_owned(),
                    link: plain == ".struct_ops.link",
                },
                map_type: BPF_MAP_TYPE_STRUCT_OPS,
                key_size: 4,
                value_size: comp.size,
                max_entries: 1,
                map_flags: if plain == ".struct_ops.link" {
                    BPF_F_LINK
                } else {
                    0
                },
                autocreate: !name.starts_with('?'),
            });
        }
    }

    for (index, r, section, ds) in to_define {
        tr.define_datasec(r, section, ds);
        let last = super::resizable::last_array(btf, ds, &tr.types[r.0]);
        if let MapKind::Data { resizable, .. } = &mut maps[index].kind {
            *resizable = last;
        }
    }
    for (r, id) in shadows {
        tr.define_shadow(r, id);
    }
    (maps, struct_ops)
}

/// The data map libbpf makes of a section by its name: `.data`, `.rodata`,
/// `.bss` and their `.<suffix>` variants (the section type must match too).
pub(super) fn data_kind(name: &str) -> Option<DataKind> {
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

/// A type name without its CO-RE flavor (`tcp_congestion_ops___v2` is
/// `tcp_congestion_ops`), as libbpf matches struct_ops types to the
/// kernel's.
fn essential_name(name: &str) -> &str {
    name.find("___").map_or(name, |end| &name[..end])
}

/// Sections whose variables are struct_ops maps.
pub(super) fn is_struct_ops_section(name: &str) -> bool {
    matches!(
        name,
        ".struct_ops" | ".struct_ops.link" | "?.struct_ops" | "?.struct_ops.link"
    )
}

/// Maps declared in `SEC(".maps")`, parsed as libbpf's `parse_btf_map_def`.
fn declared_maps(
    btf: &Btf,
    datasecs: &BTreeMap<String, Datasec>,
    maps: &mut Vec<MapDef>,
    problems: &mut Vec<Problem>,
) {
    let Some(ds) = datasecs.get(".maps") else {
        return;
    };
    for var in &ds.vars {
        let name = var.name.clone();
        let def = match btf.skip_modifiers(var.ty) {
            Ok(id) => id,
            Err(source) => {
                problems.push(Problem::BadType {
                    type_name: btf.c_spelling(var.ty),
                    type_id: var.ty,
                    source,
                });
                continue;
            }
        };
        let Kind::Struct(comp) = &btf.get(def).kind else {
            problems.push(Problem::MapDefNotStruct {
                map: name,
                type_name: btf.c_spelling(def),
            });
            continue;
        };
        let mut map = MapDef {
            name: name.clone(),
            lookup_name: name.clone(),
            ident: String::new(),
            kind: MapKind::Declared { value_type: None },
            map_type: 0,
            key_size: 0,
            value_size: 0,
            max_entries: 0,
            map_flags: 0,
            autocreate: true,
        };
        let mut ok = true;
        for m in &comp.members {
            let field = m.name.as_deref().unwrap_or("");
            let int = || map_field_int(btf, m.ty);
            let pointee = || pointee(btf, m.ty);
            let mut bad = |problems: &mut Vec<Problem>| {
                problems.push(Problem::MapDefBadField {
                    map: name.clone(),
                    field: field.to_owned(),
                });
                ok = false;
            };
            match field {
                "type" | "max_entries" | "map_flags" | "key_size" | "value_size" => match int() {
                    Some(v) => match field {
                        "type" => map.map_type = v,
                        "max_entries" => map.max_entries = v,
                        "map_flags" => map.map_flags = v,
                        "key_size" => map.key_size = v,
                        _ => map.value_size = v,
                    },
                    None => bad(problems),
                },
                "key" => match pointee().and_then(|t| btf.size_of(t).ok().map(|s| (t, s))) {
                    Some((_, size)) => map.key_size = size as u32,
                    None => bad(problems),
                },
                "value" => match pointee().and_then(|t| btf.size_of(t).ok().map(|s| (t, s))) {
                    Some((t, size)) => {
                        map.value_size = size as u32;
                        map.kind = MapKind::Declared {
                            value_type: Some(btf.c_spelling(t)),
                        };
                    }
                    None => bad(problems),
                },
                "values" => {
                    // Map-in-map and prog-array initial values: libbpf
                    // stores fds/ids, 4 bytes each.
                    map.value_size = 4;
                    if map.key_size == 0 {
                        map.key_size = 4;
                    }
                }
                _ => {}
            }
        }
        if matches!(
            map.map_type,
            BPF_MAP_TYPE_ARRAY_OF_MAPS | BPF_MAP_TYPE_HASH_OF_MAPS
        ) && map.value_size == 0
        {
            map.value_size = 4;
        }
        if ok {
            maps.push(map);
        }
    }
}

/// `__uint(name, val)` is `int (*name)[val]`: the value is the array length.
fn map_field_int(btf: &Btf, ty: BtfTypeId) -> Option<u32> {
    let target = pointee(btf, ty)?;
    match &btf.get(btf.skip_modifiers(target).ok()?).kind {
        Kind::Array { len, .. } => Some(*len),
        _ => None,
    }
}

fn pointee(btf: &Btf, ty: BtfTypeId) -> Option<BtfTypeId> {
    match btf.get(btf.skip_modifiers(ty).ok()?).kind {
        Kind::Ptr { target } => Some(target),
        _ => None,
    }
}

/// libbpf's `internal_map_name`: the object name's prefix (as much as fits
/// beside a suffix of at least 7 characters) plus the section name; custom
/// `.data.*`/`.rodata.*` sections keep their own name. Truncated to 15
/// bytes, with characters the kernel refuses replaced by `_`.
pub fn internal_map_name(object_name: &str, section: &str) -> String {
    let obj: &[u8] = object_name.as_bytes();
    let obj = &obj[..obj.len().min(MAX_NAME)];
    let real = section.as_bytes();
    let sfx_len = real.len().clamp(7, MAX_NAME);
    let custom = real.len() > 1 && real[1..].contains(&b'.');
    let pfx_len = if custom {
        0
    } else {
        (MAX_NAME - sfx_len).min(obj.len())
    };
    let mut name: Vec<u8> = obj[..pfx_len].to_vec();
    name.extend_from_slice(&real[..real.len().min(sfx_len)]);
    name.truncate(MAX_NAME);
    name.iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' {
                b as char
            } else {
                '_'
            }
        })
        .collect()
}

/// The size libbpf gives the `.kconfig` map: externs in the `.kconfig`
/// DATASEC, sorted by descending alignment, then size, then name, each
/// placed at its alignment.
fn kconfig_size(elf: &ElfObject<'_>, btf: &Btf) -> Option<u32> {
    let (_, ds) = btf.iter().find(|(_, t)| {
        t.name.as_deref() == Some(".kconfig") && matches!(t.kind, Kind::Datasec { .. })
    })?;
    let Kind::Datasec { vars, .. } = &ds.kind else {
        return None;
    };
    let mut externs = vec![];
    for v in vars {
        let var = btf.get(v.ty);
        let Kind::Var {
            ty,
            linkage: Linkage::Extern,
        } = var.kind
        else {
            continue;
        };
        let name = var.name.clone().unwrap_or_default();
        // Only externs the object really references become kconfig entries.
        let referenced = elf.has_extern(&name);
        if !referenced {
            continue;
        }
        let size = btf.size_of(ty).ok()?;
        let align = c_align_of(btf, ty, 0)?;
        externs.push((align, size, name));
    }
    if externs.is_empty() {
        return None;
    }
    externs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut off = 0u64;
    for (align, size, _) in externs {
        off = off.div_ceil(align) * align + size;
    }
    u32::try_from(off).ok()
}

/// libbpf's `btf__align_of`.
fn c_align_of(btf: &Btf, id: BtfTypeId, depth: usize) -> Option<u64> {
    if depth > super::btf::MAX_RESOLVE_DEPTH {
        return None;
    }
    let ty = btf.get(id);
    match &ty.kind {
        Kind::Int { size, .. } | Kind::Enum { size, .. } | Kind::Float { size } => {
            Some(u64::from(*size).clamp(1, 8))
        }
        Kind::Ptr { .. } => Some(8),
        Kind::Array { elem, .. } => c_align_of(btf, *elem, depth + 1),
        Kind::Struct(c) | Kind::Union(c) => {
            let mut max = 1;
            for m in &c.members {
                let a = c_align_of(btf, m.ty, depth + 1)?;
                if m.bitfield_size == 0 && u64::from(m.bit_offset) % (8 * a) != 0 {
                    return Some(1);
                }
                max = max.max(a);
            }
            if u64::from(c.size) % max != 0 {
                Some(1)
            } else {
                Some(max)
            }
        }
        k => k
            .modifier_target()
            .and_then(|t| c_align_of(btf, t, depth + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::internal_map_name;

    #[test]
    fn libbpf_internal_names() {
        assert_eq!(
            internal_map_name("my_object_name", ".rodata"),
            "my_objec.rodata"
        );
        assert_eq!(internal_map_name("my_object_name", ".bss"), "my_objec.bss");
        assert_eq!(
            internal_map_name("my_object_name", ".kconfig"),
            "my_obje.kconfig"
        );
        assert_eq!(internal_map_name("foo", ".data"), "foo.data");
        assert_eq!(
            internal_map_name("foo", ".rodata.abracadabra"),
            ".rodata.abracad"
        );
        assert_eq!(internal_map_name("foo", ".data.x"), ".data.x");
        assert_eq!(internal_map_name("foo", ".rodata.str1.1"), ".rodata.str1.1");
        assert_eq!(internal_map_name("a-b", ".bss"), "a_b.bss");
    }
}
