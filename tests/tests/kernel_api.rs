//! What the reshaped API promises (issues #21 and #22), on the running
//! kernel:
//!
//! - live data sections (#21 hole 5): a polling loop sees a `.bss` counter
//!   a program keeps incrementing; setters after load are seen by the
//!   programs; `read()`/`write()` round-trip;
//! - handles and consumers next to everything else (#22 item 3): a ring
//!   buffer consumer and typed map handles stay alive and working across
//!   writes to globals and link changes, and an owned consumer and owned
//!   typed handle live in a struct beside an owned skeleton, moved into a
//!   thread;
//! - errors carry their errno (#22 item 4);
//! - maps not created: accessors never panic, operations say `NotCreated`
//!   (#22 item 5);
//! - `attach_<prog>()` fills `links`; dropping the link detaches (#22
//!   item 7).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use libbpf_rs::MapCore;
use skel_runtime::events::RingBufConsumer;
use skel_runtime::maps::{self, MapFlags};
use skel_runtime::{Error, ObjectStorage, XdpAction};
use skel_tests::core_skel::{CoreSkel, CoreSkelBuilder};
use skel_tests::foo_skel::{FooSkelBuilder, OwnedFooSkel};
use skel_tests::kernel::{cc_list, exclusive, tcp_transfer, unique_name};
use skel_tests::tcp_ca_skel::TcpCaSkelBuilder;
use skel_tests::typed_skel::TypedSkelBuilder;
use skel_tests::typed_skel::types::{event, key, value};
use skel_tests::{foo_skel, typed_skel};

fn getpid() {
    // SAFETY: getpid has no preconditions.
    unsafe { libc::syscall(libc::SYS_getpid) };
}

fn getppid() {
    // SAFETY: getppid has no preconditions.
    unsafe { libc::syscall(libc::SYS_getppid) };
}

fn gettid() -> u32 {
    // SAFETY: gettid has no preconditions.
    (unsafe { libc::syscall(libc::SYS_gettid) }) as u32
}

/// The core skeleton, loaded, counting this process's getpid() calls in
/// steps of `step`; nothing attached.
fn core_counting(storage: &mut ObjectStorage, step: u64) -> CoreSkel<'_> {
    let mut open = CoreSkelBuilder::default().open(storage).unwrap();
    let rodata = open.maps_mut().rodata();
    rodata.target_pid = std::process::id();
    rodata.step = step;
    open.load().unwrap()
}

/// Polls `read` until it differs from `before`, for up to 5 s; the value
/// it changed to.
fn poll_until_changed(before: u64, read: impl Fn() -> u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = read();
        if now != before {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "still {before} after 5 s of polling"
        );
        std::hint::spin_loop();
    }
}

#[test]
fn a_polling_loop_sees_a_counter_the_program_keeps_incrementing() {
    let Some(_kernel) = exclusive("a_polling_loop_sees_a_counter_the_program_keeps_incrementing")
    else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut skel = core_counting(&mut storage, 1);
    skel.attach_count_getpid().unwrap();
    let bss = skel.maps().bss();
    let before = bss.hits();

    // Another thread of this process keeps the program running; this one
    // only reads the counter, in a loop with nothing else that could make
    // the compiler read memory again: only the volatile read does.
    let stop = AtomicBool::new(false);
    let seen = std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                getpid();
            }
        });
        let mut seen = vec![before];
        for _ in 0..50 {
            let last = *seen.last().unwrap();
            seen.push(poll_until_changed(last, || bss.hits()));
        }
        stop.store(true, Ordering::Relaxed);
        seen
    });
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "the counter only grows: {seen:?}"
    );
    assert!(seen[50] >= before + 50, "{seen:?}");
    assert_eq!(bss.last_pid(), std::process::id());
}

