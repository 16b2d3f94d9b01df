//! The runtime rows: skel-runtime's typed maps and events against
//! libbpf-rs's byte API, on the same map of the same loaded object, in one
//! process, batch by batch, alternating (`--only runtime`; needs root).
//!
//! - map: a batch is `OPS` lookups and updates of a 32-byte value in a
//!   hash map (bump a counter): the typed handle `maps().table()` against
//!   libbpf-rs's `MapCore::lookup`/`update` with byte slices on the same
//!   map (`maps().table().libbpf()`);
//! - events: a tracepoint fills the ring buffer with `EVENTS` 32-byte
//!   samples at once (bpf_loop), then one consumer drains them, summing a
//!   field: `maps().samples().consumer(|s: &sample| ..)` against
//!   libbpf-rs's `RingBufferBuilder` with a `&[u8]` callback. Only the
//!   draining is timed;
//! - iteration: reading every entry of a `ENTRIES`-entry hash map (u32
//!   keys, 32-byte values), summing a field: `maps().entries().iter()`
//!   (batch lookups) against libbpf-rs's `keys()` and a `lookup()` per
//!   key.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use skel_runtime::libbpf_rs::{MapCore as _, MapFlags, RingBufferBuilder};

use crate::Result;
use crate::report::median;

mod skel {
    include!(concat!(env!("OUT_DIR"), "/runtime.skel.rs"));
}

/// Lookups and updates per map batch.
const OPS: u32 = 20_000;
/// Keys the batch cycles through.
const KEYS: u32 = 1024;
/// Samples per event batch.
const EVENTS: u32 = 100_000;
/// Entries of the map the iteration row reads whole.
const ENTRIES: u32 = 100_000;

#[derive(Debug, Default, Clone)]
pub struct Row {
    /// Nanoseconds per lookup+update: typed, bytes.
    pub map_ns: [Vec<f64>; 2],
    /// Events consumed per second: typed, raw.
    pub events_per_s: [Vec<f64>; 2],
    /// Nanoseconds per entry reading a whole map: typed `iter()`, raw
    /// `keys()` + `lookup()`.
    pub iter_ns: [Vec<f64>; 2],
}

fn gettid() -> u32 {
    // SAFETY: no preconditions.
    (unsafe { libc::syscall(libc::SYS_gettid) }) as u32
}

fn fill_ring() {
    // SAFETY: no preconditions; the tracepoint fills the ring buffer.
    unsafe { libc::syscall(libc::SYS_getppid) };
}

/// Rounds per row: at least this many, however few `--runs`.
const MIN_ROUNDS: usize = 15;

