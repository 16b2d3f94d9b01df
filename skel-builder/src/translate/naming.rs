//! The naming pass: every Rust identifier the skeleton uses is decided
//! here, once, and stored in the model; codegen only spells what the model
//! says.
//!
//! Names are unique within their scope ([`Namespace`]):
//! - types, in the generated `types` module: data-section views first
//!   (`bss`, `rodata`), then struct_ops shadows and named C types (their C
//!   names), then anonymous types after their place (`parent__member`);
//! - per struct: C members first, then anonymous members, padding
//!   (`__padding_N`) and bitfield storage (`__bitfield_N`) around them;
//!   methods (union and bitfield accessors) in a namespace of their own;
//! - per enum: its constants;
//! - the skeleton's own items (`FooSkel`, `OpenFooSkel`, `FooMaps`, ...,
//!   and live view types `BssLive`), accessors in each view (maps:
//!   `counts`, `bss` and `bss_map`; struct_ops: `cc`, `cc_autoattach`,
//!   `set_cc_autoattach`, ...; programs), variables of live views
//!   (`counter`, `set_counter`), link fields and `attach_<link>` methods.
//!
//! # Anonymous members
//!
//! An anonymous struct or union member is named after the first named
//! member inside it (looking into nested anonymous members, and taking an
//! enum's first constant): `union { int a; long b; }` is field `__anon_a`
//! of type `<parent>__anon_a`. C forbids two members of the same name in
//! one struct, anonymous members included, so these names are unique, and
//! they stay the same when members are added or removed elsewhere in the
//! struct. One with no named member at all is `__anon`, and any clash (with
//! a member really called `__anon_a`, say) is resolved by the namespace's
//! `_1`, `_2` suffixes.

use crate::model::ident::{Namespace, camel_case, sanitize};
use crate::model::{
    DataKind, FieldKind, LiveIdents, LiveVar, MapKind, Origin, Skeleton, StructDef,
    StructOpsIdents, Ty, TypeDefKind, TypeRef,
};

/// Names generated types must not take: Rust's primitive types (the
/// generated `types` module spells them unqualified, so a C `struct u8`
/// named `u8` would change every `[u8; N]` padding), and `__skel`, the
/// generated modules' name for skel-runtime.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32",
    "f64", "bool", "char", "str", "__skel",
];

/// How deep [`first_member_name`] looks into nested anonymous members.
const MAX_ANON_DEPTH: usize = 32;

/// Names everything in `skel`.
pub fn assign(skel: &mut Skeleton) {
    name_types(skel);
    for r in 0..skel.types.len() {
        name_members(skel, TypeRef(r));
    }
    name_skeleton(skel);
    name_accessors(skel);
}

/// The Rust names of every generated type.
fn name_types(skel: &mut Skeleton) {
    let mut ns = Namespace::new();
    ns.reserve(RESERVED_TYPE_NAMES.iter().copied());
    let order = |o: &Origin| match o {
        Origin::Datasec { .. } => 0,
        Origin::StructOps { .. } => 1,
        Origin::Named { .. } | Origin::Typedef { .. } => 2,
        Origin::Map { .. } | Origin::Anonymous { .. } => 3,
    };
    let mut refs: Vec<usize> = (0..skel.types.len()).collect();
    // Stable: within a group, types keep the translator's order, in which
    // an anonymous type's parent always comes first.
    refs.sort_by_key(|&r| order(&skel.types[r].origin));
    for r in refs {
        let base = match &skel.types[r].origin {
            Origin::Datasec { section } => section.trim_start_matches('.').to_owned(),
            Origin::StructOps { .. } => skel.types[r]
                .c_name
                .strip_prefix("struct ")
                .unwrap_or(&skel.types[r].c_name)
                .to_owned(),
            Origin::Named { name } | Origin::Typedef { name } => name.clone(),
            Origin::Map { map, role } => format!("{map}_{role}"),
            Origin::Anonymous { parent, member } => {
                let parent = &skel.types[parent.0].name;
                match member {
                    Some(m) => format!("{parent}__{}", sanitize(m)),
                    None => format!("{parent}__{}", anon_member_name(skel, TypeRef(r))),
                }
            }
        };
        skel.types[r].name = ns.claim(&base);
    }
}