#[test]
fn setters_after_load_are_seen_by_the_programs_and_read_write_round_trip() {
    let Some(_kernel) = exclusive("setters_after_load_are_seen_by_the_programs") else {
        return;
    };
    let pid = std::process::id();
    let mut storage = ObjectStorage::new();
    let mut skel = core_counting(&mut storage, 3);
    skel.attach_count_getpid().unwrap();

    // The program adds `step` to what user space wrote.
    skel.maps().bss().set_hits(1_000_000);
    skel.maps().bss().set_last_pid(0);
    getpid();
    assert_eq!(skel.maps().bss().hits(), 1_000_003);
    assert_eq!(skel.maps().bss().last_pid(), pid, "the program's write");

    // A custom data section, read by the XDP program: its verdict is
    // XDP_PASS + (custom_data - 7).
    let verdict = |skel: &CoreSkel<'_>| {
        let out = skel
            .progs()
            .pass_all()
            .test_run()
            .unwrap()
            .data(&[0u8; 64])
            .run()
            .unwrap();
        out.xdp_action()
    };
    assert_eq!(skel.maps().data_custom().custom_data(), 7);
    assert_eq!(verdict(&skel), Some(XdpAction::Pass));
    skel.maps().data_custom().set_custom_data(8);
    assert_eq!(verdict(&skel), Some(XdpAction::Tx), "XDP_PASS + 1");
    skel.maps().data_custom().set_custom_data(7);
    assert_eq!(verdict(&skel), Some(XdpAction::Pass));

    // read() and write(): a copy of the whole section, and back. Detached
    // meanwhile, so the program cannot change it between the two.
    skel.links.count_getpid = None;
    let bss = skel.maps().bss();
    let mut copy = bss.read();
    assert_eq!((copy.hits, copy.last_pid), (bss.hits(), bss.last_pid()));
    copy.hits = 5;
    copy.last_pid = 7;
    bss.write(&copy);
    assert_eq!(bss.read(), copy);
    assert_eq!((bss.hits(), bss.last_pid()), (5, 7));
    let data = skel.maps().data();
    let mut d = data.read();
    assert_eq!(d.initialised, 42);
    d.initialised = 43;
    data.write(&d);
    assert_eq!(data.initialised(), 43);
    // What write() put there is what the program counts on from.
    skel.attach_count_getpid().unwrap();
    getpid();
    assert_eq!(
        (skel.maps().bss().hits(), skel.maps().bss().last_pid()),
        (8, pid)
    );
    // The map's own view of the section agrees (one lookup of key 0).
    let raw = skel
        .maps()
        .bss_map()
        .libbpf()
        .unwrap()
        .lookup(&0u32.to_ne_bytes(), libbpf_rs::MapFlags::ANY)
        .unwrap()
        .unwrap();
    assert_eq!(u64::from_ne_bytes(raw[..8].try_into().unwrap()), 8);
}

/// The typed fixture, loaded, its program filling the maps on this
/// thread's getppid() calls; nothing attached.
fn typed_for_this_thread(storage: &mut ObjectStorage) -> typed_skel::TypedSkel<'_> {
    let mut open = TypedSkelBuilder::default().open(storage).unwrap();
    open.maps_mut().rodata().target_tid = gettid();
    open.load().unwrap()
}

/// Polls `consumer` until `events` holds `n` events (5 s at most).
fn wait_for(consumer: &mut RingBufConsumer<'_>, events: &Mutex<Vec<event>>, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while events.lock().unwrap().len() < n && Instant::now() < deadline {
        consumer.poll(Duration::from_millis(10)).unwrap();
    }
    assert_eq!(events.lock().unwrap().len(), n, "{events:?}");
}

