// The struct_ops container is neither Clone nor Copy (libbpf-cargo's is,
// and holds raw pointers that outlive the skeleton). Now a skeleton lends
// views per call: the exclusive one is not Clone (two of them would hand
// out two `&mut` of one shadow); the shared one is Copy, but every copy
// borrows the skeleton, so none outlives it.
use skel_runtime::ObjectStorage;
use skel_tests::shapes_skel::{OpenShapesSkel, ShapesSkelBuilder};

fn exclusive(open: &mut OpenShapesSkel<'_>) {
    let ops = open.struct_ops_mut();
    let copy = ops.clone();
    let _ = (ops.shapes(), copy.shapes());
}

fn shared(open: OpenShapesSkel<'_>) {
    let copy = open.struct_ops();
    drop(open);
    let _ = copy.shapes();
}

fn main() {
    let mut storage = ObjectStorage::new();
    let mut open = ShapesSkelBuilder::default().open(&mut storage).unwrap();
    exclusive(&mut open);
    shared(open);
}
