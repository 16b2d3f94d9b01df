//! Typed globals at open time: values from C initialisers read through the
//! typed views, and writes landing at each variable's offset in libbpf's
//! buffer (offsets from libbpf's own fixed-up BTF).

use skel_runtime::ObjectStorage;
use skel_tests::globals_skel::{GlobalsSkelBuilder, types};
use skel_tests::objects::var_offsets;

#[test]
fn initial_values_read_through_typed_views() {
    let mut storage = ObjectStorage::new();
    let open = GlobalsSkelBuilder::default().open(&mut storage).unwrap();
    let data = open.maps().data();
    assert!(data.enabled.get());
    assert_eq!(data.mode, types::mode::MODE_ON);
    assert_eq!((data.origin.x, data.origin.y), (1, 2));
    assert_eq!(data.path[2].y, 3);
    assert_eq!(
        (data.fl.a(), data.fl.b(), data.fl.c(), data.fl.neg()),
        (1, 100, 0xabcdef, -3)
    );
    assert_eq!(
        (data.wb.big(), data.wb.sbig(), data.wb.we()),
        (0xab_cdef_1234, -5, types::wide_e::WIDE_LOW)
    );
    assert_eq!(*data.val.u(), 0x3f80_0000);
    assert_eq!(*data.val.f(), 1.0);
    let rec = data.rec;
    assert_eq!(({ rec.tag }, { rec.n }), (b'r' as i8, 7));
    assert_eq!(data.greeting.to_str().unwrap(), "hi");
    assert_eq!(data.old.pid, 3);
    assert_eq!(data.bytes, [1, 2, 3, 4, 5]);
    assert_eq!(data.typedef_anon.z, 9);
    assert_eq!(data.tagged.s, 8);
    assert_eq!(std::mem::size_of_val(&data.nothing), 0);
    let bss = open.maps().bss();
    assert_eq!((bss.counter, bss.hidden_counter), (0, 0));
    assert!(bss.ptr.is_null());
    let rodata = open.maps().rodata();
    let ro = rodata.data().unwrap();
    assert_eq!(ro.threshold, 10);
    assert_eq!(ro.label.to_str().unwrap(), "rodata");
    assert_eq!(open.maps().data_custom().in_custom, 3);
    assert_eq!(open.maps().rodata_custom().ro_custom, 4);
}

#[test]
fn writes_land_at_the_variable_offsets() {
    let mut storage = ObjectStorage::new();
    let mut open = GlobalsSkelBuilder::default().open(&mut storage).unwrap();
    let obj = open.as_libbpf_object();
    {
        let d = open.maps_mut().data();
        d.enabled = false.into();
        d.mode = types::mode(77);
        d.origin.y = -2;
        d.path[1].x = 20;
        d.fl.set_c(0x123456);
        d.fl.set_neg(-8);
        d.wb.set_big(0xff_0000_0001);
        d.wb.set_sbig(-0x8_0000);
        // Not WIDE_HIGH: clang 14 writes 64-bit enum values truncated to 32
        // bits into BTF (no ENUM64), so that constant is 0 here.
        d.wb.set_we(types::wide_e(0x1_0000_0000));
        *d.val.f_mut() = 2.0;
        d.rec.n = 0xdead_beef;
        d.greeting.set("hello world").unwrap();
        d.bytes[4] = 50;
        d.tagged.s = -1;
    }
    open.maps_mut().rodata().data_mut().unwrap().threshold = 99;
    open.maps_mut().bss().counter = 0x0102_0304_0506_0708;
    open.maps_mut().rodata_custom().ro_custom = 44;

    // SAFETY: the object stays open (`open` is alive).
    let off = unsafe { var_offsets(obj, ".data") };
    let map = open.maps().data_map().libbpf();
    let buf = map.initial_value().unwrap();
    let at = |name: &str, len: usize| &buf[off[name]..off[name] + len];
    assert_eq!(at("enabled", 1), [0]);
    assert_eq!(at("mode", 4), 77u32.to_le_bytes());
    assert_eq!(&at("origin", 8)[4..], (-2i32).to_le_bytes());
    assert_eq!(&at("path", 24)[8..12], 20i32.to_le_bytes());
    let fl = u32::from_le_bytes(at("fl", 4).try_into().unwrap());
    assert_eq!(fl >> 8, 0x123456, "c is 24 bits at bit 8");
    let neg = at("fl", 8)[4] & 0xf;
    assert_eq!(neg, 0x8, "neg is 4 bits at bit 32 holding -8");
    // big: 40 bits at bit 0; sbig: 20 bits at bit 40; we: 36 bits at bit 64
    // (it does not fit the first unit's remaining 4 bits).
    let wb = u128::from_le_bytes(at("wb", 16).try_into().unwrap());
    assert_eq!(wb & ((1 << 40) - 1), 0xff_0000_0001);
    assert_eq!((wb >> 40) & 0xf_ffff, 0x8_0000, "-0x80000 in 20 bits");
    assert_eq!((wb >> 64) & 0xf_ffff_ffff, 0x1_0000_0000);
    assert_eq!(at("val", 4), 2.0f32.to_le_bytes());
    assert_eq!(&at("rec", 5)[1..], 0xdead_beefu32.to_le_bytes());
    assert_eq!(at("greeting", 12), b"hello world\0");
    assert_eq!(at("bytes", 5), [1, 2, 3, 4, 50]);
    assert_eq!(at("tagged", 2), (-1i16).to_le_bytes());

    // SAFETY: the object stays open (`open` is alive).
    let off = unsafe { var_offsets(obj, ".rodata") };
    let map = open.maps().rodata_map().libbpf();
    assert_eq!(
        &map.initial_value().unwrap()[off["threshold"]..][..4],
        99i32.to_le_bytes()
    );
    // SAFETY: the object stays open (`open` is alive).
    let off = unsafe { var_offsets(obj, ".bss") };
    let map = open.maps().bss_map().libbpf();
    assert_eq!(
        &map.initial_value().unwrap()[off["counter"]..][..8],
        0x0102_0304_0506_0708u64.to_le_bytes()
    );
    let map = open.maps().rodata_custom_map().libbpf();
    assert_eq!(&map.initial_value().unwrap()[..4], 44u32.to_le_bytes());
}