#[test]
fn a_consumer_and_typed_handles_live_across_global_writes_and_link_changes() {
    let Some(_kernel) =
        exclusive("a_consumer_and_typed_handles_live_across_global_writes_and_link_changes")
    else {
        return;
    };
    let tid = gettid();
    let mut storage = ObjectStorage::new();
    let mut skel = typed_for_this_thread(&mut storage);
    let events: Arc<Mutex<Vec<event>>> = Arc::default();
    let sink = Arc::clone(&events);
    // The consumer owns a duplicate of the map's fd: it borrows nothing.
    let mut ring = skel
        .maps()
        .events()
        .consumer(move |e: &event| sink.lock().unwrap().push(*e))
        .unwrap();
    let round_key = |round: u32| key {
        pid: tid,
        round: round as u16,
        ..Default::default()
    };

    // Borrowed typed handles next to a write to a global: both borrow the
    // skeleton shared, and the consumer nothing.
    skel.attach_fill().unwrap();
    {
        let array = skel.maps().array();
        let hash = skel.maps().hash();
        skel.maps().bss().set_rounds(100);
        getppid();
        wait_for(&mut ring, &events, 1);
        assert_eq!(events.lock().unwrap()[0].round, 101, "counted on from 100");
        assert_eq!(array.get(101 % 4).unwrap().map(|v| v.tens), Some(101));
        assert_eq!(
            hash.lookup(&round_key(101)).unwrap().map(|v| v.hundreds),
            Some(10_100)
        );
        skel.maps().bss().set_rounds(200);
        getppid();
        wait_for(&mut ring, &events, 2);
        assert_eq!(array.get(201 % 4).unwrap().map(|v| v.tens), Some(201));
        assert!(hash.lookup(&round_key(201)).unwrap().is_some());
    }

    // Owned handles next to link changes, which take the skeleton
    // exclusively.
    let array: maps::Array<'static, value> = skel.maps().array().into_owned().unwrap();
    let hash = skel.maps().hash().into_owned().unwrap();
    skel.links.fill = None;
    getppid();
    ring.poll(Duration::from_millis(50)).unwrap();
    assert_eq!(events.lock().unwrap().len(), 2, "detached: no event");
    assert_eq!(skel.maps().bss().rounds(), 201, "detached: no round");
    skel.attach_fill().unwrap();
    getppid();
    wait_for(&mut ring, &events, 3);
    assert_eq!(events.lock().unwrap()[2].round, 202);
    assert_eq!(array.get(202 % 4).unwrap().map(|v| v.tens), Some(202));
    // attach() leaves the link it finds alone: one program run per call.
    skel.attach().unwrap();
    getppid();
    wait_for(&mut ring, &events, 4);
    assert_eq!(skel.maps().bss().rounds(), 203);
    let taken = skel.links.fill.take();
    assert!(taken.is_some());
    drop(taken);
    getppid();
    assert_eq!(
        skel.maps().bss().rounds(),
        203,
        "taken and dropped: detached"
    );

    // The skeleton gone, the owned handles and the consumer still work:
    // each holds the map open.
    drop(skel);
    assert_eq!(array.get(203 % 4).unwrap().map(|v| v.tens), Some(203));
    assert_eq!(
        hash.lookup(&round_key(203)).unwrap().map(|v| v.tens),
        Some(2030)
    );
    hash.insert(&round_key(1), &value::default()).unwrap();
    assert!(hash.delete(&round_key(1)).unwrap());
    assert_eq!(ring.poll(Duration::from_millis(10)).unwrap(), 0);
    let rounds: Vec<u32> = events.lock().unwrap().iter().map(|e| e.round).collect();
    assert_eq!(rounds, [101, 201, 202, 203]);
}

/// What a long-running tool keeps: an owned skeleton, and beside it an
/// event consumer and a typed map handle that own their file descriptors.
struct Daemon {
    name: String,
    skel: OwnedFooSkel,
    events: RingBufConsumer<'static>,
    received: mpsc::Receiver<foo_skel::types::event>,
    counts: maps::Hash<'static, u32, u64>,
}

impl Daemon {
    fn start(name: &str) -> skel_runtime::Result<Daemon> {
        let mut open = FooSkelBuilder::default().open_owned()?;
        open.with(|open| {
            // Events only when verbose; cong_avoid is the eager program.
            open.maps_mut().rodata().verbose = 1;
            let eager = open.progs().eager();
            let cc = open.struct_ops_mut().cc();
            cc.name.set(name).expect("fits in char[16]");
            cc.cong_avoid = Some(eager);
        });
        let skel = open.load()?;
        let (send, received) = mpsc::channel();
        // `'static + Send` callbacks: the consumer can go anywhere.
        let events = skel.get().maps().events().consumer(move |e| {
            let _ = send.send(*e);
        })?;
        let counts = skel.get().maps().counts().into_owned()?;
        Ok(Daemon {
            name: name.to_owned(),
            skel,
            events,
            received,
            counts,
        })
    }
}

