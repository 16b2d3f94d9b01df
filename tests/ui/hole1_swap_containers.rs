// Hole 1 of issue 21, as it was reproduced: two borrowed open skeletons of
// two storages were inferred to one `'obj`, so their public `struct_ops`
// and `maps` containers swapped; after `o1.load()`, a `&` into object 1's
// shadow (through `k1`) and a `&mut` into the same bytes (through `o2`)
// lived at once. Now a skeleton has no container fields: views are made
// per call and borrow the skeleton they come from (hole1_swap_views.rs
// swaps those).
use skel_runtime::ObjectStorage;
use skel_tests::tcp_ca_skel::TcpCaSkelBuilder;

fn main() {
    let mut s1 = ObjectStorage::new();
    let mut s2 = ObjectStorage::new();
    let mut o1 = TcpCaSkelBuilder::default().open(&mut s1).unwrap();
    let mut o2 = TcpCaSkelBuilder::default().open(&mut s2).unwrap();
    std::mem::swap(&mut o1.struct_ops, &mut o2.struct_ops);
    std::mem::swap(&mut o1.maps, &mut o2.maps);
    let k1 = o1.load().unwrap();
    let shadow = k1.struct_ops().skel_ca();
    o2.struct_ops_mut().skel_ca().flags = 1;
    assert_eq!(shadow.flags, 1);
    let bss = k1.maps().bss();
    o2.maps_mut().bss().calls_init = 1;
    assert_eq!(bss.calls_init(), 1);
}
