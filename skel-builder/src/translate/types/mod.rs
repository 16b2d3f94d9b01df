//! BTF types to Rust-side type definitions: one translator serves data
//! sections (typed globals) and struct_ops shadows.
//!
//! Only types reachable from data sections and struct_ops maps are
//! translated. Every walk is bounded: modifier chains by
//! [`btf::MAX_RESOLVE_DEPTH`], by-value nesting by [`MAX_NESTING`], and a
//! type that contains itself is an error. Types come out unnamed: the
//! naming pass ([`crate::translate::naming`]) names them from their [`Origin`].

mod composite;
mod member;

use std::collections::{HashMap, HashSet};

use crate::error::Problem;
use crate::model::{
    Bitfield, EnumDef, EnumValue, Field, FieldKind, FloatTy, IntTy, Layout, Origin, StructDef,
    TargetLayout, Ty, TypeDef, TypeDefKind, TypeRef, Warning,
};
use crate::object::Datasec;
use crate::translate::layout::{self, Placed, Slot};
use skel_btf::{self as btf, Btf, BtfError, BtfTypeId, Kind};

/// Structs nested by value deeper than this are refused.
pub const MAX_NESTING: usize = 100;

/// Where a type sits: for naming the anonymous types it holds.
#[derive(Clone, Debug)]
enum Place {
    /// Member `member` of `parent` (`None`: an anonymous member).
    Member {
        parent: TypeRef,
        member: Option<String>,
    },
    /// A map's key, value or event.
    Map { map: String, role: &'static str },
}

impl Place {
    fn origin(&self) -> Origin {
        match self {
            Place::Member { parent, member } => Origin::Anonymous {
                parent: *parent,
                member: member.clone(),
            },
            Place::Map { map, role } => Origin::Map {
                map: map.clone(),
                role: (*role).to_owned(),
            },
        }
    }
}

pub struct Translator<'b> {
    btf: &'b Btf,
    /// The Rust types' alignments and slot size follow it.
    target: TargetLayout,
    pub types: Vec<TypeDef>,
    composites: HashMap<BtfTypeId, TypeRef>,
    enums: HashMap<BtfTypeId, TypeRef>,
    shadows: HashMap<BtfTypeId, TypeRef>,
    in_progress: HashSet<BtfTypeId>,
    depth: usize,
    pub warnings: Vec<Warning>,
    pub problems: Vec<Problem>,
}

/// A struct or union member before layout.
enum Shape {
    Plain {
        name: Option<String>,
        byte_offset: u64,
        ty: Ty,
        layout: Layout,
        c_type: String,
        note: Option<String>,
    },
    Bitfield {
        name: Option<String>,
        bit_offset: u64,
        bits: u64,
        /// `None` when no accessor can be offered.
        access: Option<(Ty, bool)>,
        c_type: String,
    },
}

/// Failure to translate one member: either the member is malformed
/// (a problem), or it can only be kept as bytes (a note).
enum MemberError {
    Problem(Problem),
    Bytes(String),
}

impl<'b> Translator<'b> {
    pub fn new(btf: &'b Btf, target: TargetLayout) -> Self {
        Translator {
            btf,
            target,
            types: vec![],
            composites: HashMap::new(),
            enums: HashMap::new(),
            shadows: HashMap::new(),
            in_progress: HashSet::new(),
            depth: 0,
            warnings: vec![],
            problems: vec![],
        }
    }

    fn push(&mut self, def: TypeDef) -> TypeRef {
        self.types.push(def);
        TypeRef(self.types.len() - 1)
    }

    fn placeholder(
        &mut self,
        c_name: String,
        btf_id: Option<BtfTypeId>,
        origin: Origin,
    ) -> TypeRef {
        self.push(TypeDef {
            name: String::new(),
            c_name,
            btf_id: btf_id.map(|id| id.0),
            origin,
            kind: TypeDefKind::Struct(StructDef::empty()),
        })
    }

