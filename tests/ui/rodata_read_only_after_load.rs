// `.rodata` is writable before load only; after load it is read-only: the
// loaded skeleton has no `maps_mut()`, and `maps().rodata()` is a shared
// reference.
use skel_runtime::ObjectStorage;
use skel_tests::core_skel::{CoreSkel, CoreSkelBuilder};

fn through_maps_mut(skel: &mut CoreSkel<'_>) {
    skel.maps_mut().rodata().target_pid = 1;
}

fn through_maps(skel: &mut CoreSkel<'_>) {
    skel.maps().rodata().target_pid = 1;
}

fn main() {
    let mut storage = ObjectStorage::new();
    let open = CoreSkelBuilder::default().open(&mut storage).unwrap();
    let mut skel = open.load().unwrap();
    through_maps_mut(&mut skel);
    through_maps(&mut skel);
}