/// `anon_<first named member>`, or `anon` when there is none.
fn anon_member_name(skel: &Skeleton, r: TypeRef) -> String {
    match first_member_name(skel, r, 0) {
        Some(first) => format!("anon_{}", sanitize(first)),
        None => "anon".to_owned(),
    }
}

/// The first named member of a struct or union (looking into anonymous
/// members), or the first constant of an enum.
fn first_member_name(skel: &Skeleton, r: TypeRef, depth: usize) -> Option<&str> {
    if depth > MAX_ANON_DEPTH {
        return None;
    }
    match &skel.ty(r).kind {
        TypeDefKind::Alias { .. } => None,
        TypeDefKind::Enum(e) => e.values.first().map(|v| v.c_name.as_str()),
        TypeDefKind::Struct(s) => {
            // The earliest, by bit offset, of the named members, the
            // bitfields, and the anonymous members' own first names.
            let mut candidates: Vec<(u64, &str)> = vec![];
            for f in &s.fields {
                match (&f.kind, &f.ty) {
                    (FieldKind::Member { c_name }, _) if !c_name.is_empty() => {
                        candidates.push((f.byte_offset * 8, c_name))
                    }
                    (FieldKind::Member { .. }, Ty::Composite(inner) | Ty::Enum(inner)) => {
                        if let Some(n) = first_member_name(skel, *inner, depth + 1) {
                            candidates.push((f.byte_offset * 8, n));
                        }
                    }
                    _ => {}
                }
            }
            for b in &s.bitfields {
                let storage = &s.fields[b.storage];
                candidates.push((storage.byte_offset * 8 + u64::from(b.bit_offset), &b.c_name));
            }
            // The first of equal offsets (a union's members) wins.
            let mut best: Option<(u64, &str)> = None;
            for (offset, name) in candidates {
                if best.is_none_or(|(o, _)| offset < o) {
                    best = Some((offset, name));
                }
            }
            best.map(|(_, n)| n)
        }
    }
}

/// Field, method and constant names of one type.
fn name_members(skel: &mut Skeleton, r: TypeRef) {
    let anon_names: Vec<Option<String>> = match &skel.ty(r).kind {
        TypeDefKind::Struct(s) => s
            .fields
            .iter()
            .map(|f| match (&f.kind, &f.ty) {
                (FieldKind::Member { c_name }, ty) if c_name.is_empty() => Some(match ty {
                    Ty::Composite(inner) | Ty::Enum(inner) => {
                        format!("__{}", anon_member_name(skel, *inner))
                    }
                    _ => "__anon".to_owned(),
                }),
                _ => None,
            })
            .collect(),
        TypeDefKind::Enum(_) | TypeDefKind::Alias { .. } => vec![],
    };
    match &mut skel.types[r.0].kind {
        TypeDefKind::Struct(s) => name_struct(s, &anon_names),
        TypeDefKind::Enum(e) => {
            let mut ns = Namespace::new();
            for v in &mut e.values {
                v.name = ns.claim(&v.c_name);
            }
        }
        TypeDefKind::Alias { .. } => {}
    }
}

