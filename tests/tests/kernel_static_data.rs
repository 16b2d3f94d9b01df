//! A `.bss` of only `static` variables (bpf/static_data.bpf.c), which
//! libbpf does not mmap: after load the skeleton reads it as a copy of the
//! map's one element and writes it back whole, under the same name as
//! mmapped sections (`skel.maps().bss()`); before load, the initial values
//! as for every section.

use skel_runtime::ObjectStorage;
use skel_tests::kernel::exclusive;
use skel_tests::static_data_skel::StaticDataSkelBuilder;

/// libbpf's flag for sections it mmaps.
const BPF_F_MMAPABLE: u32 = 1 << 10;

#[test]
fn a_static_only_section_is_read_and_written_through_its_element() {
    let Some(_kernel) = exclusive("a_static_only_section_is_read_and_written_through_its_element")
    else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = StaticDataSkelBuilder::default().open(&mut storage).unwrap();
    // Before load: the initial values, writable.
    assert_eq!(open.maps().bss().ticks, 0);
    open.maps_mut().bss().ticks = 10;
    let skel = open.load().unwrap();

    // libbpf did not mmap it; `.data` (a global) it did.
    let flags = |info: skel_runtime::MapInfo| info.map_flags;
    assert_eq!(flags(skel.maps().bss_map().info()) & BPF_F_MMAPABLE, 0);
    assert_ne!(flags(skel.maps().data_map().info()) & BPF_F_MMAPABLE, 0);

    let bss = skel.maps().bss();
    let tick = skel.progs().tick();
    assert_eq!(tick.test_run().unwrap().run().unwrap().retval, 0);
    assert_eq!(tick.test_run().unwrap().run().unwrap().retval, 0);
    // The program's increments, from the initial value set before load.
    let now = bss.copy().unwrap();
    assert_eq!((now.ticks, now.threshold), (12, 0));
    assert_eq!(skel.maps().data().version(), 2, "a live section beside it");

    // A write the program then sees: it answers 1 at the threshold.
    let mut next = now;
    next.threshold = 14;
    bss.write(&next).unwrap();
    assert_eq!(tick.test_run().unwrap().run().unwrap().retval, 0);
    assert_eq!(tick.test_run().unwrap().run().unwrap().retval, 1);
    assert_eq!(bss.copy().unwrap().ticks, 14);
}

#[test]
fn a_static_only_rodata_is_read_through_its_element() {
    let Some(_kernel) = exclusive("a_static_only_rodata_is_read_through_its_element") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = StaticDataSkelBuilder::default().open(&mut storage).unwrap();
    assert_eq!(open.maps().rodata().step, 1, "the C initial value");
    open.maps_mut().rodata().step = 5;
    let skel = open.load().unwrap();

    // libbpf did not mmap it either; the kernel holds what was set before
    // load, and the program used it.
    let flags = skel.maps().rodata_map().info().map_flags;
    assert_eq!(flags & BPF_F_MMAPABLE, 0);
    let rodata = skel.maps().rodata();
    assert_eq!(rodata.copy().unwrap().step, 5);
    let tick = skel.progs().tick();
    assert_eq!(tick.test_run().unwrap().run().unwrap().retval, 0);
    assert_eq!(skel.maps().bss().copy().unwrap().ticks, 5);
    assert_eq!(rodata.copy().unwrap().step, 5);
}
