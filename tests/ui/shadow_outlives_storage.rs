// Nothing handed out outlives the object: the storage must outlive it.
use skel_runtime::ObjectStorage;
use skel_tests::shapes_skel::ShapesSkelBuilder;

fn main() {
    let ops;
    {
        let mut storage = ObjectStorage::new();
        let open = ShapesSkelBuilder::default().open(&mut storage).unwrap();
        ops = *open.struct_ops().shapes();
    }
    println!("{}", ops.i);
}
