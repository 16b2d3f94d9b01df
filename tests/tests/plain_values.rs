//! Generated plain types as values: built in one expression with
//! struct-update syntax (padding and bitfield storage are public fields
//! that safe code builds only zeroed), compared with `==` and hashed over
//! their members, never their padding, and unions built from one member
//! with every other byte zero.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash, RandomState};

use skel_runtime::{CBool, CharArray, Padding, Plain, Slot};
use skel_tests::globals_skel::types::{flags, point};
use skel_tests::kinds_skel::types::{data, inner_val, split, split__anon_lo, wide};
use skel_tests::shapes_skel::types::{nested, shapes_ops, shapes_ops__u, small_ops};
use skel_tests::typed_skel::types::{key, standalone, value};
use static_assertions::{assert_impl_all, assert_not_impl_any};

// Floats compare as floats: a type holding one, directly or in a member
// struct, is `PartialEq` alone. Unions compare bytes, so they are `Eq` and
// `Hash` whatever their members.
assert_impl_all!(inner_val: Eq, Hash, Default, std::fmt::Debug);
assert_impl_all!(key: Eq, Hash);
assert_impl_all!(wide: Eq, Hash);
assert_impl_all!(split: Eq, Hash, Default);
assert_impl_all!(shapes_ops__u: Eq, Hash);
assert_impl_all!(data: PartialEq);
assert_not_impl_any!(data: Eq, Hash);
// Shadows compare their members (slots: which program they hold), and
// have no `Hash`: programs don't hash.
assert_impl_all!(small_ops<'static>: Eq);
assert_not_impl_any!(small_ops<'static>: Hash);
assert_impl_all!(shapes_ops<'static>: PartialEq);
assert_not_impl_any!(shapes_ops<'static>: Eq);

/// The bytes of a plain value.
fn bytes_of<T: Plain>(v: &T) -> Vec<u8> {
    // SAFETY: `Plain` promises no padding, so all `size_of::<T>()` bytes
    // of `v` are initialised; they are read while `v` is borrowed.
    unsafe { std::slice::from_raw_parts((v as *const T).cast::<u8>(), std::mem::size_of::<T>()) }
        .to_vec()
}

fn hash_of<T: Hash>(v: &T) -> u64 {
    thread_local!(static STATE: RandomState = RandomState::new());
    STATE.with(|s| s.hash_one(v))
}

/// What the kernel may hand back: the value with `garbage` over the bytes
/// at `range`, which safe code cannot write.
fn with_bytes<T: Plain>(v: T, range: std::ops::Range<usize>, garbage: u8) -> T {
    let mut raw = bytes_of(&v);
    raw[range].fill(garbage);
    assert_eq!(raw.len(), std::mem::size_of::<T>());
    // SAFETY: `raw` holds `size_of::<T>()` initialised bytes, and any bytes
    // are a valid `T` (`Plain`); `read_unaligned` needs no alignment.
    unsafe { raw.as_ptr().cast::<T>().read_unaligned() }
}

#[test]
fn struct_update_syntax_builds_keys_with_zero_padding() {
    // `struct inner_val { int a; char b[3]; }`: one byte of tail padding.
    let k = inner_val {
        a: -1,
        b: CharArray(*b"abc"),
        ..Default::default()
    };
    assert_eq!(bytes_of(&k), [0xff, 0xff, 0xff, 0xff, b'a', b'b', b'c', 0]);
    // `struct standalone { __s16 x; __u8 flags[3]; }`: the same at its tail.
    let s = standalone {
        x: -2,
        flags: [1, 2, 3],
        ..Default::default()
    };
    assert_eq!(bytes_of(&s), [0xfe, 0xff, 1, 2, 3, 0]);
    // A struct without padding takes the same syntax.
    let v = value {
        tens: 10,
        label: CharArray(*b"round\0\0\0\0\0\0\0"),
        ..Default::default()
    };
    assert_eq!((v.tens, v.hundreds), (10, 0));
    // The padding field can be named, with the one value safe code has.
    let full = inner_val {
        a: -1,
        b: CharArray(*b"abc"),
        __padding_0: Padding::default(),
    };
    assert_eq!(full, k);
    // Data sections too.
    let d = data {
        gfl: 2.5,
        gb: CBool::TRUE,
        ..Default::default()
    };
    assert_eq!(bytes_of(&d)[36..40], [0; 4], "`__padding_1` after `gfl`");
}

#[test]
fn equality_and_hash_ignore_padding() {
    let k = inner_val {
        a: 7,
        b: CharArray(*b"xy\0"),
        ..Default::default()
    };
    let from_kernel = with_bytes(k, 7..8, 0xaa);
    assert_ne!(bytes_of(&k), bytes_of(&from_kernel));
    assert_eq!(k, from_kernel);
    assert_eq!(hash_of(&k), hash_of(&from_kernel));
    assert_ne!(k, inner_val { a: 8, ..k });

    let mut counts: HashMap<inner_val, u32> = HashMap::new();
    for a in [1, 2, 1, 3, 1] {
        *counts
            .entry(inner_val {
                a,
                ..Default::default()
            })
            .or_default() += 1;
    }
    *counts.entry(with_bytes(k, 7..8, 0x55)).or_default() += 10;
    *counts.entry(k).or_default() += 10;
    let at = |a| {
        counts[&inner_val {
            a,
            ..Default::default()
        }]
    };
    assert_eq!((at(1), at(2), at(3), counts[&k]), (3, 1, 1, 20));
    assert_eq!(counts.len(), 4);

    let keys: HashSet<key> = (0..4u16)
        .map(|round| key {
            pid: 9,
            round: round % 2,
            pad: [0; 2],
        })
        .collect();
    assert_eq!(keys.len(), 2);
}

#[test]
fn floats_compare_as_floats() {
    let d = data {
        gfl: f32::NAN,
        ..Default::default()
    };
    assert_ne!(d, d, "NaN is not equal to itself");
    let zero = data::default();
    let neg = data {
        gdb: [-0.0; 3],
        ..Default::default()
    };
    assert_eq!(zero, neg, "-0.0 == 0.0");
    assert_ne!(zero, data { gi128: 1, ..zero });
}

#[test]
fn bitfields_compare_by_value_never_unused_bits() {
    // `struct flags { unsigned a : 1, b : 7; unsigned c : 24; int neg : 4; }`
    let mut f = flags::default();
    f.set_b(100);
    f.set_neg(-3);
    let mut g = flags::default();
    g.set_neg(-3);
    assert_ne!(f, g);
    g.set_b(100);
    assert_eq!(f, g);
    // Bits 4..8 of the byte holding `neg` belong to no bitfield; the last
    // three bytes are padding.
    let from_kernel = with_bytes(with_bytes(f, 4..5, 0xf0 | 0x0d), 5..8, 0xee);
    assert_eq!(from_kernel.neg(), -3);
    assert_eq!(from_kernel, f);
    assert_eq!(hash_of(&from_kernel), hash_of(&f));
    assert_eq!(
        format!("{f:?}"),
        "flags { a: 0, b: 100, c: 0, neg: -3, .. }"
    );

    // Bitfield storage is a public field for struct-update syntax, zeroed.
    let mut w = wide {
        ..Default::default()
    };
    w.set_d(12345);
    let copy = wide { ..w };
    assert_eq!((copy.a(), copy.d()), (0, 12345));
    assert_eq!(copy, w);

    // `struct nested` has an unnamed `: 0` bitfield, padding between
    // storage, and a pointer.
    let mut n = nested {
        x: 1,
        ..Default::default()
    };
    n.set_wide(0xfffff);
    n.set_on(true);
    assert_eq!(n, with_bytes(n, 5..8, 0x77));
    let mut m = n;
    m.set_col(skel_tests::shapes_skel::types::color::BLUE);
    assert_ne!(n, m);
}

#[test]
fn unions_are_built_from_one_member_with_the_rest_zero() {
    // `union split { __u64 x; struct { __u32 lo, hi; }; float f; }`
    let f = split::from_f(1.0);
    assert_eq!(bytes_of(&f), [0, 0, 0x80, 0x3f, 0, 0, 0, 0]);
    assert_eq!(f, split::from_x(0x3f80_0000));
    assert_eq!(
        f,
        split::from_anon_lo(split__anon_lo {
            lo: 0x3f80_0000,
            hi: 0,
        })
    );
    assert_eq!(hash_of(&f), hash_of(&split::from_x(0x3f80_0000)));
    // Every byte counts, the ones no member in use covers too: the kernel
    // compares keys so.
    let mut g = f;
    g.__anon_lo_mut().hi = 1;
    assert_eq!(*g.f(), 1.0);
    assert_ne!(f, g);
    assert_eq!(split::default(), split::from_x(0));
    assert_eq!(format!("{f:?}"), "split { .. }");

    let u = shapes_ops__u::from_as_float(-0.0);
    assert_ne!(u, shapes_ops__u::from_as_float(0.0), "bytes, not floats");
    assert_eq!(u.raw().as_bytes(), &[0, 0, 0, 0x80, 0, 0, 0, 0]);

    let set: HashSet<split> = [split::from_x(1), split::from_x(1), split::from_f(1.0)]
        .into_iter()
        .collect();
    assert_eq!(set.len(), 2);
}

#[test]
fn shadows_take_struct_update_syntax_from_themselves() {
    let ops = small_ops {
        run: None,
        value: 3,
        __padding_0: Padding::default(),
    };
    let again = small_ops { value: 4, ..ops };
    assert_ne!(ops, again);
    assert_eq!(ops, small_ops { value: 3, ..again });
    let _: Slot<'_> = again.run;
    let p = point {
        x: 1,
        ..Default::default()
    };
    assert_eq!(p, point { x: 1, y: 0 });
}