    /// Declares the typed view of a data section (defined by
    /// [`Translator::define_datasec`] once every view and shadow is declared).
    pub fn declare_datasec(&mut self, section: &str, ds: &Datasec) -> TypeRef {
        self.placeholder(
            format!("section {section}"),
            Some(ds.btf_id),
            Origin::Datasec {
                section: section.to_owned(),
            },
        )
    }

    /// Declares (once per struct type) the shadow of a struct_ops map's type.
    pub fn declare_shadow(&mut self, map: &str, struct_id: BtfTypeId) -> TypeRef {
        if let Some(&r) = self.shadows.get(&struct_id) {
            if let Origin::StructOps { maps } = &mut self.types[r.0].origin {
                maps.push(map.to_owned());
            }
            return r;
        }
        let c = self.btf.name(struct_id).to_owned();
        let r = self.placeholder(
            format!("struct {c}"),
            Some(struct_id),
            Origin::StructOps {
                maps: vec![map.to_owned()],
            },
        );
        self.shadows.insert(struct_id, r);
        r
    }

    pub fn define_datasec(&mut self, r: TypeRef, section: &str, ds: &Datasec) {
        let mut shapes = Vec::with_capacity(ds.vars.len());
        for var in &ds.vars {
            let place = Place::Member {
                parent: r,
                member: Some(var.name.clone()),
            };
            let c_type = self.btf.c_spelling(var.ty);
            match self.member_ty(var.ty, &place, false, 0) {
                Ok((ty, layout)) => shapes.push(Shape::Plain {
                    name: Some(var.name.clone()),
                    byte_offset: var.offset,
                    ty,
                    layout,
                    c_type,
                    note: None,
                }),
                Err(MemberError::Bytes(note)) => {
                    self.warn(format!("section {section}"), &var.name, &note);
                    shapes.push(Shape::Plain {
                        name: Some(var.name.clone()),
                        byte_offset: var.offset,
                        ty: Ty::Bytes(var.size),
                        layout: Layout {
                            size: var.size,
                            align: 1,
                        },
                        c_type,
                        note: Some(note),
                    });
                }
                Err(MemberError::Problem(p)) => self.problems.push(p),
            }
        }
        let c_name = format!("section {section}");
        match self.lay_out(&c_name, ds.btf_id, false, ds.size, true, shapes) {
            Ok(def) => self.types[r.0].kind = TypeDefKind::Struct(def),
            Err(p) => self.problems.push(p),
        }
    }

    pub fn define_shadow(&mut self, r: TypeRef, struct_id: BtfTypeId) {
        if !matches!(&self.types[r.0].kind, TypeDefKind::Struct(s) if s.fields.is_empty() && s.layout.size == 0)
        {
            return; // already defined for another map
        }
        self.in_progress.insert(struct_id);
        let body = self.composite_body(struct_id, r, true);
        self.in_progress.remove(&struct_id);
        match body {
            Ok(def) => self.types[r.0].kind = TypeDefKind::Struct(def),
            Err(p) => self.problems.push(p),
        }
    }

    /// The Rust type of a map's key, value or event (`role`): `None`, with
    /// a warning, when it can only be bytes (the map then gets no typed
    /// handle), or after pushing a problem.
    pub fn map_type(&mut self, id: BtfTypeId, map: &str, role: &'static str) -> Option<Ty> {
        let place = Place::Map {
            map: map.to_owned(),
            role,
        };
        match self.member_ty(id, &place, false, 0) {
            Ok((Ty::Bytes(_), _)) => None,
            Ok((ty, _)) => Some(ty),
            Err(MemberError::Bytes(note)) => {
                self.warn(
                    format!("map {map}"),
                    role,
                    &format!("{note}; no typed handle"),
                );
                None
            }
            Err(MemberError::Problem(p)) => {
                self.problems.push(p);
                None
            }
        }
    }