#[test]
fn an_owned_consumer_and_handle_move_into_a_thread_beside_their_owned_skeleton() {
    let Some(_kernel) =
        exclusive("an_owned_consumer_and_handle_move_into_a_thread_beside_their_owned_skeleton")
    else {
        return;
    };
    let name = unique_name("skapi");
    let daemon = Daemon::start(&name).unwrap();
    let worker = std::thread::spawn(move || {
        let Daemon {
            name,
            mut skel,
            mut events,
            received,
            counts,
        } = daemon;
        skel.attach().unwrap();
        assert!(cc_list("available").contains(&name));
        tcp_transfer(&name, 4 << 20).unwrap();
        let counter = skel.get().maps().bss().counter();
        assert!(counter > 0, "the eager program ran");

        // Events through the consumer, counts through the owned handle:
        // every eager call bumped `counts[acked]` and `counter` once.
        let deadline = Instant::now() + Duration::from_secs(5);
        while received.try_iter().next().is_none() {
            assert!(Instant::now() < deadline, "no event within 5 s");
            events.poll(Duration::from_millis(10)).unwrap();
        }
        events.consume().unwrap();
        let got: Vec<_> = received.try_iter().collect();
        assert!(got.iter().all(|e| e.acked > 0 && e.cwnd > 0), "{got:?}");
        let counted: Vec<(u32, u64)> = counts.iter().map(Result::unwrap).collect();
        assert!(!counted.is_empty());
        let total: u64 = counted.iter().map(|(_, n)| n).sum();
        assert!(total > 0 && total <= counter, "{total} of {counter}");

        // A write to a global and a link change, the consumer and handle
        // alive and working after both.
        skel.with(|skel| skel.maps().bss().set_counter(0));
        assert_eq!(skel.get().maps().bss().counter(), 0);
        skel.with(|skel| skel.links.cc = None);
        assert!(!cc_list("available").contains(&name), "unregistered");
        events.consume().unwrap();
        assert!(counts.lookup(&counted[0].0).unwrap().is_some());
        counts.insert(&u32::MAX, &7).unwrap();

        // The skeleton closed, the handle still reads the map it holds.
        drop(skel);
        assert_eq!(counts.lookup(&u32::MAX).unwrap(), Some(7));
        assert_eq!(events.poll(Duration::from_millis(10)).unwrap(), 0);
        name
    });
    let name = worker.join().unwrap();
    assert!(!cc_list("available").contains(&name));
}

