//! The public API: [`SkeletonBuilder`]. This is the only module that reads
//! the environment or prints `cargo:` lines.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::clang::{self, Compile};
use crate::error::Error;
use crate::ident;
use crate::link::{self, LinkInput};
use crate::model::{ObjectPath, Skeleton, Warning};
use crate::vmlinux_h::{self, BtfSource};
use crate::{codegen, object, write};

/// The environment variables the builder reads.
const ENV_CLANG: &str = "CLANG";
const ENV_RUNTIME_INCLUDE: &str = "DEP_SKEL_RUNTIME_INCLUDE";

/// Builds a Rust skeleton for a BPF C program (or a prebuilt object).
///
/// In `build.rs`:
///
/// ```no_run
/// fn main() -> Result<(), skel_builder::Error> {
///     skel_builder::SkeletonBuilder::new()
///         .source("src/bpf/foo.bpf.c")
///         .build()?;
///     Ok(())
/// }
/// ```
///
/// then, in the crate, `include!(concat!(env!("OUT_DIR"), "/foo.skel.rs"));`.
#[derive(Debug, Clone, Default)]
pub struct SkeletonBuilder {
    source: Vec<PathBuf>,
    obj: Vec<PathBuf>,
    clang: Option<PathBuf>,
    clang_args: Vec<OsString>,
    include: Vec<PathBuf>,
    name: Option<String>,
    vmlinux_h: Option<BtfSource>,
    vmlinux_h_base: Option<PathBuf>,
}

/// What [`generate`] returns.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The skeleton's Rust source.
    pub code: String,
    /// The model it was printed from.
    pub skeleton: Skeleton,
}

