//! The runtime refuses to lay a type over libbpf's buffer when their sizes
//! differ, at open (no kernel needed): a skeleton spec written by hand
//! claims the wrong size for a real fixture object's data section and
//! struct_ops map, and the error names the map and the type.

use std::mem::size_of;

use skel_runtime::__private::{
    Aligned, MapSpec, MapSpecKind, OpenCore, SkelSpec, StructOpsSpec, TypeSpec,
};
use skel_runtime::{Error, ObjectStorage, OpenOptions};
use skel_tests::tcp_ca_skel::types::{bss, tcp_congestion_ops};

static TCP_CA: &Aligned<[u8]> =
    &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/tcp_ca.bpf.o")));

/// The `.bss` view 8 bytes longer than the section libbpf holds.
static WRONG_BSS: SkelSpec = SkelSpec {
    skeleton: "tcp_ca",
    name: "tcp_ca",
    object: &TCP_CA.0,
    maps: &[MapSpec::data(
        "tcp_ca.bss",
        ".bss",
        TypeSpec {
            type_name: "doctored_bss",
            size: size_of::<bss>() + 8,
            align: 8,
            value_size: size_of::<bss>() + 8,
        },
        false,
    )],
    progs: &[],
};

/// The shadow of struct_ops map `skel_ca` 8 bytes longer than libbpf's
/// `struct tcp_congestion_ops`.
static WRONG_SHADOW: SkelSpec = SkelSpec {
    skeleton: "tcp_ca",
    name: "tcp_ca",
    object: &TCP_CA.0,
    maps: &[MapSpec {
        name: "skel_ca",
        lookup: "skel_ca",
        kind: MapSpecKind::StructOps(StructOpsSpec {
            shadow: TypeSpec {
                type_name: "doctored_tcp_congestion_ops",
                size: size_of::<tcp_congestion_ops<'static>>() + 8,
                align: 8,
                value_size: size_of::<tcp_congestion_ops<'static>>() + 8,
            },
            members: &[],
            kernel_struct: "tcp_congestion_ops",
        }),
    }],
    progs: &[],
};

/// The same maps with the generated types' true sizes.
static RIGHT: SkelSpec = SkelSpec {
    skeleton: "tcp_ca",
    name: "tcp_ca",
    object: &TCP_CA.0,
    maps: &[
        MapSpec::data(
            "tcp_ca.bss",
            ".bss",
            TypeSpec::of::<bss>("bss", size_of::<bss>()),
            false,
        ),
        MapSpec::struct_ops::<tcp_congestion_ops<'static>>("skel_ca"),
    ],
    progs: &[],
};

#[test]
fn the_same_maps_with_true_sizes_open() {
    let mut storage = ObjectStorage::new();
    if let Err(e) = OpenCore::open(&mut storage, &RIGHT, &OpenOptions::default()) {
        panic!("{e}");
    }
}

/// Opens `spec` and returns the error, which must be a layout mismatch.
fn open_error(spec: &'static SkelSpec) -> String {
    let mut storage = ObjectStorage::new();
    let Err(err) = OpenCore::open(&mut storage, spec, &OpenOptions::default()) else {
        panic!("opened with a doctored layout");
    };
    assert!(matches!(err, Error::LayoutMismatch { .. }), "{err}");
    err.to_string()
}

#[test]
fn a_data_view_of_the_wrong_size_is_refused_at_open() {
    let message = open_error(&WRONG_BSS);
    let size = size_of::<bss>();
    for want in [
        "skeleton `tcp_ca`, map `.bss`".to_owned(),
        "`doctored_bss`".to_owned(),
        format!("libbpf holds {size} bytes"),
        format!("expects {} bytes", size + 8),
    ] {
        assert!(message.contains(&want), "no {want:?} in {message}");
    }
}

#[test]
fn a_shadow_of_the_wrong_size_is_refused_at_open() {
    let message = open_error(&WRONG_SHADOW);
    let size = size_of::<tcp_congestion_ops<'static>>();
    for want in [
        "map `skel_ca`".to_owned(),
        "`doctored_tcp_congestion_ops`".to_owned(),
        format!("libbpf holds {size} bytes"),
        format!("expects {} bytes", size + 8),
    ] {
        assert!(message.contains(&want), "no {want:?} in {message}");
    }
}
