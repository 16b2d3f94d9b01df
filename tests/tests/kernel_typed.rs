//! Typed maps and events on the running kernel: every map kind a typed
//! handle serves, and a ring buffer and a perf event array with a real
//! event flow. The BPF program (`bpf/typed.bpf.c`) fills them with values
//! this test predicts; everything is read and written through the typed
//! API only: no bytes, no `unsafe`.

use std::sync::Mutex;
use std::time::Duration;

use skel_runtime::maps::{MapFlags, possible_cpus};
use skel_runtime::{Error, ObjectStorage};
use skel_tests::kernel::exclusive;
use skel_tests::typed_skel::TypedSkelBuilder;
use skel_tests::typed_skel::types::{
    self, event, key, standalone, standalone_t, unused_state, value,
};

const ROUNDS: u32 = 3;

fn gettid() -> u32 {
    // SAFETY: gettid has no preconditions.
    (unsafe { libc::syscall(libc::SYS_gettid) }) as u32
}

fn getppid() {
    // SAFETY: getppid has no preconditions.
    unsafe { libc::syscall(libc::SYS_getppid) };
}

/// A value as the program writes them (padding zero: struct update
/// syntax fills it from `Default`).
fn value_of(tens: u64, hundreds: u32, label: &str) -> value {
    let mut v = value {
        tens,
        hundreds,
        ..Default::default()
    };
    v.label.set(label).unwrap();
    v
}

/// This thread's name, as `bpf_get_current_comm` reads it.
fn comm() -> String {
    std::fs::read_to_string("/proc/thread-self/comm")
        .unwrap()
        .trim_end()
        .to_owned()
}

