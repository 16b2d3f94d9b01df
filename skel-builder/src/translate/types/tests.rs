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
