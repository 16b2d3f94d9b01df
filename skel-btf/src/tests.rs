//! The reader on BTF written in memory: every kind, split BTF, both byte
//! orders, and what hostile input gets.

use std::sync::Arc;

use crate::{Btf, BtfError, BtfTypeId, BtfWriter, Kind, Linkage, MAX_NAME_LEN, kind};

#[test]
fn round_trips_every_kind() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true); // 1
    let c = w.const_(int); // 2
    let td = w.typedef("myint", c); // 3
    let s = w.struct_("s", 8, &[("a", td, 0, 0), ("b", int, 32, 3)]); // 4
    let u = w.union_("u", 4, &[("x", int, 0, 0)]); // 5
    let e = w.enum_("e", 4, true, &[("NEG", -5), ("POS", 7)]); // 6
    let e64 = w.enum_("e64", 8, false, &[("BIG", -32)]); // 7
    let proto = w.func_proto(int, &[int, BtfTypeId(0)]); // 8
    let f = w.func("f", proto); // 9
    let v = w.var("v", int); // 10
    let ds = w.datasec(".data", 8, &[(v, 4, 4)]); // 11
    let fl = w.float("double", 8); // 12
    let fwd = w.fwd("opaque", true); // 13
    let tag = w.decl_tag("bpf_kfunc", f, -1); // 14
    let tt = w.type_tag("rcu", s); // 15
    let arr = w.array(int, int, 3); // 16
    let ch = w.char_(); // 17
    let b = w.bool_(); // 18
    let bits = w.int_bits("unsigned int", 4, 3, 5); // 19
    let btf = w.finish();
    assert_eq!(btf.len(), 20);
    assert_eq!(btf.size_of(s).unwrap(), 8);
    assert_eq!(btf.size_of(td).unwrap(), 4);
    assert_eq!(btf.skip_modifiers(td).unwrap(), int);
    assert_eq!(btf.skip_qualifiers(c).unwrap(), int);
    assert_eq!(btf.skip_qualifiers(td).unwrap(), td);
    let Kind::Struct(comp) = btf.get(s).kind() else {
        panic!()
    };
    assert_eq!(comp.size, 8);
    let m: Vec<_> = comp.members.iter().collect();
    assert_eq!((m[0].name(), m[0].ty, m[0].bit_offset), (Some("a"), td, 0));
    assert_eq!((m[1].bitfield_size, m[1].bit_offset), (3, 32));
    let Kind::Union(un) = btf.get(u).kind() else {
        panic!()
    };
    assert_eq!(un.members.len(), 1);
    let Kind::Enum {
        size,
        signed,
        values,
    } = btf.get(e).kind()
    else {
        panic!()
    };
    assert_eq!((size, signed), (4, true));
    let got: Vec<_> = values
        .iter()
        .map(|v| (v.name(), v.value, v.exact()))
        .collect();
    assert_eq!(got, [("NEG", -5, -5), ("POS", 7, 7)]);
    let Kind::Enum { values, .. } = btf.get(e64).kind() else {
        panic!()
    };
    assert_eq!(values.get(0).unwrap().exact(), i128::from(u64::MAX - 31));
    let Kind::FuncProto { ret, params } = btf.get(proto).kind() else {
        panic!()
    };
    assert_eq!((ret, params.len()), (int, 2));
    assert_eq!(params.last().unwrap().ty, BtfTypeId(0));
    assert!(matches!(
        btf.get(f).kind(),
        Kind::Func { proto: p, linkage: Linkage::Global } if p == proto
    ));
    assert!(matches!(btf.get(v).kind(), Kind::Var { ty, .. } if ty == int));
    let Kind::Datasec { size, vars } = btf.get(ds).kind() else {
        panic!()
    };
    assert_eq!(size, 8);
    assert_eq!(
        vars.iter()
            .map(|v| (v.ty, v.byte_offset, v.size))
            .collect::<Vec<_>>(),
        [(v, 4, 4)]
    );
    assert!(matches!(btf.get(fl).kind(), Kind::Float { size: 8 }));
    assert!(matches!(btf.get(fwd).kind(), Kind::Fwd { union: true }));
    assert!(matches!(
        btf.get(tag).kind(),
        Kind::DeclTag { target, component_idx: -1 } if target == f
    ));
    assert_eq!(btf.get(tag).name(), Some("bpf_kfunc"));
    assert_eq!(btf.get(tt).name(), Some("rcu"));
    assert!(matches!(btf.get(arr).kind(), Kind::Array { elem, len: 3, .. } if elem == int));
    assert!(matches!(
        btf.get(ch).kind(),
        Kind::Int {
            is_char: true,
            signed: true,
            ..
        }
    ));
    assert!(matches!(btf.get(b).kind(), Kind::Int { is_bool: true, .. }));
    assert!(matches!(
        btf.get(bits).kind(),
        Kind::Int {
            bit_offset: 3,
            bits: 5,
            signed: false,
            ..
        }
    ));
    assert_eq!(btf.name(s), "s");
    assert_eq!(btf.name(arr), "");
    assert_eq!(btf.find("u", |k| k.is_composite()), Some(u));
    assert_eq!(btf.find("u", |k| matches!(k, Kind::Struct(_))), None);
    assert_eq!(btf.iter().count(), 20);
    assert!(matches!(btf.get(BtfTypeId(0)).kind(), Kind::Void));
    assert!(matches!(btf.get(BtfTypeId(999)).kind(), Kind::Void));
    assert_eq!(btf.get(s).kind_name(), "struct");
    assert_eq!(btf.get(e64).kind_name(), "enum64");
}

