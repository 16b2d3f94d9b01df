//! From what libbpf sees ([`crate::object::Object`]) to the skeleton model:
//! maps and programs as the skeleton exposes them, and the Rust types of
//! their BTF (`types`). Names come later, from [`crate::naming`].
//!
//! The types translated are those the skeleton needs: data-section views,
//! struct_ops shadows, the keys and values of BTF-defined maps, the events
//! the build script names, and the types it asks for by name. One C type
//! is one Rust type, whichever of these reach it.

mod resizable;
mod types;

use std::path::Path;

use crate::error::{Error, Problem};
use crate::model::{
    IntTy, MapDef, MapIdents, MapKind, ObjectPath, Skeleton, TargetLayout, Ty, TypedHandle,
};
use crate::object::{InnerDef, ObjMapKind, Object};
use crate::{suggest, uapi};
use skel_btf::{Btf, BtfTypeId, Kind};

/// What the build script asks for beyond what the object declares.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// C types to generate, by spelling (`struct event`, `enum state`,
    /// `pid_t`).
    pub types: Vec<String>,
    /// `(map, C type)`: what a ring buffer or perf event array carries.
    pub events: Vec<(String, String)>,
    /// `(map, C type)`: the key of a map declared with `key_size`.
    pub map_keys: Vec<(String, String)>,
    /// `(map, C type)`: the value of a map declared with `value_size`.
    pub map_values: Vec<(String, String)>,
}