pub fn bench(runs: usize) -> Result<Row> {
    // Many short rounds, each one typed and one raw batch back to back (in
    // alternating order): the shared machine's speed drifts over seconds,
    // so the ratio is taken within each round and the median of those
    // ratios is the figure.
    let runs = (runs * 3).max(MIN_ROUNDS);
    println!("== runtime: typed maps and events against libbpf-rs's byte API");
    let tid = gettid();
    let mut open = skel::RuntimeSkelBuilder::default().open_owned()?;
    open.with(|open| open.maps_mut().rodata().target_tid = tid);
    let mut skel = open.load()?;
    skel.attach()?;
    let skel = skel.get();
    // .bss is live after load: a volatile store, no exclusive borrow.
    skel.maps().bss().set_burst(EVENTS);

    let typed = skel.maps().table();
    let raw = typed
        .libbpf()
        .ok_or("map `table` has no libbpf-rs handle")?;
    for key in 0..KEYS {
        typed.insert(&key, &skel::types::value::default())?;
    }
    let mut row = Row::default();
    let typed_batch = || -> Result<f64> {
        let start = Instant::now();
        for i in 0..OPS {
            let key = i % KEYS;
            let mut v = typed.lookup(&key)?.ok_or("a key went missing")?;
            v.count += 1;
            typed.update(&key, &v, skel_runtime::maps::MapFlags::ANY)?;
        }
        Ok(start.elapsed().as_nanos() as f64 / f64::from(OPS))
    };
    let raw_batch = || -> Result<f64> {
        let start = Instant::now();
        for i in 0..OPS {
            let key = (i % KEYS).to_ne_bytes();
            let mut v = raw
                .lookup(&key, MapFlags::ANY)?
                .ok_or("a key went missing")?;
            let count = u64::from_ne_bytes(v[..8].try_into().map_err(|_| "short value")?) + 1;
            v[..8].copy_from_slice(&count.to_ne_bytes());
            raw.update(&key, &v, MapFlags::ANY)?;
        }
        Ok(start.elapsed().as_nanos() as f64 / f64::from(OPS))
    };
    typed_batch()?;
    raw_batch()?;
    for run in 0..runs {
        let (a, b) = if run % 2 == 0 { (0, 1) } else { (1, 0) };
        for side in [a, b] {
            let ns = if side == 0 {
                typed_batch()?
            } else {
                raw_batch()?
            };
            row.map_ns[side].push(ns);
        }
        println!("   map lookup+update: run {}/{runs}", run + 1);
    }

    // Both sides count in atomics: the typed consumer's callbacks must be
    // `Send` (a consumer can move to another thread), so no `Cell`.
    // Relaxed loads and stores (no read-modify-write) are plain moves on
    // x86-64, as the `Cell`s they replace were.
    let bump32 = |a: &AtomicU32| a.store(a.load(Relaxed) + 1, Relaxed);
    let add64 = |a: &AtomicU64, n: u64| a.store(a.load(Relaxed).wrapping_add(n), Relaxed);
    let samples = skel.maps().samples();
    let (sum_typed, count_typed) = (AtomicU64::new(0), AtomicU32::new(0));
    let mut typed_consumer = samples.consumer(|s: &skel::types::sample| {
        add64(&sum_typed, s.seq);
        bump32(&count_typed);
    })?;
    let (sum_raw, count_raw) = (AtomicU64::new(0), AtomicU32::new(0));
    let raw_map = samples
        .libbpf()
        .ok_or("map `samples` has no libbpf-rs handle")?;
    let mut builder = RingBufferBuilder::new();
    builder.add(&raw_map, |data: &[u8]| {
        let seq = data
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u64::from_ne_bytes);
        add64(&sum_raw, seq);
        bump32(&count_raw);
        0
    })?;
    let raw_consumer = builder.build()?;
    let mut drain = |typed: bool| -> Result<f64> {
        fill_ring();
        let start = Instant::now();
        let consumed = if typed {
            count_typed.store(0, Relaxed);
            while count_typed.load(Relaxed) < EVENTS {
                if typed_consumer.consume()? == 0 {
                    typed_consumer.poll(Duration::from_millis(100))?;
                }
            }
            count_typed.load(Relaxed)
        } else {
            count_raw.store(0, Relaxed);
            while count_raw.load(Relaxed) < EVENTS {
                raw_consumer.consume()?;
            }
            count_raw.load(Relaxed)
        };
        Ok(f64::from(consumed) / start.elapsed().as_secs_f64())
    };
    drain(true)?;
    drain(false)?;
    for run in 0..runs {
        let order = if run % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for typed in order {
            let rate = drain(typed)?;
            row.events_per_s[usize::from(!typed)].push(rate);
        }
        println!("   ring buffer drain: run {}/{runs}", run + 1);
    }
    if sum_typed.load(Relaxed) == 0 || sum_raw.load(Relaxed) == 0 {
        return Err("the consumers saw no events".into());
    }

    bench_iter(skel, runs, &mut row)?;
    Ok(row)
}

/// The iteration row: a whole `ENTRIES`-entry hash map read by typed
/// `iter()` (batch lookups) and by libbpf-rs's `keys()` + `lookup()`, in
/// rounds of one pass each, back to back, order alternating.
fn bench_iter(skel: &skel::RuntimeSkel<'_>, runs: usize, row: &mut Row) -> Result<()> {
    let typed = skel.maps().entries();
    let raw = typed
        .libbpf()
        .ok_or("map `entries` has no libbpf-rs handle")?;
    let keys: Vec<u32> = (0..ENTRIES).collect();
    let values: Vec<skel::types::value> = keys
        .iter()
        .map(|&k| skel::types::value {
            count: u64::from(k),
            ..Default::default()
        })
        .collect();
    typed.update_batch(&keys, &values)?;
    // Each pass sums keys and counts: both must see every entry once.
    let expected: u64 = keys.iter().map(|&k| 2 * u64::from(k)).sum();
    let typed_pass = || -> Result<f64> {
        let start = Instant::now();
        let (mut n, mut sum) = (0u32, 0u64);
        for entry in typed.iter() {
            let (k, v) = entry?;
            sum += u64::from(k) + v.count;
            n += 1;
        }
        let ns = start.elapsed().as_nanos() as f64 / f64::from(ENTRIES);
        if n != ENTRIES || sum != expected {
            return Err(format!("typed iter() read {n} entries, sum {sum}").into());
        }
        Ok(ns)
    };
    let raw_pass = || -> Result<f64> {
        let start = Instant::now();
        let (mut n, mut sum) = (0u32, 0u64);
        for key in raw.keys() {
            let value = raw
                .lookup(&key, MapFlags::ANY)?
                .ok_or("a key went missing")?;
            let k = key
                .get(..4)
                .and_then(|b| b.try_into().ok())
                .ok_or("short key")?;
            let count = value
                .get(..8)
                .and_then(|b| b.try_into().ok())
                .ok_or("short value")?;
            let (k, count) = (u32::from_ne_bytes(k), u64::from_ne_bytes(count));
            sum += u64::from(k) + count;
            n += 1;
        }
        let ns = start.elapsed().as_nanos() as f64 / f64::from(ENTRIES);
        if n != ENTRIES || sum != expected {
            return Err(format!("keys() + lookup() read {n} entries, sum {sum}").into());
        }
        Ok(ns)
    };
    typed_pass()?;
    raw_pass()?;
    for run in 0..runs {
        let order = if run % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            let ns = if side == 0 {
                typed_pass()?
            } else {
                raw_pass()?
            };
            row.iter_ns[side].push(ns);
        }
        println!("   map iteration: run {}/{runs}", run + 1);
    }
    Ok(())
}

