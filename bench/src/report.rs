//! Turns the figures into Markdown: the section of `bench/RESULTS.md`
//! between its markers, and the summary printed at the end.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::measure::{SAMPLE_EVERY, Sample};
use crate::{Generation, Options, ProgramResult, Result, Side};

const BEGIN: &str = "<!-- figures: begin (written by `make bench`; edits here are overwritten) -->";
const END: &str = "<!-- figures: end -->";

/// When, where and with what the benchmark ran.
#[derive(Debug, Clone)]
pub struct Context {
    pub date: String,
    pub machine: Vec<String>,
    pub versions: Vec<String>,
    pub load_start: String,
    pub load_end: String,
    pub runs: String,
}

impl Context {
    pub fn collect(root: &Path, options: &Options) -> Result<Context> {
        let date = first_line(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]));
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_else(|| "unknown CPU".to_owned());
        let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let mem_gib = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|l| l.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
        let os = std::fs::read_to_string("/etc/os-release")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|l| l.trim_matches('"').to_owned())
            .unwrap_or_default();
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let machine = vec![
            format!("{cpu}, {cpus} CPUs available, {mem_gib:.0} GiB RAM"),
            format!("{os}, Linux {}", kernel.trim()),
        ];

        let lock = std::fs::read_to_string(root.join("bench/Cargo.lock")).unwrap_or_default();
        let locked = |name: &str| locked_version(&lock, name).unwrap_or_else(|| "?".to_owned());
        let git = first_line(Command::new("git").arg("-C").arg(root).args([
            "describe",
            "--always",
            "--dirty",
            "--abbrev=12",
        ]));
        let versions = vec![
            format!(
                "skel-builder {} (git {git}), libbpf-cargo {}, libbpf-rs {}, libbpf-sys {}",
                workspace_version(root).unwrap_or_else(|| "?".to_owned()),
                locked("libbpf-cargo"),
                locked("libbpf-rs"),
                locked("libbpf-sys"),
            ),
            format!(
                "{}; {}",
                first_line(Command::new("rustc").arg("-V")),
                first_line(Command::new("cargo").arg("-V"))
            ),
            format!(
                "{}; {}",
                first_line(Command::new(crate::scratch::clang()).arg("--version")),
                first_line(Command::new("bpftool").arg("version"))
            ),
        ];
        Ok(Context {
            date,
            machine,
            versions,
            load_start: load_average(),
            load_end: String::new(),
            runs: format!(
                "{} clean builds and {} runs of every other figure per crate, skel and \
                 libbpf-cargo alternating; criterion: 10 samples after 1 s of warm-up",
                options.clean_runs, options.runs
            ),
        })
    }

    pub fn finish(mut self) -> Context {
        self.load_end = load_average();
        self
    }
}

fn first_line(cmd: &mut Command) -> String {
    cmd.output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| format!("{:?}: unavailable", cmd.get_program()))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn locked_version(lock: &str, name: &str) -> Option<String> {
    let at = lock.find(&format!("name = \"{name}\"\nversion = \""))?;
    let rest = &lock[at..];
    let start = rest.find("version = \"")? + "version = \"".len();
    let end = start + rest[start..].find('"')?;
    Some(rest[start..end].to_owned())
}

fn workspace_version(root: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).ok()?;
    let package = &manifest[manifest.find("[workspace.package]")?..];
    let line = package.lines().find(|l| l.starts_with("version"))?;
    Some(line.split('"').nth(1)?.to_owned())
}

// ---- statistics and formatting

/// The median (NaN for no values); shared by every figure of the bench.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn seconds(s: f64) -> String {
    if s.is_nan() {
        "–".to_owned()
    } else if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else if s < 10.0 {
        format!("{s:.2} s")
    } else {
        format!("{s:.1} s")
    }
}

fn nanos(ns: f64) -> String {
    if ns < 1e6 {
        format!("{:.0} µs", ns / 1e3)
    } else {
        seconds(ns / 1e9)
    }
}

fn mib(kib: f64) -> String {
    if kib.is_nan() {
        "–".to_owned()
    } else {
        format!("{:.0} MiB", kib / 1024.0)
    }
}

fn ratio(a: f64, b: f64) -> String {
    if a.is_nan() || b.is_nan() || b == 0.0 {
        "–".to_owned()
    } else {
        format!("{:.2}×", a / b)
    }
}

fn bytes(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A figure taken from each of a side's samples.
fn pick(samples: &[Sample], f: impl Fn(&Sample) -> f64) -> Vec<f64> {
    samples.iter().map(f).collect()
}

/// "median [min–max]" for several values, the value alone for one.
fn spread(values: &[f64], show: impl Fn(f64) -> String) -> String {
    match values.len() {
        0 => "–".to_owned(),
        1 => show(values[0]),
        _ => {
            let min = values.iter().copied().fold(f64::INFINITY, f64::min);
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!("{} [{}–{}]", show(median(values)), show(min), show(max))
        }
    }
}

struct Row<'a> {
    figure: &'a str,
    values: [Vec<f64>; 2],
    show: fn(f64) -> String,
}

