//! struct_ops shadows at open time (no kernel needed): values from the C
//! initialiser read through the shadow, writes land at the member's C
//! offset in libbpf's buffer (offsets from libbpf's own BTF parser), and
//! program slots hold libbpf's `bpf_program` pointers.

use std::collections::HashMap;

use libbpf_rs::btf::types::{MemberAttr, Struct};
use skel_runtime::ObjectStorage;
use skel_tests::objects::member_offsets;
use skel_tests::shapes_skel::{ShapesSkelBuilder, types};

/// Bit offset and width of a struct's bitfields, read by libbpf.
fn bitfields(struct_name: &str) -> HashMap<String, (u32, u8)> {
    let btf = libbpf_rs::btf::Btf::from_path(skel_tests::fixture("shapes")).unwrap();
    let s: Struct<'_> = btf.type_by_name(struct_name).unwrap();
    s.iter()
        .filter_map(|m| {
            let MemberAttr::BitField { size, offset } = m.attr else {
                return None;
            };
            Some((m.name?.to_string_lossy().into_owned(), (offset, size)))
        })
        .collect()
}

/// Byte offsets of a struct's members, read by libbpf from the object.
fn offsets(struct_name: &str) -> HashMap<String, usize> {
    member_offsets(&skel_tests::fixture("shapes"), struct_name)
}

fn bytes_at(buf: &[u8], offset: usize, len: usize) -> &[u8] {
    &buf[offset..offset + len]
}

