//! Maps as libbpf makes them at open, in its order: `.maps` declarations,
//! global data sections, `.kconfig`, then struct_ops variables.

use std::collections::BTreeMap;

use super::elf::ElfObject;
use super::sections::{self, Datasec, Role};
use crate::error::Problem;
use crate::model::DataKind;
use crate::uapi::{
    BPF_F_LINK, BPF_F_MMAPABLE, BPF_F_RDONLY_PROG, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_ARRAY_OF_MAPS,
    BPF_MAP_TYPE_HASH_OF_MAPS, BPF_MAP_TYPE_STRUCT_OPS, MAX_OBJ_NAME,
};
use skel_btf::{Btf, BtfTypeId, Kind};

/// One map, as libbpf creates it at open, with the BTF that describes it.
#[derive(Clone, Debug)]
pub struct ObjMap {
    /// `bpf_map__name`: the C variable, or libbpf's internal name
    /// (`foo_bpf.bss`, `.rodata.str1.1`).
    pub name: String,
    /// The name the runtime looks the map up by: the C variable, or the ELF
    /// section for internal maps (`.bss`).
    pub lookup_name: String,
    pub kind: ObjMapKind,
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    pub autocreate: bool,
}

#[derive(Clone, Debug)]
pub enum ObjMapKind {
    /// Declared in `SEC(".maps")`, with its key and value types when given
    /// with `__type`, and for a map of maps the definition of its inner
    /// maps (`__array(values, struct { ... })`).
    Declared {
        key: Option<BtfTypeId>,
        value: Option<BtfTypeId>,
        inner: Option<Box<InnerDef>>,
    },
    /// A global-data map for an ELF data section; its variables are in the
    /// object's fixed-up DATASECs, under `section`.
    Data {
        section: String,
        kind: DataKind,
        mmapable: bool,
    },
    /// `.kconfig` externs.
    Kconfig,
    /// A struct_ops variable.
    StructOps {
        section: String,
        link: bool,
        /// The variable's struct type (modifiers skipped).
        struct_id: BtfTypeId,
        section_index: usize,
        /// The variable's offset in its section.
        offset: u64,
    },
}

/// The inner maps of a map of maps, as its `values` member declares them.
#[derive(Clone, Debug)]
pub struct InnerDef {
    pub map_type: u32,
    pub key: Option<BtfTypeId>,
    pub value: Option<BtfTypeId>,
}

pub fn collect(
    elf: &ElfObject<'_>,
    btf: &Btf,
    datasecs: &BTreeMap<String, Datasec>,
    kconfig_size: Option<u32>,
    object_name: &str,
    problems: &mut Vec<Problem>,
) -> Vec<ObjMap> {
    let mut maps = vec![];
    if let Some(ds) = datasecs.get(".maps") {
        declared_maps(btf, ds, &mut maps, problems);
    }

    // Global data, in section order.
    for sec in &elf.sections {
        let Role::Data(kind) = sections::role(sec) else {
            continue;
        };
        let name = sec.name.as_str();
        let mmapable = datasecs.get(name).is_some_and(Datasec::mmapable);
        let mut flags = if kind == DataKind::Rodata {
            BPF_F_RDONLY_PROG
        } else {
            0
        };
        if mmapable {
            flags |= BPF_F_MMAPABLE;
        }
        maps.push(ObjMap {
            name: internal_map_name(object_name, name),
            lookup_name: name.to_owned(),
            kind: ObjMapKind::Data {
                section: name.to_owned(),
                kind,
                mmapable,
            },
            map_type: BPF_MAP_TYPE_ARRAY,
            key_size: 4,
            value_size: sec.size.min(u64::from(u32::MAX)) as u32,
            max_entries: 1,
            map_flags: flags,
            autocreate: true,
        });
    }

    if let Some(size) = kconfig_size {
        maps.push(ObjMap {
            name: internal_map_name(object_name, ".kconfig"),
            lookup_name: ".kconfig".to_owned(),
            kind: ObjMapKind::Kconfig,
            map_type: BPF_MAP_TYPE_ARRAY,
            key_size: 4,
            value_size: size,
            max_entries: 1,
            map_flags: BPF_F_RDONLY_PROG | BPF_F_MMAPABLE,
            autocreate: true,
        });
    }

    for sec in &elf.sections {
        let Role::StructOps { link, optional } = sections::role(sec) else {
            continue;
        };
        let name = sec.name.as_str();
        let Some(ds) = datasecs.get(name) else {
            problems.push(Problem::NoDatasec {
                section: name.to_owned(),
            });
            continue;
        };
        for var in &ds.vars {
            let map = var.name.clone();
            let resolved = match btf.skip_modifiers(var.ty) {
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
            let Kind::Struct(comp) = btf.get(resolved).kind() else {
                problems.push(Problem::StructOpsNotStruct {
                    map,
                    type_name: btf.c_spelling(resolved),
                    type_id: resolved,
                });
                continue;
            };
            if btf.get(resolved).name().is_none() {
                problems.push(Problem::StructOpsAnonymous {
                    map,
                    type_id: resolved,
                });
                continue;
            }
            maps.push(ObjMap {
                name: map.clone(),
                lookup_name: map,
                kind: ObjMapKind::StructOps {
                    section: name.to_owned(),
                    link,
                    struct_id: resolved,
                    section_index: sec.index,
                    offset: var.offset,
                },
                map_type: BPF_MAP_TYPE_STRUCT_OPS,
                key_size: 4,
                value_size: comp.size,
                max_entries: 1,
                map_flags: if link { BPF_F_LINK } else { 0 },
                autocreate: !optional,
            });
        }
    }
    maps
}

/// Maps declared in `SEC(".maps")`, parsed as libbpf's `parse_btf_map_def`.
fn declared_maps(btf: &Btf, ds: &Datasec, maps: &mut Vec<ObjMap>, problems: &mut Vec<Problem>) {
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
        let Some(parsed) = parse_map_def(btf, &name, def, true, problems) else {
            continue;
        };
        maps.push(ObjMap {
            name: name.clone(),
            lookup_name: name,
            kind: ObjMapKind::Declared {
                key: parsed.key,
                value: parsed.value,
                inner: parsed.inner,
            },
            map_type: parsed.map_type,
            key_size: parsed.key_size,
            value_size: parsed.value_size,
            max_entries: parsed.max_entries,
            map_flags: parsed.map_flags,
            autocreate: true,
        });
    }
}