    /// A named struct, union, enum or typedef asked for by name, with all
    /// it reaches. A typedef becomes an alias of its target's Rust type
    /// (an anonymous target is named by the typedef instead).
    pub fn named(&mut self, id: BtfTypeId) -> Option<TypeRef> {
        let btf = self.btf;
        let ty = btf.get(id);
        let place = Place::Map {
            map: String::new(),
            role: "",
        };
        match ty.kind() {
            Kind::Struct(_) | Kind::Union(_) => match self.composite(id, place.origin()) {
                Ok(r) => Some(r),
                Err(p) => {
                    self.problems.push(p);
                    None
                }
            },
            Kind::Enum { size, signed, .. } if IntTy::new(u64::from(size), signed).is_some() => {
                Some(self.enum_def(id, place.origin()))
            }
            Kind::Typedef { target } => {
                let name = ty.name().map(str::to_owned).unwrap_or_default();
                let resolved = btf.skip_qualifiers(target).ok()?;
                let target_ty = btf.get(resolved);
                if target_ty.name().is_none()
                    && matches!(
                        target_ty.kind(),
                        Kind::Struct(_) | Kind::Union(_) | Kind::Enum { .. }
                    )
                {
                    // `typedef struct { ... } name;`: the type takes the name.
                    return match self.member_ty(id, &place, false, 0) {
                        Ok((Ty::Composite(r) | Ty::Enum(r), _)) => Some(r),
                        _ => None,
                    };
                }
                let (ty, layout) = match self.member_ty(target, &place, false, 0) {
                    Ok(found) => found,
                    Err(MemberError::Bytes(note)) => {
                        self.warn(format!("typedef {name}"), "", &note);
                        return None;
                    }
                    Err(MemberError::Problem(p)) => {
                        self.problems.push(p);
                        return None;
                    }
                };
                Some(self.push(TypeDef {
                    name: String::new(),
                    c_name: format!("typedef {name}"),
                    btf_id: Some(id.0),
                    origin: Origin::Named { name },
                    kind: TypeDefKind::Alias { ty, layout },
                }))
            }
            _ => None,
        }
    }

    fn warn(&mut self, type_name: String, field: &str, reason: &str) {
        self.warnings.push(Warning {
            type_name,
            field: field.to_owned(),
            reason: reason.to_owned(),
        });
    }

    fn bad_type(&self, id: BtfTypeId, source: BtfError) -> Problem {
        Problem::BadType {
            type_name: self.btf.c_spelling(id),
            type_id: id,
            source,
        }
    }

    pub fn ty_layout(&self, ty: &Ty) -> Layout {
        ty.layout(&self.types, &self.target)
    }
}

enum BitTy {
    Plain(Ty),
    Enum,
}

/// The accessor type of a bitfield: its integer, bool or enum type, when
/// at most 64 bits wide.
fn bitfield_access(btf: &Btf, resolved: BtfTypeId, bits: u64) -> Option<(BitTy, bool)> {
    if bits > 64 {
        return None;
    }
    match btf.get(resolved).kind() {
        Kind::Int { is_bool: true, .. } => Some((BitTy::Plain(Ty::Bool), false)),
        Kind::Int { size, signed, .. } => {
            let i = IntTy::new(u64::from(size), signed).filter(|i| i.size() <= 8)?;
            Some((BitTy::Plain(Ty::Int(i)), signed))
        }
        Kind::Enum { size, signed, .. } => {
            IntTy::new(u64::from(size), signed)?;
            Some((BitTy::Enum, signed))
        }
        _ => None,
    }
}

/// C `char` of any signedness (by the INT's char flag or its name).
fn is_char(btf: &Btf, id: BtfTypeId) -> bool {
    let ty = btf.get(id);
    match ty.kind() {
        Kind::Int {
            size: 1, is_char, ..
        } => is_char || matches!(ty.name(), Some("char" | "signed char" | "unsigned char")),
        _ => false,
    }
}

/// The origin of an anonymous type met at `place`: the typedef it was
/// reached through names it, else its place.
fn naming_origin(typedef_name: Option<&str>, place: &Place) -> Origin {
    match typedef_name {
        Some(name) => Origin::Typedef {
            name: name.to_owned(),
        },
        None => place.origin(),
    }
}

#[cfg(test)]
mod tests;
