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
    open.maps.rodata_data_mut().unwrap().threshold = 1000;
    open.maps.data_data_mut().unwrap().enabled = false.into();
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();

    getppid();
    assert_eq!(
        skel.maps.bss_data().unwrap().counter,
        0,
        "disabled through .data before load"
    );

    skel.maps.data_data_mut().unwrap().enabled = true.into();
    getppid();
    let counter = skel.maps.bss_data().unwrap().counter;
    assert!(
        counter >= 1000 && counter % 1000 == 0,
        "counts by the .rodata threshold: {counter}"
    );
    assert!(
        skel.maps.bss_data().unwrap().hidden_counter >= 1,
        "static variables are visible too"
    );
    assert_eq!(
        skel.maps.data_data().unwrap().origin.x,
        skel.maps.bss_data().unwrap().hidden_counter
    );
    assert_eq!(skel.maps.rodata_data().unwrap().threshold, 1000);
}
