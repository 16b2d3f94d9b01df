// A typed map takes its own key type: a `u64` is not a `struct key`.
use skel_runtime::ObjectStorage;
use skel_tests::typed_skel::TypedSkelBuilder;

fn main() {
    let mut storage = ObjectStorage::new();
    let open = TypedSkelBuilder::default().open(&mut storage).unwrap();
    let skel = open.load().unwrap();
    let _ = skel.maps().hash().lookup(&1u64);
}