impl SkeletonBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A BPF C source to compile. Default: none. Call it once per file:
    /// several sources (and objects from [`obj`](Self::obj)) are compiled
    /// and linked into one object with libbpf's static linker, which needs
    /// the `link` feature.
    pub fn source(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.source.push(path.as_ref().to_owned());
        self
    }

    /// Several BPF C sources, as [`source`](Self::source) once each.
    pub fn sources<I, P>(&mut self, paths: I) -> &mut Self
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        self.source
            .extend(paths.into_iter().map(|p| p.as_ref().to_owned()));
        self
    }

    /// A prebuilt BPF object. Default: none. One object alone is used as
    /// it is; with other objects or sources it is linked in (the `link`
    /// feature).
    pub fn obj(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.obj.push(path.as_ref().to_owned());
        self
    }

    /// Prints the running kernel's types (`/sys/kernel/btf/vmlinux`) as C
    /// into `vmlinux.h` next to the skeleton (`$OUT_DIR/vmlinux.h`, written
    /// only when its content changes) and puts that directory first on
    /// clang's include path, so sources can `#include "vmlinux.h"`.
    /// Default: off.
    pub fn vmlinux_h(&mut self) -> &mut Self {
        self.vmlinux_h = Some(BtfSource::RunningKernel);
        self
    }

    /// As [`vmlinux_h`](Self::vmlinux_h), from another kernel's BTF: raw
    /// BTF, or an ELF file with a `.BTF` section (a `vmlinux`, a module).
    /// For cross builds and CI machines whose kernel is not the target.
    pub fn vmlinux_h_from(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.vmlinux_h = Some(BtfSource::File(path.as_ref().to_owned()));
        self
    }

    /// The base of split BTF given to [`vmlinux_h_from`](Self::vmlinux_h_from)
    /// (a module's BTF sits on its kernel's). Default: the running
    /// kernel's, for a module's BTF. The header holds the base's types and
    /// the module's.
    pub fn vmlinux_h_base(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.vmlinux_h_base = Some(path.as_ref().to_owned());
        self
    }

    /// The clang to run. Default: `$CLANG`, else `clang` from `PATH`.
    pub fn clang(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.clang = Some(path.as_ref().to_owned());
        self
    }

    /// Extra clang arguments, appended after skel's own
    /// (`-g -O2 -target bpf -D__TARGET_ARCH_<arch>`). Default: none.
    pub fn clang_args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.clang_args.extend(args.into_iter().map(Into::into));
        self
    }

    /// An include directory for clang, searched before libbpf's headers.
    /// Default: none.
    pub fn include(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.include.push(dir.as_ref().to_owned());
        self
    }

    /// The skeleton's name: `foo` gives `foo.skel.rs` and `FooSkel`.
    /// Default: the file stem of the first source (else the first object)
    /// without `.bpf`.
    pub fn name(&mut self, name: impl Into<String>) -> &mut Self {
        self.name = Some(name.into());
        self
    }

    /// From a build script: compiles into `$OUT_DIR`, writes
    /// `$OUT_DIR/<name>.skel.rs` (only when its content changed), and
    /// prints `cargo:rerun-if-changed` for every source and header clang
    /// read (and the BTF `vmlinux.h` was printed from). Returns the path
    /// written.
    pub fn build(&mut self) -> Result<PathBuf, Error> {
        let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or(Error::NoOutDir)?);
        let name = self.skeleton_name()?;
        let output = out_dir.join(format!("{name}.skel.rs"));
        let result = self.run(&out_dir, &output, true);
        if let Err(e) = &result {
            // Cargo shows the build script's stderr when it fails.
            eprintln!("{}", e.report());
        }
        result.map(|()| output)
    }

    /// Compiles (next to `output`) and writes the skeleton to `output`.
    /// Prints nothing for cargo.
    pub fn generate(&mut self, output: impl AsRef<Path>) -> Result<(), Error> {
        let output = output.as_ref();
        let dir = output
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned();
        self.run(&dir, output, false)
    }

    fn input_path(&self) -> Result<&Path, Error> {
        self.source
            .first()
            .or(self.obj.first())
            .map(PathBuf::as_path)
            .ok_or(Error::NoInput)
    }

    fn skeleton_name(&self) -> Result<String, Error> {
        if let Some(name) = &self.name {
            return check_name(name);
        }
        let path = self.input_path()?;
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("skel");
        let stem = file
            .split('.')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("skel");
        Ok(ident::sanitize(stem))
    }

    fn run(&self, work_dir: &Path, output: &Path, cargo: bool) -> Result<(), Error> {
        let name = self.skeleton_name()?;
        if cargo {
            println!("cargo:rerun-if-env-changed={ENV_CLANG}");
            println!("cargo:rerun-if-env-changed={ENV_RUNTIME_INCLUDE}");
        }
        let mut deps = vec![];
        if let (Some(btf), false) = (&self.vmlinux_h, self.source.is_empty()) {
            create_dir(work_dir)?;
            deps.extend(vmlinux_h::write_into(
                work_dir,
                btf,
                self.vmlinux_h_base.as_deref(),
            )?);
        }
        let object_path = match (self.source.as_slice(), self.obj.as_slice()) {
            ([], []) => return Err(Error::NoInput),
            ([], [obj]) => obj.clone(),
            ([source], []) => {
                let object_path = work_dir.join(format!("{name}.bpf.o"));
                deps.extend(self.compile(source, &object_path, work_dir)?);
                object_path
            }
            (sources, objs) => {
                let object_path = work_dir.join(format!("{name}.linked.bpf.o"));
                deps.extend(self.compile_and_link(&name, sources, objs, &object_path, work_dir)?);
                object_path
            }
        };
        deps.extend(self.obj.iter().cloned());
        if cargo {
            let mut printed = std::collections::HashSet::new();
            for dep in &deps {
                // Files we generate ourselves are not inputs.
                if (!dep.starts_with(work_dir) || self.obj.contains(dep)) && printed.insert(dep) {
                    println!("cargo:rerun-if-changed={}", dep.display());
                }
            }
        }
        let bytes = std::fs::read(&object_path).map_err(|source| Error::Io {
            action: "read",
            path: object_path.clone(),
            source,
        })?;
        // The embedded copy, without DWARF, lives next to the skeleton.
        let embedded = work_dir.join(format!("{name}.bpf.o"));
        let stripped = object::strip_debug(&bytes).unwrap_or_else(|e| {
            if cargo {
                println!(
                    "cargo:warning=skel: embedding `{}` with its DWARF: {e}",
                    object_path.display()
                );
            }
            bytes.clone()
        });
        write::write_if_changed(&embedded, &stripped)?;
        let absolute = std::path::absolute(&embedded).unwrap_or(embedded.clone());
        // In a build script the object lives in OUT_DIR: refer to it through
        // env!("OUT_DIR") so the generated code is the same on every machine
        // (and can be kept as an expectation).
        let reference = match (cargo, embedded.file_name()) {
            (true, Some(file)) => ObjectPath::OutDir(file.to_string_lossy().into_owned()),
            _ => ObjectPath::Path(absolute.to_string_lossy().into_owned()),
        };
        let shown = manifest_relative(self.input_path().unwrap_or(&object_path));
        let generated = generate_with_input(&name, &object_path, reference, &bytes, &shown)?;
        if cargo {
            report_warnings(&generated.skeleton.warnings);
        }
        write::write_if_changed(output, generated.code.as_bytes())?;
        Ok(())
    }

    /// Compiles every source (in parallel) next to the skeleton and links
    /// the objects with `objs` into `output`. Returns every file clang read.
    fn compile_and_link(
        &self,
        name: &str,
        sources: &[PathBuf],
        objs: &[PathBuf],
        output: &Path,
        work_dir: &Path,
    ) -> Result<Vec<PathBuf>, Error> {
        let objects: Vec<PathBuf> = sources
            .iter()
            .enumerate()
            .map(|(i, source)| {
                let stem = source.file_stem().and_then(|s| s.to_str()).unwrap_or("src");
                work_dir.join(format!("{name}.{i}.{}.o", ident::sanitize(stem)))
            })
            .collect();
        let compiled = link::in_parallel(sources.len(), |i| {
            self.compile(&sources[i], &objects[i], work_dir)
        });
        let mut deps = vec![];
        for result in compiled {
            deps.extend(result?);
        }
        let mut inputs: Vec<LinkInput> = sources
            .iter()
            .zip(&objects)
            .map(|(source, object)| LinkInput {
                object: object.clone(),
                shown: source.clone(),
            })
            .collect();
        inputs.extend(objs.iter().map(|obj| LinkInput {
            object: obj.clone(),
            shown: obj.clone(),
        }));
        link::link(&inputs, output)?;
        Ok(deps)
    }

    fn compile(
        &self,
        source: &Path,
        output: &Path,
        work_dir: &Path,
    ) -> Result<Vec<PathBuf>, Error> {
        if !source.is_file() {
            return Err(Error::Io {
                action: "read BPF source",
                path: source.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        create_dir(work_dir)?;
        let clang = self
            .clang
            .clone()
            .or_else(|| std::env::var_os(ENV_CLANG).map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("clang"));
        let rust_arch = std::env::var("CARGO_CFG_TARGET_ARCH")
            .unwrap_or_else(|_| std::env::consts::ARCH.to_owned());
        let mut includes = self.include.clone();
        if self.vmlinux_h.is_some() {
            // Where `vmlinux.h` was written, before the user's directories.
            includes.insert(0, work_dir.to_owned());
        }
        if let Some(dir) = std::env::var_os(ENV_RUNTIME_INCLUDE) {
            includes.push(PathBuf::from(dir));
        }
        let after: Vec<PathBuf> = clang::multiarch_include(&rust_arch).into_iter().collect();
        let depfile = output.with_extension("d");
        Compile {
            clang: &clang,
            source,
            output,
            depfile: &depfile,
            target_arch: clang::bpf_target_arch(&rust_arch),
            includes: &includes,
            after_includes: &after,
            extra_args: &self.clang_args,
        }
        .run()
    }
}

fn create_dir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        action: "create directory",
        path: dir.to_owned(),
        source,
    })
}