/// The skeleton model of `obj` (read from `path`), every Rust name still
/// empty.
pub fn skeleton(
    path: &Path,
    obj: &Object,
    name: &str,
    object_name: &str,
    object_path: ObjectPath,
    request: &Request,
    target: TargetLayout,
) -> Result<Skeleton, Error> {
    let btf = &obj.btf;
    let mut tr = types::Translator::new(btf, target);
    let mut problems = vec![];
    // Views and shadows are declared first and defined after, so that the
    // types the maps name come before the types they reach.
    let mut kinds = Vec::with_capacity(obj.maps.len());
    let mut views = vec![];
    let mut shadows = vec![];
    let mut kconfig_view = None;
    for m in &obj.maps {
        let kind = match &m.kind {
            ObjMapKind::Declared { value, .. } => MapKind::Declared {
                value_type: value.map(|t| btf.c_spelling(t)),
                typed: None,
            },
            ObjMapKind::Data {
                section,
                kind,
                mmapable,
            } => {
                let ty = obj.datasecs.get(section).map(|ds| {
                    let r = tr.declare_datasec(section, ds);
                    views.push((kinds.len(), r, section, ds));
                    r
                });
                MapKind::Data {
                    section: section.clone(),
                    kind: *kind,
                    mmapable: *mmapable,
                    ty,
                    resizable: None,
                }
            }
            ObjMapKind::Kconfig => MapKind::Kconfig {
                ty: obj.kconfig.as_ref().map(|ds| {
                    let r = tr.declare_datasec(".kconfig", ds);
                    kconfig_view = Some((r, ds));
                    r
                }),
            },
            ObjMapKind::StructOps {
                section,
                link,
                struct_id,
                ..
            } => {
                let shadow = tr.declare_shadow(&m.name, *struct_id);
                shadows.push((shadow, *struct_id));
                MapKind::StructOps {
                    section: section.clone(),
                    shadow,
                    kernel_struct: essential_name(btf.name(*struct_id)).to_owned(),
                    link: *link,
                }
            }
        };
        kinds.push(kind);
    }
    for (index, r, section, ds) in views {
        tr.define_datasec(r, section, ds);
        if let MapKind::Data { resizable, .. } = &mut kinds[index] {
            *resizable = resizable::last_array(btf, ds, &tr.types[r.0]);
        }
    }
    if let Some((r, ds)) = kconfig_view {
        tr.define_datasec(r, ".kconfig", ds);
    }
    for (r, id) in shadows {
        tr.define_shadow(r, id);
    }

    // Typed handles: keys and values from BTF, events from the request.
    for (m, kind) in obj.maps.iter().zip(kinds.iter_mut()) {
        if let (ObjMapKind::Declared { key, value, inner }, MapKind::Declared { typed, .. }) =
            (&m.kind, kind)
        {
            *typed = typed_handle(&mut tr, &m.name, m.map_type, *key, *value, inner.as_deref());
        }
    }
    sized_handles(&mut tr, obj, request, &mut kinds, &mut problems);
    let event_maps: Vec<&str> = obj
        .maps
        .iter()
        .filter(|m| is_event_map(m.map_type))
        .map(|m| m.name.as_str())
        .collect();
    for (map, spelling) in &request.events {
        let Some(index) = obj.maps.iter().position(|m| &m.name == map) else {
            problems.push(Problem::NoEventMap {
                map: map.clone(),
                suggestion: suggest::closest(map, event_maps.iter().copied()).map(str::to_owned),
                event_maps: event_maps.iter().map(|m| (*m).to_owned()).collect(),
            });
            continue;
        };
        let m = &obj.maps[index];
        if !is_event_map(m.map_type) {
            problems.push(Problem::NotAnEventMap {
                map: map.clone(),
                map_type: uapi::map_type_name(m.map_type),
                event_maps: event_maps.iter().map(|m| (*m).to_owned()).collect(),
            });
            continue;
        }
        let id = match find_type(btf, spelling, Some(map)) {
            Ok(id) => id,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        let Some(event) = tr.map_type(id, map, "event") else {
            continue;
        };
        if let MapKind::Declared { typed, .. } = &mut kinds[index] {
            *typed = Some(if m.map_type == uapi::BPF_MAP_TYPE_RINGBUF {
                TypedHandle::RingBuf { event }
            } else {
                TypedHandle::PerfEvents { event }
            });
        }
    }
    let mut progs = obj.progs.clone();
    for p in &mut progs {
        p.syscall_ctx = syscall_ctx(btf, &p.name, &p.section).and_then(|id| tr.named(id));
    }
    for spelling in &request.types {
        match find_type(btf, spelling, None) {
            Ok(id) => {
                tr.named(id);
            }
            Err(p) => problems.push(p),
        }
    }

    problems.append(&mut tr.problems);
    if !problems.is_empty() {
        problems.dedup();
        return Err(Error::Object {
            path: path.to_owned(),
            inputs: vec![],
            problems,
        });
    }
    let maps = obj
        .maps
        .iter()
        .zip(kinds)
        .map(|(m, kind)| MapDef {
            name: m.name.clone(),
            lookup_name: m.lookup_name.clone(),
            kind,
            map_type: m.map_type,
            key_size: m.key_size,
            value_size: m.value_size,
            max_entries: m.max_entries,
            map_flags: m.map_flags,
            autocreate: m.autocreate,
            idents: MapIdents::default(),
        })
        .collect();
    Ok(Skeleton {
        name: name.to_owned(),
        object_name: object_name.to_owned(),
        object_path,
        maps,
        progs,
        warnings: std::mem::take(&mut tr.warnings),
        types: std::mem::take(&mut tr.types),
        has_btf: obj.has_btf,
        idents: Default::default(),
        target,
    })
}

/// A type name without its CO-RE flavor (`tcp_congestion_ops___v2` is
/// `tcp_congestion_ops`), as libbpf matches struct_ops types to the
/// kernel's.
fn essential_name(name: &str) -> &str {
    name.find("___").map_or(name, |end| &name[..end])
}

/// The typed handle a map of this type and these key and value types gets,
/// if any.
fn typed_handle(
    tr: &mut types::Translator<'_>,
    map: &str,
    map_type: u32,
    key: Option<BtfTypeId>,
    value: Option<BtfTypeId>,
    inner: Option<&InnerDef>,
) -> Option<TypedHandle> {
    use uapi::*;
    let is_u32 = |ty: &Ty| matches!(ty, Ty::Int(i) if i.size() == 4);
    match map_type {
        BPF_MAP_TYPE_ARRAY_OF_MAPS | BPF_MAP_TYPE_HASH_OF_MAPS => {
            let key = match key {
                Some(k) => tr.map_type(k, map, "key")?,
                // libbpf indexes an array of maps by u32 without being told.
                None if map_type == BPF_MAP_TYPE_ARRAY_OF_MAPS => Ty::Int(IntTy::U32),
                None => return None,
            };
            let inner = inner?;
            let name = format!("{map}_inner");
            let inner = typed_handle(tr, &name, inner.map_type, inner.key, inner.value, None)?;
            Some(TypedHandle::MapOfMaps {
                key,
                inner: Box::new(inner),
            })
        }
        BPF_MAP_TYPE_QUEUE | BPF_MAP_TYPE_STACK => Some(TypedHandle::Queue {
            value: tr.map_type(value?, map, "value")?,
        }),
        BPF_MAP_TYPE_ARRAY | BPF_MAP_TYPE_PERCPU_ARRAY => {
            let key = tr.map_type(key?, map, "key")?;
            let value = tr.map_type(value?, map, "value")?;
            Some(match (map_type == BPF_MAP_TYPE_ARRAY, is_u32(&key)) {
                (true, true) => TypedHandle::Array { value },
                (false, true) => TypedHandle::PerCpuArray { value },
                (true, false) => TypedHandle::Hash { key, value },
                (false, false) => TypedHandle::PerCpuHash { key, value },
            })
        }
        BPF_MAP_TYPE_PERCPU_HASH | BPF_MAP_TYPE_LRU_PERCPU_HASH => Some(TypedHandle::PerCpuHash {
            key: tr.map_type(key?, map, "key")?,
            value: tr.map_type(value?, map, "value")?,
        }),
        BPF_MAP_TYPE_HASH
        | BPF_MAP_TYPE_LRU_HASH
        | BPF_MAP_TYPE_LPM_TRIE
        | BPF_MAP_TYPE_STACK_TRACE => Some(TypedHandle::Hash {
            key: tr.map_type(key?, map, "key")?,
            value: tr.map_type(value?, map, "value")?,
        }),
        _ => None,
    }
}

/// The struct a `SEC("syscall")` program's one parameter points to
/// (through typedefs and qualifiers on both sides of the pointer), if it
/// has exactly one such parameter: the context of its typed `run()`.
fn syscall_ctx(btf: &Btf, prog: &str, section: &str) -> Option<BtfTypeId> {
    // libbpf takes exactly `syscall` (no `syscall/...`).
    if section != "syscall" {
        return None;
    }
    let func = btf.find(prog, |k| matches!(k, Kind::Func { .. }))?;
    let Kind::Func { proto, .. } = btf.get(func).kind() else {
        return None;
    };
    let Kind::FuncProto { params, .. } = btf.get(proto).kind() else {
        return None;
    };
    if params.len() != 1 {
        return None;
    }
    let ptr = btf.skip_modifiers(params.get(0)?.ty).ok()?;
    let Kind::Ptr { target } = btf.get(ptr).kind() else {
        return None;
    };
    let target = btf.skip_modifiers(target).ok()?;
    matches!(btf.get(target).kind(), Kind::Struct(_)).then_some(target)
}

/// A fixed-width integer as a build script may name one for
/// `.map_key_type`/`.map_value_type` (`u32`, `__u64`, `s32`, `i64`):
/// spellings BPF sources use whether or not BTF has them.
fn int_spelling(spelling: &str) -> Option<IntTy> {
    let s = spelling.trim();
    let s = s.strip_prefix("__").unwrap_or(s);
    let (signed, bits) = match s.as_bytes().first()? {
        b'u' => (false, &s[1..]),
        b's' | b'i' => (true, &s[1..]),
        _ => return None,
    };
    let bits: u64 = match bits {
        "8" => 8,
        "16" => 16,
        "32" => 32,
        "64" => 64,
        _ => return None,
    };
    IntTy::new(bits / 8, signed)
}

/// Typed handles for maps declared with `key_size`/`value_size`, from the
/// types the build script names (`.map_key_type`, `.map_value_type`).
/// Array keys are `u32` without being named (the kernel allows no other);
/// values never have a default.
fn sized_handles(
    tr: &mut types::Translator<'_>,
    obj: &Object,
    request: &Request,
    kinds: &mut [MapKind],
    problems: &mut Vec<Problem>,
) {
    use uapi::*;
    let btf = &obj.btf;
    let declared: Vec<&str> = obj
        .maps
        .iter()
        .filter(|m| matches!(m.kind, ObjMapKind::Declared { .. }))
        .map(|m| m.name.as_str())
        .collect();
    // (map index, key, value) as named.
    let mut named: Vec<(usize, Option<Ty>, Option<Ty>)> = vec![];
    let lists = [
        (".map_key_type", "key", &request.map_keys),
        (".map_value_type", "value", &request.map_values),
    ];
    for (setter, role, list) in lists {
        for (map, spelling) in list {
            let Some(index) = obj
                .maps
                .iter()
                .position(|m| &m.name == map && matches!(m.kind, ObjMapKind::Declared { .. }))
            else {
                problems.push(Problem::NoTypedMap {
                    setter,
                    map: map.clone(),
                    suggestion: suggest::closest(map, declared.iter().copied()).map(str::to_owned),
                    maps: declared.iter().map(|m| (*m).to_owned()).collect(),
                });
                continue;
            };
            let m = &obj.maps[index];
            let ObjMapKind::Declared { key, value, .. } = &m.kind else {
                continue;
            };
            let (from_btf, map_size) = match role {
                "key" => (*key, m.key_size),
                _ => (*value, m.value_size),
            };
            if let Some(id) = from_btf {
                problems.push(Problem::MapTypeInBtf {
                    setter,
                    map: map.clone(),
                    role,
                    btf_type: btf.c_spelling(id),
                });
                continue;
            }
            let (ty, size) = match int_spelling(spelling) {
                Some(int) => (Some(Ty::Int(int)), int.size()),
                None => match find_type_for(btf, spelling, setter, Some(map)) {
                    Ok(id) => (
                        tr.map_type(id, map, role),
                        btf.size_of(id).unwrap_or(u64::MAX),
                    ),
                    Err(p) => {
                        problems.push(p);
                        continue;
                    }
                },
            };
            if size != u64::from(map_size) {
                problems.push(Problem::MapTypeSize {
                    setter,
                    map: map.clone(),
                    role,
                    spelling: spelling.trim().to_owned(),
                    type_size: size,
                    map_size,
                });
                continue;
            }
            let entry = match named.iter_mut().find(|(i, ..)| *i == index) {
                Some(e) => e,
                None => {
                    named.push((index, None, None));
                    named.last_mut().expect("just pushed")
                }
            };
            match role {
                "key" => entry.1 = ty,
                _ => entry.2 = ty,
            }
        }
    }
    for (index, key, value) in named {
        let m = &obj.maps[index];
        let ObjMapKind::Declared {
            key: btf_key,
            value: btf_value,
            ..
        } = &m.kind
        else {
            continue;
        };
        let key = key.or_else(|| btf_key.and_then(|k| tr.map_type(k, &m.name, "key")));
        let value = value.or_else(|| btf_value.and_then(|v| tr.map_type(v, &m.name, "value")));
        let handle = match (m.map_type, key, value) {
            (BPF_MAP_TYPE_ARRAY, _, Some(value)) => Some(TypedHandle::Array { value }),
            (BPF_MAP_TYPE_PERCPU_ARRAY, _, Some(value)) => Some(TypedHandle::PerCpuArray { value }),
            (BPF_MAP_TYPE_QUEUE | BPF_MAP_TYPE_STACK, _, Some(value)) => {
                Some(TypedHandle::Queue { value })
            }
            (BPF_MAP_TYPE_PERCPU_HASH | BPF_MAP_TYPE_LRU_PERCPU_HASH, Some(key), Some(value)) => {
                Some(TypedHandle::PerCpuHash { key, value })
            }
            (
                BPF_MAP_TYPE_HASH | BPF_MAP_TYPE_LRU_HASH | BPF_MAP_TYPE_LPM_TRIE,
                Some(key),
                Some(value),
            ) => Some(TypedHandle::Hash { key, value }),
            (
                BPF_MAP_TYPE_ARRAY
                | BPF_MAP_TYPE_PERCPU_ARRAY
                | BPF_MAP_TYPE_QUEUE
                | BPF_MAP_TYPE_STACK
                | BPF_MAP_TYPE_PERCPU_HASH
                | BPF_MAP_TYPE_LRU_PERCPU_HASH
                | BPF_MAP_TYPE_HASH
                | BPF_MAP_TYPE_LRU_HASH
                | BPF_MAP_TYPE_LPM_TRIE,
                key,
                value,
            ) => {
                // Both missing: a named type did not translate, and said so.
                let missing = match (key, value) {
                    (Some(_), None) => "value",
                    (None, Some(_)) => "key",
                    _ => continue,
                };
                problems.push(Problem::MapTypeHalf {
                    map: m.name.clone(),
                    missing,
                });
                None
            }
            _ => {
                problems.push(Problem::MapTypeUnsupported {
                    map: m.name.clone(),
                    map_type: uapi::map_type_name(m.map_type),
                });
                None
            }
        };
        if let (Some(h), MapKind::Declared { typed, .. }) = (handle, &mut kinds[index]) {
            *typed = Some(h);
        }
    }
}

/// Whether maps of this type carry events (`.event_type`).
fn is_event_map(map_type: u32) -> bool {
    matches!(
        map_type,
        uapi::BPF_MAP_TYPE_RINGBUF | uapi::BPF_MAP_TYPE_PERF_EVENT_ARRAY
    )
}

/// The type a build script names: `struct x`, `union x`, `enum x`,
/// `typedef x`, or a bare name (a typedef, else a struct, union or enum).
/// `event_map`: the map of `.event_type` that names it (`None` for
/// `.types`), for the problem.
fn find_type(btf: &Btf, spelling: &str, event_map: Option<&str>) -> Result<BtfTypeId, Problem> {
    find_type_for(
        btf,
        spelling,
        if event_map.is_some() {
            ".event_type"
        } else {
            ".types"
        },
        event_map,
    )
}

/// [`find_type`] for setter `setter` (`.map_key_type`, ...), of map `map`.
fn find_type_for(
    btf: &Btf,
    spelling: &str,
    setter: &'static str,
    event_map: Option<&str>,
) -> Result<BtfTypeId, Problem> {
    let (keyword, name) = suggest::split_spelling(spelling);
    let fits = |kind: &Kind| match keyword {
        Some("struct") => matches!(kind, Kind::Struct(_)),
        Some("union") => matches!(kind, Kind::Union(_)),
        Some("enum") => matches!(kind, Kind::Enum { .. }),
        Some(_) => matches!(kind, Kind::Typedef { .. }),
        None => matches!(kind, Kind::Typedef { .. }),
    };
    let fallback = |kind: &Kind| {
        keyword.is_none() && matches!(kind, Kind::Struct(_) | Kind::Union(_) | Kind::Enum { .. })
    };
    if let Some(id) = btf.find(name, fits).or_else(|| btf.find(name, fallback)) {
        return Ok(id);
    }
    // Only a forward declaration: of the tag named, or of any tag for a
    // bare name.
    let declared_only = btf
        .find(name, |kind| match (keyword, kind) {
            (Some("struct"), Kind::Fwd { union }) => !union,
            (Some("union"), Kind::Fwd { union }) => *union,
            (None, Kind::Fwd { .. }) => true,
            _ => false,
        })
        .is_some();
    Err(Problem::UnknownType {
        setter,
        event_map: event_map.map(str::to_owned),
        spelling: spelling.trim().to_owned(),
        declared_only,
        suggestion: closest_type(btf, spelling),
    })
}

/// The type BTF defines closest to `spelling` (see
/// [`suggest::closest_type`]).
fn closest_type(btf: &Btf, spelling: &str) -> Option<String> {
    let candidates = btf.iter().filter_map(|ty| {
        let tag = match ty.kind() {
            Kind::Struct(_) => suggest::Tag::Struct,
            Kind::Union(_) => suggest::Tag::Union,
            Kind::Enum { .. } => suggest::Tag::Enum,
            Kind::Typedef { .. } => suggest::Tag::Typedef,
            _ => return None,
        };
        Some((tag, ty.name()?))
    });
    suggest::closest_type(spelling, candidates)
}
