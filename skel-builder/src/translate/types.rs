//! BTF types to Rust-side type definitions: one translator serves data
//! sections (typed globals) and struct_ops shadows.
//!
//! Only types reachable from data sections and struct_ops maps are
//! translated. Every walk is bounded: modifier chains by
//! [`btf::MAX_RESOLVE_DEPTH`], by-value nesting by [`MAX_NESTING`], and a
//! type that contains itself is an error. Types come out unnamed: the
//! naming pass ([`crate::translate::naming`]) names them from their [`Origin`].

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

    /// Translates the type of a member or variable. `arrays` counts the
    /// array dimensions already walked: like modifier chains, they are
    /// bounded (an array may even contain itself in hostile BTF).
    fn member_ty(
        &mut self,
        id: BtfTypeId,
        place: &Place,
        slots: bool,
        arrays: usize,
    ) -> Result<(Ty, Layout), MemberError> {
        let btf = self.btf;
        if arrays > btf::MAX_RESOLVE_DEPTH {
            return Err(MemberError::Problem(
                self.bad_type(id, BtfError::ChainTooLong { type_id: id }),
            ));
        }
        let mut cur = id;
        let mut typedef_name: Option<&str> = None;
        for _ in 0..=btf::MAX_RESOLVE_DEPTH {
            match btf.get(cur).kind() {
                Kind::Typedef { target } => {
                    if typedef_name.is_none() {
                        typedef_name = btf.get(cur).name();
                    }
                    cur = target;
                }
                k => match k.modifier_target() {
                    Some(next) => cur = next,
                    None => break,
                },
            }
        }
        let ty = btf.get(cur);
        let ty = match ty.kind() {
            Kind::Int {
                size,
                signed,
                is_bool,
                ..
            } => {
                let size = u64::from(size);
                if is_bool && size == 1 {
                    Ty::Bool
                } else if let Some(i) = IntTy::new(size, signed) {
                    Ty::Int(i)
                } else {
                    return Err(MemberError::Bytes(format!(
                        "no Rust integer has {size} bytes"
                    )));
                }
            }
            Kind::Float { size } => match size {
                4 => Ty::Float(FloatTy::F32),
                8 => Ty::Float(FloatTy::F64),
                _ => {
                    return Err(MemberError::Bytes(format!(
                        "no Rust float has {size} bytes"
                    )));
                }
            },
            Kind::Enum { size, signed, .. } => {
                if IntTy::new(u64::from(size), signed).is_none() {
                    return Err(MemberError::Bytes(format!("enum of {size} bytes")));
                }
                let origin = naming_origin(typedef_name, place);
                Ty::Enum(self.enum_def(cur, origin))
            }
            Kind::Ptr { .. } => {
                if slots && btf.is_func_pointer(cur).unwrap_or(false) {
                    Ty::ProgramSlot
                } else {
                    Ty::Pointer
                }
            }
            Kind::Array { elem, len, .. } => {
                let len = u64::from(len);
                // Only elements written as `char` are strings; `__u8 x[N]`
                // (a typedef) and `unsigned char x[N]` stay byte arrays.
                let elem_written = btf
                    .skip_qualifiers(elem)
                    .map_err(|e| MemberError::Problem(self.bad_type(id, e)))?;
                if is_char(btf, elem_written) {
                    Ty::CharArray(len)
                } else {
                    let (elem_ty, elem_layout) = self.member_ty(elem, place, false, arrays + 1)?;
                    if elem_layout
                        .size
                        .checked_mul(len)
                        .is_none_or(|s| s > u64::from(u32::MAX))
                    {
                        return Err(MemberError::Problem(
                            self.bad_type(id, BtfError::TooLarge { type_id: id }),
                        ));
                    }
                    Ty::Array(Box::new(elem_ty), len)
                }
            }
            Kind::Struct(_) | Kind::Union(_) => {
                let origin = naming_origin(typedef_name, place);
                Ty::Composite(self.composite(cur, origin).map_err(MemberError::Problem)?)
            }
            Kind::Fwd { .. } => {
                return Err(MemberError::Bytes(
                    "incomplete type (forward declaration)".to_owned(),
                ));
            }
            Kind::Void if typedef_name.is_none() && cur != id => {
                return Err(MemberError::Bytes("void".to_owned()));
            }
            other => {
                let what = if other.modifier_target().is_some() {
                    BtfError::ChainTooLong { type_id: id }
                } else {
                    BtfError::NoSize {
                        type_id: cur,
                        kind: other.name(),
                    }
                };
                return Err(MemberError::Problem(self.bad_type(id, what)));
            }
        };
        let layout = self.ty_layout(&ty);
        Ok((ty, layout))
    }

    /// The enum newtype of enum `id`; `origin` names it if it is anonymous.
    fn enum_def(&mut self, id: BtfTypeId, origin: Origin) -> TypeRef {
        if let Some(&r) = self.enums.get(&id) {
            return r;
        }
        let ty = self.btf.get(id);
        let Kind::Enum {
            size,
            signed,
            values,
        } = ty.kind()
        else {
            unreachable!("bug: enum_def on a non-enum")
        };
        let repr = IntTy::new(u64::from(size), signed).expect("bug: checked by caller");
        let bits = u64::from(size) * 8;
        let values = values
            .iter()
            .map(|v| {
                let raw = v.value as u64;
                let truncated = if bits >= 64 {
                    raw
                } else {
                    raw & ((1u64 << bits) - 1)
                };
                let value = if repr.signed() && bits < 64 && truncated >> (bits - 1) == 1 {
                    i128::from(truncated) - (1i128 << bits)
                } else if repr.signed() {
                    i128::from(truncated as i64)
                } else {
                    i128::from(truncated)
                };
                EnumValue {
                    name: String::new(),
                    c_name: v.name().to_owned(),
                    value,
                }
            })
            .collect();
        let (c_name, origin) = match ty.name() {
            Some(n) => (format!("enum {n}"), Origin::Named { name: n.to_owned() }),
            None => ("enum (anon)".to_owned(), origin),
        };
        let r = self.push(TypeDef {
            name: String::new(),
            c_name,
            btf_id: Some(id.0),
            origin,
            kind: TypeDefKind::Enum(EnumDef { repr, values }),
        });
        self.enums.insert(id, r);
        r
    }

    /// A nested struct or union, translated once.
    fn composite(&mut self, id: BtfTypeId, origin: Origin) -> Result<TypeRef, Problem> {
        if self.in_progress.contains(&id) {
            return Err(self.bad_type(id, BtfError::Recursive { type_id: id }));
        }
        if let Some(&r) = self.composites.get(&id) {
            return Ok(r);
        }
        if self.depth >= MAX_NESTING {
            return Err(Problem::TooDeep {
                type_name: self.btf.c_spelling(id),
                type_id: id,
                limit: MAX_NESTING,
            });
        }
        let ty = self.btf.get(id);
        let union = matches!(ty.kind(), Kind::Union(_));
        let keyword = if union { "union" } else { "struct" };
        let (c_name, origin) = match ty.name() {
            Some(n) => (
                format!("{keyword} {n}"),
                Origin::Named { name: n.to_owned() },
            ),
            None => (format!("{keyword} (anon)"), origin),
        };
        let r = self.placeholder(c_name, Some(id), origin);
        self.composites.insert(id, r);
        self.in_progress.insert(id);
        self.depth += 1;
        let body = self.composite_body(id, r, false);
        self.depth -= 1;
        self.in_progress.remove(&id);
        match body {
            Ok(def) => {
                self.types[r.0].kind = TypeDefKind::Struct(def);
                Ok(r)
            }
            Err(p) => {
                self.composites.remove(&id);
                Err(p)
            }
        }
    }

    fn composite_body(
        &mut self,
        id: BtfTypeId,
        r: TypeRef,
        slots: bool,
    ) -> Result<StructDef, Problem> {
        let btf = self.btf;
        let ty = btf.get(id);
        let (comp, union) = match ty.kind() {
            Kind::Struct(c) => (c, false),
            Kind::Union(c) => (c, true),
            other => {
                return Err(self.bad_type(
                    id,
                    BtfError::NoSize {
                        type_id: id,
                        kind: other.name(),
                    },
                ));
            }
        };
        let c_name = btf.c_spelling(id);
        let mut shapes = Vec::with_capacity(comp.members.len());
        for (index, m) in comp.members.iter().enumerate() {
            let shown = m
                .name()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("(anon #{index})"));
            let bad = |reason: String| Problem::BadMember {
                type_name: c_name.clone(),
                type_id: id,
                field: shown.clone(),
                reason,
            };
            let c_type = btf.c_spelling(m.ty);
            let resolved = btf.skip_modifiers(m.ty).map_err(|e| self.bad_type(id, e))?;
            let (mut bit_offset, mut bits) = (u64::from(m.bit_offset), u64::from(m.bitfield_size));
            if bits == 0 {
                // Without kind_flag, a bitfield's width lives in its INT type.
                if let Kind::Int {
                    size,
                    bit_offset: int_off,
                    bits: int_bits,
                    ..
                } = btf.get(resolved).kind()
                {
                    if int_off != 0 || u64::from(int_bits) != u64::from(size) * 8 {
                        // The kernel refuses bits past the INT's size; no
                        // bits at all would make a bitfield a plain member
                        // moved by the INT's offset.
                        if int_bits == 0 {
                            return Err(bad(format!("its int type {resolved} has no bits")));
                        }
                        if u64::from(int_off + int_bits) > u64::from(size) * 8 {
                            return Err(bad(format!(
                                "its int type {resolved} has bits {int_off}..{}, past its {size} bytes",
                                int_off + int_bits
                            )));
                        }
                        bit_offset += u64::from(int_off);
                        bits = u64::from(int_bits);
                    }
                }
            }
            if bits > 0 {
                let access = bitfield_access(btf, resolved, bits).map(|(ty, signed)| match ty {
                    BitTy::Plain(t) => (t, signed),
                    BitTy::Enum => {
                        let origin = Origin::Anonymous {
                            parent: r,
                            member: m.name().map(str::to_owned),
                        };
                        (Ty::Enum(self.enum_def(resolved, origin)), signed)
                    }
                });
                if access.is_none() {
                    self.warn(c_name.clone(), &shown, "bitfield wider than 64 bits or of a non-integer type: no accessor, storage bytes only");
                }
                if union && bit_offset != 0 {
                    return Err(bad(format!("union member at bit offset {bit_offset}")));
                }
                shapes.push(Shape::Bitfield {
                    name: m.name().map(str::to_owned),
                    bit_offset,
                    bits,
                    access,
                    c_type,
                });
                continue;
            }
            if bit_offset % 8 != 0 {
                return Err(bad(format!("bit offset {bit_offset} is not a whole byte")));
            }
            if union && bit_offset != 0 {
                return Err(bad(format!("union member at bit offset {bit_offset}")));
            }
            let place = Place::Member {
                parent: r,
                member: m.name().map(str::to_owned),
            };
            match self.member_ty(m.ty, &place, slots, 0) {
                Ok((ty, layout)) => shapes.push(Shape::Plain {
                    name: m.name().map(str::to_owned),
                    byte_offset: bit_offset / 8,
                    ty,
                    layout,
                    c_type,
                    note: None,
                }),
                Err(MemberError::Bytes(note)) => {
                    let size = btf.size_of(m.ty).unwrap_or(0);
                    self.warn(c_name.clone(), &shown, &note);
                    shapes.push(Shape::Plain {
                        name: m.name().map(str::to_owned),
                        byte_offset: bit_offset / 8,
                        ty: Ty::Bytes(size),
                        layout: Layout { size, align: 1 },
                        c_type,
                        note: Some(note),
                    });
                }
                Err(MemberError::Problem(p)) => return Err(p),
            }
        }
        let mut def = self.lay_out(&c_name, id, union, u64::from(comp.size), false, shapes)?;
        def.program_slots = def.fields.iter().any(|f| matches!(f.ty, Ty::ProgramSlot));
        Ok(def)
    }

    /// Places members, bitfield storage and padding; names every field.
    /// `round_tail`: a data section, whose view may end in tail padding
    /// (see [`layout::datasec_size`]).
    fn lay_out(
        &mut self,
        c_name: &str,
        id: BtfTypeId,
        union: bool,
        c_size: u64,
        round_tail: bool,
        shapes: Vec<Shape>,
    ) -> Result<StructDef, Problem> {
        // Bitfields, sorted by bit offset, grouped into storage runs.
        let mut bit_list: Vec<(usize, u64, u64)> = shapes
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                Shape::Bitfield {
                    bit_offset, bits, ..
                } => Some((i, *bit_offset, *bits)),
                Shape::Plain { .. } => None,
            })
            .collect();
        bit_list.sort_by_key(|&(_, off, _)| off);
        let storages = if union {
            // In a union every bitfield starts at 0 and gets its own storage.
            bit_list
                .iter()
                .enumerate()
                .map(|(k, &(_, off, bits))| layout::BitfieldStorage {
                    byte_offset: 0,
                    len: (off + bits).div_ceil(8),
                    members: vec![k],
                })
                .collect()
        } else {
            let pairs: Vec<(u64, u64)> = bit_list.iter().map(|&(_, o, b)| (o, b)).collect();
            layout::group_bitfields(&pairs)
        };

        // Units to place: plain members and storages.
        enum Unit {
            Plain(usize),
            Storage(usize),
        }
        let mut units: Vec<(Placed, Unit)> = vec![];
        for (i, s) in shapes.iter().enumerate() {
            if let Shape::Plain {
                byte_offset,
                layout,
                ..
            } = s
            {
                units.push((
                    Placed {
                        byte_offset: *byte_offset,
                        layout: *layout,
                    },
                    Unit::Plain(i),
                ));
            }
        }
        for (k, st) in storages.iter().enumerate() {
            units.push((
                Placed {
                    byte_offset: st.byte_offset,
                    layout: Layout {
                        size: st.len,
                        align: 1,
                    },
                },
                Unit::Storage(k),
            ));
        }
        units.sort_by_key(|(p, _)| (p.byte_offset, p.layout.size));
        let placed: Vec<Placed> = units.iter().map(|(p, _)| *p).collect();
        let size = if round_tail {
            layout::datasec_size(c_size, &placed)
        } else {
            c_size
        };
        let shape_name = |u: &Unit| -> String {
            match u {
                Unit::Plain(i) => match &shapes[*i] {
                    Shape::Plain { name, .. } | Shape::Bitfield { name, .. } => {
                        name.clone().unwrap_or_else(|| "(anon)".to_owned())
                    }
                },
                Unit::Storage(k) => {
                    let first = bit_list[storages[*k].members[0]].0;
                    match &shapes[first] {
                        Shape::Plain { name, .. } | Shape::Bitfield { name, .. } => {
                            name.clone().unwrap_or_else(|| "(anon bitfield)".to_owned())
                        }
                    }
                }
            }
        };
        let plan = if union {
            layout::plan_union(size, &placed.iter().map(|p| p.layout).collect::<Vec<_>>())
        } else {
            layout::plan_struct(size, &placed)
        };
        let plan = plan.map_err(|e| {
            let (field, reason) = match e {
                layout::LayoutError::Overlap { first, second } => (
                    shape_name(&units[second].1),
                    format!("overlaps `{}`", shape_name(&units[first].1)),
                ),
                layout::LayoutError::PastEnd { index, end, size } => (
                    shape_name(&units[index].1),
                    format!("ends at byte {end}, past the type's size of {size} bytes"),
                ),
            };
            Problem::BadMember {
                type_name: c_name.to_owned(),
                type_id: id,
                field,
                reason,
            }
        })?;

        let mut fields = Vec::with_capacity(plan.slots.len());
        let mut bitfields = vec![];
        for slot in &plan.slots {
            match *slot {
                Slot::Padding { byte_offset, len } => fields.push(Field {
                    name: String::new(),
                    kind: FieldKind::Padding,
                    byte_offset,
                    size: len,
                    ty: Ty::Bytes(len),
                    c_type: None,
                    note: None,
                    union_accessors: None,
                }),
                Slot::Member(u) => match &units[u].1 {
                    Unit::Plain(i) => {
                        let Shape::Plain {
                            name,
                            byte_offset,
                            ty,
                            layout,
                            c_type,
                            note,
                        } = &shapes[*i]
                        else {
                            unreachable!("bug: plain unit is a plain shape")
                        };
                        fields.push(Field {
                            kind: FieldKind::Member {
                                c_name: name.clone().unwrap_or_default(),
                            },
                            name: String::new(),
                            byte_offset: *byte_offset,
                            size: layout.size,
                            ty: ty.clone(),
                            c_type: Some(c_type.clone()),
                            note: note.clone(),
                            union_accessors: None,
                        });
                    }
                    Unit::Storage(k) => {
                        let st = &storages[*k];
                        let storage_index = fields.len();
                        fields.push(Field {
                            name: String::new(),
                            kind: FieldKind::BitfieldStorage,
                            byte_offset: st.byte_offset,
                            size: st.len,
                            ty: Ty::Bytes(st.len),
                            c_type: None,
                            note: None,
                            union_accessors: None,
                        });
                        for &member in &st.members {
                            let (shape_index, bit_offset, bits) = bit_list[member];
                            let Shape::Bitfield {
                                name,
                                access,
                                c_type,
                                ..
                            } = &shapes[shape_index]
                            else {
                                unreachable!("bug: storage member is a bitfield")
                            };
                            let (Some(c), Some((ty, signed))) = (name, access) else {
                                continue;
                            };
                            bitfields.push(Bitfield {
                                c_name: c.clone(),
                                getter: String::new(),
                                setter: String::new(),
                                storage: storage_index,
                                bit_offset: (bit_offset - st.byte_offset * 8) as u32,
                                bits: bits as u32,
                                ty: ty.clone(),
                                signed: *signed,
                                c_type: c_type.clone(),
                            });
                        }
                    }
                },
            }
        }
        Ok(StructDef {
            union,
            layout: plan.layout,
            c_size,
            packed: plan.packed,
            fields,
            bitfields,
            program_slots: false,
        })
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
mod tests {
    //! The layout model of shadows, from BTF built in memory: no clang, no
    //! kernel.
    use super::*;
    use crate::model::{ObjectPath, Skeleton};
    use crate::testing::BtfWriter;

