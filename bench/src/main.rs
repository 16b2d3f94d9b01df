//! `make bench`: skel-builder against libbpf-cargo 0.27, side by side, on
//! the same BPF programs, in one run, reported as ratios skel/libbpf-cargo.
//!
//! For each program of the suite (`suite.rs`) it writes two scratch crates
//! under `bench/work/crates/` that differ only in the generator
//! (`scratch.rs`), then times, alternating skel and libbpf-cargo run by run:
//! clean builds, no-op rebuilds, rebuilds after touching an included
//! header, and rustc on the generated skeleton alone; it measures the
//! skeletons' sizes, and runs the criterion benchmark of generation alone
//! (`benches/generate.rs`). Figures go into `bench/RESULTS.md` between
//! its markers and a summary is printed.
//!
//! It also times printing this kernel's `vmlinux.h`, skel-builder against
//! bpftool (`vmlinux_h.rs`); `--only vmlinux_h` runs that row alone. And
//! skel-runtime's typed maps and events against libbpf-rs's byte API at run
//! time (`runtime.rs`, `--only runtime`; needs root).
//!
//! ```text
//! skel-bench [--runs N] [--clean-runs N] [--only PROGRAM|vmlinux_h|runtime]...
//!            [--skip-clean] [--skip-criterion] [--no-write]
//! ```

mod cargo;
mod measure;
mod report;
mod runtime;
mod scratch;
mod suite;
mod vmlinux_h;

use std::path::{Path, PathBuf};
use std::process::Command;

use measure::Sample;
use scratch::{Crate, Generator};
use suite::Program;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[derive(Debug, Clone)]
pub struct Options {
    /// Counted runs of every figure except clean builds.
    pub runs: usize,
    /// Counted clean builds per crate.
    pub clean_runs: usize,
    pub only: Vec<String>,
    pub skip_clean: bool,
    pub skip_criterion: bool,
    pub write: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runs: 5,
            clean_runs: 5,
            only: Vec::new(),
            skip_clean: false,
            skip_criterion: false,
            write: true,
        }
    }
}