#[test]
fn big_endian_btf_reads_the_same() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    let s = w.struct_("s", 8, &[("a", int, 0, 0), ("b", int, 32, 0)]);
    let e = w.enum_("e", 8, true, &[("X", -2)]);
    let little = w.bytes();
    // Swap every 32-bit word of header and types, and the magic.
    let mut big = little.clone();
    big[0..2].copy_from_slice(&0xeb9fu16.to_be_bytes());
    let hdr_len = 24;
    let types_len = u32::from_le_bytes(little[12..16].try_into().unwrap()) as usize;
    for at in (4..hdr_len).chain((hdr_len..hdr_len + types_len).step_by(4)) {
        if at % 4 == 0 {
            big[at..at + 4].reverse();
        }
    }
    let btf = Btf::parse(big.clone()).unwrap();
    assert!(btf.is_big_endian());
    assert_eq!(btf.size_of(s).unwrap(), 8);
    let Kind::Struct(c) = btf.get(s).kind() else {
        panic!()
    };
    assert_eq!(c.members.get(1).unwrap().bit_offset, 32);
    assert_eq!(c.members.get(1).unwrap().name(), Some("b"));
    let Kind::Enum { values, .. } = btf.get(e).kind() else {
        panic!()
    };
    assert_eq!(values.get(0).unwrap().exact(), -2);
    assert_eq!(
        Btf::parse_little_endian(big).unwrap_err(),
        BtfError::BigEndian
    );
    assert!(!Btf::parse_little_endian(little).unwrap().is_big_endian());
}

#[test]
fn typedef_cycle_is_an_error() {
    let mut w = BtfWriter::new();
    // [1] typedef a -> [2], [2] typedef b -> [1]
    let (a, b) = (w.string("a"), w.string("b"));
    w.raw(a, kind::TYPEDEF, false, 0, 2, &[]);
    w.raw(b, kind::TYPEDEF, false, 0, 1, &[]);
    let btf = w.finish();
    assert!(matches!(
        btf.skip_modifiers(BtfTypeId(1)),
        Err(BtfError::ChainTooLong { .. })
    ));
    assert!(btf.size_of(BtfTypeId(1)).is_err());
    assert!(btf.align_of(BtfTypeId(1)).is_err());
    assert!(btf.is_func_pointer(BtfTypeId(1)).is_err());
    assert!(btf.c_spelling(BtfTypeId(1)).contains('a'));
}

#[test]
fn dangling_ids_are_refused() {
    let mut w = BtfWriter::new();
    w.raw(0, kind::PTR, false, 0, 99, &[]);
    assert_eq!(
        Btf::parse(w.bytes()).unwrap_err(),
        BtfError::DanglingTypeId {
            type_id: BtfTypeId(1),
            target: 99,
            count: 2
        }
    );
    // In every place a record holds an id.
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    w.struct_("s", 4, &[("a", int, 0, 0), ("b", BtfTypeId(50), 0, 0)]);
    assert!(matches!(
        Btf::parse(w.bytes()),
        Err(BtfError::DanglingTypeId { target: 50, .. })
    ));
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    w.func_proto(int, &[BtfTypeId(7)]);
    assert!(matches!(
        Btf::parse(w.bytes()),
        Err(BtfError::DanglingTypeId { target: 7, .. })
    ));
    let mut w = BtfWriter::new();
    w.datasec(".data", 0, &[(BtfTypeId(8), 0, 4)]);
    assert!(matches!(
        Btf::parse(w.bytes()),
        Err(BtfError::DanglingTypeId { target: 8, .. })
    ));
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    w.array(int, BtfTypeId(9), 1);
    assert!(matches!(
        Btf::parse(w.bytes()),
        Err(BtfError::DanglingTypeId { target: 9, .. })
    ));
}

