// After load the shadow is read-only: there is no `_mut` accessor.
use skel_runtime::ObjectStorage;
use skel_tests::shapes_skel::ShapesSkelBuilder;

fn main() {
    let mut storage = ObjectStorage::new();
    let open = ShapesSkelBuilder::default().open(&mut storage).unwrap();
    let mut skel = open.load().unwrap();
    skel.struct_ops.shapes_mut().i = 13;
}