/// The figures of one program built with one generator.
#[derive(Debug, Default, Clone)]
pub struct Side {
    pub clean: Vec<Sample>,
    /// Units in each clean build's --timings report.
    pub clean_units: Vec<usize>,
    /// Our build script's run, in each clean build (--timings).
    pub clean_script: Vec<f64>,
    /// The slowest units of the last clean build.
    pub clean_top: Vec<cargo::Unit>,
    pub noop: Vec<Sample>,
    /// No-op rebuilds in which our build script ran.
    pub noop_ran: usize,
    pub touch: Vec<Sample>,
    pub touch_ran: usize,
    pub touch_script: Vec<f64>,
    pub touch_crate: Vec<f64>,
    pub alone: Vec<Sample>,
    pub skeleton_bytes: u64,
    /// The BPF object the skeleton puts into the binary.
    pub embedded_bytes: Option<u64>,
    /// Bytes of the skeleton without an inline object (libbpf-cargo writes
    /// its object into the file as `static DATA: [u8; N] = [..];`, skel
    /// `include_bytes!`s it): the generated Rust code alone.
    pub code_bytes: u64,
    /// What the built binary printed (it opens the skeleton).
    pub opens: String,
    /// The BPF object the build compiled (skel keeps it in OUT_DIR).
    pub object: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct ProgramResult {
    pub program: Program,
    /// skel first, then libbpf-cargo.
    pub sides: [Side; 2],
}

fn main() {
    if let Err(e) = run() {
        eprintln!("skel-bench: error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let options = parse_args()?;
    let bench_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = bench_dir
        .parent()
        .ok_or("bench/ has no parent directory")?
        .to_owned();
    let work = bench_dir.join("work");
    let started = report::Context::collect(&root, &options)?;

    let wanted = |name: &str| options.only.is_empty() || options.only.iter().any(|o| o == name);
    let programs: Vec<Program> = suite::prepare(&root, &work)?
        .into_iter()
        .filter(|p| wanted(p.name))
        .collect();
    if programs.is_empty() && !wanted("vmlinux_h") && !wanted("runtime") {
        return Err(
            "--only matches no program (have tcp_ca, kernel_types, large, vmlinux_h, runtime)"
                .into(),
        );
    }

    let mut results = Vec::new();
    for program in &programs {
        let crates = [
            scratch::create(&root, &work, program, Generator::Skel)?,
            scratch::create(&root, &work, program, Generator::LibbpfCargo)?,
        ];
        results.push(bench_program(&work, program, &crates, &options)?);
    }

    let vmlinux = if wanted("vmlinux_h") {
        Some(vmlinux_h::bench(&work, options.runs)?)
    } else {
        None
    };

    // SAFETY: no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let runtime = if !wanted("runtime") {
        None
    } else if root {
        Some(runtime::bench(options.runs)?)
    } else {
        println!("== runtime: skipped, loading BPF objects needs root (run `sudo make bench`)");
        None
    };

    let generation = if options.skip_criterion || results.is_empty() {
        Vec::new()
    } else {
        run_criterion(&bench_dir, &work, &results)?
    };

    let samples = work.join("samples.tsv");
    write_if_changed(&samples, report::samples_tsv(&results).as_bytes())?;
    println!("every run: {}", samples.display());
    let finished = report::Context::finish(started);
    let mut text = String::new();
    if !results.is_empty() {
        text = report::render(&finished, &options, &results, &generation);
        println!("\n{}", report::summary(&results, &generation));
    }
    if let Some(row) = &vmlinux {
        text.push_str(&vmlinux_h::render(row));
        println!("{}", vmlinux_h::summary(row));
    }
    if let Some(row) = &runtime {
        text.push_str(&runtime::render(row));
        println!("{}", runtime::summary(row));
    }
    // A partial run (--only, --skip-clean, --skip-criterion) or a trial one
    // (--no-write) leaves bench/RESULTS.md, and the prose under its
    // figures, alone.
    let partial = !options.only.is_empty() || options.skip_clean || options.skip_criterion;
    let path = if options.write && !partial {
        bench_dir.join("RESULTS.md")
    } else {
        work.join("RESULTS.md")
    };
    report::write_results(&path, &text)?;
    println!("figures written to {}", path.display());
    Ok(())
}

fn parse_args() -> Result<Options> {
    let mut options = Options::default();
    let mut args = std::env::args().skip(1);
    let all: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, path] = all.as_slice()
        && flag == vmlinux_h::PRINT_ARG
    {
        vmlinux_h::print_and_exit(path);
    }
    while let Some(arg) = args.next() {
        let mut number = |what: &str| -> Result<usize> {
            let value = args
                .next()
                .ok_or_else(|| format!("{what} needs a number"))?;
            match value.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!("{what}: `{value}` is not a positive number").into()),
            }
        };
        match arg.as_str() {
            "--runs" => options.runs = number("--runs")?,
            "--clean-runs" => options.clean_runs = number("--clean-runs")?,
            "--only" => options
                .only
                .push(args.next().ok_or("--only needs a program name")?),
            "--skip-clean" => options.skip_clean = true,
            "--skip-criterion" => options.skip_criterion = true,
            "--no-write" => options.write = false,
            "-h" | "--help" => {
                println!(
                    "usage: skel-bench [--runs N] [--clean-runs N] [--only PROGRAM]... \
                     [--skip-clean] [--skip-criterion] [--no-write]\n\
                     defaults: --runs 5 --clean-runs 5; programs: tcp_ca, kernel_types, large; \
                     vmlinux_h (printing vmlinux.h, skel-builder against bpftool)"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}` (try --help)").into()),
        }
    }
    Ok(options)
}

/// Skel first on even runs, libbpf-cargo first on odd ones.
fn order(run: usize) -> [usize; 2] {
    if run.is_multiple_of(2) {
        [0, 1]
    } else {
        [1, 0]
    }
}

fn bench_program(
    work: &Path,
    program: &Program,
    crates: &[Crate; 2],
    options: &Options,
) -> Result<ProgramResult> {
    let logs = work.join("logs").join(program.name);
    std::fs::create_dir_all(&logs).map_err(|e| format!("create {}: {e}", logs.display()))?;
    let log = |c: &Crate, step: &str, run: usize| {
        logs.join(format!("{}-{step}-{run}.log", c.generator.label()))
    };
    let mut sides: [Side; 2] = Default::default();
    println!("== {} ({})", program.name, program.about);

    // Warm-up, not counted: fetches and builds everything once, and checks
    // that the binary opens its skeleton.
    for (i, c) in crates.iter().enumerate() {
        println!("   warm-up build: {}", c.generator.label());
        measure::run(&mut c.cargo("build"), &log(c, "warmup", 0))?;
        let out = Command::new(c.binary())
            .output()
            .map_err(|e| format!("run {}: {e}", c.binary().display()))?;
        sides[i].opens = if out.status.success() {
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        } else {
            format!(
                "failed: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            )
        };
    }

    if !options.skip_clean {
        for run in 0..options.clean_runs {
            for i in order(run) {
                let c = &crates[i];
                print_step("clean build", c, run, options.clean_runs);
                measure::run(&mut c.cargo("clean"), &log(c, "cargo-clean", run))?;
                let mut cmd = c.cargo("build");
                cmd.arg("--timings");
                let sample = measure::run(&mut cmd, &log(c, "clean", run))?;
                let units = cargo::timings(&c.target_dir)?;
                let side = &mut sides[i];
                side.clean.push(sample);
                side.clean_units.push(units.len());
                side.clean_script.push(own_script_time(&units, c));
                let mut top = units;
                top.sort_by(|a, b| b.duration.total_cmp(&a.duration));
                top.truncate(8);
                side.clean_top = top;
            }
        }
    }

    for run in 0..options.runs {
        for i in order(run) {
            let c = &crates[i];
            print_step("no-op rebuild", c, run, options.runs);
            let mut cmd = c.cargo("build");
            cmd.arg("-v");
            let path = log(c, "noop", run);
            let sample = measure::run(&mut cmd, &path)?;
            sides[i].noop.push(sample);
            if cargo::build_script_ran(&read_log(&path)?, c) {
                sides[i].noop_ran += 1;
            }
        }
    }

    let mut rustc: [Option<(String, Vec<String>)>; 2] = Default::default();
    for run in 0..options.runs {
        for i in order(run) {
            let c = &crates[i];
            print_step("rebuild after touching bench.h", c, run, options.runs);
            touch(&program.header)?;
            let mut cmd = c.cargo("build");
            cmd.args(["-v", "--timings"]);
            let path = log(c, "touch", run);
            let sample = measure::run(&mut cmd, &path)?;
            let text = read_log(&path)?;
            let units = cargo::timings(&c.target_dir)?;
            let side = &mut sides[i];
            side.touch.push(sample);
            if cargo::build_script_ran(&text, c) {
                side.touch_ran += 1;
            }
            side.touch_script.push(own_script_time(&units, c));
            side.touch_crate.push(
                units
                    .iter()
                    .filter(|u| u.name == c.package && !u.target.contains("build-script"))
                    .map(|u| u.duration)
                    .sum(),
            );
            if let Some(found) = cargo::crate_rustc(&text, c) {
                rustc[i] = Some(found);
            }
        }
    }

    // rustc on the skeleton alone, as a library (every item compiled, none
    // dropped as unreachable from main), with cargo's dev flags.
    for i in 0..2 {
        let c = &crates[i];
        if rustc[i].is_none() {
            // The binary was not recompiled above: make cargo show its rustc line.
            touch(&c.dir.join("src/main.rs"))?;
            let mut cmd = c.cargo("build");
            cmd.arg("-v");
            let path = log(c, "link-args", 0);
            measure::run(&mut cmd, &path)?;
            rustc[i] = cargo::crate_rustc(&read_log(&path)?, c);
        }
    }
    let skeletons = [
        cargo::skeleton_path(&crates[0], program.name)?,
        cargo::skeleton_path(&crates[1], program.name)?,
    ];
    for run in 0..options.runs {
        for i in order(run) {
            let c = &crates[i];
            print_step("rustc on the skeleton alone", c, run, options.runs);
            let (rustc_path, args) = rustc[i]
                .as_ref()
                .ok_or_else(|| format!("no rustc line for {} in the cargo logs", c.package))?;
            let out = logs.join(format!("{}-rustc-out", c.generator.label()));
            std::fs::create_dir_all(&out).map_err(|e| format!("create {}: {e}", out.display()))?;
            let mut cmd = scratch::clean_command(rustc_path);
            cmd.args(["--crate-name", "skel_only", "--edition", "2021"])
                .args(["--crate-type", "lib", "--emit", "link", "-C", "debuginfo=2"])
                .arg("--out-dir")
                .arg(&out)
                .args(args)
                .arg(c.dir.join("skel_only.rs"))
                .env(
                    "OUT_DIR",
                    skeletons[i].parent().ok_or("skeleton has no directory")?,
                );
            let sample = measure::run(&mut cmd, &log(c, "alone", run))?;
            sides[i].alone.push(sample);
        }
    }

    for i in 0..2 {
        let text = std::fs::read_to_string(&skeletons[i])
            .map_err(|e| format!("read {}: {e}", skeletons[i].display()))?;
        sides[i].skeleton_bytes = text.len() as u64;
        sides[i].embedded_bytes = embedded_bytes(&text, skeletons[i].parent());
        sides[i].code_bytes = (text.len() - inline_object_len(&text)) as u64;
    }
    let object = skeletons[0].with_file_name(format!("{}.bpf.o", program.name));
    sides[0].object = Some(object);
    Ok(ProgramResult {
        program: program.clone(),
        sides,
    })
}

fn print_step(what: &str, c: &Crate, run: usize, runs: usize) {
    println!("   {what}: {} ({}/{runs})", c.generator.label(), run + 1);
}

fn own_script_time(units: &[cargo::Unit], c: &Crate) -> f64 {
    units
        .iter()
        .filter(|u| u.name == c.package && u.is_build_script_run())
        .map(|u| u.duration)
        .sum()
}

fn read_log(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()).into())
}

fn touch(path: &Path) -> Result<()> {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .map_err(|e| format!("open {}: {e}", path.display()))?;
    file.set_modified(std::time::SystemTime::now())
        .map_err(|e| format!("touch {}: {e}", path.display()).into())
}

/// The size of the BPF object a skeleton embeds: skel's `include_bytes!`
/// file (a path, or `concat!(env!("OUT_DIR"), "/x.bpf.o")` resolved in
/// `out_dir`), or libbpf-cargo's inline `static DATA: [u8; N]`.
fn embedded_bytes(skeleton: &str, out_dir: Option<&Path>) -> Option<u64> {
    if let Some(at) = skeleton.find("include_bytes!(") {
        let rest = &skeleton[at..];
        let call = &rest[..rest.find(';')?];
        let start = call.rfind('"')?;
        let begin = call[..start].rfind('"')? + 1;
        let literal = &call[begin..start];
        let path = if call.contains("env!(\"OUT_DIR\")") {
            out_dir?.join(literal.trim_start_matches('/'))
        } else {
            PathBuf::from(literal)
        };
        return std::fs::metadata(path).ok().map(|m| m.len());
    }
    let at = skeleton.find("static DATA: [u8; ")? + "static DATA: [u8; ".len();
    let end = at + skeleton[at..].find(']')?;
    skeleton[at..end].trim().parse().ok()
}

/// Bytes of libbpf-cargo's inline object, `static DATA: [u8; N] = [..];`
/// (0 when the skeleton has none).
fn inline_object_len(skeleton: &str) -> usize {
    let Some(at) = skeleton.find("static DATA: [u8; ") else {
        return 0;
    };
    skeleton[at..].find("];").map_or(0, |end| end + 2)
}

/// One criterion figure: median nanoseconds per iteration.
#[derive(Debug, Clone)]
pub struct Generation {
    pub program: String,
    /// "linked" or "embedded" (skel's embedded copy: DWARF removed, BTF
    /// types merged).
    pub object: String,
    /// "skel", "libbpf-cargo", "libbpf-cargo-no-rustfmt".
    pub function: String,
    pub median_ns: f64,
}

fn run_criterion(
    bench_dir: &Path,
    work: &Path,
    results: &[ProgramResult],
) -> Result<Vec<Generation>> {
    // Every generator reads the object skel's build compiled.
    let mut list = String::new();
    for r in results {
        let object = r.sides[0]
            .object
            .as_ref()
            .ok_or_else(|| format!("no object for {}", r.program.name))?;
        list.push_str(&format!("{}\t{}\n", r.program.name, object.display()));
    }
    let gen_work = work.join("criterion-work");
    std::fs::create_dir_all(&gen_work)
        .map_err(|e| format!("create {}: {e}", gen_work.display()))?;
    let list_path = gen_work.join("objects.txt");
    write_if_changed(&list_path, list.as_bytes())?;
    let home = work.join("criterion");
    let _ = std::fs::remove_dir_all(&home);

    println!("== generation alone (criterion, in-process, release build)");
    let mut cmd = scratch::clean_command("cargo");
    cmd.args(["bench", "--bench", "generate", "--manifest-path"])
        .arg(bench_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(work.join("target"))
        .env("SKEL_BENCH_OBJECTS", &list_path)
        .env("SKEL_BENCH_WORK", &gen_work)
        .env("CRITERION_HOME", &home);
    let log = work.join("logs").join("criterion.log");
    measure::run(&mut cmd, &log)?;

    let mut figures = Vec::new();
    for p in results.iter().map(|r| &r.program) {
        for object in ["linked", "embedded"] {
            for function in ["skel", "libbpf-cargo", "libbpf-cargo-no-rustfmt"] {
                let path = home
                    .join(format!("{}-{object}", p.name))
                    .join(function)
                    .join("new/estimates.json");
                let text = read_log(&path)?;
                let value: serde_json::Value =
                    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
                let median_ns = value["median"]["point_estimate"]
                    .as_f64()
                    .ok_or_else(|| format!("{}: no median", path.display()))?;
                figures.push(Generation {
                    program: p.name.to_owned(),
                    object: object.to_owned(),
                    function: function.to_owned(),
                    median_ns,
                });
            }
        }
    }
    Ok(figures)
}

/// Writes `bytes` to `path` unless it already holds them (keeps mtimes, so
/// reruns of the harness do not dirty the scratch crates).
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<()> {
    if std::fs::read(path).ok().as_deref() == Some(bytes) {
        return Ok(());
    }
    std::fs::write(path, bytes).map_err(|e| format!("write {}: {e}", path.display()).into())
}