/// The median over rounds of typed / raw.
fn ratio(pairs: &[Vec<f64>; 2]) -> f64 {
    let ratios: Vec<f64> = pairs[0].iter().zip(&pairs[1]).map(|(t, r)| t / r).collect();
    median(&ratios)
}

/// The median over rounds of raw time / typed time: how many times faster
/// typed is.
fn speedup(pairs: &[Vec<f64>; 2]) -> f64 {
    let ratios: Vec<f64> = pairs[0].iter().zip(&pairs[1]).map(|(t, r)| r / t).collect();
    median(&ratios)
}

/// The section for RESULTS.md.
pub fn render(row: &Row) -> String {
    let map = [median(&row.map_ns[0]), median(&row.map_ns[1])];
    let events = [median(&row.events_per_s[0]), median(&row.events_per_s[1])];
    let iter = [median(&row.iter_ns[0]), median(&row.iter_ns[1])];
    let mut out = String::new();
    let _ = writeln!(out, "### Typed maps and events at run time\n");
    let _ = writeln!(
        out,
        "One loaded object (`bench/bpf/runtime.bpf.c`), in one process, batches alternating \
         typed and libbpf-rs's byte API, in {} rounds of one typed and one raw batch back to \
         back (order alternating). Times and rates are medians over rounds; the ratio is the \
         median of the rounds' own ratios (the shared machine's speed drifts between rounds). \
         A map batch is {OPS} lookups and updates of a 32-byte value in a hash map; an event \
         batch drains {EVENTS} 32-byte ring buffer samples a tracepoint wrote at once (only \
         the draining is timed). The iteration row reads every entry of a {ENTRIES}-entry hash \
         map (u32 keys, 32-byte values): skel's `iter()` (batch lookups) against libbpf-rs's \
         `keys()` and a `lookup()` per key; its ratio is raw time / typed time.\n",
        row.map_ns[0].len()
    );
    let _ = writeln!(out, "| | skel (typed) | libbpf-rs (bytes) | ratio | goal |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    let _ = writeln!(
        out,
        "| map lookup+update, time per pair | {:.0} ns | {:.0} ns | **{:.2}x** | ≤ 1.05x |",
        map[0],
        map[1],
        ratio(&row.map_ns)
    );
    let _ = writeln!(
        out,
        "| ring buffer events consumed per second | {:.2} M/s | {:.2} M/s | **{:.2}x** | ≥ 0.95x |",
        events[0] / 1e6,
        events[1] / 1e6,
        ratio(&row.events_per_s)
    );
    let _ = writeln!(
        out,
        "| read a {ENTRIES}-entry hash map, time per entry | {:.0} ns | {:.0} ns | **{:.1}x faster** | ≥ 5x |",
        iter[0],
        iter[1],
        speedup(&row.iter_ns)
    );
    out.push('\n');
    out
}

pub fn summary(row: &Row) -> String {
    let map = ratio(&row.map_ns);
    let events = ratio(&row.events_per_s);
    let iter = speedup(&row.iter_ns);
    format!(
        "runtime: typed map lookup+update {map:.2}x libbpf-rs's time (goal <= 1.05x); \
         typed ring buffer events {events:.2}x raw's rate (goal >= 0.95x); \
         typed iter() over {ENTRIES} entries {iter:.1}x faster than keys() + lookup() (goal >= 5x)"
    )
}
