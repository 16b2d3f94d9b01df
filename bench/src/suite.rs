//! The BPF programs benchmarked, prepared under `bench/work/suite/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, write_if_changed};

/// The example app's program: a tcp_congestion_ops struct_ops.
const EXAMPLE_SOURCE: &str = "example-app/src/bpf/skel_cc.bpf.c";

/// One program of the suite.
#[derive(Debug, Clone)]
pub struct Program {
    /// Skeleton name and file stem: `<name>.bpf.c`, `<name>.skel.rs`.
    pub name: &'static str,
    /// What the program stands for, for the report.
    pub about: &'static str,
    pub source: PathBuf,
    /// Passed to clang with `-I`, in order: the suite's include directory
    /// (`bench.h`, `vmlinux.h`), then, for the example program, the
    /// directory it was copied from, so that its own `#include "..."` still
    /// resolve.
    pub include_dirs: Vec<PathBuf>,
    /// The included header the harness touches.
    pub header: PathBuf,
}

/// Writes the suite's sources into `work/suite` (only files whose content
/// changed) and returns its programs.
pub fn prepare(root: &Path, work: &Path) -> Result<Vec<Program>> {
    let dir = work.join("suite");
    let include_dir = dir.join("include");
    std::fs::create_dir_all(&include_dir)
        .map_err(|e| format!("create {}: {e}", include_dir.display()))?;
    let header = include_dir.join("bench.h");
    write_if_changed(&header, &read(&root.join("bench/bpf/bench.h"))?)?;
    write_if_changed(&include_dir.join("vmlinux.h"), &dump_vmlinux_h()?)?;

    let example = read(&root.join(EXAMPLE_SOURCE))?;
    let mut tcp_ca = format!(
        "// Copied by the skel benchmark from {EXAMPLE_SOURCE}, with bench.h\n\
         // included so that the harness can touch a header.\n\
         #include \"bench.h\"\n"
    )
    .into_bytes();
    tcp_ca.extend_from_slice(&example);
    let kernel_types = read(&root.join("bench/bpf/kernel_types.bpf.c"))?;
    let large = run_stdout(Command::new(root.join("bench/gen-large.sh")))?;

    let mut programs = Vec::new();
    for (name, about, text, origin) in [
        (
            "tcp_ca",
            "the example app's program (example-app/src/bpf/skel_cc.bpf.c, a tcp_congestion_ops struct_ops)",
            tcp_ca,
            root.join(EXAMPLE_SOURCE).parent().map(Path::to_owned),
        ),
        (
            "kernel_types",
            "includes the running kernel's full vmlinux.h (bench/bpf/kernel_types.bpf.c)",
            kernel_types,
            None,
        ),
        (
            "large",
            "synthetic: 60 maps, 60 programs, a 43-member sched_ext-like .struct_ops (bench/gen-large.sh)",
            large,
            None,
        ),
    ] {
        let source = dir.join(format!("{name}.bpf.c"));
        write_if_changed(&source, &text)?;
        programs.push(Program {
            name,
            about,
            source,
            include_dirs: std::iter::once(include_dir.clone()).chain(origin).collect(),
            header: header.clone(),
        });
    }
    Ok(programs)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("read {}: {e}", path.display()).into())
}

fn dump_vmlinux_h() -> Result<Vec<u8>> {
    let btf = Path::new("/sys/kernel/btf/vmlinux");
    if !btf.exists() {
        return Err(
            "the running kernel exposes no BTF (/sys/kernel/btf/vmlinux): \
                    the vmlinux.h program cannot be built"
                .into(),
        );
    }
    let mut cmd = Command::new("bpftool");
    cmd.args(["btf", "dump", "file"])
        .arg(btf)
        .args(["format", "c"]);
    run_stdout(cmd).map_err(|e| {
        format!(
            "{e}\nhint: bpftool dumps vmlinux.h; install it with `scripts/install-deps.sh --bench`"
        )
        .into()
    })
}

fn run_stdout(mut cmd: Command) -> Result<Vec<u8>> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        )
        .into());
    }
    Ok(out.stdout)
}
