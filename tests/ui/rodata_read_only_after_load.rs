// `.rodata` is writable before load only; after load it is read-only.
use skel_runtime::ObjectStorage;
use skel_tests::core_skel::CoreSkelBuilder;

fn main() {
    let mut storage = ObjectStorage::new();
    let open = CoreSkelBuilder::default().open(&mut storage).unwrap();
    let mut skel = open.load().unwrap();
    skel.maps.rodata_data_mut().target_pid = 1;
}
