//! Builds a skeleton for every `bpf/*.bpf.c` fixture, the way a user's
//! build script would, and lists them for the tests.
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("bpf");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".bpf.c"))
        .collect();
    sources.sort();
    let mut list = String::new();
    for src in sources {
        let out = match skel_builder::SkeletonBuilder::new().source(&src).build() {
            Ok(out) => out,
            Err(e) => {
                eprintln!("{}", e.report());
                std::process::exit(1);
            }
        };
        let obj = out.with_extension("").with_extension("bpf.o");
        writeln!(list, "{}\t{}", src.display(), obj.display()).unwrap();
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("fixtures.txt");
    std::fs::write(out, list).unwrap();
}
