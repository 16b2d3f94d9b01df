//! The consumers' trampolines and slots, called as libbpf calls them.

use std::cell::RefCell;
use std::ffi::{c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::perf::{PerfSlot, perf_lost, perf_sample};
use super::ring::{RingBufConsumer, RingSlot, ring_sample};
use super::shared::{Outcome, decode};
use crate::error::Error;
use crate::plain::Plain;

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct Event {
    a: u64,
    b: u32,
    c: u32,
}
// SAFETY: plain integers.
unsafe impl Plain for Event {}

#[test]
fn short_samples_are_errors_and_others_are_copied_from_any_alignment() {
    let mut bytes = [0u8; 1 + 16 + 3];
    bytes[1..9].copy_from_slice(&7u64.to_ne_bytes());
    bytes[9..13].copy_from_slice(&8u32.to_ne_bytes());
    bytes[13..17].copy_from_slice(&9u32.to_ne_bytes());
    // Unaligned, and with trailing bytes.
    let e: Event = decode("m", "struct event", &bytes[1..]).unwrap();
    assert_eq!(e, Event { a: 7, b: 8, c: 9 });
    let err = decode::<Event>("ring", "struct event", &bytes[1..16]).unwrap_err();
    assert!(matches!(
        err,
        Error::ShortEvent {
            expected: 16,
            actual: 15,
            ..
        }
    ));
    assert!(err.to_string().contains("`ring`"), "{err}");
    assert!(err.to_string().contains("`struct event`"), "{err}");
}

/// Calls the ring buffer trampoline as libbpf would, with `bytes`.
fn deliver<F: FnMut(&Event)>(slot: &mut RingSlot<F>, bytes: &mut [u8]) -> c_int {
    // SAFETY: ctx is a live RingSlot<F>; `bytes` is readable.
    unsafe {
        ring_sample::<Event, F>(
            (slot as *mut RingSlot<F>).cast(),
            bytes.as_mut_ptr().cast(),
            bytes.len() as libbpf_sys::size_t,
        )
    }
}

#[test]
fn the_ring_trampoline_stops_the_poll_on_a_short_sample_or_a_panic() {
    let outcome = RefCell::new(Outcome::default());
    let mut seen = vec![];
    let mut slot = RingSlot {
        callback: |e: &Event| seen.push(e.a),
        map: "events".into(),
        c_type: "struct event",
        outcome: &outcome,
    };
    let mut sample = [0u8; 16];
    sample[..8].copy_from_slice(&5u64.to_ne_bytes());
    assert_eq!(deliver(&mut slot, &mut sample), 0);
    assert_eq!(deliver(&mut slot, &mut sample[..12]), -1);
    let err = Outcome::finish(&outcome, -1, || unreachable!()).unwrap_err();
    assert!(matches!(err, Error::ShortEvent { actual: 12, .. }), "{err}");
    drop(slot);
    assert_eq!(seen, [5]);

    let mut slot = RingSlot {
        callback: |_: &Event| panic!("callback failed"),
        map: "events".into(),
        c_type: "struct event",
        outcome: &outcome,
    };
    assert_eq!(deliver(&mut slot, &mut sample), -1);
    let resumed = catch_unwind(AssertUnwindSafe(|| {
        Outcome::finish(&outcome, -1, String::new)
    }));
    let panic = resumed.unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"callback failed"));
    // The outcome is clear for the next poll.
    assert_eq!(Outcome::finish(&outcome, 3, String::new).unwrap(), 3);
}

/// A `ctx` pointer, handed to another thread as libbpf's is.
#[derive(Clone, Copy)]
struct Ctx(*mut c_void);
// SAFETY: a test's stand-in for libbpf, which calls back on the thread
// that polls.
unsafe impl Send for Ctx {}

/// What libbpf calls: the trampoline for `F`.
type Trampoline = unsafe extern "C" fn(*mut c_void, *mut c_void, libbpf_sys::size_t) -> c_int;

/// `RingBufConsumer::add` without libbpf: the slot kept, its `ctx`, and
/// the trampoline `add` registers with it.
fn keep<'cb, F: FnMut(&Event) + Send + 'cb>(
    consumer: &mut RingBufConsumer<'cb>,
    map: &str,
    callback: F,
) -> (Ctx, Trampoline) {
    let ctx = consumer.keep(RingSlot {
        callback,
        map: map.into(),
        c_type: "struct event",
        outcome: consumer.outcome.ptr(),
    });
    (Ctx(ctx), ring_sample::<Event, F>)
}

