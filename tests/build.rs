//! Builds a skeleton for every `bpf/*.bpf.c` fixture, the way a user's
//! build script would, and lists them for the tests.
//!
//! Builder options ride in comments of the fixture, one per line:
//! - `// skel: event_type <map> <C type>`;
//! - `// skel: types <C type>, ...`;
//! - `// skel: prebuilt_without_btf`: compile here with `clang -O2 -target
//!   bpf` (no `-g`: no .BTF) and hand the object to the builder (`.obj()`).
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
        let mut builder = skel_builder::SkeletonBuilder::new();
        builder.source(&src);
        let text = std::fs::read_to_string(&src).unwrap();
        for option in text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("// skel: "))
        {
            match option.split_once(' ').unwrap_or((option, "")) {
                ("event_type", rest) => {
                    let (map, ty) = rest.split_once(' ').expect("event_type <map> <type>");
                    builder.event_type(map, ty.trim());
                }
                ("types", list) => {
                    builder.types(list.split(',').map(str::trim));
                }
                ("prebuilt_without_btf", "") => {
                    builder.obj(prebuilt_without_btf(&src));
                }
                _ => panic!("{}: unknown option `// skel: {option}`", src.display()),
            }
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
fn prebuilt_without_btf(src: &std::path::Path) -> PathBuf {
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