fn table_rows(out: &mut String, rows: &[Row]) {
    out.push_str("| figure | skel | libbpf-cargo | skel / libbpf-cargo |\n|---|---|---|---|\n");
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            row.figure,
            spread(&row.values[0], row.show),
            spread(&row.values[1], row.show),
            ratio(median(&row.values[0]), median(&row.values[1]))
        );
    }
}

fn per_side(sides: &[Side; 2], f: impl Fn(&Side) -> Vec<f64>) -> [Vec<f64>; 2] {
    [f(&sides[0]), f(&sides[1])]
}

fn generation(figures: &[Generation], program: &str, object: &str, function: &str) -> f64 {
    figures
        .iter()
        .find(|g| g.program == program && g.object == object && g.function == function)
        .map_or(f64::NAN, |g| g.median_ns)
}

/// The headline: one ratio per figure and program, against the targets.
pub fn summary(results: &[ProgramResult], figures: &[Generation]) -> String {
    let mut out = String::new();
    out.push_str("| figure (median, skel / libbpf-cargo) | target |");
    for r in results {
        let _ = write!(out, " {} |", r.program.name);
    }
    out.push_str("\n|---|---|");
    for _ in results {
        out.push_str("---|");
    }
    out.push('\n');
    let mut line = |figure: &str, target: &str, cell: &dyn Fn(&ProgramResult) -> String| {
        let _ = write!(out, "| {figure} | {target} |");
        for r in results {
            let _ = write!(out, " {} |", cell(r));
        }
        out.push('\n');
    };
    let wall = |s: &Side, which: fn(&Side) -> &Vec<Sample>| median(&pick(which(s), |x| x.wall));
    line("clean build, wall", "≤ 0.5×", &|r| {
        ratio(
            wall(&r.sides[0], |s| &s.clean),
            wall(&r.sides[1], |s| &s.clean),
        )
    });
    line(
        "clean build, wall, median of the run-by-run ratios",
        "",
        &|r| {
            let pairs: Vec<f64> = r.sides[0]
                .clean
                .iter()
                .zip(&r.sides[1].clean)
                .map(|(a, b)| a.wall / b.wall)
                .collect();
            ratio(median(&pairs), 1.0)
        },
    );
    line("clean build, CPU time", "", &|r| {
        ratio(
            median(&pick(&r.sides[0].clean, |x| x.cpu)),
            median(&pick(&r.sides[1].clean, |x| x.cpu)),
        )
    });
    line("no-op rebuild, wall", "", &|r| {
        ratio(
            wall(&r.sides[0], |s| &s.noop),
            wall(&r.sides[1], |s| &s.noop),
        )
    });
    line(
        "no-op rebuild ran the build script (skel; libbpf-cargo)",
        "never",
        &|r| {
            format!(
                "{}/{}; {}/{}",
                r.sides[0].noop_ran,
                r.sides[0].noop.len(),
                r.sides[1].noop_ran,
                r.sides[1].noop.len()
            )
        },
    );
    line("rebuild after touching a header, wall", "", &|r| {
        ratio(
            wall(&r.sides[0], |s| &s.touch),
            wall(&r.sides[1], |s| &s.touch),
        )
    });
    line(
        "generation alone (criterion, same linked object)",
        "≤ 0.5×",
        &|r| {
            ratio(
                generation(figures, r.program.name, "linked", "skel"),
                generation(figures, r.program.name, "linked", "libbpf-cargo"),
            )
        },
    );
    line("generation alone, libbpf-cargo without rustfmt", "", &|r| {
        ratio(
            generation(figures, r.program.name, "linked", "skel"),
            generation(figures, r.program.name, "linked", "libbpf-cargo-no-rustfmt"),
        )
    });
    line(
        "generated skeleton file, bytes (libbpf-cargo's holds its object)",
        "",
        &|r| {
            ratio(
                r.sides[0].skeleton_bytes as f64,
                r.sides[1].skeleton_bytes as f64,
            )
        },
    );
    line(
        "generated Rust code without an inline object, bytes",
        "≤ 0.2× (vmlinux.h)",
        &|r| ratio(r.sides[0].code_bytes as f64, r.sides[1].code_bytes as f64),
    );
    line("rustc on the skeleton alone, wall", "", &|r| {
        ratio(
            wall(&r.sides[0], |s| &s.alone),
            wall(&r.sides[1], |s| &s.alone),
        )
    });
    line("clean build, peak RSS of the largest process", "", &|r| {
        ratio(
            median(&pick(&r.sides[0].clean, |x| x.max_rss_kib as f64)),
            median(&pick(&r.sides[1].clean, |x| x.max_rss_kib as f64)),
        )
    });
    line("clean build, peak RSS summed over processes", "", &|r| {
        ratio(
            median(&pick(&r.sides[0].clean, |x| x.tree_rss_kib as f64)),
            median(&pick(&r.sides[1].clean, |x| x.tree_rss_kib as f64)),
        )
    });

    // The programs differ only in the last two units of the build, so all
    // clean builds together measure the same thing with more runs.
    let pooled = |i: usize, f: fn(&Sample) -> f64| -> Vec<f64> {
        results
            .iter()
            .flat_map(|r| pick(&r.sides[i].clean, f))
            .collect()
    };
    let pairs: Vec<f64> = results
        .iter()
        .flat_map(|r| r.sides[0].clean.iter().zip(&r.sides[1].clean))
        .map(|(a, b)| a.wall / b.wall)
        .collect();
    if !pairs.is_empty() {
        let (skel, lc) = (pooled(0, |x| x.wall), pooled(1, |x| x.wall));
        let _ = writeln!(
            out,
            "\nClean builds pooled over the programs (same dependency graph; {} pairs): \
             wall {} vs {} = {}, median of the run-by-run ratios {}, CPU time {}.",
            pairs.len(),
            seconds(median(&skel)),
            seconds(median(&lc)),
            ratio(median(&skel), median(&lc)),
            ratio(median(&pairs), 1.0),
            ratio(median(&pooled(0, |x| x.cpu)), median(&pooled(1, |x| x.cpu))),
        );
    }
    out
}

