// A typed map takes its own value type: an array of `struct value` does not
// store a `u64`, and a queue of `u32` does not take an `i32`.
use skel_runtime::ObjectStorage;
use skel_runtime::maps::MapFlags;
use skel_tests::typed_skel::TypedSkelBuilder;

fn main() {
    let mut storage = ObjectStorage::new();
    let open = TypedSkelBuilder::default().open(&mut storage).unwrap();
    let skel = open.load().unwrap();
    let _ = skel.maps().array().set(0, &7u64);
    let _ = skel.maps().queue().push(&-1i32, MapFlags::ANY);
}
