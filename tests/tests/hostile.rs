//! The `hostile` fixture's names (keywords, case-only differences, names
//! that collide once escaped, 240-byte names, members named like generated
//! items, types named like Rust primitives) give distinct, usable items.
//! That the skeleton compiles under `deny(warnings)` with its layout checks
//! is checked by building this crate.

use skel_tests::hostile_skel::types::{
    bool_1, data, data_x_y, data_x_y_1, i32_1, members, outer, outer__inner, outer__inner_1, u8_1,
};

#[test]
fn bitfields_and_members_named_like_accessors_stay_apart() {
    let mut m = members::default();
    m.set_x(-2);
    m.set_set_x_1(1);
    m.set_x_mut_1(3);
    m.__bitfield_0 = 10;
    m.__padding_0 = 11;
    m.__anon_0 = 12;
    assert_eq!((m.x(), m.set_x_1(), m.x_mut_1()), (-2, 1, 3));
    assert_eq!((m.__bitfield_0, m.__padding_0, m.__anon_0), (10, 11, 12));
}

#[test]
fn case_and_escaping_collisions_get_distinct_fields() {
    let mut m = members::default();
    (m.Value, m.value, m.VALUE) = (1, 2, 3);
    (m.self_, m.self__1, m.Self_, m.__) = (4, 5, 6, 7);
    assert_eq!(
        (m.Value, m.value, m.VALUE, m.self_, m.self__1, m.Self_, m.__),
        (1, 2, 3, 4, 5, 6, 7)
    );
    let mut d = data::default();
    (d.Counter, d.counter, d.COUNTER) = (1, 2, 3);
    assert_eq!((d.Counter, d.counter, d.COUNTER), (1, 2, 3));
    // `.data.x.y` and `.data.x_y` escape alike: two types.
    let _: (data_x_y, data_x_y_1) = (data_x_y::default(), data_x_y_1::default());
}

#[test]
fn types_named_like_primitives_are_renamed_not_shadowing() {
    // Struct-update syntax: the generated padding and bitfield storage
    // fields (numbered around the C members `__padding_0` and
    // `__bitfield_0`) are public, zeroed by `Default`.
    let m = members {
        u8: u8_1 { not_a_byte: 300 },
        i32: i32_1::I32_ONE,
        bool: bool_1 { b: 1 },
        ..Default::default()
    };
    assert_eq!(m.u8.not_a_byte, 300);
    assert_eq!(std::mem::size_of::<u8_1>(), 4);
    assert_eq!(std::mem::size_of_val(&m.This), 4);
    // `struct outer__inner` and the anonymous `outer.inner` are distinct;
    // the C name wins.
    let o = outer {
        inner: outer__inner_1 { a: 1 },
    };
    let n = outer__inner { b: 2 };
    assert_eq!((o.inner.a, n.b), (1, 2));
}

#[test]
fn union_members_named_like_accessors() {
    let mut m = members::default();
    *m.un.u_mut() = 5;
    assert_eq!(*m.un.u(), 5);
    assert_eq!(*m.un.u_mut_1(), 5, "all members share the bytes");
    assert_eq!(*m.un.set_u(), 5);
}

#[test]
fn long_names_survive() {
    let object = skel_tests::fixture("hostile");
    let bytes = std::fs::read(&object).unwrap();
    let generated = skel_builder::SkeletonBuilder::new()
        .name("hostile")
        .generate(&object, &bytes)
        .unwrap();
    let long = format!("{}end", "a_very_long_name_".repeat(14));
    for item in ["_var", "_map", "_prog"] {
        assert!(generated.code.contains(&format!("{long}{item}")), "{item}");
    }
}