/// Every counted run, one a line, for a closer look than medians.
pub fn samples_tsv(results: &[ProgramResult]) -> String {
    let mut out =
        String::from("program\tgenerator\tfigure\trun\twall_s\tcpu_s\tmax_rss_kib\ttree_rss_kib\n");
    for r in results {
        for (side, generator) in r.sides.iter().zip(["skel", "libbpf-cargo"]) {
            for (figure, samples) in [
                ("clean", &side.clean),
                ("noop", &side.noop),
                ("touch", &side.touch),
                ("alone", &side.alone),
            ] {
                for (run, x) in samples.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "{}\t{generator}\t{figure}\t{run}\t{:.3}\t{:.3}\t{}\t{}",
                        r.program.name, x.wall, x.cpu, x.max_rss_kib, x.tree_rss_kib
                    );
                }
            }
        }
    }
    out
}

/// The generated section of RESULTS.md.
pub fn render(
    context: &Context,
    options: &Options,
    results: &[ProgramResult],
    figures: &[Generation],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Figures of {}\n", context.date);
    let _ = writeln!(out, "- Machine: {}", context.machine.join("; "));
    let _ = writeln!(
        out,
        "- Load average (1, 5, 15 min) at start: {}; at end: {} (the machine is shared: compare ratios, not absolute times)",
        context.load_start, context.load_end
    );
    for v in &context.versions {
        let _ = writeln!(out, "- {v}");
    }
    let _ = writeln!(out, "- Runs: {}", context.runs);
    if options.skip_clean || options.skip_criterion || !options.only.is_empty() {
        let _ = writeln!(
            out,
            "- Partial run:{}{}{}",
            if options.skip_clean {
                " no clean builds;"
            } else {
                ""
            },
            if options.skip_criterion {
                " no criterion;"
            } else {
                ""
            },
            if options.only.is_empty() {
                String::new()
            } else {
                format!(" only {}", options.only.join(", "))
            }
        );
    }
    out.push_str("\n### Headline\n\n");
    out.push_str(&summary(results, figures));

    for r in results {
        let s = &r.sides;
        let _ = writeln!(out, "\n### `{}`: {}\n", r.program.name, r.program.about);
        let rows = [
            Row {
                figure: "clean build, wall",
                values: per_side(s, |x| pick(&x.clean, |v| v.wall)),
                show: seconds,
            },
            Row {
                figure: "clean build, CPU (user + sys)",
                values: per_side(s, |x| pick(&x.clean, |v| v.cpu)),
                show: seconds,
            },
            Row {
                figure: "clean build, units built or run (--timings)",
                values: per_side(s, |x| x.clean_units.iter().map(|&n| n as f64).collect()),
                show: |v| format!("{v:.0}"),
            },
            Row {
                figure: "clean build, our build script's run (--timings)",
                values: per_side(s, |x| x.clean_script.clone()),
                show: seconds,
            },
            Row {
                figure: "clean build, peak RSS of the largest process",
                values: per_side(s, |x| pick(&x.clean, |v| v.max_rss_kib as f64)),
                show: mib,
            },
            Row {
                figure: "clean build, peak RSS summed over processes",
                values: per_side(s, |x| pick(&x.clean, |v| v.tree_rss_kib as f64)),
                show: mib,
            },
            Row {
                figure: "no-op rebuild, wall",
                values: per_side(s, |x| pick(&x.noop, |v| v.wall)),
                show: seconds,
            },
            Row {
                figure: "rebuild after touching bench.h, wall",
                values: per_side(s, |x| pick(&x.touch, |v| v.wall)),
                show: seconds,
            },
            Row {
                figure: "… our build script's run (--timings)",
                values: per_side(s, |x| x.touch_script.clone()),
                show: seconds,
            },
            Row {
                figure: "… compiling the crate (--timings)",
                values: per_side(s, |x| x.touch_crate.clone()),
                show: seconds,
            },
            Row {
                figure: "… peak RSS of the largest process",
                values: per_side(s, |x| pick(&x.touch, |v| v.max_rss_kib as f64)),
                show: mib,
            },
            Row {
                figure: "rustc on the generated skeleton alone, wall",
                values: per_side(s, |x| pick(&x.alone, |v| v.wall)),
                show: seconds,
            },
            Row {
                figure: "… peak RSS",
                values: per_side(s, |x| pick(&x.alone, |v| v.max_rss_kib as f64)),
                show: mib,
            },
            Row {
                figure: "generated skeleton, bytes",
                values: per_side(s, |x| vec![x.skeleton_bytes as f64]),
                show: |v| bytes(v as u64),
            },
            Row {
                figure: "… without an inline object, bytes",
                values: per_side(s, |x| vec![x.code_bytes as f64]),
                show: |v| bytes(v as u64),
            },
            Row {
                figure: "BPF object embedded in the binary, bytes",
                values: per_side(s, |x| {
                    x.embedded_bytes.map(|b| b as f64).into_iter().collect()
                }),
                show: |v| bytes(v as u64),
            },
        ];
        table_rows(&mut out, &rows);
        let _ = writeln!(
            out,
            "\nBuild script ran in the no-op rebuilds: skel {}/{}, libbpf-cargo {}/{}; \
             after touching bench.h: skel {}/{}, libbpf-cargo {}/{}. \
             The built binaries opened the skeleton: skel \"{}\", libbpf-cargo \"{}\".",
            s[0].noop_ran,
            s[0].noop.len(),
            s[1].noop_ran,
            s[1].noop.len(),
            s[0].touch_ran,
            s[0].touch.len(),
            s[1].touch_ran,
            s[1].touch.len(),
            s[0].opens,
            s[1].opens,
        );
        if !s[0].clean_top.is_empty() {
            out.push_str("\nSlowest units of the last clean build (--timings, seconds):\n\n");
            out.push_str("| skel | libbpf-cargo |\n|---|---|\n");
            for i in 0..s[0].clean_top.len().max(s[1].clean_top.len()) {
                let cell = |side: &Side| {
                    side.clean_top
                        .get(i)
                        .map(|u| format!("{}{} {:.1}", u.name, u.target, u.duration))
                        .unwrap_or_default()
                };
                let _ = writeln!(out, "| {} | {} |", cell(&s[0]), cell(&s[1]));
            }
        }
    }

    if !figures.is_empty() {
        out.push_str(
            "\n### Generation alone (criterion median per iteration: read object, generate, write)\n\n\
             | program | object | skel | libbpf-cargo | ratio | libbpf-cargo, no rustfmt | ratio |\n\
             |---|---|---|---|---|---|---|\n",
        );
        for r in results {
            for object in ["linked", "embedded"] {
                let name = r.program.name;
                let skel = generation(figures, name, object, "skel");
                let lc = generation(figures, name, object, "libbpf-cargo");
                let raw = generation(figures, name, object, "libbpf-cargo-no-rustfmt");
                let _ = writeln!(
                    out,
                    "| {name} | {object} | {} | {} | {} | {} | {} |",
                    nanos(skel),
                    nanos(lc),
                    ratio(skel, lc),
                    nanos(raw),
                    ratio(skel, raw)
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\nMemory is sampled every {} ms for the summed figure.",
        SAMPLE_EVERY.as_millis()
    );
    out
}

/// Replaces the figures section of RESULTS.md (or writes a new file).
pub fn write_results(path: &Path, figures: &str) -> Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let text = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{BEGIN}\n{figures}{}", &old[..b], &old[e..])
        }
        _ => format!("# Benchmark results: skel against libbpf-cargo\n\n{BEGIN}\n{figures}{END}\n"),
    };
    std::fs::write(path, text).map_err(|e| format!("write {}: {e}", path.display()).into())
}
