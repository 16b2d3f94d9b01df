//! Skeletons for other machines than the host: a big-endian and two 32-bit
//! targets, through the builder's pure pipeline with the target given
//! explicitly. The object must be `bpfeb`/`bpfel` as the target is, and the
//! generated types must take the target's layout. Where the target's Rust
//! standard library and C headers are installed, the generated code is also
//! compiled for it (`cargo check --target`), so rustc evaluates its layout
//! assertions with the target's sizes and alignments; otherwise that part
//! says why it skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use skel_builder::model::{FieldKind, Ty, TypeDefKind};
use skel_builder::{Endian, ObjectLocation, SkeletonBuilder, Target};

struct Case {
    /// Rust's target triple, for `cargo check --target`.
    triple: &'static str,
    /// The GNU triple of Debian's cross headers (`/usr/<gnu>/include`).
    gnu: &'static str,
    target: Target,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            triple: "s390x-unknown-linux-gnu",
            gnu: "s390x-linux-gnu",
            target: Target::new("s390x", Endian::Big, 64),
        },
        Case {
            triple: "i686-unknown-linux-gnu",
            gnu: "i686-linux-gnu",
            target: Target::new("x86", Endian::Little, 32),
        },
        Case {
            triple: "powerpc-unknown-linux-gnu",
            gnu: "powerpc-linux-gnu",
            target: Target::new("powerpc", Endian::Big, 32),
        },
        Case {
            triple: "armv7-unknown-linux-gnueabihf",
            gnu: "arm-linux-gnueabihf",
            target: Target::new("arm", Endian::Little, 32),
        },
    ]
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("targets")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("bpf")
        .join(format!("{name}.bpf.c"))
}

/// Generates the `fixture` skeleton for `case` into `dir` (object beside
/// it), as a build script for that target would.
fn generate(case: &Case, fixture_name: &str, dir: &Path) -> PathBuf {
    let out = dir.join(format!("{fixture_name}.rs"));
    SkeletonBuilder::new()
        .source(fixture(fixture_name))
        .include(env!("SKEL_BPF_INCLUDE"))
        .target(case.target.clone())
        .object_location(ObjectLocation::Relative)
        .build_to(&out)
        .unwrap_or_else(|e| panic!("{}: {}", case.triple, e.report()));
    out
}

#[test]
fn objects_and_layouts_follow_the_target() {
    for case in cases() {
        let dir = scratch(case.triple);
        generate(&case, "shapes", &dir);
        let object = std::fs::read(dir.join("shapes.bpf.o")).unwrap();
        // BPF objects are ELF64 on every target; the byte order is the
        // target's (EI_DATA: 1 little, 2 big).
        assert_eq!(&object[..4], b"\x7fELF");
        assert_eq!(object[4], 2, "{}: ELFCLASS64", case.triple);
        let big = case.target.endian() == Endian::Big;
        assert_eq!(object[5], if big { 2 } else { 1 }, "{}", case.triple);
        let machine = if big {
            u16::from_be_bytes([object[18], object[19]])
        } else {
            u16::from_le_bytes([object[18], object[19]])
        };
        assert_eq!(machine, 247, "{}: EM_BPF", case.triple);

        let skel = SkeletonBuilder::new()
            .target(case.target.clone())
            .generate("shapes.bpf.o", &object)
            .unwrap_or_else(|e| panic!("{}: {}", case.triple, e.report()))
            .skeleton;
        assert_eq!(skel.target.big_endian, big);
        let pointer = u64::from(case.target.pointer_width() / 8);
        assert_eq!(skel.target.pointer_size, pointer);
        let shadow = skel
            .types
            .iter()
            .find(|t| t.c_name == "struct shapes_ops")
            .expect("the shadow");
        let TypeDefKind::Struct(s) = &shadow.kind else {
            panic!("a struct")
        };
        // BTF's size whatever the target.
        assert_eq!(s.layout.size, s.c_size);
        for (i, f) in s.fields.iter().enumerate() {
            if f.ty != Ty::ProgramSlot {
                continue;
            }
            assert_eq!(f.size, pointer, "{}: {}", case.triple, f.name);
            if pointer < 8 {
                // The BPF function pointer's other bytes are padding, after
                // the slot: libbpf writes the host pointer at the offset.
                let next = &s.fields[i + 1];
                assert_eq!(next.kind, FieldKind::Padding, "{}", case.triple);
                assert_eq!(
                    (next.byte_offset, next.size),
                    (f.byte_offset + pointer, 8 - pointer)
                );
            }
        }
        // The struct holds `__int128`s and u64s: its alignment is the
        // target's for them.
        let want_align = match case.target.arch() {
            "x86" => 16,
            "s390x" | "powerpc" | "arm" => 8,
            _ => unreachable!(),
        };
        assert_eq!(s.layout.align, want_align, "{}", case.triple);

        let code = std::fs::read_to_string(dir.join("shapes.rs")).unwrap();
        assert_eq!(code.contains("bits::get_be("), big, "{}", case.triple);
        assert_eq!(code.contains("bits::get("), !big, "{}", case.triple);
    }
}

