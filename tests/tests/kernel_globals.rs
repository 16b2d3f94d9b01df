//! Typed globals on the running kernel: `.rodata` set before load steers
//! the program; `.data` and `.bss` stay live (mmapped) after load.

use skel_runtime::ObjectStorage;
use skel_tests::globals_skel::GlobalsSkelBuilder;
use skel_tests::kernel::exclusive;

fn getppid() {
    // SAFETY: no preconditions.
    unsafe { libc::syscall(libc::SYS_getppid) };
}

#[test]
fn rodata_steers_and_data_stays_live() {
    let Some(_kernel) = exclusive("rodata_steers_and_data_stays_live") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = GlobalsSkelBuilder::default().open(&mut storage).unwrap();
    // `.rodata` ends in a char array: a resizable section.
    open.maps_mut().rodata().data_mut().unwrap().threshold = 1000;
    open.maps_mut().data().enabled = false.into();
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();

    getppid();
    assert_eq!(
        skel.maps().bss().counter(),
        0,
        "disabled through .data before load"
    );

    skel.maps().data().set_enabled(true.into());
    getppid();
    let counter = skel.maps().bss().counter();
    assert!(
        counter >= 1000 && counter % 1000 == 0,
        "counts by the .rodata threshold: {counter}"
    );
    assert!(
        skel.maps().bss().hidden_counter() >= 1,
        "static variables are visible too"
    );
    assert_eq!(
        skel.maps().data().origin().x,
        skel.maps().bss().hidden_counter()
    );
    assert_eq!(skel.maps().rodata().data().unwrap().threshold, 1000);
}
