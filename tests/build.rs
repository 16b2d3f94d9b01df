//! Builds a skeleton for every `bpf/*.bpf.c` fixture, and one for every
//! directory `bpf/<name>/` of several `*.bpf.c` files (linked into one
//! object), the way a user's build script would, and lists them for the
//! tests.
//!
//! Builder options ride in comments of a fixture, one per line:
//! - `// skel: event_type <map> <C type>`;
//! - `// skel: map_key_type <map> <C type>`, `// skel: map_value_type <map>
//!   <C type>`;
//! - `// skel: types <C type>, ...`;
//! - `// skel: optional_programs <program>, ...`;
//! - `// skel: prebuilt_without_btf`: compile here with `clang -O2 -target
//!   bpf` (no `-g`: no .BTF) and hand the object to the builder (`.obj()`).
//!
//! The sched_ext VM test (`vm/run.sh`) sets `SKEL_VM_BTF` to the guest
//! kernel's BTF: then each `bpf-vm/<name>.bpf.c` is built instead of
//! `bpf/<name>.bpf.c` (same skeleton name, same API), against a
//! `vmlinux.h` the builder prints from that BTF.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn bpf_sources(dir: &Path) -> Vec<PathBuf> {
    let mut sources: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".bpf.c"))
        .collect();
    sources.sort();
    sources
}

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("bpf");
    println!("cargo:rerun-if-changed={}", dir.display());
    // libbpf's headers, for tests that build BPF sources at run time.
    let include = std::env::var("DEP_SKEL_RUNTIME_INCLUDE").unwrap();
    println!("cargo:rustc-env=SKEL_BPF_INCLUDE={include}");
    let mut inputs: Vec<(PathBuf, Vec<PathBuf>)> = bpf_sources(&dir)
        .into_iter()
        .map(|src| (src.clone(), vec![src]))
        .collect();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        inputs.push((d.clone(), bpf_sources(&d)));
    }
    println!("cargo:rerun-if-env-changed=SKEL_VM_BTF");
    let vm_dir = dir.with_file_name("bpf-vm");
    println!("cargo:rerun-if-changed={}", vm_dir.display());
    let vm_btf = std::env::var_os("SKEL_VM_BTF").filter(|v| !v.is_empty());
    if vm_btf.is_some() {
        for src in bpf_sources(&vm_dir) {
            inputs.retain(|(s, _)| s.file_name() != src.file_name());
            inputs.push((src.clone(), vec![src]));
        }
    }
    let mut list = String::new();
    for (src, sources) in inputs {
        let mut builder = skel_builder::SkeletonBuilder::new();
        let mut prebuilt = false;
        for source in &sources {
            let text = std::fs::read_to_string(source).unwrap();
            for option in text
                .lines()
                .filter_map(|l| l.trim().strip_prefix("// skel: "))
            {
                match option.split_once(' ').unwrap_or((option, "")) {
                    ("event_type", rest) => {
                        let (map, ty) = rest.split_once(' ').expect("event_type <map> <type>");
                        builder.event_type(map, ty.trim());
                    }
                    ("map_key_type", rest) => {
                        let (map, ty) = rest.split_once(' ').expect("map_key_type <map> <type>");
                        builder.map_key_type(map, ty.trim());
                    }
                    ("map_value_type", rest) => {
                        let (map, ty) = rest.split_once(' ').expect("map_value_type <map> <type>");
                        builder.map_value_type(map, ty.trim());
                    }
                    ("types", list) => {
                        builder.types(list.split(',').map(str::trim));
                    }
                    ("optional_programs", list) => {
                        builder.optional_programs(list.split(',').map(str::trim));
                    }
                    ("prebuilt_without_btf", "") => {
                        builder.obj(prebuilt_without_btf(source));
                        prebuilt = true;
                    }
                    _ => panic!("{}: unknown option `// skel: {option}`", source.display()),
                }
            }
        }
        if !prebuilt {
            builder.sources(&sources);
        }
        if src.is_dir() {
            builder.name(src.file_name().unwrap().to_str().unwrap());
        }
        if let (Some(btf), true) = (&vm_btf, src.starts_with(&vm_dir)) {
            builder.vmlinux_h_from(btf);
        }
        let out = match builder.build() {
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

/// `src` compiled without `-g` into `$OUT_DIR/<stem>.prebuilt.o`, rewritten
/// only when its bytes change (cargo watches it through `.obj()`).
fn prebuilt_without_btf(src: &Path) -> PathBuf {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let stem = src.file_name().unwrap().to_str().unwrap();
    let stem = stem.split('.').next().unwrap();
    let obj = out_dir.join(format!("{stem}.prebuilt.o"));
    let fresh = out_dir.join(format!("{stem}.prebuilt.o.new"));
    let status = std::process::Command::new(skel_builder::default_clang())
        .args(["-O2", "-target", "bpf", "-c"])
        .arg(src)
        .arg("-o")
        .arg(&fresh)
        .status()
        .unwrap();
    assert!(status.success(), "clang failed on {}", src.display());
    if std::fs::read(&obj).ok() != std::fs::read(&fresh).ok() {
        std::fs::rename(&fresh, &obj).unwrap();
    } else {
        std::fs::remove_file(&fresh).unwrap();
    }
    obj
}
