// Events arrive as the type the build script named, not another.
use skel_runtime::ObjectStorage;
use skel_tests::typed_skel::TypedSkelBuilder;
use skel_tests::typed_skel::types::value;

fn main() {
    let mut storage = ObjectStorage::new();
    let open = TypedSkelBuilder::default().open(&mut storage).unwrap();
    let skel = open.load().unwrap();
    let ring = skel.maps().events();
    let _ = ring.consumer(|_: &value| {});
}