/// A prebuilt object of the other byte order is refused, naming both.
#[test]
fn an_object_of_the_other_byte_order_is_refused() {
    let case = &cases()[0];
    let dir = scratch("wrong-endian");
    generate(case, "globals", &dir);
    let object = std::fs::read(dir.join("globals.bpf.o")).unwrap();
    let host = Target::new("x86_64", Endian::Little, 64);
    let err = SkeletonBuilder::new()
        .target(host.clone())
        .generate("globals.bpf.o", &object)
        .unwrap_err();
    assert!(
        matches!(err, skel_builder::Error::WrongEndian { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("big-endian BPF object (built for `bpfeb`)") && text.contains("x86_64"),
        "{text}"
    );
    let err = SkeletonBuilder::new()
        .obj(dir.join("globals.bpf.o"))
        .target(host)
        .build_to(dir.join("host.rs"))
        .unwrap_err();
    assert!(
        matches!(err, skel_builder::Error::WrongEndian { .. }),
        "{err:?}"
    );
}

/// Why `triple` cannot be compiled for here, if it cannot.
fn cannot_compile(case: &Case) -> Option<String> {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if !sysroot.join("lib/rustlib").join(case.triple).is_dir() {
        return Some(format!(
            "no Rust standard library for {} (`rustup target add {}`)",
            case.triple, case.triple
        ));
    }
    let headers = Path::new("/usr").join(case.gnu).join("include");
    if !headers.join("stdlib.h").is_file() {
        return Some(format!(
            "no C headers for {} in {} (Debian: `apt-get install libc6-dev-{}-cross`), \
             which libbpf-sys's build script needs to compile libbpf",
            case.triple,
            headers.display(),
            match case.gnu {
                "i686-linux-gnu" => "i386",
                "arm-linux-gnueabihf" => "armhf",
                other => other.split('-').next().unwrap_or(other),
            }
        ));
    }
    None
}

/// The generated code compiles for the target: rustc checks every layout
/// assertion (size, alignment, each offset) with the target's rules.
#[test]
fn generated_code_compiles_for_the_target() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let root = scratch("check");
    let mut compiled = vec![];
    for case in cases() {
        if let Some(why) = cannot_compile(&case) {
            if std::env::var_os("SKEL_REQUIRE_TARGETS").is_some() {
                panic!("{why}");
            }
            eprintln!("skipping the {} compile check: {why}", case.triple);
            continue;
        }
        let dir = root.join(case.triple);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let mut modules = String::new();
        for fixture in ["shapes", "globals", "kinds", "typed"] {
            generate(&case, fixture, &dir.join("src"));
            modules.push_str(&format!("pub mod {fixture};\n"));
        }
        std::fs::write(dir.join("src/lib.rs"), modules).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"skel-target-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
                 publish = false\n\n[dependencies]\nskel-runtime = {{ path = {:?} }}\n\n[workspace]\n",
                workspace.join("skel-runtime")
            ),
        )
        .unwrap();
        std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        let env_triple = case.triple.replace('-', "_");
        let out = Command::new(env!("CARGO"))
            .args(["check", "--offline", "--quiet", "--target", case.triple])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", root.join("target"))
            // libbpf-sys compiles libbpf (C) for the target: clang with the
            // cross headers; libelf's and zlib's headers are the host's.
            .env(format!("CC_{env_triple}"), "clang")
            .env(
                format!("CFLAGS_{env_triple}"),
                format!("--target={} -isystem /usr/{}/include", case.gnu, case.gnu),
            )
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "cargo check --target {} failed:\n{}",
            case.triple,
            String::from_utf8_lossy(&out.stderr)
        );
        compiled.push(case.triple);
    }
    eprintln!("compiled for: {compiled:?}");
}
