// Hole 5 of issue 21: after load, a data section the BPF programs write
// was a `&T` the compiler may assume does not change while it lives (and
// keep a read out of a polling loop). Now `skel.maps().bss()` is a live
// view, each access volatile: no `&T` over that memory exists, and the
// view stays on its thread (not `Send`, not `Sync`: two threads' volatile
// writes would race).
use skel_runtime::ObjectStorage;
use skel_tests::foo_skel::{FooSkel, FooSkelBuilder, types};
use skel_tests::resize_skel::ResizeSkel;

// The polling loop the compiler could have made endless.
fn a_reference(skel: &FooSkel<'_>) {
    let b: &types::bss = skel.maps().bss();
    while b.counter == 0 {}
}

fn sent_to_a_thread(skel: &FooSkel<'_>) {
    let bss = skel.maps().bss();
    std::thread::scope(|s| {
        s.spawn(move || bss.set_counter(1));
        bss.set_counter(2);
    });
}

fn shared_with_a_thread(skel: &FooSkel<'_>) {
    let bss = skel.maps().bss();
    std::thread::scope(|s| {
        s.spawn(|| bss.set_counter(1));
        bss.set_counter(2);
    });
}

// A resizable section's last array after load, likewise.
fn a_live_slice_sent_to_a_thread(skel: &ResizeSkel<'_>) {
    let slots = skel.maps().data_slots().slots();
    std::thread::scope(|s| {
        s.spawn(move || slots.len());
    });
}

// And the view cannot outlive the skeleton.
fn outlives_the_skeleton() {
    let bss = {
        let mut storage = ObjectStorage::new();
        let skel = FooSkelBuilder::default().open(&mut storage).unwrap().load().unwrap();
        skel.maps().bss()
    };
    println!("{}", bss.counter());
}

fn main() {
    let mut storage = ObjectStorage::new();
    let skel = FooSkelBuilder::default().open(&mut storage).unwrap().load().unwrap();
    a_reference(&skel);
    sent_to_a_thread(&skel);
    shared_with_a_thread(&skel);
    outlives_the_skeleton();
    let _ = a_live_slice_sent_to_a_thread;
}