/// A sample of `Event` starting at an odd address (samples need not be
/// aligned), with `len` of its bytes.
fn sample(a: u64, len: usize) -> Vec<u8> {
    let mut bytes = vec![0; 1 + 16];
    bytes[1..9].copy_from_slice(&a.to_ne_bytes());
    bytes.truncate(1 + len);
    bytes
}

/// Calls `f` with `ctx` and `bytes` as libbpf does.
fn call(f: Trampoline, ctx: Ctx, bytes: &mut [u8]) -> c_int {
    // SAFETY: `ctx` is the slot `f` was made for, kept by a live
    // consumer; the sample is readable.
    unsafe {
        f(
            ctx.0,
            bytes[1..].as_mut_ptr().cast(),
            (bytes.len() - 1) as _,
        )
    }
}

#[test]
fn a_consumers_slots_stay_valid_wherever_it_moves() {
    let (mut a, mut b) = (vec![], vec![]);
    let mut consumer = RingBufConsumer::new();
    let (ctx_a, fa) = keep(&mut consumer, "a", |e: &Event| a.push(e.a));
    let (ctx_b, fb) = keep(&mut consumer, "b", |e: &Event| b.push(e.a));
    // Moved out of a function and into another thread, as consumers
    // are: libbpf's pointers to the slots and the outcome stay valid.
    fn moved<T>(value: T) -> T {
        std::hint::black_box(value)
    }
    let consumer = moved(consumer);
    let consumer = std::thread::scope(|s| {
        s.spawn(move || {
            assert_eq!(call(fa, ctx_a, &mut sample(1, 16)), 0);
            assert_eq!(call(fb, ctx_b, &mut sample(2, 16)), 0);
            assert_eq!(
                Outcome::finish(consumer.outcome.get(), 2, String::new).unwrap(),
                2
            );
            assert_eq!(call(fb, ctx_b, &mut sample(3, 15)), -1);
            let err = Outcome::finish(consumer.outcome.get(), -1, String::new).unwrap_err();
            assert!(matches!(err, Error::ShortEvent { ref map, actual: 15, .. } if map == "b"));
            consumer
        })
        .join()
        .unwrap()
    });
    drop(consumer);
    assert_eq!((a, b), (vec![1], vec![2]));
}

#[test]
fn perf_slots_decode_count_losses_and_keep_panics() {
    let (mut got, mut lost) = (vec![], vec![]);
    let slot = PerfSlot::new(
        "perf".into(),
        "struct event",
        |cpu, e: &Event| got.push((cpu, e.a)),
        |cpu, n| lost.push((cpu, n)),
    );
    let slot = std::hint::black_box(slot);
    let ctx = slot.ptr().cast::<c_void>();
    let mut bytes = sample(9, 16);
    // SAFETY: `ctx` is a live PerfSlot; the sample is readable.
    unsafe { perf_sample(ctx, 3, bytes[1..].as_mut_ptr().cast(), 16) };
    // SAFETY: as above.
    unsafe { perf_lost(ctx, 1, 42) };
    assert_eq!(
        Outcome::finish(&slot.get().outcome, 0, String::new).unwrap(),
        0
    );
    // SAFETY: as above, 12 readable bytes of the sample.
    unsafe { perf_sample(ctx, 0, bytes[1..].as_mut_ptr().cast(), 12) };
    let err = Outcome::finish(&slot.get().outcome, 0, String::new).unwrap_err();
    assert!(matches!(err, Error::ShortEvent { actual: 12, .. }), "{err}");
    drop(slot);
    assert_eq!((got, lost), (vec![(3, 9)], vec![(1, 42)]));

    let slot = PerfSlot::new(
        "perf".into(),
        "struct event",
        |_, _: &Event| {},
        |_, _| panic!("lost"),
    );
    // SAFETY: a live PerfSlot.
    unsafe { perf_lost(slot.ptr().cast(), 0, 1) };
    let resumed = catch_unwind(AssertUnwindSafe(|| {
        Outcome::finish(&slot.get().outcome, 0, String::new)
    }));
    assert_eq!(resumed.unwrap_err().downcast_ref::<&str>(), Some(&"lost"));
}
