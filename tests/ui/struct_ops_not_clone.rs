// The struct_ops container is neither Clone nor Copy (libbpf-cargo's is,
// and holds raw pointers that outlive the skeleton).
use skel_runtime::ObjectStorage;
use skel_tests::shapes_skel::ShapesSkelBuilder;

fn main() {
    let mut storage = ObjectStorage::new();
    let open = ShapesSkelBuilder::default().open(&mut storage).unwrap();
    let copy = open.struct_ops.clone();
    drop(open);
    let _ = copy.shapes();
}
