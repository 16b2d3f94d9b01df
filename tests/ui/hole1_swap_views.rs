// Hole 1 of issue 21, stronger than its reproduction: the views of two
// borrowed skeletons of two storages do swap (one type: both `'obj` are
// inferred alike), so `v2` below reaches object 1. But each view holds the
// borrow of the skeleton it came from, whichever variable it sits in, so
// object 1 cannot load while a view of it is alive: no `&` of the loaded
// object meets a `&mut` (or a `&`) of the open one.
use skel_runtime::ObjectStorage;
use skel_tests::tcp_ca_skel::{TcpCaSkelBuilder, types};

// A shadow of the loaded object 1 against the open view, now in `v2`.
fn struct_ops_views() {
    let (mut s1, mut s2) = (ObjectStorage::new(), ObjectStorage::new());
    let mut o1 = TcpCaSkelBuilder::default().open(&mut s1).unwrap();
    let mut o2 = TcpCaSkelBuilder::default().open(&mut s2).unwrap();
    let mut v1 = o1.struct_ops_mut();
    let mut v2 = o2.struct_ops_mut();
    std::mem::swap(&mut v1, &mut v2);
    let k1 = o1.load().unwrap();
    let shadow: &types::tcp_congestion_ops<'_> = k1.struct_ops().skel_ca();
    v2.skel_ca().flags = 1;
    assert_eq!(shadow.flags, 1);
}

// The live `.bss` of the loaded object 1 against its open `&mut`.
fn maps_views() {
    let (mut s1, mut s2) = (ObjectStorage::new(), ObjectStorage::new());
    let mut o1 = TcpCaSkelBuilder::default().open(&mut s1).unwrap();
    let mut o2 = TcpCaSkelBuilder::default().open(&mut s2).unwrap();
    let mut m1 = o1.maps_mut();
    let mut m2 = o2.maps_mut();
    std::mem::swap(&mut m1, &mut m2);
    let k1 = o1.load().unwrap();
    let bss = k1.maps().bss();
    m2.bss().calls_init = 1;
    assert_eq!(bss.calls_init(), 1);
}

// Shared views are `Copy`: a `&types::bss` of object 1 taken through a
// swapped view, kept while object 1 loads and its programs write `.bss`.
fn shared_views() {
    let (mut s1, mut s2) = (ObjectStorage::new(), ObjectStorage::new());
    let o1 = TcpCaSkelBuilder::default().open(&mut s1).unwrap();
    let o2 = TcpCaSkelBuilder::default().open(&mut s2).unwrap();
    let mut r1 = o1.maps();
    let mut r2 = o2.maps();
    std::mem::swap(&mut r1, &mut r2);
    let b: &types::bss = r2.bss();
    let k1 = o1.load().unwrap();
    k1.maps().bss().set_calls_init(1);
    assert_eq!(b.calls_init, 1);
}

fn main() {
    struct_ops_views();
    maps_views();
    shared_views();
}