/// Every enumerator written in `bpf/globals.bpf.c` with its value as C
/// gives it (implicit values count up from the previous one).
fn c_enumerators(source: &str) -> Vec<(String, i128)> {
    let mut out = vec![];
    let mut rest = source;
    while let Some(at) = rest.find("enum ") {
        rest = &rest[at + 5..];
        let Some((head, body)) = rest.split_once('{') else {
            break;
        };
        // `enum name {`: a definition; `enum name var` is a use.
        if head.split_whitespace().count() != 1 {
            continue;
        }
        let body = &body[..body.find('}').expect("enum body ends")];
        let mut next = 0i128;
        for item in body.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (name, value) = match item.split_once('=') {
                Some((name, value)) => (name.trim(), c_integer(value.trim())),
                None => (item, next),
            };
            out.push((name.to_owned(), value));
            next = value + 1;
        }
    }
    out.sort();
    out
}

/// A C integer literal: decimal or hex, an optional `-`, `U`/`L` suffixes.
fn c_integer(text: &str) -> i128 {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d.trim()),
        None => (false, text),
    };
    let digits = digits.trim_end_matches(['u', 'U', 'l', 'L']);
    let value = match digits.strip_prefix("0x") {
        Some(hex) => i128::from_str_radix(hex, 16),
        None => digits.parse(),
    }
    .unwrap_or_else(|e| panic!("`{text}`: {e}"));
    if negative { -value } else { value }
}

#[test]
fn enum_constants_are_the_values_in_the_c_source() {
    let mut generated: Vec<(String, i128)> = [
        ("MODE_OFF", i128::from(types::mode::MODE_OFF.0)),
        ("MODE_ON", i128::from(types::mode::MODE_ON.0)),
        ("WIDE_LOW", i128::from(types::wide_e::WIDE_LOW.0)),
        ("WIDE_HIGH", i128::from(types::wide_e::WIDE_HIGH.0)),
        ("SIGN_NEG", i128::from(types::sign_e::SIGN_NEG.0)),
        ("SIGN_POS", i128::from(types::sign_e::SIGN_POS.0)),
        ("WIDE_NEG", i128::from(types::wide_neg::WIDE_NEG.0)),
        (
            "WIDE_MINUS_ONE",
            i128::from(types::wide_neg::WIDE_MINUS_ONE.0),
        ),
        ("WIDE_TOP", i128::from(types::wide_neg::WIDE_TOP.0)),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_owned(), v))
    .collect();
    generated.sort();
    let written = c_enumerators(include_str!("../bpf/globals.bpf.c"));
    assert_eq!(
        written.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        generated.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        "every enumerator of the C source is checked"
    );
    assert_eq!(generated, written);
    assert_eq!(written.len(), 9);

    // And the values the BPF object starts with, read through typed views.
    let mut storage = ObjectStorage::new();
    let open = GlobalsSkelBuilder::default().open(&mut storage).unwrap();
    let data = open.maps().data();
    assert_eq!(data.sign, types::sign_e::SIGN_NEG);
    assert_eq!(i128::from(data.sign.0), -5);
    assert_eq!(data.wide_neg, types::wide_neg::WIDE_NEG);
    assert_eq!(i128::from(data.wide_neg.0), -0x1_0000_0000);
}