#[test]
fn huge_vlen_is_refused_without_allocating() {
    let mut w = BtfWriter::new();
    let s = w.string("s");
    w.raw(s, kind::STRUCT, false, 0xffff, 4, &[]);
    assert_eq!(
        Btf::parse(w.bytes()).unwrap_err(),
        BtfError::VlenTooLarge {
            type_id: BtfTypeId(1),
            what: "members",
            vlen: 0xffff,
            available: 0
        }
    );
}

#[test]
fn unknown_kinds_are_refused() {
    let mut w = BtfWriter::new();
    w.int("int", 4, true);
    w.raw(0, 25, false, 0, 0, &[]);
    assert_eq!(
        Btf::parse(w.bytes()).unwrap_err(),
        BtfError::UnknownKind {
            type_id: BtfTypeId(2),
            kind: 25
        }
    );
}

#[test]
fn truncation_anywhere_is_an_error() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    let a = w.array(int, int, 2);
    w.struct_("s", 8, &[("a", a, 0, 0)]);
    let bytes = w.bytes();
    for len in 0..bytes.len() {
        assert!(Btf::parse(&bytes[..len]).is_err(), "{len}");
    }
    let mut bad = bytes.clone();
    bad[8] = 0xff; // type_off
    assert!(Btf::parse(bad).is_err());
    // A record cut inside its fixed words: the offset of the first word
    // missing, from the start of the type section.
    let mut w = BtfWriter::new();
    w.raw(0, kind::ARRAY, false, 0, 0, &[1]);
    assert_eq!(
        Btf::parse(w.bytes()).unwrap_err(),
        BtfError::Truncated {
            what: "type record",
            offset: 16
        }
    );
}

#[test]
fn headers_are_checked() {
    let mut w = BtfWriter::new();
    w.int("int", 4, true);
    let good = w.bytes();
    let mut magic = good.clone();
    magic[0] = 0;
    assert!(matches!(Btf::parse(magic), Err(BtfError::BadMagic { .. })));
    let mut version = good.clone();
    version[2] = 2;
    assert_eq!(
        Btf::parse(version).unwrap_err(),
        BtfError::UnsupportedVersion { version: 2 }
    );
    let mut hdr = good.clone();
    hdr[4] = 23;
    assert!(matches!(
        Btf::parse(hdr),
        Err(BtfError::BadHeader {
            field: "hdr_len",
            ..
        })
    ));
    // A longer header with a zero tail is fine, a non-zero tail is not.
    let mut long = good[..24].to_vec();
    long[4] = 28;
    long.extend([0; 4]);
    long.extend(&good[24..]);
    assert!(Btf::parse(long.clone()).is_ok());
    long[25] = 1;
    assert!(matches!(
        Btf::parse(long),
        Err(BtfError::BadHeader {
            field: "hdr_len",
            ..
        })
    ));
    let mut strings = good.clone();
    let n = strings.len();
    strings[n - 1] = b'x';
    assert_eq!(Btf::parse(strings).unwrap_err(), BtfError::BadStringTable);
}

#[test]
fn string_offsets_are_checked() {
    let mut w = BtfWriter::new();
    w.raw(0, kind::INT, false, 0, 4, &[32]);
    let mut bytes = w.bytes();
    // name_off of the first type: right after the 24-byte header
    bytes[24..28].copy_from_slice(&1000u32.to_le_bytes());
    assert!(matches!(
        Btf::parse(bytes),
        Err(BtfError::StringOutOfRange { offset: 1000, .. })
    ));
}