#[test]
fn every_typed_map_and_event_reads_back_what_the_program_wrote() {
    let Some(_kernel) = exclusive("every_typed_map_and_event_reads_back_what_the_program_wrote")
    else {
        return;
    };
    let tid = gettid();
    let mut storage = ObjectStorage::new();
    let mut open = TypedSkelBuilder::default().open(&mut storage).unwrap();
    open.maps_mut().rodata().target_tid = tid;
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();

    // Callbacks are `Send` (a consumer may move to another thread): they
    // borrow what they fill through a `Mutex`.
    let ring_events: Mutex<Vec<event>> = Mutex::default();
    let perf_events: Mutex<Vec<(i32, event)>> = Mutex::default();
    let mut lost = 0;
    {
        let mut ring = skel
            .maps()
            .events()
            .consumer(|e: &event| ring_events.lock().unwrap().push(*e))
            .unwrap();
        let mut perf = skel
            .maps()
            .perf_events()
            .consumer(
                8,
                |cpu, e: &event| perf_events.lock().unwrap().push((cpu, *e)),
                |_, n| lost += n,
            )
            .unwrap();
        for _ in 0..ROUNDS {
            getppid();
        }
        for _ in 0..100 {
            ring.poll(Duration::from_millis(10)).unwrap();
            perf.poll(Duration::from_millis(10)).unwrap();
            if ring_events.lock().unwrap().len() >= ROUNDS as usize
                && perf_events.lock().unwrap().len() >= ROUNDS as usize
            {
                break;
            }
        }
    }
    let (ring_events, perf_events) = (
        ring_events.into_inner().unwrap(),
        perf_events.into_inner().unwrap(),
    );
    let comm = comm();
    assert_eq!(lost, 0);
    assert_eq!(ring_events.len(), ROUNDS as usize, "{ring_events:?}");
    assert_eq!(perf_events.len(), ROUNDS as usize, "{perf_events:?}");
    for (i, (e, (_cpu, p))) in ring_events.iter().zip(&perf_events).enumerate() {
        let n = i as u32 + 1;
        assert_eq!(
            (e.pid, e.round, e.stamp, e.kind),
            (tid, n, 1000 + u64::from(n), types::kind::KIND_EVENT)
        );
        assert_eq!(e.comm.to_str().unwrap(), comm);
        assert_eq!(
            (p.pid, p.round, p.stamp, p.kind),
            (tid, n, 2000 + u64::from(n), types::kind::KIND_HASH)
        );
        assert_eq!(p.comm.to_str().unwrap(), comm);
    }
    // The same C type in a global and on the event maps is one Rust type.
    let last: event = skel.maps().bss().last_event();
    assert_eq!((last.round, last.stamp), (ROUNDS, 1000 + u64::from(ROUNDS)));

    // Hash and LRU hash: what the program wrote, then our own writes.
    for handle in [skel.maps().hash(), skel.maps().lru()] {
        for n in 1..=ROUNDS {
            let k = key {
                pid: tid,
                round: n as u16,
                ..Default::default()
            };
            let v = handle.lookup(&k).unwrap().expect("the program's entry");
            assert_eq!((v.tens, v.hundreds), (u64::from(n) * 10, n * 100));
            assert_eq!(v.label.to_str().unwrap(), "round");
        }
        let mut keys: Vec<key> = handle.keys().map(Result::unwrap).collect();
        keys.sort_by_key(|k| k.round);
        assert_eq!(keys.iter().map(|k| k.round).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(handle.iter().count(), ROUNDS as usize);
        let mine = key {
            pid: 1,
            round: 99,
            ..Default::default()
        };
        let v = value_of(5, 6, "mine");
        handle.insert(&mine, &v).unwrap();
        assert_eq!(handle.lookup(&mine).unwrap().map(|v| v.tens), Some(5));
        let again = handle.update(&mine, &v, MapFlags::NO_EXIST).unwrap_err();
        assert!(again.to_string().contains(handle.name()), "{again}");
        assert_eq!(again.raw_os_error(), Some(libc::EEXIST), "{again}");
        assert!(
            matches!(&again, Error::MapOp { op: "update", .. }),
            "{again:?}"
        );
        assert!(handle.delete(&mine).unwrap());
        assert!(!handle.delete(&mine).unwrap());
        assert!(handle.lookup(&mine).unwrap().is_none());
    }

    // Array: indexed by u32; past the end is None.
    let array = skel.maps().array();
    for n in 1..=ROUNDS {
        assert_eq!(
            array.get(n % 4).unwrap().map(|v| v.tens),
            Some(u64::from(n))
        );
    }
    assert!(array.get(4).unwrap().is_none());
    array.set(0, &value_of(77, 0, "set")).unwrap();
    assert_eq!(
        array.get(0).unwrap().unwrap().label.to_str().unwrap(),
        "set"
    );

    // Per-CPU maps: one value per possible CPU.
    let cpus = possible_cpus().unwrap();
    let per_cpu = skel.maps().percpu_hash().lookup(&0).unwrap().unwrap();
    assert_eq!(per_cpu.len(), cpus);
    assert_eq!(
        per_cpu.iter().sum::<u64>(),
        6,
        "1 + 2 + 3 over every CPU: {per_cpu:?}"
    );
    let per_cpu = skel.maps().percpu_array();
    let values = per_cpu.get(0).unwrap().unwrap();
    assert_eq!(
        values.iter().map(|v| v.tens).sum::<u64>(),
        u64::from(ROUNDS)
    );
    let mine: Vec<value> = (0..cpus).map(|c| value_of(c as u64, 1, "cpu")).collect();
    per_cpu.set(1, &mine).unwrap();
    let back = per_cpu.get(1).unwrap().unwrap();
    assert_eq!(
        back.iter().map(|v| v.tens).collect::<Vec<_>>(),
        (0..cpus as u64).collect::<Vec<_>>()
    );
    if cpus > 1 {
        let err = per_cpu.set(1, &mine[..1]).unwrap_err();
        assert!(
            matches!(err, Error::PerCpuCount { expected, actual: 1, .. } if expected == cpus),
            "one value per CPU is required: {err:?}"
        );
    }

    // Queue (FIFO) and stack (LIFO).
    let queue = skel.maps().queue();
    assert_eq!(queue.peek().unwrap(), Some(1));
    let popped: Vec<u32> = std::iter::from_fn(|| queue.pop().unwrap()).collect();
    assert_eq!(popped, [1, 2, 3]);
    let stack = skel.maps().stack();
    let popped: Vec<u32> = std::iter::from_fn(|| stack.pop().unwrap()).collect();
    assert_eq!(popped, [3, 2, 1]);
    queue.push(&42, MapFlags::ANY).unwrap();
    assert_eq!(queue.pop().unwrap(), Some(42));
    assert_eq!(queue.pop().unwrap(), None);

    // Maps of maps: the inner maps are typed handles too.
    let outer = skel.maps().outer();
    let inner = outer.get(&0).unwrap().expect("inner_a at [0]");
    assert_eq!(inner.lookup(&7).unwrap(), Some(u64::from(ROUNDS)));
    assert!(outer.get(&1).unwrap().is_none());
    let by_name = skel.maps().by_name();
    let inner_b = by_name.get(&3).unwrap().expect("inner_b at [3]");
    assert_eq!(inner_b.lookup(&7).unwrap(), Some(u64::from(ROUNDS)));
    // Point outer[1] at inner_b, and read it through the outer map.
    outer.set(&1, &skel.maps().inner_b()).unwrap();
    assert_eq!(
        outer.get(&1).unwrap().unwrap().lookup(&7).unwrap(),
        Some(u64::from(ROUNDS))
    );
    assert!(outer.delete(&1).unwrap());

    // Types asked for by name exist, with their constants.
    let s: standalone_t = standalone {
        x: -2,
        flags: [1, 2, 3],
        ..Default::default()
    };
    assert_eq!((s.x, s.flags), (-2, [1, 2, 3]));
    assert_eq!(unused_state::STATE_ON.0, 3);
}

/// The ring buffer as an async stream on a tokio runtime: events arrive in
/// order, with every field, when the reactor says the ring is readable.
#[test]
fn ring_buffer_events_as_an_async_stream() {
    let Some(_kernel) = exclusive("ring_buffer_events_as_an_async_stream") else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let tid = gettid();
    let mut storage = ObjectStorage::new();
    let mut open = TypedSkelBuilder::default().open(&mut storage).unwrap();
    open.maps_mut().rodata().target_tid = tid;
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();
    let ring = skel.maps().events();
    let outside = ring.stream().unwrap_err().to_string();
    assert!(outside.contains("tokio runtime"), "{outside}");
    let comm = comm();
    runtime.block_on(async {
        let mut stream = ring.stream().unwrap();
        for n in 1..=ROUNDS {
            getppid();
            let e = tokio::time::timeout(Duration::from_secs(5), stream.next())
                .await
                .expect("an event within 5 s")
                .unwrap();
            assert_eq!((e.pid, e.round, e.stamp), (tid, n, 1000 + u64::from(n)));
            assert_eq!(e.kind, types::kind::KIND_EVENT);
            assert_eq!(e.comm.to_str().unwrap(), comm);
        }
    });
}
