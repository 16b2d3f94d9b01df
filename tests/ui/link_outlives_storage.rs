// A link cannot outlive the object (its maps) it belongs to.
use skel_runtime::ObjectStorage;
use skel_tests::core_skel::CoreSkelBuilder;

fn main() {
    let link;
    {
        let mut storage = ObjectStorage::new();
        let open = CoreSkelBuilder::default().open(&mut storage).unwrap();
        let mut skel = open.load().unwrap();
        skel.attach().unwrap();
        link = skel.links.count_getpid.take();
    }
    drop(link);
}