#[test]
fn names_are_bounded_and_utf8() {
    let ok = "n".repeat(MAX_NAME_LEN);
    let mut w = BtfWriter::new();
    w.int(&ok, 4, true);
    assert_eq!(w.finish().name(BtfTypeId(1)), ok);

    let long = "n".repeat(MAX_NAME_LEN + 1);
    let mut w = BtfWriter::new();
    w.int(&long, 4, true);
    assert!(matches!(
        Btf::parse(w.bytes()),
        Err(BtfError::NameTooLong { offset: 1, .. })
    ));
    // A long string nobody names is fine.
    let mut w = BtfWriter::new();
    w.string(&long);
    w.int("int", 4, true);
    assert_eq!(w.finish().name(BtfTypeId(1)), "int");

    // A tag's value may be long: it is dropped, not refused.
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    w.type_tag(&long, int);
    assert_eq!(w.finish().get(BtfTypeId(2)).name(), None);

    // Not UTF-8, or starting inside a character.
    let mut w = BtfWriter::new();
    let name = w.string("é");
    w.raw(name + 1, kind::INT, false, 0, 4, &[32]);
    assert!(matches!(
        Btf::parse(w.bytes()),
        Err(BtfError::StringNotUtf8 { .. })
    ));
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    w.struct_("é", 4, &[("ü", int, 0, 0)]);
    let btf = w.finish();
    assert_eq!(btf.name(BtfTypeId(2)), "é");
    // A table with bytes that are not UTF-8 where no name points: names
    // are read (and checked) one by one.
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    w.struct_("s", 4, &[("ü", int, 0, 0)]);
    let mut bytes = w.bytes();
    bytes.extend([0xff, 0]);
    let n = bytes.len() as u32;
    let str_len = u32::from_le_bytes(bytes[20..24].try_into().unwrap());
    bytes[20..24].copy_from_slice(&(str_len + 2).to_le_bytes());
    assert_eq!(bytes.len() as u32, n);
    let btf = Btf::parse(bytes).unwrap();
    let Kind::Struct(c) = btf.get(BtfTypeId(2)).kind() else {
        panic!()
    };
    assert_eq!(
        (btf.name(BtfTypeId(2)), c.members.get(0).unwrap().name()),
        ("s", Some("ü"))
    );
}

#[test]
fn split_btf_continues_its_base() {
    let mut base = BtfWriter::new();
    let int = base.int("int", 4, true);
    let s = base.struct_("base_s", 4, &[("a", int, 0, 0)]);
    let mut split = BtfWriter::split_of(&base);
    // "int" again: a new string in the split's own table.
    let p = split.ptr(s);
    let m = split.struct_("mod_s", 16, &[("p", p, 0, 0), ("int", int, 64, 0)]);
    assert_eq!((p, m), (BtfTypeId(3), BtfTypeId(4)));
    let base = Arc::new(base.finish());
    let btf = Btf::parse_split(base.clone(), split.bytes()).unwrap();
    assert_eq!(btf.len(), 5);
    assert_eq!(btf.first_id(), BtfTypeId(3));
    assert_eq!(btf.name(m), "mod_s");
    assert_eq!(btf.name(s), "base_s");
    assert_eq!(btf.c_spelling(p), "struct base_s *");
    assert_eq!(btf.own_types().map(|t| t.id()).collect::<Vec<_>>(), [p, m]);
    assert_eq!(btf.iter().count(), 5);
    let Kind::Struct(c) = btf.get(m).kind() else {
        panic!()
    };
    assert_eq!(c.members.get(1).unwrap().name(), Some("int"));
    assert_eq!(btf.size_of(m).unwrap(), 16);
    assert!(Arc::ptr_eq(btf.base().unwrap(), &base));
    // Split BTF read alone refers to types it does not have.
    assert!(Btf::parse(split.bytes()).is_err());
}

#[test]
fn array_sizes_overflowing_are_refused() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    let a = w.array(int, int, u32::MAX);
    let btf = w.finish();
    assert!(matches!(btf.size_of(a), Err(BtfError::TooLarge { .. })));
}

