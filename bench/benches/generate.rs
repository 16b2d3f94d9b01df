//! Generation alone, in-process, without clang: skel-builder against
//! libbpf-cargo 0.27 on the same prebuilt objects.
//!
//! The harness (`src/main.rs`) writes the list of objects to the file named
//! by `SKEL_BENCH_OBJECTS`, one `name<TAB>path` a line, and reads criterion's
//! estimates back. Every object is measured twice: as skel's build embeds
//! it (clang's object without its DWARF sections and with identical BTF
//! types merged; the build itself generates from clang's bytes in memory,
//! DWARF included, and writes the lean copy over clang's file) and after
//! libbpf's linker (what libbpf-cargo's build generates from: the linker
//! drops the DWARF).
//!
//! One iteration is what a build script pays after clang: read the object,
//! generate, write the skeleton file.
//! - `skel`: `SkeletonBuilder::generate` (model, tokens, prettyplease), then a write.
//! - `libbpf-cargo`: `SkeletonBuilder::obj(..).generate(..)`, its public
//!   path: libbpf opens the object, the generator prints strings, rustfmt
//!   (a child process) formats them.
//! - `libbpf-cargo-no-rustfmt`: the same with rustfmt pointed at a missing
//!   file, which libbpf-cargo treats as "skip formatting".

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, SamplingMode};

struct Input {
    name: String,
    embedded: PathBuf,
}

fn inputs() -> Vec<Input> {
    let list = std::env::var_os("SKEL_BENCH_OBJECTS")
        .expect("SKEL_BENCH_OBJECTS names the object list; run the benchmark with `make bench`");
    let text = std::fs::read_to_string(&list)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", Path::new(&list).display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (name, path) = l
                .split_once('\t')
                .unwrap_or_else(|| panic!("bad line in the object list: {l:?}"));
            Input {
                name: name.to_owned(),
                embedded: PathBuf::from(path),
            }
        })
        .collect()
}

/// Links `input` with libbpf's linker into `dir/<name>.bpf.o`, as
/// libbpf-cargo's build does before it generates.
fn link(input: &Input, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("create the linked-object directory");
    let out = dir.join(format!("{}.bpf.o", input.name));
    let mut linker = libbpf_rs::Linker::new(&out).expect("libbpf linker");
    linker
        .add_file(&input.embedded)
        .expect("add the object to the linker");
    linker.link().expect("link the object");
    out
}

fn skel(name: &str, object: &Path, out: &Path) {
    let bytes = std::fs::read(object).expect("read the object");
    let generated = skel_builder::SkeletonBuilder::new()
        .name(name)
        .generate(object, &bytes)
        .expect("skel generates");
    std::fs::write(out, generated.code).expect("write the skeleton");
}

fn libbpf_cargo(object: &Path, out: &Path, rustfmt: Option<&Path>) {
    let mut builder = libbpf_cargo::SkeletonBuilder::new();
    builder.obj(object);
    if let Some(rustfmt) = rustfmt {
        builder.rustfmt(rustfmt);
    }
    builder.generate(out).expect("libbpf-cargo generates");
}

fn main() {
    let work = PathBuf::from(
        std::env::var_os("SKEL_BENCH_WORK").expect("SKEL_BENCH_WORK names the scratch directory"),
    );
    let out_dir = work.join("generated");
    std::fs::create_dir_all(&out_dir).expect("create the output directory");
    let no_rustfmt = work.join("no-such-rustfmt");

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    for input in inputs() {
        let linked = link(&input, &work.join("linked"));
        for (kind, object) in [("linked", &linked), ("embedded", &input.embedded)] {
            let mut group = criterion.benchmark_group(format!("{}-{kind}", input.name));
            group.sampling_mode(SamplingMode::Flat);
            let skel_out = out_dir.join(format!("{}-{kind}.skel.rs", input.name));
            let lc_out = out_dir.join(format!("{}-{kind}.libbpf-cargo.skel.rs", input.name));
            group.bench_function("skel", |b| b.iter(|| skel(&input.name, object, &skel_out)));
            group.bench_function("libbpf-cargo", |b| {
                b.iter(|| libbpf_cargo(object, &lc_out, None))
            });
            group.bench_function("libbpf-cargo-no-rustfmt", |b| {
                b.iter(|| libbpf_cargo(object, &lc_out, Some(&no_rustfmt)))
            });
            group.finish();
        }
    }
    criterion.final_summary();
}
