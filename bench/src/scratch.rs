//! The two scratch crates built per program, identical except for the
//! generator: a build.rs calling it and a main.rs opening the skeleton.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::suite::Program;
use crate::{Result, write_if_changed};

/// The skeleton generator a scratch crate uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generator {
    Skel,
    LibbpfCargo,
}

impl Generator {
    pub fn label(self) -> &'static str {
        match self {
            Generator::Skel => "skel",
            Generator::LibbpfCargo => "libbpf-cargo",
        }
    }
}

/// A scratch crate on disk.
#[derive(Debug, Clone)]
pub struct Crate {
    pub generator: Generator,
    pub dir: PathBuf,
    pub target_dir: PathBuf,
    /// The package name, as cargo prints it.
    pub package: String,
    /// The crate name, as rustc sees it.
    pub crate_name: String,
}

impl Crate {
    /// `cargo <sub> --manifest-path .. --target-dir ..`, with the
    /// environment a plain shell would give: nothing inherited from `make`
    /// (its jobserver would serialise the build) or from `cargo run`.
    pub fn cargo(&self, sub: &str) -> Command {
        let mut cmd = clean_command("cargo");
        cmd.arg(sub)
            .arg("--manifest-path")
            .arg(self.dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&self.target_dir);
        cmd
    }

    pub fn binary(&self) -> PathBuf {
        self.target_dir.join("debug").join(&self.package)
    }
}

/// A command whose environment is the caller's minus what `make` and
/// `cargo run` add, and minus the variables only one generator reads.
pub fn clean_command(program: &str) -> Command {
    let mut cmd = Command::new(program);
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        let drop = matches!(
            key,
            "MAKEFLAGS"
                | "MFLAGS"
                | "MAKELEVEL"
                | "CARGO_MAKEFLAGS"
                | "CARGO_TARGET_DIR"
                | "CARGO_BUILD_TARGET_DIR"
                | "CARGO_PRIMARY_PACKAGE"
                | "OUT_DIR"
                | "CLANG"
        ) || [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_BIN_",
            "CARGO_CRATE_",
        ]
        .iter()
        .any(|p| key.starts_with(p));
        if drop {
            cmd.env_remove(key);
        }
    }
    cmd.env("CARGO_TERM_COLOR", "never");
    cmd
}

/// The clang both generators run: the one skel-builder picks when `CLANG`
/// is unset (the scratch builds run without it, see [`clean_command`]):
/// the newest `clang-N` on `PATH`, else `clang`. libbpf-cargo is handed
/// the same one, so both compile with one compiler.
pub fn clang() -> String {
    let mut best: Option<(u32, String)> = None;
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(n) = name
                .strip_prefix("clang-")
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if best.as_ref().is_none_or(|(b, _)| n > *b) {
                best = Some((n, name));
            }
        }
    }
    best.map_or_else(|| "clang".to_owned(), |(_, name)| name)
}

/// Writes the crate for `program` and `generator` under `work/crates/`.
pub fn create(root: &Path, work: &Path, program: &Program, generator: Generator) -> Result<Crate> {
    let suffix = match generator {
        Generator::Skel => "skel",
        Generator::LibbpfCargo => "libbpf-cargo",
    };
    let package = format!("bench-{}-{suffix}", program.name.replace('_', "-"));
    let dir = work.join("crates").join(&package);
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("create {}: {e}", src.display()))?;

    let (deps, build_deps) = match generator {
        Generator::Skel => (
            format!(
                "skel-runtime = {{ path = {:?} }}",
                root.join("skel-runtime").display().to_string()
            ),
            format!(
                "skel-builder = {{ path = {:?} }}",
                root.join("skel-builder").display().to_string()
            ),
        ),
        Generator::LibbpfCargo => (
            "libbpf-rs = \"0.27\"".to_owned(),
            "libbpf-cargo = \"=0.27.2\"".to_owned(),
        ),
    };
    // A crates.io user's cargo never compiles a registry dependency
    // incrementally; a path dependency it does, which slows a clean build
    // (tcp_ca, 4 alternating pairs on 2026-12-06: medians 12.1 s wall and
    // 22.6 s CPU with it, 11.5 s and 21.7 s without). The benchmark reaches
    // skel by path, so it turns that off for skel's three crates alone: they
    // build as they would from crates.io, and the bench crate itself stays
    // incremental on both sides.
    let profile = match generator {
        Generator::Skel => "\n\
             [profile.dev.package.skel-btf]\n\
             incremental = false\n\
             [profile.dev.package.skel-builder]\n\
             incremental = false\n\
             [profile.dev.package.skel-runtime]\n\
             incremental = false\n",
        Generator::LibbpfCargo => "",
    };
    let manifest = format!(
        "# Written by the skel benchmark (bench/src/scratch.rs). Do not edit.\n\
         [package]\n\
         name = \"{package}\"\n\
         version = \"0.0.0\"\n\
         edition = \"2021\"\n\
         publish = false\n\
         \n\
         [workspace]\n\
         \n\
         [dependencies]\n\
         {deps}\n\
         \n\
         [build-dependencies]\n\
         {build_deps}\n\
         {profile}"
    );
    write_if_changed(&dir.join("Cargo.toml"), manifest.as_bytes())?;
    write_if_changed(
        &dir.join("build.rs"),
        build_rs(program, generator).as_bytes(),
    )?;
    write_if_changed(&src.join("main.rs"), main_rs(program, generator).as_bytes())?;
    write_if_changed(&dir.join("skel_only.rs"), skel_only_rs(program).as_bytes())?;
    // Start from the benchmark's lock file, so both crates resolve the
    // shared dependencies (libbpf-rs, libbpf-sys, ...) to the same versions.
    let lock = dir.join("Cargo.lock");
    if !lock.exists() {
        let seed = root.join("bench/Cargo.lock");
        std::fs::copy(&seed, &lock).map_err(|e| format!("copy {}: {e}", seed.display()))?;
    }
    Ok(Crate {
        generator,
        target_dir: dir.join("target"),
        crate_name: package.replace('-', "_"),
        package,
        dir,
    })
}