#[test]
fn maps_not_created_give_handles_whose_operations_say_so() {
    let Some(_kernel) = exclusive("maps_not_created_give_handles_whose_operations_say_so") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = TypedSkelBuilder::default().open(&mut storage).unwrap();
    open.maps_mut().rodata().target_tid = gettid();
    // The program uses every map: it stays out too.
    open.progs_mut().fill().set_autoload(false).unwrap();
    {
        let set = |name: &str, mut map: skel_runtime::OpenMapMut<'_>| {
            assert_eq!(map.as_ref().name(), name);
            map.set_autocreate(false).unwrap();
        };
        set("inner_a", open.maps_mut().inner_a());
        set("outer", open.maps_mut().outer());
        set("inner_b", open.maps_mut().inner_b());
        set("by_name", open.maps_mut().by_name());
        set("hash", open.maps_mut().hash());
        set("lru", open.maps_mut().lru());
        set("array", open.maps_mut().array());
        set("percpu_hash", open.maps_mut().percpu_hash());
        set("percpu_array", open.maps_mut().percpu_array());
        set("queue", open.maps_mut().queue());
        set("stack", open.maps_mut().stack());
        set("events", open.maps_mut().events());
        set("perf_events", open.maps_mut().perf_events());
    }
    assert!(!open.maps().hash().autocreate());
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();
    assert!(skel.links.fill.is_none(), "not loaded: not attached");

    // Every operation: NotCreated, naming the map and what was tried.
    let not_created = |map: &str, what: &str, e: Error| {
        let text = e.to_string();
        assert!(
            matches!(&e, Error::NotCreated { map: m, what: w } if m == map && *w == what),
            "{map}: {e:?}"
        );
        assert!(
            text.starts_with(&format!("map `{map}` was not created at load")),
            "{text}"
        );
        assert!(text.ends_with(what), "{text}");
        assert_eq!(e.raw_os_error(), None, "{text}");
    };
    let m = skel.maps();
    let k = key::default();
    let v = value::default();
    not_created("hash", "lookup", m.hash().lookup(&k).unwrap_err());
    not_created("hash", "update", m.hash().insert(&k, &v).unwrap_err());
    not_created("hash", "delete", m.hash().delete(&k).unwrap_err());
    not_created("lru", "lookup", m.lru().lookup(&k).unwrap_err());
    not_created("array", "get", m.array().get(0).unwrap_err());
    not_created("array", "set", m.array().set(0, &v).unwrap_err());
    not_created(
        "percpu_hash",
        "lookup",
        m.percpu_hash().lookup(&0).unwrap_err(),
    );
    not_created("percpu_array", "get", m.percpu_array().get(0).unwrap_err());
    not_created("queue", "pop", m.queue().pop().unwrap_err());
    not_created("queue", "peek", m.queue().peek().unwrap_err());
    not_created(
        "stack",
        "push",
        m.stack().push(&1, MapFlags::ANY).unwrap_err(),
    );
    not_created("outer", "get", m.outer().get(&0).unwrap_err());
    not_created(
        "by_name",
        "set",
        m.by_name().set(&3, &m.inner_a()).unwrap_err(),
    );
    not_created("inner_b", "delete", m.inner_b().delete(&7).unwrap_err());
    let err = m.events().consumer(|_: &event| {}).unwrap_err();
    not_created("events", "set up ring buffer consumer", err);
    let err = m
        .perf_events()
        .consumer(8, |_, _: &event| {}, |_, _| {})
        .unwrap_err();
    not_created("perf_events", "set up perf buffer consumer", err);
    // Iterating is an operation too: its first item is the error.
    let first = m.hash().keys().next().expect("an item: the error");
    not_created("hash", "iterate keys", first.unwrap_err());
    let first = m.lru().iter().next().expect("an item: the error");
    let e = first.unwrap_err();
    assert!(
        matches!(&e, Error::NotCreated { map, .. } if map == "lru"),
        "{e:?}"
    );
    assert_eq!(m.hash().keys().count(), 1, "the error, then nothing");

    // The handle itself: what is known without the kernel, and errors for
    // what needs the map.
    let hash = m.hash();
    assert_eq!(hash.name(), "hash");
    assert!(!hash.is_created());
    assert_eq!(hash.info().max_entries, 64);
    assert!(hash.libbpf().is_none());
    not_created("hash", "read its id", hash.id().unwrap_err());
    not_created(
        "hash",
        "pin",
        hash.pin("/sys/fs/bpf/skel_never").unwrap_err(),
    );
    not_created(
        "hash",
        "duplicate its file descriptor",
        m.hash().into_owned().map(drop).unwrap_err(),
    );
    not_created(
        "events",
        "duplicate its file descriptor",
        m.events().into_owned().map(drop).unwrap_err(),
    );
    // The async stream, inside a runtime (outside one it says so first).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let err = m.events().stream().map(drop).unwrap_err();
        not_created("events", "set up ring buffer consumer", err);
    });

    // Every other accessor of the loaded skeleton answers without panics.
    assert!(m.bss().read().rounds == 0 && m.bss().rounds() == 0);
    assert_eq!(m.rodata().target_tid, gettid());
    assert!(m.bss_map().is_created() && m.rodata_map().is_created());
    assert!(m.rodata_str1_1().is_created());
    let p = skel.progs().fill();
    assert!(!p.is_loaded() && p.fd().is_none() && p.id().is_none());
    assert_eq!(p.section(), "tp/syscalls/sys_enter_getppid");
    // Attaching the program that was not loaded: an error saying so.
    let err = skel.attach_fill().unwrap_err();
    assert!(
        matches!(&err, Error::Attach { name, .. } if name == "fill"),
        "{err:?}"
    );
    assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
    assert!(err.to_string().contains("was not loaded"), "{err}");
    assert!(skel.links.fill.is_none());
}