fn name_struct(s: &mut StructDef, anon_names: &[Option<String>]) {
    let mut fields = Namespace::new();
    // C members first, so generated names go around them.
    for f in &mut s.fields {
        if let FieldKind::Member { c_name } = &f.kind
            && !c_name.is_empty()
        {
            f.name = fields.claim(c_name);
        }
    }
    for (f, anon) in s.fields.iter_mut().zip(anon_names) {
        if let Some(anon) = anon {
            f.name = fields.claim(anon);
        }
    }
    let (mut pad_n, mut bf_n) = (0u32, 0u32);
    for f in &mut s.fields {
        match f.kind {
            FieldKind::Padding => f.name = fields.claim_numbered("__padding_", &mut pad_n),
            FieldKind::BitfieldStorage => f.name = fields.claim_numbered("__bitfield_", &mut bf_n),
            FieldKind::Member { .. } => {}
        }
    }
    let mut methods = Namespace::new();
    if s.union {
        for f in &mut s.fields {
            if !matches!(f.kind, FieldKind::Member { .. }) {
                continue;
            }
            // Packed unions cannot lend references: get/set by value.
            let (get, second) = if s.packed {
                let get = methods.claim(&f.name);
                let set = methods.claim(&format!("set_{get}"));
                (get, set)
            } else {
                let get = methods.claim_group(&f.name, &["", "_mut"]);
                (get.clone(), format!("{get}_mut"))
            };
            f.union_accessors = Some((get, second, String::new()));
        }
    }
    for b in &mut s.bitfields {
        b.getter = methods.claim_group(&b.c_name, &["", "_mut"]);
        b.setter = methods.claim(&format!("set_{}", b.getter));
    }
    // Constructors last: a member's own accessor keeps the plain name.
    for f in &mut s.fields {
        if let Some((_, _, from)) = &mut f.union_accessors {
            *from = methods.claim(&format!("from_{}", f.name.trim_start_matches('_')));
        }
    }
}

/// The skeleton's own items, from its name.
fn name_skeleton(skel: &mut Skeleton) {
    let c = camel_case(&skel.name);
    let ids = &mut skel.idents;
    ids.module = format!("__skel_{}", skel.name);
    ids.builder = format!("{c}SkelBuilder");
    ids.open_skel = format!("Open{c}Skel");
    ids.skel = format!("{c}Skel");
    ids.open_maps = format!("Open{c}Maps");
    ids.open_maps_mut = format!("Open{c}MapsMut");
    ids.maps = format!("{c}Maps");
    ids.open_progs = format!("Open{c}Progs");
    ids.open_progs_mut = format!("Open{c}ProgsMut");
    ids.progs = format!("{c}Progs");
    ids.progs_mut = format!("{c}ProgsMut");
    ids.open_struct_ops = format!("Open{c}StructOps");
    ids.open_struct_ops_mut = format!("Open{c}StructOpsMut");
    ids.struct_ops = format!("{c}StructOps");
    ids.struct_ops_mut = format!("{c}StructOpsMut");
    ids.links = format!("{c}Links");
    ids.owned_open = format!("OwnedOpen{c}Skel");
    ids.owned = format!("Owned{c}Skel");
    // A method of the open skeleton, beside `load` and `as_libbpf_object`.
    let rodata = skel.maps.iter().any(|m| {
        matches!(
            m.kind,
            MapKind::Data {
                kind: DataKind::Rodata,
                ..
            }
        )
    });
    ids.fill_kernel_consts = rodata.then(|| "fill_kernel_consts".to_owned());
}

/// The skeleton's methods (beside `attach_<link>`), which link names must
/// go around.
const SKELETON_METHODS: &[&str] = &[
    "maps",
    "maps_mut",
    "progs",
    "progs_mut",
    "struct_ops",
    "struct_ops_mut",
    "load",
    "attach",
    "as_libbpf_object",
    "fill_kernel_consts",
];

/// The forms of a struct_ops map's names in the struct_ops views and on
/// the skeleton; `{}` is the map's base name.
const STRUCT_OPS_FORMS: &[&str] = &[
    "{}",
    "{}_autoattach",
    "set_{}_autoattach",
    "clear_{}_missing",
    "read_{}_from_kernel",
];

