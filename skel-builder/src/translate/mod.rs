//! From what libbpf sees ([`crate::object::Object`]) to the skeleton model:
//! maps and programs as the skeleton exposes them, and the Rust types of
//! their BTF (`types`). Names come later, from [`crate::naming`].

mod types;

use std::path::Path;

use crate::error::Error;
use crate::model::{MapDef, MapIdents, MapKind, ObjectPath, Skeleton};
use crate::object::{ObjMapKind, Object};

/// The skeleton model of `obj` (read from `path`), every Rust name still
/// empty.
pub fn skeleton(
    path: &Path,
    obj: &Object,
    name: &str,
    object_name: &str,
    object_path: ObjectPath,
) -> Result<Skeleton, Error> {
    let mut tr = types::Translator::new(&obj.btf);
    // Views and shadows are declared first and defined after, so that the
    // types the maps name come before the types they reach.
    let mut kinds = Vec::with_capacity(obj.maps.len());
    let mut views = vec![];
    let mut shadows = vec![];
    for m in &obj.maps {
        let kind = match &m.kind {
            ObjMapKind::Declared { value } => MapKind::Declared {
                value_type: value.map(|t| obj.btf.c_spelling(t)),
            },
            ObjMapKind::Data {
                section,
                kind,
                mmapable,
            } => {
                let ty = obj.datasecs.get(section).map(|ds| {
                    let r = tr.declare_datasec(section, ds);
                    views.push((r, section, ds));
                    r
                });
                MapKind::Data {
                    section: section.clone(),
                    kind: *kind,
                    mmapable: *mmapable,
                    ty,
                }
            }
            ObjMapKind::Kconfig => MapKind::Kconfig,
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
                    link: *link,
                }
            }
        };
        kinds.push(kind);
    }
    for (r, section, ds) in views {
        tr.define_datasec(r, section, ds);
    }
    for (r, id) in shadows {
        tr.define_shadow(r, id);
    }
    if !tr.problems.is_empty() {
        let mut problems = std::mem::take(&mut tr.problems);
        problems.dedup();
        return Err(Error::Object {
            path: path.to_owned(),
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
        progs: obj.progs.clone(),
        warnings: std::mem::take(&mut tr.warnings),
        types: std::mem::take(&mut tr.types),
        idents: Default::default(),
    })
}