#[test]
fn kernel_errors_carry_their_errno() {
    let Some(_kernel) = exclusive("kernel_errors_carry_their_errno") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let skel = typed_for_this_thread(&mut storage);
    let check = |e: &Error, errno: i32, name: &str| {
        assert_eq!(e.raw_os_error(), Some(errno), "{e}");
        assert_eq!(e.errno().and_then(|e| e.name()), Some(name), "{e}");
        let text = e.to_string();
        assert!(text.contains(&format!("{name} ({errno})")), "{text}");
    };

    // Hash: an update that must not replace (EEXIST), one that must
    // (ENOENT), and a full map (E2BIG).
    let hash = skel.maps().hash();
    let k = |round: u16| key {
        pid: 1,
        round,
        ..Default::default()
    };
    let v = value::default();
    hash.insert(&k(0), &v).unwrap();
    let e = hash.update(&k(0), &v, MapFlags::NO_EXIST).unwrap_err();
    check(&e, libc::EEXIST, "EEXIST");
    assert!(
        matches!(&e, Error::MapOp { map, op: "update", .. } if map == "hash"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "map `hash`: update failed: EEXIST (17): File exists"
    );
    let e = hash.update(&k(1), &v, MapFlags::EXIST).unwrap_err();
    check(&e, libc::ENOENT, "ENOENT");
    for round in 1..64 {
        hash.insert(&k(round), &v).unwrap();
    }
    let e = hash.insert(&k(64), &v).unwrap_err();
    check(&e, libc::E2BIG, "E2BIG");
    // Absent keys are not errors.
    assert_eq!(hash.lookup(&k(64)).unwrap(), None);
    assert!(!hash.delete(&k(64)).unwrap());

    // Array: an index past its end cannot be set.
    let e = skel.maps().array().set(4, &v).unwrap_err();
    check(&e, libc::E2BIG, "E2BIG");
    assert_eq!(skel.maps().array().get(4).unwrap(), None);

    // Queue: full (E2BIG), empty (not an error); and through libbpf-rs's
    // handle, an operation a queue has none of (EINVAL).
    let queue = skel.maps().queue();
    for n in 0..16 {
        queue.push(&n, MapFlags::ANY).unwrap();
    }
    let e = queue.push(&16, MapFlags::ANY).unwrap_err();
    check(&e, libc::E2BIG, "E2BIG");
    assert!(
        matches!(&e, Error::MapOp { map, .. } if map == "queue"),
        "{e:?}"
    );
    queue.push(&16, MapFlags::EXIST).unwrap();
    assert_eq!(queue.pop().unwrap(), Some(1), "EXIST pushed out the oldest");
    while queue.pop().unwrap().is_some() {}
    assert_eq!(queue.peek().unwrap(), None);
    // libbpf-rs's errors convert, and keep their errno.
    let raw = queue.libbpf().unwrap();
    let e = Error::from(raw.delete(&[]).unwrap_err());
    assert!(matches!(e, Error::Libbpf { .. }), "{e:?}");
    assert!(
        e.to_string().ends_with("EINVAL (22): Invalid argument"),
        "{e}"
    );
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL), "{e}");
    assert_eq!(e.errno().and_then(|e| e.name()), Some("EINVAL"), "{e}");
    // (A lookup on a queue is a peek, for libbpf-rs too.)
    assert_eq!(raw.lookup(&[], libbpf_rs::MapFlags::ANY).unwrap(), None);

    // A struct_ops registration the kernel refuses: the name is taken.
    let name = unique_name("skerr");
    let mut first_storage = ObjectStorage::new();
    let mut first = TcpCaSkelBuilder::default()
        .open(&mut first_storage)
        .unwrap();
    first.struct_ops_mut().skel_ca().name.set(&name).unwrap();
    let mut first = first.load().unwrap();
    first.attach_skel_ca().unwrap();
    let mut second_storage = ObjectStorage::new();
    let mut second = TcpCaSkelBuilder::default()
        .open(&mut second_storage)
        .unwrap();
    second.struct_ops_mut().skel_ca().name.set(&name).unwrap();
    let mut second = second.load().unwrap();
    let e = second.attach_skel_ca().unwrap_err();
    check(&e, libc::EEXIST, "EEXIST");
    assert!(
        matches!(&e, Error::Attach { skeleton: "tcp_ca", what: "struct_ops map", name, .. }
            if name == "skel_ca"),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.starts_with("skeleton `tcp_ca`: cannot attach struct_ops map `skel_ca`: EEXIST (17)"),
        "{text}"
    );
    assert!(text.contains("already registered"), "a hint: {text}");
    assert!(second.links.skel_ca.is_none());
    assert!(first.links.skel_ca.is_some() && cc_list("available").contains(&name));
}