fn build_rs(program: &Program, generator: Generator) -> String {
    let source = program.source.display().to_string();
    let includes: Vec<String> = program
        .include_dirs
        .iter()
        .map(|d| format!("{:?}", d.display().to_string()))
        .collect();
    match generator {
        Generator::Skel => format!(
            "//! Generates the `{name}` skeleton with skel-builder.\n\
             fn main() -> Result<(), skel_builder::Error> {{\n\
             \x20   skel_builder::SkeletonBuilder::new()\n\
             \x20       .source({source:?})\n\
             {include_calls}\
             \x20       .build()?;\n\
             \x20   Ok(())\n\
             }}\n",
            name = program.name,
            include_calls = includes
                .iter()
                .map(|d| format!("        .include({d})\n"))
                .collect::<String>(),
        ),
        // libbpf-cargo prints no rerun-if-changed lines itself; its
        // examples print the source. We also print the include directory
        // (cargo then watches every file in it), so that touching a header
        // reruns the generator as it does for skel. Debian keeps
        // <asm/types.h> under the multiarch directory, which clang does
        // not search for -target bpf: libbpf-cargo users add it by hand.
        Generator::LibbpfCargo => {
            let multiarch = format!("/usr/include/{}-linux-gnu", std::env::consts::ARCH);
            format!(
                "//! Generates the `{name}` skeleton with libbpf-cargo.\n\
                 const SRC: &str = {source:?};\n\
                 const INCLUDES: &[&str] = &[{include_list}];\n\
                 \n\
                 fn main() {{\n\
                 \x20   let out = std::path::PathBuf::from(std::env::var_os(\"OUT_DIR\").expect(\"OUT_DIR\"))\n\
                 \x20       .join(\"{name}.skel.rs\");\n\
                 \x20   let mut args: Vec<&str> = INCLUDES.iter().flat_map(|d| [\"-I\", d]).collect();\n\
                 \x20   args.extend([\"-idirafter\", {multiarch:?}]);\n\
                 \x20   libbpf_cargo::SkeletonBuilder::new()\n\
                 \x20       .source(SRC)\n\
                 \x20       .clang({clang:?})\n\
                 \x20       .clang_args(args)\n\
                 \x20       .build_and_generate(&out)\n\
                 \x20       .unwrap();\n\
                 \x20   println!(\"cargo:rerun-if-changed={{SRC}}\");\n\
                 \x20   for dir in INCLUDES {{\n\
                 \x20       println!(\"cargo:rerun-if-changed={{dir}}\");\n\
                 \x20   }}\n\
                 }}\n",
                name = program.name,
                include_list = includes.join(", "),
                clang = clang(),
            )
        }
    }
}

fn main_rs(program: &Program, generator: Generator) -> String {
    let name = program.name;
    let builder = format!("{}SkelBuilder", camel(name));
    let include = format!(
        "mod {name} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{name}.skel.rs\"));\n}}\n"
    );
    match generator {
        Generator::Skel => format!(
            "//! Opens the `{name}` skeleton generated by skel.\n\
             {include}\n\
             fn main() -> Result<(), skel_runtime::Error> {{\n\
             \x20   let mut storage = skel_runtime::ObjectStorage::new();\n\
             \x20   let open = {name}::{builder}::default().open(&mut storage)?;\n\
             \x20   drop(open);\n\
             \x20   println!(\"opened {name}\");\n\
             \x20   Ok(())\n\
             }}\n"
        ),
        Generator::LibbpfCargo => format!(
            "//! Opens the `{name}` skeleton generated by libbpf-cargo.\n\
             {include}\n\
             use libbpf_rs::skel::SkelBuilder as _;\n\
             \n\
             fn main() -> Result<(), libbpf_rs::Error> {{\n\
             \x20   let mut object = std::mem::MaybeUninit::uninit();\n\
             \x20   let open = {name}::{builder}::default().open(&mut object)?;\n\
             \x20   drop(open);\n\
             \x20   println!(\"opened {name}\");\n\
             \x20   Ok(())\n\
             }}\n"
        ),
    }
}

/// The skeleton alone, compiled by the harness as a library crate.
fn skel_only_rs(program: &Program) -> String {
    let name = program.name;
    format!(
        "//! The generated skeleton alone, compiled as a library by the skel benchmark.\n\
         pub mod {name} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{name}.skel.rs\"));\n}}\n"
    )
}

/// `tcp_ca` -> `TcpCa`, as both generators name the builder.
fn camel(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}