    /// The types, named by the naming pass.
    fn named(types: Vec<TypeDef>) -> Vec<TypeDef> {
        let mut skel = Skeleton {
            name: "t".into(),
            object_name: "t".into(),
            object_path: ObjectPath::Path("t.bpf.o".into()),
            maps: vec![],
            progs: vec![],
            types,
            warnings: vec![],
            has_btf: true,
            idents: Default::default(),
            target: TargetLayout::default(),
        };
        crate::translate::naming::assign(&mut skel);
        skel.types
    }

    fn shadow(w: &BtfWriter, id: BtfTypeId) -> (Vec<TypeDef>, StructDef) {
        shadow_for(w, id, TargetLayout::default())
    }

    fn shadow_for(w: &BtfWriter, id: BtfTypeId, target: TargetLayout) -> (Vec<TypeDef>, StructDef) {
        let btf = w.finish();
        let mut tr = Translator::new(&btf, target);
        let r = tr.declare_shadow("ops", id);
        tr.define_shadow(r, id);
        assert!(tr.problems.is_empty(), "{:?}", tr.problems);
        let types = named(tr.types);
        let TypeDefKind::Struct(s) = types[r.0].kind.clone() else {
            panic!()
        };
        (types, s)
    }

    fn field<'a>(s: &'a StructDef, name: &str) -> &'a Field {
        s.fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no field {name}: {:?}", s.fields))
    }

    #[test]
    fn scalars_keep_their_types_through_modifier_chains() {
        let mut w = BtfWriter::new();
        let i8_ = w.int("signed char", 1, true);
        let u16_ = w.int("unsigned short", 2, false);
        let i32_ = w.int("int", 4, true);
        let u64_ = w.int("unsigned long", 8, false);
        let i128_ = w.int("__int128", 16, true);
        let b = w.bool_();
        let f = w.float("float", 4);
        let d = w.float("double", 8);
        let e = w.enum_("color", 4, false, &[("RED", 1)]);
        let e64 = w.enum_("big", 8, false, &[("TOP", -1)]);
        let td = w.typedef("myint", i32_);
        let c = w.const_(td);
        let v = w.volatile(c);
        let td2 = w.typedef("cv_myint", v);
        let s = w.struct_(
            "ops",
            96,
            &[
                ("a", i8_, 0, 0),
                ("b", u16_, 16, 0),
                ("c", i32_, 32, 0),
                ("d", u64_, 64, 0),
                ("e", i128_, 128, 0),
                ("f", b, 256, 0),
                ("g", f, 288, 0),
                ("h", d, 320, 0),
                ("i", e, 384, 0),
                ("j", e64, 448, 0),
                ("k", td2, 512, 0),
            ],
        );
        let (types, def) = shadow(&w, s);
        assert_eq!(field(&def, "a").ty, Ty::Int(IntTy::I8));
        assert_eq!(field(&def, "b").ty, Ty::Int(IntTy::U16));
        assert_eq!(field(&def, "d").ty, Ty::Int(IntTy::U64));
        assert_eq!(field(&def, "e").ty, Ty::Int(IntTy::I128));
        assert_eq!(field(&def, "f").ty, Ty::Bool);
        assert_eq!(field(&def, "g").ty, Ty::Float(FloatTy::F32));
        assert_eq!(field(&def, "h").ty, Ty::Float(FloatTy::F64));
        assert_eq!(field(&def, "k").ty, Ty::Int(IntTy::I32));
        assert_eq!(field(&def, "k").byte_offset, 64);
        let Ty::Enum(r) = field(&def, "j").ty else {
            panic!()
        };
        let TypeDefKind::Enum(en) = &types[r.0].kind else {
            panic!()
        };
        assert_eq!(en.repr, IntTy::U64);
        assert_eq!(en.values[0].value, i128::from(u64::MAX));
        assert_eq!(
            def.layout,
            Layout {
                size: 96,
                align: 16
            }
        );
        // gap after `a` and the tail after `k` are explicit padding
        assert_eq!(field(&def, "__padding_0").byte_offset, 1);
        assert!(def.fields.last().unwrap().kind == FieldKind::Padding);
        let covered: u64 = def.fields.iter().map(|f| f.size).sum();
        assert_eq!(covered, 96);
    }

    #[test]
    fn function_pointers_become_slots_typedefd_and_const_ones_too() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let proto = w.func_proto(int, &[int]);
        let fp = w.ptr(proto);
        let td = w.typedef("op_fn", fp);
        let cfp = w.const_(fp);
        let vp = w.ptr(int);
        let s = w.struct_(
            "ops",
            32,
            &[
                ("plain", fp, 0, 0),
                ("typed", td, 64, 0),
                ("konst", cfp, 128, 0),
                ("data", vp, 192, 0),
            ],
        );
        let (_, def) = shadow(&w, s);
        for name in ["plain", "typed", "konst"] {
            assert_eq!(field(&def, name).ty, Ty::ProgramSlot, "{name}");
        }
        assert_eq!(field(&def, "data").ty, Ty::Pointer);
        assert!(def.program_slots);
    }

    #[test]
    fn anonymous_members_are_named_after_their_first_member() {
        // Two versions of one struct: the second adds a named member and
        // an anonymous union before the existing anonymous members.
        let build = |second_version: bool| {
            let mut w = BtfWriter::new();
            let int = w.int("int", 4, true);
            let a = w.struct_("", 4, &[("x", int, 0, 0)]);
            let b = w.union_("", 4, &[("y", int, 0, 0)]);
            let nested = w.struct_("", 4, &[("", b, 0, 0)]);
            let added = w.union_("", 4, &[("z", int, 0, 0)]);
            let mut members = vec![];
            if second_version {
                members.push(("added", int, 0, 0));
                members.push(("", added, 32, 0));
            }
            let base = if second_version { 64 } else { 0 };
            members.push(("first", int, base, 0));
            members.push(("", a, base + 32, 0));
            members.push(("", b, base + 64, 0));
            members.push(("", nested, base + 96, 0));
            let s = w.struct_("ops", (base + 128) / 8, &members);
            let (types, def) = shadow(&w, s);
            let mut names: Vec<(String, String)> = def
                .fields
                .iter()
                .filter_map(|f| match f.ty {
                    Ty::Composite(r) => Some((f.name.clone(), types[r.0].name.clone())),
                    _ => None,
                })
                .collect();
            names.sort();
            names
        };
        let pair = |f: &str| (format!("__anon_{f}"), format!("ops__anon_{f}"));
        let old = build(false);
        assert_eq!(old, vec![pair("x"), pair("y"), pair("y_1")]);
        let new = build(true);
        for name in &old {
            assert!(new.contains(name), "{name:?} kept in {new:?}");
        }
        assert!(new.contains(&pair("z")), "{new:?}");
    }

    #[test]
    fn arrays_strings_nested_and_anonymous_types() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let ch = w.char_();
        let name = w.array(ch, int, 16);
        let arr = w.array(int, int, 3);
        let inner = w.struct_("", 4, &[("x", int, 0, 0)]);
        let raw = w.array(ch, int, 8);
        let u = w.union_("", 8, &[("i", int, 0, 0), ("raw", raw, 0, 0)]);
        let proto = w.func_proto(int, &[]);
        let fp = w.ptr(proto);
        let with_fn = w.struct_("holder", 8, &[("cb", fp, 0, 0)]);
        let s = w.struct_(
            "ops",
            48,
            &[
                ("name", name, 0, 0),
                ("arr", arr, 128, 0),
                ("in", inner, 224, 0),
                ("u", u, 256, 0),
                ("h", with_fn, 320, 0),
            ],
        );
        let (types, def) = shadow(&w, s);
        assert_eq!(field(&def, "name").ty, Ty::CharArray(16));
        assert_eq!(
            field(&def, "arr").ty,
            Ty::Array(Box::new(Ty::Int(IntTy::I32)), 3)
        );
        let Ty::Composite(r) = field(&def, "in").ty else {
            panic!()
        };
        assert_eq!(
            types[r.0].name, "ops__in",
            "anonymous types are named after parent and member"
        );
        let Ty::Composite(r) = field(&def, "u").ty else {
            panic!()
        };
        let TypeDefKind::Struct(us) = &types[r.0].kind else {
            panic!()
        };
        assert!(us.union);
        assert_eq!(
            us.fields.iter().find(|f| f.name == "raw").unwrap().ty,
            Ty::CharArray(8)
        );
        // function pointers inside nested types stay opaque
        let Ty::Composite(r) = field(&def, "h").ty else {
            panic!()
        };
        let TypeDefKind::Struct(h) = &types[r.0].kind else {
            panic!()
        };
        assert_eq!(h.fields[0].ty, Ty::Pointer);
        assert!(!types[r.0].has_lifetime());
    }

    #[test]
    fn generated_names_avoid_member_names() {
        let mut w = BtfWriter::new();
        let c = w.char_();
        let int = w.int("int", 4, true);
        let s = w.struct_(
            "ops",
            12,
            &[
                ("a", c, 0, 0),
                ("__padding_0", int, 32, 0),
                ("self", c, 64, 0),
            ],
        );
        let (_, def) = shadow(&w, s);
        let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["a", "__padding_1", "__padding_0", "self_", "__padding_2"]
        );
    }

    #[test]
    fn packed_and_over_aligned_structs_are_exact() {
        let mut w = BtfWriter::new();
        let c = w.char_();
        let int = w.int("int", 4, true);
        let packed = w.struct_("pp", 5, &[("c", c, 0, 0), ("i", int, 8, 0)]);
        let (_, def) = shadow(&w, packed);
        assert!(def.packed);
        assert_eq!(def.layout, Layout { size: 5, align: 1 });
        assert_eq!(field(&def, "i").byte_offset, 1);

        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let over = w.struct_("oa", 64, &[("v", int, 0, 0)]);
        let (_, def) = shadow(&w, over);
        assert!(!def.packed);
        assert_eq!(
            def.layout,
            Layout { size: 64, align: 4 },
            "never over-aligned"
        );
    }

    #[test]
    fn bitfields_with_and_without_kind_flag() {
        let mut w = BtfWriter::new();
        let uint = w.int("unsigned int", 4, false);
        let int = w.int("int", 4, true);
        let s = w.struct_(
            "bf",
            8,
            &[("a", uint, 0, 3), ("b", int, 3, 5), ("c", int, 32, 0)],
        );
        let (_, def) = shadow(&w, s);
        assert_eq!(def.bitfields.len(), 2);
        let b = def.bitfields.iter().find(|b| b.c_name == "b").unwrap();
        assert_eq!((b.bit_offset, b.bits, b.signed), (3, 5, true));
        assert_eq!(def.fields[b.storage].kind, FieldKind::BitfieldStorage);
        assert_eq!(def.fields[b.storage].size, 1);
        assert_eq!(field(&def, "c").byte_offset, 4);

        // kind_flag = 0: the width lives in the INT type.
        let mut w = BtfWriter::new();
        let three = w.int_bits("unsigned int", 4, 0, 3);
        let int = w.int("int", 4, true);
        let s = w.struct_("bf", 8, &[("a", three, 0, 0), ("c", int, 32, 0)]);
        let (_, def) = shadow(&w, s);
        assert_eq!(def.bitfields.len(), 1);
        assert_eq!(def.bitfields[0].bits, 3);
    }

    #[test]
    fn overlapping_members_are_a_problem_not_a_panic() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let s = w.struct_("bad", 8, &[("a", int, 0, 0), ("b", int, 16, 0)]);
        let btf = w.finish();
        let mut tr = Translator::new(&btf, TargetLayout::default());
        let r = tr.declare_shadow("ops", s);
        tr.define_shadow(r, s);
        assert!(
            matches!(&tr.problems[..], [Problem::BadMember { field, .. }] if field == "b"),
            "{:?}",
            tr.problems
        );
    }

    #[test]
    fn a_struct_containing_itself_is_a_problem() {
        let mut w = BtfWriter::new();
        // [1] struct loop { struct loop inner; } (impossible in C)
        w.struct_("loop", 4, &[("inner", BtfTypeId(2), 0, 0)]);
        w.struct_("loop2", 4, &[("inner", BtfTypeId(1), 0, 0)]);
        let btf = w.finish();
        let mut tr = Translator::new(&btf, TargetLayout::default());
        let r = tr.declare_shadow("ops", BtfTypeId(1));
        tr.define_shadow(r, BtfTypeId(1));
        assert_eq!(tr.problems.len(), 1, "{:?}", tr.problems);
    }

    #[test]
    fn data_sections_become_structs_with_rounded_tails() {
        use crate::object::{Datasec, Var};
        let mut w = BtfWriter::new();
        let u64_ = w.int("unsigned long long", 8, false);
        let u32_ = w.int("unsigned int", 4, false);
        let a = w.var("hits", u64_);
        let b = w.var("pid", u32_);
        let ds = w.datasec(".bss", 0, &[(a, 0, 8), (b, 0, 4)]);
        let proto = w.func_proto(u32_, &[]);
        let f = w.func("prog", proto);
        let btf = w.finish();
        assert_eq!(btf.c_spelling(f), "func prog");
        let section = Datasec {
            btf_id: ds,
            size: 12,
            vars: vec![
                Var {
                    name: "hits".into(),
                    ty: u64_,
                    offset: 0,
                    size: 8,
                    is_static: false,
                },
                Var {
                    name: "pid".into(),
                    ty: u32_,
                    offset: 8,
                    size: 4,
                    is_static: false,
                },
            ],
        };
        let mut tr = Translator::new(&btf, TargetLayout::default());
        let r = tr.declare_datasec(".bss", &section);
        tr.define_datasec(r, ".bss", &section);
        assert!(tr.problems.is_empty(), "{:?}", tr.problems);
        let types = named(tr.types);
        assert_eq!(types[r.0].name, "bss");
        let TypeDefKind::Struct(def) = &types[r.0].kind else {
            panic!()
        };
        assert_eq!(def.c_size, 12);
        assert_eq!(def.layout, Layout { size: 16, align: 8 });
        assert!(!def.packed);
        assert_eq!(field(def, "pid").byte_offset, 8);
    }

    /// i686: 4-byte pointers, u64 and f64 4-aligned, u128 16-aligned.
    const I686: TargetLayout = TargetLayout {
        pointer_size: 4,
        align_8: 4,
        align_16: 16,
        big_endian: false,
    };
    /// 32-bit powerpc: big-endian, 4-byte pointers, u128 8-aligned.
    const PPC32: TargetLayout = TargetLayout {
        pointer_size: 4,
        align_8: 8,
        align_16: 8,
        big_endian: true,
    };

    /// struct ops { int (*run)(int); __u32 n; __u64 big; int (*last)(int); }
    /// as BPF lays it out: 8-byte function pointers, `big` at 16.
    fn ops_with_slots() -> (BtfWriter, BtfTypeId) {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let u32_ = w.int("unsigned int", 4, false);
        let u64_ = w.int("unsigned long long", 8, false);
        let proto = w.func_proto(int, &[int]);
        let fp = w.ptr(proto);
        let s = w.struct_(
            "ops",
            32,
            &[
                ("run", fp, 0, 0),
                ("n", u32_, 64, 0),
                ("big", u64_, 128, 0),
                ("last", fp, 192, 0),
            ],
        );
        (w, s)
    }

    #[test]
    fn slots_on_32_bit_targets_are_pointer_sized_then_padding() {
        for target in [I686, PPC32] {
            let (w, s) = ops_with_slots();
            let (_, def) = shadow_for(&w, s, target);
            let shape: Vec<(u64, u64, bool)> = def
                .fields
                .iter()
                .map(|f| (f.byte_offset, f.size, f.kind == FieldKind::Padding))
                .collect();
            // The slot sits at the member's offset (libbpf writes the host
            // pointer there, `*(void **)`, whatever the byte order); the
            // other 4 bytes of the BPF function pointer are padding.
            assert_eq!(
                shape,
                [
                    (0, 4, false),
                    (4, 4, true),
                    (8, 4, false),
                    (12, 4, true),
                    (16, 8, false),
                    (24, 4, false),
                    (28, 4, true),
                ],
                "{target:?}"
            );
            assert_eq!(field(&def, "run").ty, Ty::ProgramSlot);
            assert_eq!(field(&def, "last").byte_offset, 24);
            assert_eq!(def.layout.size, 32, "BTF's size, on every target");
            // u64 is 4-aligned on i686: the struct is too.
            assert_eq!(def.layout.align, target.align_8, "{target:?}");
            assert!(!def.packed);
            assert!(def.program_slots);
        }
        // 64-bit: the slot fills the member.
        let (w, s) = ops_with_slots();
        let (_, def) = shadow(&w, s);
        assert_eq!((field(&def, "run").size, def.fields.len()), (8, 5));
    }

    #[test]
    fn scalar_alignment_follows_the_target() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let u64_ = w.int("unsigned long long", 8, false);
        let d = w.float("double", 8);
        let i128_ = w.int("__int128", 16, true);
        let e64 = w.enum_("big", 8, false, &[("TOP", -1)]);
        let vp = w.ptr(int);
        // u64 at 4: misplaced (packed) where u64 is 8-aligned, not on i686.
        let s = w.struct_("mixed", 12, &[("a", int, 0, 0), ("b", u64_, 32, 0)]);
        let (_, def) = shadow_for(&w, s, I686);
        assert!(!def.packed);
        assert_eq!(def.layout, Layout { size: 12, align: 4 });
        let (_, def) = shadow(&w, s);
        assert!(def.packed);
        let s = w.struct_(
            "wide",
            64,
            &[
                ("d", d, 0, 0),
                ("e", e64, 64, 0),
                ("p", vp, 128, 0),
                ("x", i128_, 256, 0),
            ],
        );
        let cases = [(TargetLayout::default(), 16), (I686, 16), (PPC32, 8)];
        for (target, align) in cases {
            let (types, def) = shadow_for(&w, s, target);
            assert_eq!(def.layout, Layout { size: 64, align }, "{target:?}");
            // Data pointers stay 8-byte BPF values (`OpaquePtr`).
            assert_eq!(field(&def, "p").ty, Ty::Pointer);
            assert_eq!(field(&def, "p").size, 8);
            let Ty::Enum(r) = field(&def, "e").ty else {
                panic!()
            };
            assert_eq!(types[r.0].layout(&target).align, target.align_8);
        }
    }

    #[test]
    fn big_endian_bitfields_keep_btf_numbering() {
        // struct bf { unsigned a:3, b:5; unsigned short c:12; } as clang
        // lays it out for bpfeb: BTF numbers bits from the most
        // significant bit of the first byte, which the model keeps and
        // the generated code reads with the `_be` accessors.
        let mut w = BtfWriter::new();
        let uint = w.int("unsigned int", 4, false);
        let s = w.struct_(
            "bf",
            4,
            &[("a", uint, 0, 3), ("b", uint, 3, 5), ("c", uint, 8, 12)],
        );
        let (_, def) = shadow_for(&w, s, PPC32);
        let got: Vec<(&str, u32, u32)> = def
            .bitfields
            .iter()
            .map(|b| (b.c_name.as_str(), b.bit_offset, b.bits))
            .collect();
        // `c` has bytes 1-2 to itself, counted from their first bit.
        assert_eq!(got, [("a", 0, 3), ("b", 3, 5), ("c", 0, 12)]);
        let storage: Vec<(u64, u64)> = def
            .fields
            .iter()
            .filter(|f| f.kind == FieldKind::BitfieldStorage)
            .map(|f| (f.byte_offset, f.size))
            .collect();
        assert_eq!(storage, [(0, 1), (1, 2)]);
    }
}
