//! The runtime rows: skel-runtime's typed maps and events against
//! libbpf-rs's byte API, on the same map of the same loaded object, in one
//! process, batch by batch, alternating (`--only runtime`; needs root).
//!
//! - map: a batch is `OPS` lookups and updates of a 32-byte value in a
//!   hash map (bump a counter): `maps.table_typed()` against
//!   `MapCore::lookup`/`update` with byte slices;
//! - events: a tracepoint fills the ring buffer with `EVENTS` 32-byte
//!   samples at once (bpf_loop), then one consumer drains them, summing a
//!   field: `maps.samples_typed().consumer(|s: &sample| ..)` against
//!   libbpf-rs's `RingBufferBuilder` with a `&[u8]` callback. Only the
//!   draining is timed.

use std::fmt::Write as _;
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

#[derive(Debug, Default, Clone)]
pub struct Row {
    /// Nanoseconds per lookup+update: typed, bytes.
    pub map_ns: [Vec<f64>; 2],
    /// Events consumed per second: typed, raw.
    pub events_per_s: [Vec<f64>; 2],
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
    open.with(|open| -> skel_runtime::Result<()> {
        open.maps.rodata_data_mut()?.target_tid = tid;
        Ok(())
    })?;
    let mut skel = open.load()?;
    skel.attach()?;
    skel.with(|skel| -> skel_runtime::Result<()> {
        skel.maps.bss_data_mut()?.burst = EVENTS;
        Ok(())
    })?;
    let skel = skel.get();

    let typed = skel.maps.table_typed();
    let raw = skel.maps.table();
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
            typed.update(&key, &v, MapFlags::ANY)?;
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

    let samples = skel.maps.samples_typed();
    let sum_typed = std::cell::Cell::new(0u64);
    let count_typed = std::cell::Cell::new(0u32);
    let mut typed_consumer = samples.consumer(|s: &skel::types::sample| {
        sum_typed.set(sum_typed.get().wrapping_add(s.seq));
        count_typed.set(count_typed.get() + 1);
    })?;
    let sum_raw = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let count_raw = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let raw_map = skel.maps.samples();
    let (sr, cr) = (sum_raw.clone(), count_raw.clone());
    let mut builder = RingBufferBuilder::new();
    builder.add(&raw_map, move |data: &[u8]| {
        let seq = data
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u64::from_ne_bytes);
        sr.set(sr.get().wrapping_add(seq));
        cr.set(cr.get() + 1);
        0
    })?;
    let raw_consumer = builder.build()?;
    let mut drain = |typed: bool| -> Result<f64> {
        fill_ring();
        let start = Instant::now();
        let consumed = if typed {
            count_typed.set(0);
            while count_typed.get() < EVENTS {
                if typed_consumer.consume()? == 0 {
                    typed_consumer.poll(Duration::from_millis(100))?;
                }
            }
            count_typed.get()
        } else {
            count_raw.set(0);
            while count_raw.get() < EVENTS {
                raw_consumer.consume()?;
            }
            count_raw.get()
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
    if sum_typed.get() == 0 || sum_raw.get() == 0 {
        return Err("the consumers saw no events".into());
    }
    Ok(row)
}

/// The median over rounds of typed / raw.
fn ratio(pairs: &[Vec<f64>; 2]) -> f64 {
    let ratios: Vec<f64> = pairs[0].iter().zip(&pairs[1]).map(|(t, r)| t / r).collect();
    median(&ratios)
}

/// The section for RESULTS.md.
pub fn render(row: &Row) -> String {
    let map = [median(&row.map_ns[0]), median(&row.map_ns[1])];
    let events = [median(&row.events_per_s[0]), median(&row.events_per_s[1])];
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
         the draining is timed).\n",
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
    out.push('\n');
    out
}

pub fn summary(row: &Row) -> String {
    let map = ratio(&row.map_ns);
    let events = ratio(&row.events_per_s);
    format!(
        "runtime: typed map lookup+update {map:.2}x libbpf-rs's time (goal <= 1.05x); \
         typed ring buffer events {events:.2}x raw's rate (goal >= 0.95x)"
    )
}
