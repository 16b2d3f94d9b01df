//! The vmlinux.h row: printing this kernel's BTF as C, skel-builder's
//! printer (`skel_builder::vmlinux_h`) against `bpftool btf dump file
//! /sys/kernel/btf/vmlinux format c`, side by side in one run.
//!
//! Both run as whole processes the same way (`measure::run`, stdout into a
//! file): bpftool, and this benchmark's own release binary started with
//! `--print-vmlinux-h` (which reads the BTF, prints the header to stdout
//! and exits). One warm-up each (page cache), then alternating runs.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::Result;
use crate::measure::{self, Sample};
use crate::report::median;

pub const KERNEL_BTF: &str = "/sys/kernel/btf/vmlinux";

/// The hidden argument that makes this binary print a vmlinux.h.
pub const PRINT_ARG: &str = "--print-vmlinux-h";

#[derive(Debug, Clone, Default)]
pub struct Row {
    /// skel-builder first, then bpftool.
    pub samples: [Vec<Sample>; 2],
    pub bytes: [u64; 2],
    pub lines: [usize; 2],
    pub btf_bytes: u64,
}

/// `--print-vmlinux-h PATH`: prints PATH's BTF as C to stdout, as it goes
/// (as bpftool does).
pub fn print_and_exit(path: &str) -> ! {
    use std::io::Write as _;
    let source = skel_builder::vmlinux_h::BtfSource::File(path.into());
    let mut out = std::io::stdout().lock();
    match skel_builder::vmlinux_h::generate_to(&source, None, &mut out) {
        Ok(()) => {
            if out.flush().is_err() {
                std::process::exit(1);
            }
            std::process::exit(0);
        }
        Err(e) => {
            eprintln!("{}", e.report());
            std::process::exit(1);
        }
    }
}

fn commands() -> Result<[Command; 2]> {
    let me = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut ours = Command::new(me);
    ours.args([PRINT_ARG, KERNEL_BTF]);
    let mut bpftool = Command::new("bpftool");
    bpftool.args(["btf", "dump", "file", KERNEL_BTF, "format", "c"]);
    Ok([ours, bpftool])
}

const LABELS: [&str; 2] = ["skel-builder", "bpftool"];

pub fn bench(work: &Path, runs: usize) -> Result<Row> {
    let dir = work.join("vmlinux_h");
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let out = |i: usize, run: &str| dir.join(format!("{}-{run}.h", LABELS[i]));
    println!("== vmlinux.h from {KERNEL_BTF}: skel-builder against bpftool");
    let mut row = Row {
        btf_bytes: std::fs::read(KERNEL_BTF).map_or(0, |b| b.len() as u64),
        ..Row::default()
    };
    for i in 0..2 {
        let mut cmds = commands()?;
        println!("   warm-up: {}", LABELS[i]);
        measure::run(&mut cmds[i], &out(i, "warmup"))?;
        let text = std::fs::read_to_string(out(i, "warmup")).unwrap_or_default();
        row.bytes[i] = text.len() as u64;
        row.lines[i] = text.lines().count();
    }
    for run in 0..runs {
        let order = if run % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            let mut cmds = commands()?;
            println!("   vmlinux.h: {} (run {}/{runs})", LABELS[i], run + 1);
            let sample = measure::run(&mut cmds[i], &out(i, "run"))?;
            row.samples[i].push(sample);
        }
    }
    Ok(row)
}

fn medians(row: &Row, f: impl Fn(&Sample) -> f64) -> [f64; 2] {
    [0, 1].map(|i| median(&row.samples[i].iter().map(&f).collect::<Vec<_>>()))
}

/// The section for RESULTS.md.
pub fn render(row: &Row) -> String {
    let wall = medians(row, |s| s.wall);
    let cpu = medians(row, |s| s.cpu);
    let rss = medians(row, |s| s.max_rss_kib as f64 / 1024.0);
    let mut out = String::new();
    let _ = writeln!(out, "### Printing vmlinux.h\n");
    let _ = writeln!(
        out,
        "This kernel's BTF (`{KERNEL_BTF}`, {:.1} MB) printed as C: skel-builder's printer \
         (a release build, as a process: this benchmark's binary with `{PRINT_ARG}`) against \
         `bpftool btf dump file {KERNEL_BTF} format c`; one warm-up each, then {} runs each, \
         alternating. Medians; goals: at most 0.5x bpftool's time and 1.0x its peak RSS.\n",
        row.btf_bytes as f64 / 1e6,
        row.samples[0].len()
    );
    let _ = writeln!(out, "| | skel-builder | bpftool | ratio |");
    let _ = writeln!(out, "|---|---|---|---|");
    let _ = writeln!(
        out,
        "| wall time | {:.3} s | {:.3} s | **{:.2}x** |",
        wall[0],
        wall[1],
        wall[0] / wall[1]
    );
    let _ = writeln!(
        out,
        "| CPU time | {:.3} s | {:.3} s | {:.2}x |",
        cpu[0],
        cpu[1],
        cpu[0] / cpu[1]
    );
    let _ = writeln!(
        out,
        "| peak RSS | {:.0} MiB | {:.0} MiB | {:.2}x |",
        rss[0],
        rss[1],
        rss[0] / rss[1]
    );
    let _ = writeln!(
        out,
        "| header | {} lines, {:.2} MB | {} lines, {:.2} MB | |",
        row.lines[0],
        row.bytes[0] as f64 / 1e6,
        row.lines[1],
        row.bytes[1] as f64 / 1e6
    );
    let _ = writeln!(
        out,
        "\nEvery run (wall s): skel-builder {:?}; bpftool {:?}\n",
        row.samples[0]
            .iter()
            .map(|s| round3(s.wall))
            .collect::<Vec<_>>(),
        row.samples[1]
            .iter()
            .map(|s| round3(s.wall))
            .collect::<Vec<_>>()
    );
    out
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// One line for the printed summary.
pub fn summary(row: &Row) -> String {
    let wall = medians(row, |s| s.wall);
    let rss = medians(row, |s| s.max_rss_kib as f64 / 1024.0);
    format!(
        "vmlinux.h printing, skel-builder / bpftool (median): wall {:.3} s / {:.3} s = {:.2}x (goal <= 0.5x), peak RSS {:.0} / {:.0} MiB = {:.2}x (goal <= 1.0x)",
        wall[0],
        wall[1],
        wall[0] / wall[1],
        rss[0],
        rss[1],
        rss[0] / rss[1]
    )
}