#[test]
fn initial_values_read_through_the_shadow() {
    let mut storage = ObjectStorage::new();
    let open = ShapesSkelBuilder::default().open(&mut storage).unwrap();
    let ops = open.struct_ops().shapes();
    assert_eq!(ops.c, b'x' as i8);
    assert_eq!((ops.sc, ops.uc), (-2, 200));
    assert!(ops.b.get());
    assert_eq!(
        (ops.s, ops.us, ops.i, ops.ui),
        (-3, 60000, -4, 4_000_000_000)
    );
    assert_eq!((ops.l, ops.ul, ops.ll), (-5, 5, -6));
    assert_eq!((ops.i128, ops.u128), (0, 0));
    assert_eq!((ops.f, ops.d), (1.5, 2.25));
    assert_eq!(ops.color, types::color::BLUE);
    // A signed enum: a signed newtype (clang 14 wrote it unsigned).
    assert_eq!(ops.color.0, -1);
    // A 64-bit enumerator, whole (clang 14 wrote 32-bit values into BTF,
    // and the generated constant lost its top half).
    assert_eq!(ops.big, types::big::BIG_TOP);
    assert_eq!(ops.big.0, 0xf000_0000_0000_0000);
    assert_eq!((ops.through_typedefs, ops.cv), (77, 88));
    assert_eq!(ops.arr, [1, 2, 3]);
    assert_eq!(ops.grid, [[1, 2, 3], [4, 5, 6]]);
    assert_eq!(ops.name.to_str().unwrap(), "shapes");
    let n = ops.nested;
    assert_eq!(n.x, 11);
    assert_eq!((n.flag_a(), n.flag_b(), n.wide()), (1, 5, 0xabcde));
    assert_eq!(n.col(), types::color::GREEN);
    assert!(n.on());
    assert_eq!(*ops.u.as_int(), 0x4142_4344);
    assert_eq!(&ops.u.raw().as_bytes()[..4], b"DCBA");
    assert_eq!((ops.anon_struct.ax, ops.anon_struct.ay), (21, 22));
    let pp = ops.pp;
    assert_eq!(({ pp.c }, { pp.i }), (b'p' as i8, 0x0102_0304));
    assert_eq!(ops.oa.v, 64);
    assert_eq!(
        (ops.__padding_0, ops.r#type, ops.self_, ops.r#match),
        (5, 6, 7, 8)
    );
    assert!(ops.opaque.is_null());

    // Slots hold the programs the initialiser named.
    assert_eq!(ops.op_plain, Some(open.progs().BPF_PROG_a()));
    assert_eq!(ops.op_typedef, Some(open.progs().op_b()));
    assert_eq!(ops.op_const, Some(open.progs().op_c()));
    assert_eq!(
        open.struct_ops().small_link().run,
        Some(open.progs().op_b())
    );
    assert_eq!(
        open.struct_ops().small_optional().run,
        Some(open.progs().op_c())
    );
    assert_eq!(open.struct_ops().small_optional_link().run, None);
    assert_eq!(open.struct_ops().small_optional_link().value, 3);
}

#[test]
fn writes_land_at_the_c_offsets() {
    let off = offsets("shapes_ops");
    let mut storage = ObjectStorage::new();
    let mut open = ShapesSkelBuilder::default().open(&mut storage).unwrap();
    let alt = open.progs().op_alt();
    {
        let ops = open.struct_ops_mut().shapes();
        ops.c = 1;
        ops.sc = -1;
        ops.uc = 0xfe;
        ops.b = false.into();
        ops.s = 0x1234;
        ops.us = 0xfedc;
        ops.i = 0x0102_0304;
        ops.ui = 0xdead_beef;
        ops.l = -0x1122_3344_5566;
        ops.ul = 0x0102_0304_0506_0708;
        ops.ll = i64::MIN;
        ops.i128 = -2;
        ops.u128 = u128::MAX - 1;
        ops.f = -0.5;
        ops.d = 1e300;
        ops.color = types::color::RED;
        ops.big = types::big(0x1234_5678_9abc_def0);
        ops.through_typedefs = 99;
        ops.cv = 98;
        ops.arr = [7, 8, 9];
        ops.grid[1][2] = 66;
        ops.name.set("renamed").unwrap();
        ops.nested.x = -11;
        ops.nested.set_wide(0x54321);
        ops.nested.set_flag_b(2);
        ops.nested.set_col(types::color::BLUE);
        *ops.u.as_int_mut() = 0x1122_3344;
        ops.anon_struct.ay = -22;
        ops.pp.i = 0x0a0b_0c0d;
        ops.oa.v = 640;
        ops.__padding_0 = 50;
        ops.r#type = 60;
        ops.self_ = 70;
        ops.r#match = 80;
        ops.op_plain = Some(alt);
        ops.op_typedef = None;
    }
    let map = open.maps().shapes().libbpf();
    let buf = map.initial_value().unwrap();
    let check = |name: &str, expected: &[u8]| {
        let o = off[name];
        assert_eq!(
            bytes_at(buf, o, expected.len()),
            expected,
            "member {name} at {o}"
        );
    };
    check("c", &[1]);
    check("sc", &[0xff]);
    check("uc", &[0xfe]);
    check("b", &[0]);
    check("s", &0x1234i16.to_le_bytes());
    check("us", &0xfedcu16.to_le_bytes());
    check("i", &0x0102_0304i32.to_le_bytes());
    check("ui", &0xdead_beefu32.to_le_bytes());
    check("l", &(-0x1122_3344_5566i64).to_le_bytes());
    check("ul", &0x0102_0304_0506_0708u64.to_le_bytes());
    check("ll", &i64::MIN.to_le_bytes());
    check("i128", &(-2i128).to_le_bytes());
    check("u128", &(u128::MAX - 1).to_le_bytes());
    check("f", &(-0.5f32).to_le_bytes());
    check("d", &1e300f64.to_le_bytes());
    check("color", &1i32.to_le_bytes());
    check("big", &0x1234_5678_9abc_def0u64.to_le_bytes());
    check("through_typedefs", &99i32.to_le_bytes());
    check("cv", &98u32.to_le_bytes());
    check("arr", &[7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0]);
    check("name", b"renamed\0\0\0\0\0\0\0\0\0");
    check("__padding_0", &50i32.to_le_bytes());
    check("type", &60i32.to_le_bytes());
    check("self", &70i32.to_le_bytes());
    check("match", &80i64.to_le_bytes());
    check("op_plain", &(alt.as_ptr() as u64).to_le_bytes());
    check("op_typedef", &0u64.to_le_bytes());
    check(
        "op_const",
        &(open.progs().op_c().as_ptr() as u64).to_le_bytes(),
    );
    // grid[1][2]: int at 5 * 4 bytes into the array
    let g = off["grid"] + 20;
    assert_eq!(bytes_at(buf, g, 4), 66i32.to_le_bytes());

    // Nested types: offsets within them, from libbpf too.
    let nested = off["nested"];
    let inner = offsets("nested");
    assert_eq!(
        bytes_at(buf, nested + inner["x"], 4),
        (-11i32).to_le_bytes()
    );
    // Bitfields, at the bit offsets libbpf reads from BTF.
    let bits = bitfields("nested");
    let field = |name: &str| {
        let (offset, size) = bits[name];
        let all = u128::from_le_bytes(bytes_at(buf, nested, 16).try_into().unwrap());
        (all >> offset) & ((1u128 << size) - 1)
    };
    assert_eq!(field("wide"), 0x54321);
    assert_eq!(field("flag_b"), 2);
    assert_eq!(field("flag_a"), 1);
    assert_eq!(field("col"), 0xf & types::color::BLUE.0 as u128);
    let pp = off["pp"];
    assert_eq!(bytes_at(buf, pp + 1, 4), 0x0a0b_0c0du32.to_le_bytes());
    assert_eq!(bytes_at(buf, off["oa"], 4), 640i32.to_le_bytes());
    assert_eq!(bytes_at(buf, off["u"], 4), 0x1122_3344u32.to_le_bytes());
}

#[test]
fn slots_swap_and_clear_and_read_back() {
    let mut storage = ObjectStorage::new();
    let mut open = ShapesSkelBuilder::default().open(&mut storage).unwrap();
    let op_alt = open.progs().op_alt();
    let ops = open.struct_ops_mut().small_link();
    ops.run = Some(op_alt);
    assert_eq!(
        open.struct_ops().small_link().run,
        Some(open.progs().op_alt())
    );
    assert_eq!(open.struct_ops().small_link().run.unwrap().name(), "op_alt");
    open.struct_ops_mut().small_link().run = None;
    assert_eq!(open.struct_ops().small_link().run, None);
    let map = open.maps().small_link().libbpf();
    let buf = map.initial_value().unwrap();
    assert_eq!(&buf[..8], &[0; 8]);
}

#[test]
fn a_program_of_another_object_is_refused_before_libbpf_sees_it() {
    let mut other_storage = ObjectStorage::new();
    let other = ShapesSkelBuilder::default()
        .open(&mut other_storage)
        .unwrap();
    let mut storage = ObjectStorage::new();
    let mut open = ShapesSkelBuilder::default().open(&mut storage).unwrap();
    open.struct_ops_mut().small_link().run = Some(other.progs().op_b());
    let err = open.load().unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, skel_runtime::Error::ForeignProgram { .. }),
        "{text}"
    );
    assert!(
        text.contains("small_link") && text.contains("`run`"),
        "{text}"
    );
}