/// Prints each fallback as a cargo warning (at most 20, then a count).
fn report_warnings(warnings: &[Warning]) {
    const SHOWN: usize = 20;
    for w in warnings.iter().take(SHOWN) {
        println!(
            "cargo:warning=skel: `{}`, member `{}` kept as bytes: {}",
            w.type_name, w.field, w.reason
        );
    }
    if warnings.len() > SHOWN {
        println!(
            "cargo:warning=skel: ... and {} more members kept as bytes (see the generated docs)",
            warnings.len() - SHOWN
        );
    }
}

fn check_name(name: &str) -> Result<String, Error> {
    let bad = |reason| Error::BadName {
        name: name.to_owned(),
        reason,
    };
    if name.is_empty() {
        return Err(bad("it is empty"));
    }
    if ident::sanitize(name) != name || ident::needs_raw(name) {
        return Err(bad(
            "use ASCII letters, digits and `_`, not starting with a digit, and not a keyword",
        ));
    }
    Ok(name.to_owned())
}

/// The object name handed to libbpf: the skeleton name, cut to the 15
/// bytes libbpf keeps.
fn object_name(name: &str) -> String {
    name.chars().take(15).collect()
}

/// Generates a skeleton from object bytes, touching no files and no
/// environment. `object_path` is what the generated code will
/// `include_bytes!`.
pub fn generate(name: &str, object_path: &Path, bytes: &[u8]) -> Result<Generated, Error> {
    let name = check_name(name)?;
    let reference = ObjectPath::Path(object_path.to_string_lossy().into_owned());
    let shown = object_path.display().to_string();
    generate_with_input(&name, object_path, reference, bytes, &shown)
}

/// Reads an object into the model [`generate`] prints, without printing
/// it and touching no files: for build scripts that describe what was
/// generated (types, layouts) from an object [`SkeletonBuilder::build`] made.
pub fn read_model(name: &str, object_path: &Path, bytes: &[u8]) -> Result<Skeleton, Error> {
    let name = check_name(name)?;
    let reference = ObjectPath::Path(object_path.to_string_lossy().into_owned());
    object::read(object_path, bytes, &name, &object_name(&name), reference)
}

/// `path` relative to the crate being built, for the generated header.
fn manifest_relative(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or(path.to_owned());
    std::env::var_os("CARGO_MANIFEST_DIR")
        .and_then(|dir| absolute.strip_prefix(dir).ok().map(Path::to_owned))
        .unwrap_or(absolute)
        .display()
        .to_string()
}

fn generate_with_input(
    name: &str,
    object_path: &Path,
    reference: ObjectPath,
    bytes: &[u8],
    input: &str,
) -> Result<Generated, Error> {
    let skeleton = object::read(object_path, bytes, name, &object_name(name), reference)?;
    let tokens = codegen::generate(&skeleton);
    let code = write::render(name, tokens, input)?;
    Ok(Generated { code, skeleton })
}