#[test]
fn attach_prog_fills_its_link_and_dropping_the_link_detaches() {
    let Some(_kernel) = exclusive("attach_prog_fills_its_link_and_dropping_the_link_detaches")
    else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut skel = core_counting(&mut storage, 1);
    let hits = |skel: &CoreSkel<'_>| skel.maps().bss().hits();

    // Not attached: the program does not run.
    getpid();
    assert_eq!(hits(&skel), 0);

    skel.attach_count_getpid().unwrap();
    let links = &skel.links;
    assert!(links.count_getpid.is_some());
    assert!(
        links.on_nanosleep.is_none() && links.any_syscall.is_none(),
        "only the program asked for"
    );
    getpid();
    getpid();
    assert_eq!(hits(&skel), 2);
    // Again: nothing to do, the same link.
    let id = skel.links.count_getpid.as_ref().map(|l| l.as_fd_raw());
    skel.attach_count_getpid().unwrap();
    assert_eq!(skel.links.count_getpid.as_ref().map(|l| l.as_fd_raw()), id);

    // Dropping the link detaches: the program stops running.
    skel.links.count_getpid = None;
    getpid();
    assert_eq!(hits(&skel), 2, "detached");
    // Attached again, then taken out: the same.
    skel.attach_count_getpid().unwrap();
    getpid();
    assert_eq!(hits(&skel), 3);
    let mut link = skel.links.count_getpid.take().expect("attached");
    getpid();
    assert_eq!(hits(&skel), 4, "a link taken out still holds");
    drop(link);
    getpid();
    assert_eq!(hits(&skel), 4, "dropped: detached");

    // A link's own calls: pinning outside a BPF file system is refused
    // (libbpf checks the directory), naming the program.
    skel.attach_count_getpid().unwrap();
    link = skel.links.count_getpid.take().expect("attached");
    assert_eq!(link.name(), "count_getpid");
    assert!(link.as_fd_raw() >= 0);
    let dir = std::env::temp_dir().join(unique_name("skpin"));
    let e = link.pin(&dir).unwrap_err();
    assert!(matches!(&e, Error::Libbpf { .. }), "{e:?}");
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL), "{e}");
    assert!(
        e.to_string().starts_with("link of `count_getpid`: pin at "),
        "{e}"
    );
    assert!(link.pin_path().is_none());
    let before = hits(&skel);
    getpid();
    assert_eq!(hits(&skel), before + 1, "attached");
    // BPF_LINK_DETACH: tracepoint (perf) links have none, so the kernel
    // refuses it, and the program keeps running.
    let e = link.detach().unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EOPNOTSUPP), "{e}");
    assert!(
        e.to_string()
            .starts_with("link of `count_getpid`: detach failed: EOPNOTSUPP"),
        "{e}"
    );
    getpid();
    assert_eq!(hits(&skel), before + 2, "still attached");
    drop(link);

    // attach() fills the others and leaves what is set alone.
    skel.attach_count_getpid().unwrap();
    let id = skel.links.count_getpid.as_ref().map(|l| l.as_fd_raw());
    skel.attach().unwrap();
    assert_eq!(skel.links.count_getpid.as_ref().map(|l| l.as_fd_raw()), id);
    assert!(skel.links.on_nanosleep.is_some() && skel.links.any_syscall.is_some());

    // Programs attach_<prog>() cannot attach: errors that say why.
    let e = skel.attach_pass_all().unwrap_err();
    assert!(
        matches!(&e, Error::Attach { what: "program", name, .. } if name == "pass_all"),
        "{e:?}"
    );
    assert_eq!(e.raw_os_error(), Some(libc::EOPNOTSUPP), "{e}");
    assert!(e.to_string().contains("names no attach target"), "{e}");
    let e = skel.attach_not_loaded_by_default().unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ENOENT), "{e}");
    assert!(e.to_string().contains("was not loaded"), "{e}");
    assert!(skel.links.pass_all.is_none() && skel.links.not_loaded_by_default.is_none());
}

/// A link's file descriptor number, to tell links apart.
trait LinkFd {
    fn as_fd_raw(&self) -> i32;
}

impl LinkFd for skel_runtime::Link<'_> {
    fn as_fd_raw(&self) -> i32 {
        use std::os::fd::{AsFd, AsRawFd};
        self.as_fd().as_raw_fd()
    }
}