#[test]
fn a_non_struct_ops_program_of_the_same_object_is_refused() {
    use skel_tests::keywords_skel::KeywordsSkelBuilder;
    let mut storage = ObjectStorage::new();
    let mut open = KeywordsSkelBuilder::default().open(&mut storage).unwrap();
    open.struct_ops_mut().r#mod().r#move = Some(open.progs().r#unsafe());
    let err = open.load().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("`mod`") && text.contains("`move`") && text.contains("`unsafe`"),
        "{text}"
    );
}

#[test]
fn shadow_layout_matches_btf_sizes() {
    use std::mem::size_of;
    assert_eq!(size_of::<types::shapes_ops<'static>>(), 448);
    assert_eq!(size_of::<types::small_ops<'static>>(), 16);
    assert_eq!(size_of::<types::packed_pair>(), 5);
    assert_eq!(std::mem::align_of::<types::packed_pair>(), 1);
    assert_eq!(size_of::<types::over_aligned>(), 64);
    assert_eq!(std::mem::align_of::<types::over_aligned>(), 4);
}

#[test]
fn skeletons_can_move_to_another_thread() {
    fn send<T: Send>(_: &T) {}
    let mut storage = ObjectStorage::new();
    let open = ShapesSkelBuilder::default().open(&mut storage).unwrap();
    send(&open);
    std::thread::scope(|s| {
        s.spawn(move || assert_eq!(open.struct_ops().shapes().i, -4));
    });
}
