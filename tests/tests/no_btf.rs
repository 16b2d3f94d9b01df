//! Objects without BTF, as libbpf takes them: an empty source and one the
//! preprocessor empties (clang writes no .BTF for either) open and load;
//! a prebuilt object compiled without `-g` gives a skeleton of its programs
//! and data sections, untyped, which opens, loads and runs.

use libbpf_rs::{MapCore, MapFlags};
use skel_runtime::ObjectStorage;
use skel_tests::empty_skel::EmptySkelBuilder;
use skel_tests::ifdef_empty_skel::IfdefEmptySkelBuilder;
use skel_tests::kernel::exclusive;
use skel_tests::nobtf_skel::NobtfSkelBuilder;

/// Maps and programs libbpf made of an object.
fn counts(obj: *mut libbpf_sys::bpf_object) -> (usize, usize) {
    assert!(!obj.is_null());
    let (mut maps, mut progs) = (0, 0);
    // SAFETY: `obj` is a live object owned by the caller's storage; the
    // iterators only read its arrays.
    unsafe {
        let mut m = libbpf_sys::bpf_object__next_map(obj, std::ptr::null());
        while !m.is_null() {
            maps += 1;
            m = libbpf_sys::bpf_object__next_map(obj, m);
        }
        let mut p = libbpf_sys::bpf_object__next_program(obj, std::ptr::null_mut());
        while !p.is_null() {
            progs += 1;
            p = libbpf_sys::bpf_object__next_program(obj, p);
        }
    }
    (maps, progs)
}

#[test]
fn empty_objects_open_with_nothing_in_them() {
    let mut storage = ObjectStorage::new();
    let open = EmptySkelBuilder::default().open(&mut storage).unwrap();
    assert_eq!(counts(open.as_libbpf_object()), (0, 0));
    let mut storage = ObjectStorage::new();
    let open = IfdefEmptySkelBuilder::default().open(&mut storage).unwrap();
    assert_eq!(counts(open.as_libbpf_object()), (0, 0));
}

#[test]
fn empty_objects_load_and_attach() {
    let Some(_kernel) = exclusive("empty_objects_load_and_attach") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let open = EmptySkelBuilder::default().open(&mut storage).unwrap();
    let skel = open.load().unwrap();
    assert_eq!(counts(skel.as_libbpf_object()), (0, 0));
    // A skeleton with nothing to attach has no `attach()`; the owned form
    // has one for every skeleton, which attaches nothing here.
    let mut owned = EmptySkelBuilder::default()
        .open_owned()
        .unwrap()
        .load()
        .unwrap();
    owned.attach().unwrap();
    assert_eq!(counts(owned.get().as_libbpf_object()), (0, 0));

    let mut storage = ObjectStorage::new();
    let open = IfdefEmptySkelBuilder::default().open(&mut storage).unwrap();
    let skel = open.load().unwrap();
    assert_eq!(counts(skel.as_libbpf_object()), (0, 0));
    let mut owned = IfdefEmptySkelBuilder::default()
        .open_owned()
        .unwrap()
        .load()
        .unwrap();
    owned.attach().unwrap();
}

#[test]
fn a_prebuilt_object_without_btf_opens_untyped() {
    let mut storage = ObjectStorage::new();
    let mut open = NobtfSkelBuilder::default().open(&mut storage).unwrap();
    assert_eq!(counts(open.as_libbpf_object()), (3, 2));
    // The data sections, as the C source initialises them; libbpf does not
    // memory-map them without BTF.
    let data = open.maps().data().libbpf();
    assert_eq!(data.initial_value(), Some(&3u32.to_ne_bytes()[..]));
    assert_eq!(data.map_flags() & libbpf_sys::BPF_F_MMAPABLE, 0);
    let rodata = open.maps().rodata().libbpf();
    assert_eq!(rodata.initial_value(), Some(&100u32.to_ne_bytes()[..]));
    assert_eq!(open.maps().bss().value_size(), 8);
    assert!(open.progs_mut().count_calls().autoload());
    assert!(!open.progs_mut().off_by_default().autoload());
}

#[test]
fn a_prebuilt_object_without_btf_loads_and_runs() {
    let Some(_kernel) = exclusive("a_prebuilt_object_without_btf_loads_and_runs") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = NobtfSkelBuilder::default().open(&mut storage).unwrap();
    // `.data` holds `step` alone: set it through the map's initial value.
    let mut data = open.maps_mut().data();
    // SAFETY: the skeleton lays no type over `.data` (no BTF), and the
    // value keeps its size.
    unsafe { data.libbpf_mut() }
        .set_initial_value(&5u32.to_ne_bytes())
        .unwrap();
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();
    assert!(skel.links.count_calls.is_some());
    assert!(skel.links.off_by_default.is_none(), "not loaded");
    for _ in 0..3 {
        // SAFETY: getppid has no preconditions.
        unsafe { libc::getppid() };
    }
    let bss = skel
        .maps()
        .bss()
        .libbpf()
        .expect("the .bss map was created")
        .lookup(&0u32.to_ne_bytes(), MapFlags::ANY)
        .unwrap()
        .expect("the .bss map has its one entry");
    let calls = u64::from_ne_bytes(bss.try_into().unwrap());
    // Other processes call getppid too: at least our three, in steps of 5.
    assert!(calls >= 15 && calls % 5 == 0, "calls = {calls}");
}