/// Map, program and struct_ops accessors, live views and link fields.
fn name_accessors(skel: &mut Skeleton) {
    // Maps views: a data section's view takes the section's name and its
    // map handle `<section>_map`; other maps their own name.
    let mut maps = Namespace::new();
    for m in &mut skel.maps {
        let (base, with_handle) = match &m.kind {
            MapKind::Data { section, ty, .. } => {
                (section.trim_start_matches('.').to_owned(), ty.is_some())
            }
            MapKind::Kconfig { ty } => ("kconfig".to_owned(), ty.is_some()),
            _ => (m.name.clone(), false),
        };
        if with_handle {
            let base = maps.claim_forms(&base, &["{}", "{}_map"]);
            m.idents.handle = Some(format!("{base}_map"));
            m.idents.access = base;
        } else {
            m.idents.access = maps.claim(&base);
            m.idents.handle = None;
        }
    }
    // Live views: types of the skeleton's module, beside its own types.
    let mut types = Namespace::new();
    types.reserve(skel.idents.module_items());
    for i in 0..skel.maps.len() {
        let live = live_idents(skel, i, &mut types);
        skel.maps[i].idents.live = live;
    }
    // struct_ops views.
    let mut struct_ops = Namespace::new();
    for m in &mut skel.maps {
        m.idents.struct_ops = match &m.kind {
            MapKind::StructOps { .. } => {
                let base = struct_ops.claim_forms(&m.name, STRUCT_OPS_FORMS);
                Some(StructOpsIdents {
                    shadow: base.clone(),
                    autoattach: format!("{base}_autoattach"),
                    set_autoattach: format!("set_{base}_autoattach"),
                    clear_missing: format!("clear_{base}_missing"),
                    read_back: format!("read_{base}_from_kernel"),
                    attach: String::new(),
                })
            }
            _ => None,
        };
    }
    let mut progs = Namespace::new();
    for p in &mut skel.progs {
        p.idents.access = progs.claim(&p.name);
    }
    // Links: programs first, then struct_ops maps, unique together; each
    // gives the skeleton an `attach_<link>()`, which cannot collide with
    // its other methods (none starts with `attach_`).
    let mut links = Namespace::new();
    links.reserve(["_obj"]);
    let mut methods = Namespace::new();
    methods.reserve(SKELETON_METHODS.iter().copied());
    for p in &mut skel.progs {
        p.idents.link = (!p.struct_ops).then(|| links.claim(&p.name));
        p.idents.attach = p
            .idents
            .link
            .as_ref()
            .map(|l| methods.claim(&format!("attach_{l}")));
    }
    for m in &mut skel.maps {
        m.idents.link = matches!(m.kind, MapKind::StructOps { .. }).then(|| links.claim(&m.name));
        if let (Some(link), Some(so)) = (&m.idents.link, &mut m.idents.struct_ops) {
            so.attach = methods.claim(&format!("attach_{link}"));
        }
    }
}

/// The live view of data section map `index` after load: writable
/// sections libbpf maps (a non-static variable) with a typed view. Each
/// variable gets a getter and a setter (`read` and `write` are the whole
/// section's, `__new` the view's constructor); a resizable section's last
/// array a getter of its slice.
fn live_idents(skel: &Skeleton, index: usize, types: &mut Namespace) -> Option<LiveIdents> {
    let m = &skel.maps[index];
    let MapKind::Data {
        section,
        kind,
        mmapable: true,
        ty: Some(r),
        resizable,
    } = &m.kind
    else {
        return None;
    };
    if *kind == DataKind::Rodata {
        return None;
    }
    let TypeDefKind::Struct(s) = &skel.ty(*r).kind else {
        return None;
    };
    let type_name = types.claim(&format!(
        "{}Live",
        camel_case(&section.trim_start_matches('.').replace('.', "_"))
    ));
    let mut ns = Namespace::new();
    // The view's own methods (skel-runtime's `live!`): `read`, `write`,
    // and the hidden constructor `__new`.
    ns.reserve(["read", "write", "__new"]);
    let last = resizable.as_ref().map(|a| a.var.as_str());
    let mut vars = vec![];
    for (i, f) in s.fields.iter().enumerate() {
        let FieldKind::Member { c_name } = &f.kind else {
            continue;
        };
        if c_name.is_empty() {
            continue;
        }
        if last == Some(c_name.as_str()) {
            vars.push(LiveVar {
                field: i,
                getter: ns.claim(&f.name),
                setter: None,
            });
        } else {
            let getter = ns.claim_forms(&f.name, &["{}", "set_{}"]);
            vars.push(LiveVar {
                field: i,
                setter: Some(format!("set_{getter}")),
                getter,
            });
        }
    }
    Some(LiveIdents { type_name, vars })
}
