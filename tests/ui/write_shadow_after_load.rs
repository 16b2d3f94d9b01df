// After load the shadow is read-only: the loaded skeleton's
// `struct_ops_mut()` has no shadow accessor, and `struct_ops()` lends it
// shared.
use skel_runtime::ObjectStorage;
use skel_tests::shapes_skel::{ShapesSkel, ShapesSkelBuilder};

fn through_struct_ops_mut(skel: &mut ShapesSkel<'_>) {
    skel.struct_ops_mut().shapes().i = 13;
}

fn through_struct_ops(skel: &mut ShapesSkel<'_>) {
    skel.struct_ops().shapes().i = 13;
}

fn main() {
    let mut storage = ObjectStorage::new();
    let open = ShapesSkelBuilder::default().open(&mut storage).unwrap();
    let mut skel = open.load().unwrap();
    through_struct_ops_mut(&mut skel);
    through_struct_ops(&mut skel);
}
