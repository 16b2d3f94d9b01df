// A shadow borrowed from the open skeleton cannot be kept across load.
use skel_runtime::ObjectStorage;
use skel_tests::shapes_skel::ShapesSkelBuilder;

fn main() {
    let mut storage = ObjectStorage::new();
    let mut open = ShapesSkelBuilder::default().open(&mut storage).unwrap();
    let ops = open.struct_ops_mut().shapes();
    let _skel = open.load();
    ops.i = 13;
}
