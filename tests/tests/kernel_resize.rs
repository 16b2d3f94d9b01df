//! Resized data sections on the running kernel: the sections are grown
//! before load, the program writes the last element of each resized array,
//! and user space reads it through the slice (and the typed view of the
//! section's start) after load.

use skel_runtime::ObjectStorage;
use skel_tests::kernel::exclusive;
use skel_tests::resize_skel::{ResizeSkelBuilder, types::slot};

fn getppid() {
    // SAFETY: getppid has no preconditions.
    unsafe { libc::syscall(libc::SYS_getppid) };
}

#[test]
fn the_program_writes_the_last_element_of_a_resized_array() {
    let Some(_kernel) = exclusive("the_program_writes_the_last_element_of_a_resized_array") else {
        return;
    };
    // Sizes past a page, as sched_ext's exit dump and per-CPU arrays are.
    const SLOTS: usize = 300;
    const DUMP: usize = 5000;
    let pid = std::process::id();
    let mut storage = ObjectStorage::new();
    let mut open = ResizeSkelBuilder::default().open(&mut storage).unwrap();
    open.maps_mut().data_slots().resize(SLOTS).unwrap();
    open.maps_mut().data_dump().resize(DUMP).unwrap();
    {
        let ro = open.maps_mut().rodata();
        ro.target_pid = pid;
        ro.nr_slots = SLOTS as u32;
        ro.dump_len = DUMP as u32;
    }
    open.maps_mut().data_slots().data_mut().unwrap().generation = 100;
    open.maps_mut().data_slots().array_mut().unwrap()[SLOTS - 2].tag = 0xfeed;

    let mut skel = open.load().unwrap();
    skel.attach().unwrap();
    assert!(skel.links.fill_last.is_some());
    for _ in 0..3 {
        getppid();
    }

    let slots = skel.maps().data_slots().slots();
    assert_eq!(slots.len(), SLOTS);
    let last: slot = slots.get(SLOTS - 1).unwrap();
    assert!(last.calls >= 3, "{last:?}");
    assert_eq!(last.pid, pid);
    assert_eq!(last.tag, SLOTS as u32);
    assert_eq!(
        slots.get(SLOTS - 2).unwrap().tag,
        0xfeed,
        "set before load, kept"
    );
    assert!(slots.iter().take(SLOTS - 2).all(|s| s.calls == 0));
    assert_eq!(slots.get(SLOTS), None, "past the end");

    let dump = skel.maps().data_dump().dump().to_vec();
    assert_eq!(dump.len(), DUMP);
    assert_eq!(dump[DUMP - 1], b'Z');
    assert!(dump[..DUMP - 1].iter().all(|&b| b == 0));

    // The live view of the section's start, over the kernel's map.
    let generation = skel.maps().data_slots().generation();
    assert!(generation >= 103, "{generation}");

    // After load the slice is the live map: a write from user space is seen
    // by the next run of the program, which counts on from it.
    let mut last = slots.get(SLOTS - 1).unwrap();
    last.calls = 1000;
    assert!(slots.set(SLOTS - 1, last));
    assert!(!slots.set(SLOTS, last), "a write past the end does nothing");
    getppid();
    let calls = skel
        .maps()
        .data_slots()
        .slots()
        .get(SLOTS - 1)
        .unwrap()
        .calls;
    assert!(calls >= 1001, "{calls}");
}

/// Without the resize, the verifier refuses the program; the error carries
/// its log (libbpf's output is not needed to see why).
#[test]
fn an_access_past_an_unresized_section_fails_with_the_verifiers_words() {
    let Some(_kernel) =
        exclusive("an_access_past_an_unresized_section_fails_with_the_verifiers_words")
    else {
        return;
    };
    let prev = skel_runtime::libbpf_rs::set_print(None);
    let mut storage = ObjectStorage::new();
    let mut open = ResizeSkelBuilder::default().open(&mut storage).unwrap();
    open.maps_mut().rodata().nr_slots = 300;
    let err = open.load().unwrap_err();
    skel_runtime::libbpf_rs::set_print(prev);
    let text = err.to_string();
    eprintln!("{text}");
    assert_eq!(err.raw_os_error(), Some(libc::EACCES), "{text}");
    assert!(
        text.starts_with("skeleton `resize`: libbpf cannot load its BPF object: EACCES (13)"),
        "{text}"
    );
    let log: Vec<&str> = err.libbpf_log().unwrap().lines().collect();
    assert!(
        log.iter().any(|l| l.contains("fill_last")),
        "libbpf names the program: {log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("invalid access to map value")),
        "the verifier's reason: {log:?}"
    );
    assert!(text.contains("invalid access to map value"), "{text}");
}