/// A map definition struct, read.
#[derive(Default)]
struct ParsedDef {
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    map_flags: u32,
    key: Option<BtfTypeId>,
    value: Option<BtfTypeId>,
    inner: Option<Box<InnerDef>>,
}

/// Reads the map definition struct `def` of map `name` (the outer map's
/// name for an inner definition); `None` after pushing its problems.
/// Inner definitions (`outer` false) may not nest further.
fn parse_map_def(
    btf: &Btf,
    name: &str,
    def: BtfTypeId,
    outer: bool,
    problems: &mut Vec<Problem>,
) -> Option<ParsedDef> {
    let Kind::Struct(comp) = btf.get(def).kind() else {
        problems.push(Problem::MapDefNotStruct {
            map: name.to_owned(),
            type_name: btf.c_spelling(def),
        });
        return None;
    };
    let mut map = ParsedDef::default();
    let mut ok = true;
    for m in &comp.members {
        let field = m.name().unwrap_or("");
        let mut bad = |problems: &mut Vec<Problem>| {
            problems.push(Problem::MapDefBadField {
                map: name.to_owned(),
                field: field.to_owned(),
            });
            ok = false;
        };
        match field {
            "type" | "max_entries" | "map_flags" | "key_size" | "value_size" => {
                match map_field_int(btf, m.ty) {
                    Some(v) => match field {
                        "type" => map.map_type = v,
                        "max_entries" => map.max_entries = v,
                        "map_flags" => map.map_flags = v,
                        "key_size" => map.key_size = v,
                        _ => map.value_size = v,
                    },
                    None => bad(problems),
                }
            }
            "key" | "value" => {
                match pointee(btf, m.ty).and_then(|t| btf.size_of(t).ok().map(|s| (t, s))) {
                    Some((t, size)) if field == "key" => {
                        map.key_size = size as u32;
                        map.key = Some(t);
                    }
                    Some((t, size)) => {
                        map.value_size = size as u32;
                        map.value = Some(t);
                    }
                    None => bad(problems),
                }
            }
            "values" => {
                // Map-in-map and prog-array initial values: libbpf
                // stores fds/ids, 4 bytes each.
                map.value_size = 4;
                if map.key_size == 0 {
                    map.key_size = 4;
                }
                if outer {
                    map.inner = inner_def(btf, name, m.ty, problems).map(Box::new);
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
    ok.then_some(map)
}

/// `__array(values, struct { ... })`: an array of pointers to the inner
/// maps' definition struct (for prog arrays, to a function prototype:
/// then `None`).
fn inner_def(
    btf: &Btf,
    name: &str,
    values: BtfTypeId,
    problems: &mut Vec<Problem>,
) -> Option<InnerDef> {
    let array = btf.skip_modifiers(values).ok()?;
    let Kind::Array { elem, .. } = btf.get(array).kind() else {
        return None;
    };
    let target = pointee(btf, elem)?;
    let def = btf.skip_modifiers(target).ok()?;
    if !matches!(btf.get(def).kind(), Kind::Struct(_)) {
        return None;
    }
    let parsed = parse_map_def(btf, name, def, false, problems)?;
    Some(InnerDef {
        map_type: parsed.map_type,
        key: parsed.key,
        value: parsed.value,
    })
}

/// `__uint(name, val)` is `int (*name)[val]`: the value is the array length.
fn map_field_int(btf: &Btf, ty: BtfTypeId) -> Option<u32> {
    let target = pointee(btf, ty)?;
    match btf.get(btf.skip_modifiers(target).ok()?).kind() {
        Kind::Array { len, .. } => Some(len),
        _ => None,
    }
}

fn pointee(btf: &Btf, ty: BtfTypeId) -> Option<BtfTypeId> {
    match btf.get(btf.skip_modifiers(ty).ok()?).kind() {
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
    let obj = &obj[..obj.len().min(MAX_OBJ_NAME)];
    let real = section.as_bytes();
    let sfx_len = real.len().clamp(7, MAX_OBJ_NAME);
    let custom = real.len() > 1 && real[1..].contains(&b'.');
    let pfx_len = if custom {
        0
    } else {
        (MAX_OBJ_NAME - sfx_len).min(obj.len())
    };
    let mut name: Vec<u8> = obj[..pfx_len].to_vec();
    name.extend_from_slice(&real[..real.len().min(sfx_len)]);
    name.truncate(MAX_OBJ_NAME);
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
