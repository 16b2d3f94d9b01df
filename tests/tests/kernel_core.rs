//! The core skeleton on the running kernel: load, attach, trigger, and read
//! back what the programs wrote into maps and globals.

use std::time::Duration;

use skel_runtime::ObjectStorage;
use skel_tests::core_skel::CoreSkelBuilder;
use skel_tests::kernel::exclusive;

fn getpid() -> u32 {
    // SAFETY: getpid has no preconditions.
    (unsafe { libc::syscall(libc::SYS_getpid) }) as u32
}

#[test]
fn tracepoint_counts_land_in_maps_and_globals() {
    let Some(_kernel) = exclusive("tracepoint_counts_land_in_maps_and_globals") else {
        return;
    };
    let pid = std::process::id();
    let mut storage = ObjectStorage::new();
    let mut open = CoreSkelBuilder::default().open(&mut storage).unwrap();
    // .rodata set before load changes what the program does.
    open.maps_mut().rodata().target_pid = pid;
    open.maps_mut().rodata().step = 10;
    assert_eq!(open.maps().data().initialised, 42);
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();
    assert!(skel.links.count_getpid.is_some());
    assert!(skel.links.on_nanosleep.is_some());
    assert!(skel.links.any_syscall.is_some());
    assert!(
        skel.links.pass_all.is_none(),
        "xdp has no attach target in its section"
    );

    for _ in 0..5 {
        getpid();
    }
    let count = skel
        .maps()
        .counts()
        .lookup(&pid)
        .unwrap()
        .expect("an entry for our pid");
    assert!(count >= 5, "count {count}");
    let bss = skel.maps().bss().read();
    assert!(bss.hits >= 50, "step 10 from .rodata: {bss:?}");
    assert_eq!(bss.last_pid, pid);
    assert_eq!(skel.maps().rodata().target_pid, pid);

    // .bss stays writable after load, through the mmapped map.
    skel.maps().bss().set_hits(0);
    getpid();
    assert_eq!(skel.maps().bss().hits(), 10);

    // The ring buffer gets an event per clock_nanosleep.
    let events = std::sync::Arc::new(std::sync::Mutex::new(vec![]));
    let sink = events.clone();
    let mut rb = libbpf_rs::RingBufferBuilder::new();
    // `events` has no event type: libbpf-rs's handle, one step away.
    let map = skel.maps().events().libbpf().expect("created");
    rb.add(&map, move |data: &[u8]| {
        sink.lock()
            .unwrap()
            .push(u32::from_ne_bytes(data[..4].try_into().unwrap()));
        0
    })
    .unwrap();
    let rb = rb.build().unwrap();
    std::thread::sleep(Duration::from_millis(1));
    rb.poll(Duration::from_millis(100)).unwrap();
    assert!(
        events.lock().unwrap().contains(&pid),
        "{:?}",
        events.lock().unwrap()
    );

    // Programs in `?` sections are not loaded.
    assert!(skel.progs().not_loaded_by_default().fd().is_none());
    assert!(!skel.progs().not_loaded_by_default().is_loaded());
    assert!(skel.progs().accept_all().fd().is_some());
}

#[test]
fn another_pid_is_not_counted() {
    let Some(_kernel) = exclusive("another_pid_is_not_counted") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = CoreSkelBuilder::default().open(&mut storage).unwrap();
    open.maps_mut().rodata().target_pid = 1; // init, which does not call getpid
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();
    getpid();
    assert_eq!(skel.maps().bss().hits(), 0);
    let pid = std::process::id();
    assert!(skel.maps().counts().lookup(&pid).unwrap().is_none());
}

#[test]
fn non_struct_ops_programs_keep_the_users_autoload() {
    let Some(_kernel) = exclusive("non_struct_ops_programs_keep_the_users_autoload") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = CoreSkelBuilder::default().open(&mut storage).unwrap();
    open.progs_mut().accept_all().set_autoload(false).unwrap();
    open.progs_mut()
        .not_loaded_by_default()
        .set_autoload(true)
        .unwrap();
    assert!(!open.progs_mut().accept_all().autoload());
    let skel = open.load().unwrap();
    assert!(skel.progs().accept_all().fd().is_none());
    assert!(skel.progs().not_loaded_by_default().fd().is_some());
    assert!(skel.progs().count_getpid().fd().is_some());
}
