// A program token cannot outlive the object it names.
use skel_runtime::ObjectStorage;
use skel_tests::shapes_skel::ShapesSkelBuilder;

fn main() {
    let prog;
    {
        let mut storage = ObjectStorage::new();
        let open = ShapesSkelBuilder::default().open(&mut storage).unwrap();
        prog = open.progs().op_b();
    }
    println!("{}", prog.name());
}