#[test]
fn sizes_and_alignments_follow_libbpf() {
    let mut w = BtfWriter::new();
    let ch = w.char_();
    let int = w.int("int", 4, true);
    let long = w.int("long int", 8, true);
    let i128_ = w.int("__int128", 16, true);
    let p = w.ptr(int);
    let packed = w.struct_("p", 5, &[("c", ch, 0, 0), ("x", int, 8, 0)]);
    let natural = w.struct_("n", 16, &[("c", ch, 0, 0), ("l", long, 64, 0)]);
    let tail = w.struct_("t", 5, &[("x", int, 0, 0), ("c", ch, 32, 0)]);
    let bits = w.struct_("b", 4, &[("a", int, 0, 3), ("b", int, 3, 7)]);
    let arr = w.array(natural, int, 2);
    let proto = w.func_proto(int, &[]);
    let btf = w.finish();
    assert_eq!(btf.pointer_size(), 8, "from `long int`");
    let align = |id| btf.align_of(id).unwrap();
    assert_eq!(
        [ch, int, long, i128_, p, packed, natural, tail, bits, arr].map(align),
        [1, 4, 8, 16, 8, 1, 8, 1, 4, 8]
    );
    assert_eq!(btf.size_of(p).unwrap(), 8);
    assert_eq!(btf.size_of(arr).unwrap(), 32);
    assert!(matches!(
        btf.size_of(proto),
        Err(BtfError::NoSize {
            kind: "func_proto",
            ..
        })
    ));
    // Without a `long`, pointers are 8 bytes; with a 4-byte one, 4.
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    w.int("long unsigned int", 4, false);
    let p = w.ptr(int);
    let btf = w.finish();
    assert_eq!((btf.pointer_size(), btf.size_of(p).unwrap()), (4, 4));
}

#[test]
fn function_pointers_through_typedefs_and_modifiers() {
    let mut w = BtfWriter::new();
    let int = w.int("int", 4, true);
    let proto = w.func_proto(int, &[int]);
    let tproto = w.typedef("handler_t", proto);
    let fp = w.ptr(tproto);
    let cfp = w.const_(fp);
    let tfp = w.typedef("handler_ptr", cfp);
    let p = w.ptr(int);
    let btf = w.finish();
    assert!(btf.is_func_pointer(fp).unwrap());
    assert!(btf.is_func_pointer(tfp).unwrap());
    assert!(!btf.is_func_pointer(p).unwrap());
    assert!(!btf.is_func_pointer(proto).unwrap());
}

#[test]
fn an_empty_table_is_void_alone() {
    let btf = Btf::empty();
    assert_eq!(btf.len(), 1);
    assert!(btf.is_empty());
    assert!(matches!(btf.get(BtfTypeId(1)).kind(), Kind::Void));
    assert_eq!(btf.c_spelling(BtfTypeId(0)), "void");
    let btf = BtfWriter::new().finish();
    assert!(btf.is_empty());
}

/// Every cut and every single-byte change of a valid blob: an error or a
/// table whose every accessor answers, never a panic.
#[test]
fn corrupted_blobs_never_panic() {
    let mut w = BtfWriter::new();
    let ch = w.char_();
    let int = w.int("int", 4, true);
    let arr = w.array(ch, int, 16);
    let proto = w.func_proto(int, &[arr, BtfTypeId(0)]);
    let fp = w.ptr(proto);
    let s = w.struct_("s", 24, &[("name", arr, 0, 0), ("f", fp, 128, 0)]);
    w.enum_("e", 8, true, &[("A", -1)]);
    let v = w.var("v", s);
    w.datasec(".data", 24, &[(v, 0, 24)]);
    w.decl_tag("tag", s, 0);
    let good = w.bytes();
    let exercise = |btf: &Btf| {
        for t in btf.iter() {
            let _ = (t.name(), btf.c_spelling(t.id()));
            let _ = (
                btf.size_of(t.id()),
                btf.align_of(t.id()),
                btf.is_func_pointer(t.id()),
            );
            match t.kind() {
                Kind::Struct(c) | Kind::Union(c) => c.members.iter().for_each(|m| {
                    let _ = m.name();
                }),
                Kind::Enum { values, .. } => values.iter().for_each(|v| {
                    let _ = (v.name(), v.exact());
                }),
                Kind::FuncProto { params, .. } => params.iter().for_each(|p| {
                    let _ = p.name();
                }),
                Kind::Datasec { vars, .. } => assert!(vars.iter().count() <= vars.len()),
                _ => {}
            }
        }
    };
    for cut in 0..good.len() {
        if let Ok(btf) = Btf::parse(&good[..cut]) {
            exercise(&btf);
        }
    }
    for at in 0..good.len() {
        for value in [0x00, 0x01, 0x7f, 0x80, 0xff] {
            let mut bad = good.clone();
            bad[at] = value;
            if let Ok(btf) = Btf::parse(bad) {
                exercise(&btf);
            }
        }
    }
}
