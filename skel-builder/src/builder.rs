//! The public API: [`SkeletonBuilder`]. This is the only module that reads
//! the environment or prints `cargo:` lines.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::checked_in::{self, Paths, Record};
use crate::clang::{self, ClangWarning, Compile};
use crate::error::Error;
use crate::error::Problem;
use crate::ident;
use crate::link::{self, LinkInput};
use crate::model::{MapKind, ObjectPath, Skeleton, Warning};
use crate::target::{Endian, Target};
use crate::{codegen, naming, object, suggest, translate, write};

/// The environment variables the builder reads.
const ENV_CLANG: &str = "CLANG";
const ENV_CLANG_ARGS: &str = "SKEL_CLANG_ARGS";
const ENV_REGENERATE: &str = "SKEL_REGENERATE";
const ENV_RUNTIME_INCLUDE: &str = "DEP_SKEL_RUNTIME_INCLUDE";

/// The header [`SkeletonBuilder::vmlinux_h`] writes next to the skeleton.
const VMLINUX_H: &str = "vmlinux.h";

/// The BTF a `vmlinux.h` is printed from.
#[derive(Debug, Clone)]
enum KernelBtf {
    RunningKernel,
    File(PathBuf),
}

/// Writes `dir/vmlinux.h` from `btf` (the `vmlinux-h` feature); returns
/// the files it was made from.
#[cfg(feature = "vmlinux-h")]
fn write_vmlinux_h(
    dir: &Path,
    btf: &KernelBtf,
    base: Option<&Path>,
) -> Result<Vec<PathBuf>, Error> {
    use crate::vmlinux_h::{self, BtfSource};
    let source = match btf {
        KernelBtf::RunningKernel => BtfSource::RunningKernel,
        KernelBtf::File(path) => BtfSource::File(path.clone()),
    };
    vmlinux_h::write_into(dir, &source, base)
}

/// Without the `vmlinux-h` feature: an error saying how to turn it on.
#[cfg(not(feature = "vmlinux-h"))]
fn write_vmlinux_h(
    _dir: &Path,
    btf: &KernelBtf,
    _base: Option<&Path>,
) -> Result<Vec<PathBuf>, Error> {
    Err(Error::VmlinuxHFeature {
        path: match btf {
            KernelBtf::RunningKernel => PathBuf::from("/sys/kernel/btf/vmlinux"),
            KernelBtf::File(path) => path.clone(),
        },
    })
}

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
///
/// # Environment
///
/// For packagers and CI, which cannot edit a crate's build script. Each is
/// printed as `cargo:rerun-if-env-changed` by [`build`](Self::build), so
/// changing one rebuilds the skeleton.
///
/// - `CLANG`: the clang to run, unless the build script sets one with
///   [`clang`](Self::clang) (which wins). Default: the newest `clang-N` on
///   `PATH`, else `clang` ([`default_clang`]).
/// - `SKEL_CLANG_ARGS`: more clang arguments, split at whitespace (no
///   quoting), added after skel's own and after the build script's
///   [`clang_args`](Self::clang_args): they add to both and replace
///   neither, and where clang takes the last of two flags (`-O1`,
///   `-mcpu=v3`) they win. Example: `SKEL_CLANG_ARGS="-mcpu=v3
///   -DNDEBUG"`.
/// - `SKEL_REGENERATE`: package names, comma-separated: regenerate the
///   checked-in skeletons of these packages (see
///   [`checked_in`](Self::checked_in)). Packages, not a yes/no, so that
///   dependencies shipping checked-in skeletons are never rewritten.
/// - `DEP_SKEL_RUNTIME_INCLUDE`: libbpf's headers, set by cargo from
///   skel-runtime's build script; not for users to set.
/// - `CARGO_CFG_TARGET_ARCH`, `CARGO_CFG_TARGET_ENDIAN`,
///   `CARGO_CFG_TARGET_POINTER_WIDTH`: the crate's target, set by cargo
///   (see [`target`](Self::target)).
#[derive(Debug, Clone, Default)]
pub struct SkeletonBuilder {
    source: Vec<PathBuf>,
    obj: Vec<PathBuf>,
    clang: Option<PathBuf>,
    clang_args: Vec<OsString>,
    include: Vec<PathBuf>,
    name: Option<String>,
    object_location: ObjectLocation,
    request: translate::Request,
    vmlinux_h: Option<KernelBtf>,
    vmlinux_h_base: Option<PathBuf>,
    keep_dwarf: bool,
    checked_in: Option<PathBuf>,
    optional_programs: Vec<String>,
    target: Option<Target>,
}

/// How the generated skeleton finds the BPF object it embeds (with
/// `include_bytes!`). Set with [`SkeletonBuilder::object_location`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectLocation {
    /// Where the builder wrote it: with [`SkeletonBuilder::build`],
    /// `concat!(env!("OUT_DIR"), "/<name>.bpf.o")`; with
    /// [`SkeletonBuilder::generate`], the object's absolute path, so the
    /// skeleton builds only while the object stays there.
    #[default]
    Absolute,
    /// `include_bytes!("<name>.bpf.o")`: the object sits next to the
    /// skeleton file and is found relative to it (rustc resolves the path
    /// against the file holding the `include_bytes!`, also when that file is
    /// pulled in with `include!` or `mod`). Move or commit both files
    /// together, e.g. into `src/`. A manifest, `<name>.manifest`, is
    /// written beside them: what they were generated from, which
    /// [`SkeletonBuilder::checked_in`] checks.
    Relative,
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
        self.vmlinux_h = Some(KernelBtf::RunningKernel);
        self
    }

    /// As [`vmlinux_h`](Self::vmlinux_h), from another kernel's BTF: raw
    /// BTF, or an ELF file with a `.BTF` section (a `vmlinux`, a module).
    /// For cross builds and CI machines whose kernel is not the target.
    pub fn vmlinux_h_from(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.vmlinux_h = Some(KernelBtf::File(path.as_ref().to_owned()));
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

    /// The clang to run. Default: `$CLANG`, else the newest `clang-N` on
    /// `PATH` (`clang-19` over `clang-16`), else `clang` (see
    /// [`default_clang`]). Each build runs `<clang> --version` once: below
    /// clang 15 it warns that enum values and type tags in BTF will be
    /// wrong.
    pub fn clang(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.clang = Some(path.as_ref().to_owned());
        self
    }

    /// Extra clang arguments, added after skel's own (`-g -O2 -target bpf
    /// -D__TARGET_ARCH_<arch>`, the include directories, `-MD`), which they
    /// never replace; where clang takes the last of two flags (`-O1`
    /// after `-O2`, `-mcpu=v3`) they win. Appends to the list. Default:
    /// none. `$SKEL_CLANG_ARGS` comes after them (see [`SkeletonBuilder`]).
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

    /// C types to generate Rust types for, with everything they reach,
    /// whether or not a map, global or struct_ops map uses them: `struct
    /// event`, `union u`, `enum state`, `typedef pid_t` or a bare name (a
    /// typedef, else a struct, union or enum). Appends to the list.
    /// Default: none (the types maps, events, globals and shadows use are
    /// always generated). For sources the builder compiles, a `struct`,
    /// `union` or `enum` named here reaches the object's BTF even if no
    /// code uses it (clang gets `-include $OUT_DIR/<name>.types.h`, which
    /// uses it); a typedef must be used by the program, as clang keeps
    /// only used typedefs. A type the object's BTF lacks is an error.
    pub fn types<I, S>(&mut self, types: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.request.types.extend(types.into_iter().map(Into::into));
        self
    }

    /// What ring buffer or perf event array `map` carries: a C type, as for
    /// [`SkeletonBuilder::types`]. The skeleton then hands out
    /// `maps.<map>_typed()`, whose consumers call back with that type.
    /// Default: none (BTF does not say what an event map carries).
    pub fn event_type(&mut self, map: impl Into<String>, c_type: impl Into<String>) -> &mut Self {
        self.request.events.push((map.into(), c_type.into()));
        self
    }

    /// The key type of map `map`, for maps declared with `__uint(key_size,
    /// N)` rather than a BTF key type (`__type(key, T)`): a C type, as for
    /// [`SkeletonBuilder::types`], or a fixed-width integer (`u32`,
    /// `__u64`, `s32`, `i64`, ...). With the value's type (from BTF or
    /// [`SkeletonBuilder::map_value_type`]) the map gets the typed handle a
    /// BTF-typed map of its kind has (`skel.maps().<map>()`). Default: none,
    /// but for arrays and per-CPU arrays, whose key is always the `u32`
    /// index. The type's size must be the map's `key_size`, else the build
    /// fails naming the map, the source and both sizes; an unknown map or
    /// type fails with the closest name.
    pub fn map_key_type(&mut self, map: impl Into<String>, c_type: impl Into<String>) -> &mut Self {
        self.request.map_keys.push((map.into(), c_type.into()));
        self
    }

    /// The value type of map `map`, for maps declared with
    /// `__uint(value_size, N)` rather than a BTF value type (scx_simple's
    /// per-CPU `stats`): as [`SkeletonBuilder::map_key_type`]. Per-CPU maps
    /// then read and write one value per CPU. Default: none (an 8-byte
    /// value may be a `u64`, an `i64`, two `u32` or a struct: only the
    /// build script knows).
    pub fn map_value_type(
        &mut self,
        map: impl Into<String>,
        c_type: impl Into<String>,
    ) -> &mut Self {
        self.request.map_values.push((map.into(), c_type.into()));
        self
    }

    /// Programs that may go without what they need from the running kernel:
    /// by C function name (libbpf's program name). Appends to the list.
    /// Default: none (every program is required).
    ///
    /// Before libbpf loads anything, `load()` checks what each program that
    /// will be loaded needs: the target its section names (the function of
    /// a `kprobe/`, the tracepoint of a `tp/`, the function of an
    /// `fentry/`, the hook of an `lsm/`, ...), the kfuncs its code calls
    /// without `__weak`, and its program and attach types. An optional
    /// program that needs something the kernel lacks is skipped (its
    /// autoload turned off) and listed by the loaded skeleton's
    /// `skipped_programs()`, and everything else loads; a required one
    /// fails the load with `skel_runtime::Error::KernelLacksTargets`,
    /// naming the program and what it lacks.
    ///
    /// libbpf resolves every kfunc of the object at load, loaded program or
    /// not: the embedded object declares `__weak` the kfuncs and typed
    /// `__ksym` variables only optional programs call, so that one the
    /// kernel lacks does not fail the load (where it has them, nothing
    /// changes). A name that is not a program of the object, or a
    /// struct_ops program (which loads when a slot holds it), is an error.
    pub fn optional_programs<I, S>(&mut self, names: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.optional_programs
            .extend(names.into_iter().map(Into::into));
        self
    }

    /// Keep DWARF in the object the skeleton embeds. Default: `false`: the
    /// embedded copy keeps `.BTF` and `.BTF.ext` (what CO-RE and the
    /// verifier's line info use) and leaves out what libbpf never reads:
    /// the `.debug_*` sections and their relocations, the relocations of
    /// `.BTF` and `.BTF.ext`, `.llvm_addrsig` and an empty `.text`, as
    /// libbpf's linker does (what libbpf-cargo embeds). With `true` the
    /// object is embedded as clang (or the linker, or `.obj()`) wrote it,
    /// for tools that read DWARF from the shipped binary. Either way the
    /// copy is padded with zeros to a multiple of 8 bytes and sits in the
    /// user's binary in a `.bpf.objs` section, one symbol per object (as
    /// libbpf-cargo puts it), where tools find it by the symbol's address
    /// and size.
    pub fn keep_dwarf(&mut self, keep: bool) -> &mut Self {
        self.keep_dwarf = keep;
        self
    }

    /// The skeleton is committed at `path` (e.g. `src/foo.rs`, relative to
    /// the crate), with its object and manifest beside it, so that the
    /// crate builds without clang. Default: none (the skeleton is generated
    /// into `$OUT_DIR` on every build). Only [`build`](Self::build) reads
    /// it:
    ///
    /// - Normally it runs no clang: it checks the manifest
    ///   (`<name>.manifest`) against the crate's files and this builder's
    ///   settings, prints `rerun-if-changed` for them, and returns `path`.
    ///   When a source, a header from the crate's directories, a prebuilt
    ///   object or a setting changed since the skeleton was generated, or
    ///   the skeleton or its object was edited, it fails with
    ///   [`Error::StaleSkeleton`], naming each. The machine's part (clang's
    ///   version, libbpf's and system headers, the target) is recorded,
    ///   not checked: it differs on the machines the committed skeleton is
    ///   for. The manifest is text, one fact a line, hashes in SHA-256
    ///   (`sha256sum` prints the same): `config` (settings), `input`
    ///   (files, relative to the manifest) and `output` lines are checked;
    ///   `clang`, `toolchain` and `external` lines are a record. An input
    ///   outside the package (a header shared in a workspace), or missing
    ///   from a crate made by `cargo package` (published without its C
    ///   sources), is checked when it is there, skipped when not.
    /// - With `SKEL_REGENERATE=<package>` (this crate's name; several
    ///   comma-separated) it compiles as without `checked_in`, in
    ///   `$OUT_DIR`, and writes the skeleton to `path`, the object and the
    ///   manifest beside it ([`ObjectLocation::Relative`]), each only when
    ///   its content changed. Commit the three together.
    ///
    /// In the crate: `#[path = "foo.rs"] mod foo;` (or `mod foo;` for
    /// `src/foo.rs`).
    pub fn checked_in(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.checked_in = Some(path.as_ref().to_owned());
        self
    }

    /// The machine the skeleton is for. Default: the crate's target, as
    /// cargo gives it to the build script (`CARGO_CFG_TARGET_ARCH`,
    /// `_ENDIAN`, `_POINTER_WIDTH`), so that `cargo build --target
    /// s390x-unknown-linux-gnu` builds for s390x; outside a build script,
    /// the host ([`Target::host`]). clang compiles for `-target bpfel` or
    /// `bpfeb` by its byte order, with `-D__TARGET_ARCH_<arch>` (`x86`,
    /// `arm64`, `arm`, `riscv`, `s390`, `powerpc`, `loongarch`, `mips`,
    /// `sparc`: the names libbpf's `bpf_tracing.h` reads for its register
    /// macros; none for other architectures), and the generated types take
    /// its layout: pointer width (struct_ops program slots), the alignment
    /// of 64- and 128-bit scalars, the bit order of bitfields. A prebuilt
    /// object ([`obj`](Self::obj)) must have the target's byte order
    /// ([`Error::WrongEndian`]).
    pub fn target(&mut self, target: Target) -> &mut Self {
        self.target = Some(target);
        self
    }

    /// How the skeleton finds the object it embeds. Default:
    /// [`ObjectLocation::Absolute`] (`$OUT_DIR` in a build script, the
    /// absolute path with [`generate`](Self::generate)). Set
    /// [`ObjectLocation::Relative`] for a skeleton you move or commit.
    pub fn object_location(&mut self, location: ObjectLocation) -> &mut Self {
        self.object_location = location;
        self
    }

    /// From a build script: compiles into `$OUT_DIR`, writes
    /// `$OUT_DIR/<name>.skel.rs` (only when its content changed), and
    /// prints `cargo:rerun-if-changed` for every source and header clang
    /// read (and the BTF `vmlinux.h` was printed from). Returns the path
    /// written.
    ///
    /// clang's warnings, fallbacks taken while translating types, an
    /// object without BTF and a clang older than 15 become `cargo:warning`
    /// lines.
    ///
    /// On error, the report is printed to stderr (cargo shows it when the
    /// build script fails) and returned; `Debug` of the returned error then
    /// only points to it, so `fn main() -> Result<(), Error>` with
    /// `build()?` and `.unwrap()` show the report once. The skeleton file
    /// is replaced by a `compile_error!` holding the report, so a build
    /// script that goes on after the error fails the crate's build where
    /// the skeleton is included, with the report.
    pub fn build(&mut self) -> Result<PathBuf, Error> {
        let result = self.build_in_out_dir();
        if let Err(e) = &result {
            e.print();
            self.write_failed_skeleton(e);
        }
        result
    }

    /// After an error in a build script: the skeleton file says so (see
    /// [`build`](Self::build)), and cargo watches the input, its directory
    /// and the include directories, so that a build script that went on
    /// after the error reruns once they are fixed (a failed build script
    /// reruns anyway).
    fn write_failed_skeleton(&self, e: &Error) {
        let Some(out_dir) = std::env::var_os("OUT_DIR") else {
            return;
        };
        if let Ok(input) = self.input_path() {
            println!("cargo:rerun-if-changed={}", input.display());
            if let Some(dir) = input.parent().filter(|d| !d.as_os_str().is_empty()) {
                println!("cargo:rerun-if-changed={}", dir.display());
            }
        }
        for dir in &self.include {
            println!("cargo:rerun-if-changed={}", dir.display());
        }
        // A checked-in skeleton is not included from OUT_DIR.
        let (Ok(name), None) = (self.skeleton_name(), &self.checked_in) else {
            return;
        };
        let path = PathBuf::from(out_dir).join(format!("{name}.skel.rs"));
        // Best effort: the error itself is already on its way.
        let _ = write::write_if_changed(&path, write::failed(&e.report()).as_bytes());
    }

    fn build_in_out_dir(&self) -> Result<PathBuf, Error> {
        let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or(Error::NoOutDir)?);
        if let Some(skeleton) = &self.checked_in {
            return self.build_checked_in(&out_dir, skeleton);
        }
        let name = self.skeleton_name()?;
        let output = out_dir.join(format!("{name}.skel.rs"));
        let mut sink = Sink::Cargo;
        self.run(&out_dir, &output, self.object_location, &mut sink)?;
        Ok(output)
    }

    /// [`build`](Self::build) with [`checked_in`](Self::checked_in):
    /// regenerate when asked, else check the manifest.
    fn build_checked_in(&self, out_dir: &Path, skeleton: &Path) -> Result<PathBuf, Error> {
        for var in [
            ENV_REGENERATE,
            ENV_CLANG,
            ENV_CLANG_ARGS,
            ENV_RUNTIME_INCLUDE,
        ] {
            println!("cargo:rerun-if-env-changed={var}");
        }
        let package = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
        let regenerate = std::env::var(ENV_REGENERATE).is_ok_and(|v| {
            v.split(',')
                .any(|p| !p.trim().is_empty() && p.trim() == package)
        });
        if regenerate {
            let mut sink = Sink::Cargo;
            self.run(out_dir, skeleton, ObjectLocation::Relative, &mut sink)?;
            return Ok(skeleton.to_owned());
        }
        let name = self.skeleton_name()?;
        let dir = parent_dir(skeleton);
        let manifest = dir.join(checked_in::file_name(&name));
        println!("cargo:rerun-if-changed={}", manifest.display());
        println!("cargo:rerun-if-changed={}", skeleton.display());
        if !manifest.is_file() {
            return Err(Error::Manifest {
                path: PathBuf::from(manifest_relative(&manifest)),
                package,
                reason: format!(
                    "it does not exist: `{}` was never generated here",
                    skeleton.display()
                ),
            });
        }
        let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
        let paths = Paths::new(&dir, crate_dir.as_deref());
        let config = self.config_lines(&paths)?;
        let shown = |p: &Path| PathBuf::from(manifest_relative(p));
        let verified =
            checked_in::verify(&manifest, &paths, &config, &shown).map_err(|e| match e {
                Error::Manifest { path, reason, .. } => Error::Manifest {
                    path: shown(&path),
                    package: package.clone(),
                    reason,
                },
                other => other,
            })?;
        for path in &verified.watch {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        if !verified.stale.is_empty() {
            return Err(Error::StaleSkeleton {
                skeleton: shown(skeleton),
                package,
                stale: verified.stale,
            });
        }
        Ok(skeleton.to_owned())
    }

    /// The build script's settings, as a checked-in skeleton's manifest
    /// records them (`config` lines): whatever changes the object or the
    /// code, paths written as [`Paths::config`] does.
    fn config_lines(&self, paths: &Paths) -> Result<Vec<String>, Error> {
        let mut lines = vec![];
        for source in &self.source {
            lines.push(format!("source {}", paths.config(source)));
        }
        for obj in &self.obj {
            lines.push(format!("obj {}", paths.config(obj)));
        }
        for dir in &self.include {
            lines.push(format!("include {}", paths.config(dir)));
        }
        for arg in &self.clang_args {
            lines.push(format!("clang_arg {}", arg.to_string_lossy()));
        }
        lines.push(format!("name {}", self.skeleton_name()?));
        for ty in &self.request.types {
            lines.push(format!("type {ty}"));
        }
        for (map, ty) in &self.request.events {
            lines.push(format!("event_type {map} {ty}"));
        }
        for (map, ty) in &self.request.map_keys {
            lines.push(format!("map_key_type {map} {ty}"));
        }
        for (map, ty) in &self.request.map_values {
            lines.push(format!("map_value_type {map} {ty}"));
        }
        match &self.vmlinux_h {
            Some(KernelBtf::RunningKernel) => lines.push("vmlinux_h".to_owned()),
            Some(KernelBtf::File(path)) => {
                lines.push(format!("vmlinux_h_from {}", paths.config(path)))
            }
            None => {}
        }
        if let Some(base) = &self.vmlinux_h_base {
            lines.push(format!("vmlinux_h_base {}", paths.config(base)));
        }
        if self.keep_dwarf {
            lines.push("keep_dwarf".to_owned());
        }
        for program in &self.optional_programs {
            lines.push(format!("optional_program {program}"));
        }
        if let Some(t) = &self.target {
            lines.push(format!(
                "target {} {} {}",
                t.arch(),
                t.endian().as_str(),
                t.pointer_width()
            ));
        }
        Ok(lines
            .into_iter()
            .map(|l| l.replace(['\n', '\r'], " "))
            .collect())
    }

    /// Compiles (next to `output`) and writes the skeleton to `output`.
    /// Prints nothing: returns the warnings [`build`](Self::build) would
    /// print as `cargo:warning` lines (clang's, a clang older than 15,
    /// fallbacks, an object without BTF), one line each. With
    /// [`ObjectLocation::Relative`] it also writes the manifest
    /// [`checked_in`](Self::checked_in) checks.
    pub fn generate(&mut self, output: impl AsRef<Path>) -> Result<Vec<String>, Error> {
        let output = output.as_ref();
        let dir = output
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned();
        let mut sink = Sink::Collect(vec![]);
        self.run(&dir, output, self.object_location, &mut sink)?;
        match sink {
            Sink::Collect(warnings) => Ok(warnings),
            Sink::Cargo => Ok(vec![]),
        }
    }

    /// The target this build is for: [`target`](Self::target), else
    /// cargo's, else the host.
    fn resolve_target(&self) -> Result<Target, Error> {
        match &self.target {
            Some(t) => Ok(t.clone()),
            None => cargo_target(),
        }
    }

    fn input_path(&self) -> Result<&Path, Error> {
        self.source
            .first()
            .or(self.obj.first())
            .map(PathBuf::as_path)
            .ok_or(Error::NoInput)
    }

    /// The files the user gave that the object is built from, as errors
    /// about the object name them: none when one object is used as it is
    /// (errors name the object itself).
    fn inputs(&self) -> Vec<PathBuf> {
        if self.source.is_empty() && self.obj.len() <= 1 {
            return vec![];
        }
        self.source.iter().chain(&self.obj).cloned().collect()
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

    /// Compiles in `work_dir` and writes the skeleton to `output`, its
    /// object beside it, and with [`ObjectLocation::Relative`] the
    /// manifest too.
    fn run(
        &self,
        work_dir: &Path,
        output: &Path,
        location: ObjectLocation,
        sink: &mut Sink,
    ) -> Result<(), Error> {
        let name = self.skeleton_name()?;
        let cargo = matches!(sink, Sink::Cargo);
        if cargo {
            for var in [ENV_CLANG, ENV_CLANG_ARGS, ENV_RUNTIME_INCLUDE] {
                println!("cargo:rerun-if-env-changed={var}");
            }
        }
        let target = self.resolve_target()?;
        let mut deps = vec![];
        if let (Some(btf), false) = (&self.vmlinux_h, self.source.is_empty()) {
            create_dir(work_dir)?;
            deps.extend(write_vmlinux_h(
                work_dir,
                btf,
                self.vmlinux_h_base.as_deref(),
            )?);
        }
        let mut clang_line = None;
        if !self.source.is_empty() {
            clang_line = Some(check_clang_version(&self.clang_path(), sink)?);
            self.write_type_keeper(&name, work_dir)?;
        }
        let object_path = match (self.source.as_slice(), self.obj.as_slice()) {
            ([], []) => return Err(Error::NoInput),
            ([], [obj]) => obj.clone(),
            ([source], []) => {
                let object_path = work_dir.join(format!("{name}.bpf.o"));
                let compiled = self.compile(source, &object_path, work_dir, &target)?;
                deps.extend(compiled.deps);
                for w in clang_warnings(&compiled.warnings) {
                    sink.warn(w);
                }
                object_path
            }
            (sources, objs) => {
                let object_path = work_dir.join(format!("{name}.linked.bpf.o"));
                deps.extend(self.compile_and_link(
                    sources,
                    objs,
                    &object_path,
                    work_dir,
                    &target,
                    sink,
                )?);
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
        // The embedded copy lives next to the skeleton.
        let out_dir = parent_dir(output);
        let embedded = out_dir.join(format!("{name}.bpf.o"));
        let file_name = embedded
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let reference = match (location, cargo) {
            // Next to the skeleton: `include_bytes!` resolves it against
            // the skeleton file, wherever both are moved.
            (ObjectLocation::Relative, _) => ObjectPath::Path(file_name),
            // In a build script the object lives in OUT_DIR: refer to it
            // through env!("OUT_DIR") so the generated code is the same on
            // every machine (and can be kept as an expectation).
            (ObjectLocation::Absolute, true) => ObjectPath::OutDir(file_name),
            (ObjectLocation::Absolute, false) => {
                let absolute = std::path::absolute(&embedded).unwrap_or(embedded.clone());
                ObjectPath::Path(absolute.to_string_lossy().into_owned())
            }
        };
        // The input named in the header: relative to the crate (or
        // OUT_DIR) in a build script, as given otherwise (no machine path in a committed file
        // generated from a relative one).
        let input = self.input_path().unwrap_or(&object_path);
        let shown = if cargo {
            match input.strip_prefix(work_dir) {
                // An object the build script made itself.
                Ok(rest) => format!("$OUT_DIR/{}", rest.display()),
                Err(_) => manifest_relative(input),
            }
        } else {
            input.display().to_string()
        };
        let generated = generate_with_input(
            &name,
            &object_path,
            reference,
            &bytes,
            &shown,
            &self.request,
            &self.optional_programs,
            &target,
        )
        .map_err(|e| {
            e.built_from(self.inputs())
                .suggest_types(|| types_defined_in(&deps))
        })?;
        if !generated.skeleton.has_btf {
            if let Some(w) = no_btf_warning(&object_path, &generated.skeleton) {
                sink.warn(w);
            }
        }
        for w in fallback_warnings(&generated.skeleton.warnings) {
            sink.warn(w);
        }
        let lean = self.embedded_object(&bytes, &object_path, &generated.skeleton, sink);
        write::write_if_changed(&embedded, &lean)?;
        write::write_if_changed(output, generated.code.as_bytes())?;
        if location == ObjectLocation::Relative {
            let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR").filter(|_| cargo);
            let paths = Paths::new(&out_dir, crate_dir.as_deref().map(Path::new));
            let mut own_dirs = self.include.clone();
            own_dirs.extend(self.source.iter().map(|s| parent_dir(s)));
            own_dirs.extend(self.obj.iter().cloned());
            let mut generated_files = vec![work_dir.join(VMLINUX_H)];
            generated_files.extend(self.type_keeper_path(work_dir));
            let mut toolchain = vec![
                format!("target_arch {}", target.arch()),
                format!("target_endian {}", target.endian().as_str()),
                format!("target_pointer_width {}", target.pointer_width()),
            ];
            if let Some(args) = std::env::var_os(ENV_CLANG_ARGS) {
                toolchain.push(format!("{ENV_CLANG_ARGS}={}", args.to_string_lossy()));
            }
            let record = Record {
                package: std::env::var("CARGO_PKG_NAME").ok().filter(|_| cargo),
                clang: clang_line,
                toolchain,
                config: self.config_lines(&paths)?,
                deps: &deps,
                own_dirs,
                runtime_include: std::env::var_os(ENV_RUNTIME_INCLUDE).map(PathBuf::from),
                generated: generated_files,
                outputs: vec![(output, generated.code.as_bytes()), (&embedded, &lean)],
                paths,
            };
            let text = record.render()?;
            write::write_if_changed(&out_dir.join(checked_in::file_name(&name)), text.as_bytes())?;
        }
        Ok(())
    }

    /// The object the skeleton embeds: without DWARF unless
    /// [`keep_dwarf`](Self::keep_dwarf), with the kfuncs only optional
    /// programs call made weak (see
    /// [`optional_programs`](Self::optional_programs)), and a multiple of 8
    /// bytes long, so that the 8-aligned static holding it in `.bpf.objs`
    /// is exactly the object.
    fn embedded_object(
        &self,
        bytes: &[u8],
        object_path: &Path,
        skeleton: &Skeleton,
        sink: &mut Sink,
    ) -> Vec<u8> {
        let mut embedded = if self.keep_dwarf {
            bytes.to_vec()
        } else {
            object::strip_debug(bytes).unwrap_or_else(|e| {
                sink.warn(format!(
                    "skel: embedding `{}` as it is, DWARF included: {e}",
                    object_path.display()
                ));
                bytes.to_vec()
            })
        };
        let weak = optional_only_externs(skeleton);
        if !weak.is_empty() {
            match object::weaken(&embedded, &weak) {
                Ok(weakened) => embedded = weakened,
                Err(e) => sink.warn(format!(
                    "skel: cannot declare the kfuncs only optional programs call weak in the \
                     embedded copy of `{}` ({e}): on a kernel without one, libbpf fails the load",
                    object_path.display()
                )),
            }
        }
        embedded.resize(embedded.len().next_multiple_of(8), 0);
        embedded
    }

    /// The clang this build runs.
    fn clang_path(&self) -> PathBuf {
        self.clang.clone().unwrap_or_else(default_clang)
    }

    /// Compiles every source (in parallel) next to the skeleton and links
    /// the objects with `objs` into `output`. Returns every file clang read.
    fn compile_and_link(
        &self,
        sources: &[PathBuf],
        objs: &[PathBuf],
        output: &Path,
        work_dir: &Path,
        target: &Target,
        sink: &mut Sink,
    ) -> Result<Vec<PathBuf>, Error> {
        let name = self.skeleton_name()?;
        let objects: Vec<PathBuf> = sources
            .iter()
            .enumerate()
            .map(|(i, source)| {
                let stem = source.file_stem().and_then(|s| s.to_str()).unwrap_or("src");
                work_dir.join(format!("{name}.{i}.{}.o", ident::sanitize(stem)))
            })
            .collect();
        let compiled = link::in_parallel(sources.len(), |i| {
            self.compile(&sources[i], &objects[i], work_dir, target)
        });
        let mut deps = vec![];
        let mut warnings = vec![];
        for result in compiled {
            let compiled = result?;
            deps.extend(compiled.deps);
            warnings.extend(compiled.warnings);
        }
        for w in clang_warnings(&warnings) {
            sink.warn(w);
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
        target: &Target,
    ) -> Result<clang::Compiled, Error> {
        if !source.is_file() {
            return Err(Error::Io {
                action: "read BPF source",
                path: source.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        create_dir(work_dir)?;
        let clang = self.clang_path();
        let mut includes = self.include.clone();
        if self.vmlinux_h.is_some() {
            // Where `vmlinux.h` was written, before the user's directories.
            includes.insert(0, work_dir.to_owned());
        }
        if let Some(dir) = std::env::var_os(ENV_RUNTIME_INCLUDE) {
            includes.push(PathBuf::from(dir));
        }
        let after: Vec<PathBuf> = clang::multiarch_include(target).into_iter().collect();
        let depfile = output.with_extension("d");
        let mut args = vec![];
        let keeper = self.type_keeper_path(work_dir);
        if let Some(keeper) = &keeper {
            args.push(OsString::from("-include"));
            args.push(keeper.clone().into_os_string());
        }
        args.extend(self.clang_args.iter().cloned());
        args.extend(env_clang_args());
        Compile {
            clang: &clang,
            source,
            output,
            depfile: &depfile,
            target,
            includes: &includes,
            after_includes: &after,
            extra_args: &args,
        }
        .run()
        .map_err(|e| match keeper {
            Some(keeper) => self.type_keeper_hint(e, &keeper),
            None => e,
        })
    }

    /// A clang error in the type-keeper header (see
    /// [`write_type_keeper`](Self::write_type_keeper)) comes from the names
    /// the build script gave: a `struct` the sources define as a `union`,
    /// say. The error says so.
    fn type_keeper_hint(&self, mut e: Error, keeper: &Path) -> Error {
        let Error::ClangFailed { stderr, hint, .. } = &mut e else {
            return e;
        };
        let name = keeper.file_name().map(|n| n.to_string_lossy());
        if name.is_some_and(|name| stderr.contains(&*name)) {
            let types: Vec<String> = self
                .tagged_types()
                .iter()
                .map(|t| format!("`{t}`"))
                .collect();
            *hint = Some(format!(
                "`{}` is skel-builder's: it declares the types named with `.types` and \
                 `.event_type` ({}) before each source, so that clang puts them in BTF; name each \
                 with the keyword the sources define it with (`struct`, `union` or `enum`), and \
                 each once",
                keeper.display(),
                types.join(", ")
            ));
        }
        e
    }

    /// The tagged types the build script names (`.types`, `.event_type`),
    /// as `struct event`: those clang can be made to put in BTF.
    fn tagged_types(&self) -> Vec<String> {
        let named = self.request.types.iter();
        let events = self.request.events.iter().map(|(_, ty)| ty);
        let keys = self.request.map_keys.iter().map(|(_, ty)| ty);
        let values = self.request.map_values.iter().map(|(_, ty)| ty);
        let mut out: Vec<String> = named
            .chain(events)
            .chain(keys)
            .chain(values)
            .filter_map(|spelling| {
                let (keyword, tag) = spelling.trim().split_once(char::is_whitespace)?;
                let tag = tag.trim();
                let is_ident = tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && tag.chars().next().is_some_and(|c| !c.is_ascii_digit());
                (matches!(keyword, "struct" | "union" | "enum") && is_ident)
                    .then(|| format!("{keyword} {tag}"))
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    fn type_keeper_path(&self, work_dir: &Path) -> Option<PathBuf> {
        let name = self.skeleton_name().ok()?;
        (!self.tagged_types().is_empty()).then(|| work_dir.join(format!("{name}.types.h")))
    }

    /// clang puts a type in BTF only when something that reaches BTF (a
    /// global, a map, a function's signature) uses it, and an event
    /// struct is usually used only inside a program. So the types the
    /// build script names by tag are declared and taken by a function of
    /// their own, in a header clang includes before each source (`-include`):
    /// BTF is written at the end of the compile, by when the source has
    /// defined them, so the whole type is there. The function is a static
    /// `.text` subprogram no program calls; libbpf loads nothing of it.
    fn write_type_keeper(&self, name: &str, work_dir: &Path) -> Result<(), Error> {
        let types = self.tagged_types();
        if types.is_empty() {
            return Ok(());
        }
        let mut text = String::from(
            "/* Written by skel-builder: the types the build script names\n * (`.types`, `.event_type`), so that clang puts them in BTF. */\n",
        );
        for ty in &types {
            text.push_str(&format!("{ty};\n"));
        }
        let params: Vec<String> = types
            .iter()
            .enumerate()
            .map(|(i, ty)| format!("{ty} *t{i}"))
            .collect();
        let uses: String = (0..types.len()).map(|i| format!(" (void)t{i};")).collect();
        text.push_str(&format!(
            "__attribute__((used)) static void __skel_keep_types({}) {{{uses} }}\n",
            params.join(", ")
        ));
        create_dir(work_dir)?;
        write::write_if_changed(&work_dir.join(format!("{name}.types.h")), text.as_bytes())?;
        Ok(())
    }
}

/// The types the files clang read define, for suggestions when a type the
/// build script names is missing (read only then). Unreadable files are
/// skipped: a suggestion is a courtesy.
fn types_defined_in(files: &[PathBuf]) -> Vec<(suggest::Tag, String)> {
    let mut seen = std::collections::HashSet::new();
    let mut out = std::collections::BTreeSet::new();
    for file in files.iter().filter(|f| seen.insert(*f)) {
        // Not text (a BTF file vmlinux.h was printed from, an object).
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        if !bytes.contains(&0) {
            out.extend(suggest::defined_types(&String::from_utf8_lossy(&bytes)));
        }
    }
    out.into_iter().collect()
}

/// The crate's target as cargo gives it to a build script
/// (`CARGO_CFG_TARGET_ARCH`, `_ENDIAN`, `_POINTER_WIDTH`), else the host.
/// What cargo sets is read as it is: a value it never sets is an error.
fn cargo_target() -> Result<Target, Error> {
    let Ok(arch) = std::env::var("CARGO_CFG_TARGET_ARCH") else {
        return Ok(Target::host());
    };
    let endian = std::env::var("CARGO_CFG_TARGET_ENDIAN").unwrap_or_default();
    let width = std::env::var("CARGO_CFG_TARGET_POINTER_WIDTH").unwrap_or_default();
    let shown = format!(
        "{arch} (CARGO_CFG_TARGET_ENDIAN={endian:?}, CARGO_CFG_TARGET_POINTER_WIDTH={width:?})"
    );
    let bad = |reason: &str| Error::BadTarget {
        target: shown.clone(),
        reason: reason.to_owned(),
    };
    let endian = Endian::from_cargo(&endian)
        .ok_or_else(|| bad("the byte order is not `little` or `big`"))?;
    let width = width
        .parse::<u32>()
        .map_err(|_| bad("the pointer width is not a number of bits"))?;
    Ok(Target::new(arch, endian, width))
}

/// The directory of `path` (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned()
}

/// `$SKEL_CLANG_ARGS`, split at whitespace (no quoting, as `CFLAGS`).
fn env_clang_args() -> Vec<OsString> {
    std::env::var_os(ENV_CLANG_ARGS)
        .map(|v| {
            v.to_string_lossy()
                .split_ascii_whitespace()
                .map(OsString::from)
                .collect()
        })
        .unwrap_or_default()
}

fn create_dir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        action: "create directory",
        path: dir.to_owned(),
        source,
    })
}

/// Warns about a clang older than 15, and returns the first line of
/// `clang --version` (for the manifest of a checked-in skeleton). Its
/// version is read once per process (a build script building several
/// skeletons pays one `clang --version`), and `build()` warns once per
/// process.
fn check_clang_version(clang: &Path, sink: &mut Sink) -> Result<String, Error> {
    struct Seen {
        clang: PathBuf,
        version: Option<clang::ClangVersion>,
        line: String,
        warned: bool,
    }
    static SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let index = match seen.iter().position(|s| s.clang == clang) {
        Some(i) => i,
        None => {
            let (version, line) = clang::version(clang)?;
            seen.push(Seen {
                clang: clang.to_owned(),
                version,
                line,
                warned: false,
            });
            seen.len() - 1
        }
    };
    let entry = &mut seen[index];
    let line = entry.line.clone();
    let Some(version) = entry.version else {
        return Ok(line);
    };
    if version.major >= clang::GOOD_BTF_MAJOR {
        return Ok(line);
    }
    let cargo = matches!(sink, Sink::Cargo);
    if !cargo || !entry.warned {
        sink.warn(old_clang_warning(clang, version));
    }
    if cargo {
        entry.warned = true;
    }
    Ok(line)
}

/// Where warnings go: `cargo:warning` lines from `build()`, the caller's
/// hands from `generate()`.
enum Sink {
    Cargo,
    Collect(Vec<String>),
}

impl Sink {
    fn warn(&mut self, line: String) {
        // One warning, one line: cargo reads its output line by line.
        let line = line.replace(['\n', '\r'], " ");
        match self {
            Sink::Cargo => println!("cargo:warning={line}"),
            Sink::Collect(lines) => lines.push(line),
        }
    }
}

/// How many warnings of one kind are shown before a count of the rest.
const SHOWN: usize = 20;

/// The clang [`SkeletonBuilder`] runs when none is set with
/// [`SkeletonBuilder::clang`]: `$CLANG`, else the newest `clang-N` among
/// the executables on `PATH` (Debian and Ubuntu install versioned clangs
/// side by side: `clang-19` over `clang-16`), else `clang`.
pub fn default_clang() -> PathBuf {
    if let Some(clang) = std::env::var_os(ENV_CLANG).filter(|c| !c.is_empty()) {
        return PathBuf::from(clang);
    }
    std::env::var_os("PATH")
        .and_then(|path| clang::newest_versioned(&path))
        .unwrap_or_else(|| PathBuf::from("clang"))
}

fn old_clang_warning(clang: &Path, version: clang::ClangVersion) -> String {
    format!(
        "skel: clang {version} (`{}`) writes wrong BTF: 64-bit enum values truncated to 32 \
         bits, signed ones as unsigned, and no type tags (`__kptr`), so generated enum \
         constants can be wrong and kptr fields fail the verifier; install clang {} or newer \
         (Debian 12: `apt-get install clang-19`): skel-builder runs the newest `clang-N` on \
         PATH, or `$CLANG`",
        clang.display(),
        clang::GOOD_BTF_MAJOR,
    )
}

/// clang's warnings as `file:line: message`, paths under the crate shown
/// relative to it, at most [`SHOWN`] then a count.
fn clang_warnings(warnings: &[ClangWarning]) -> Vec<String> {
    let mut out: Vec<String> = warnings
        .iter()
        .take(SHOWN)
        .map(|w| {
            let location = match w.location.rsplit_once(':') {
                Some((file, line)) if Path::new(file).is_absolute() => {
                    format!("{}:{line}", manifest_relative(Path::new(file)))
                }
                _ => w.location.clone(),
            };
            format!("{location}: {}", w.message)
        })
        .collect();
    if warnings.len() > SHOWN {
        out.push(format!(
            "skel: ... and {} more clang warnings",
            warnings.len() - SHOWN
        ));
    }
    out
}

/// One warning for an object without BTF that has something in it.
fn no_btf_warning(object_path: &Path, skeleton: &Skeleton) -> Option<String> {
    if skeleton.maps.is_empty() && skeleton.progs.is_empty() {
        return None;
    }
    let sections: Vec<String> = skeleton
        .maps
        .iter()
        .filter_map(|m| match &m.kind {
            MapKind::Data { section, .. } => Some(format!("`{section}`")),
            _ => None,
        })
        .collect();
    let views = if sections.is_empty() {
        String::new()
    } else {
        format!(
            "data sections {} are maps without typed views, and ",
            sections.join(", ")
        )
    };
    Some(format!(
        "skel: `{}` has no .BTF section: {views}the kernel gets no BTF with its programs; \
         compile with `-g` (and do not strip .BTF) to have them",
        object_path.display()
    ))
}

/// Each fallback as a warning (at most [`SHOWN`], then a count).
fn fallback_warnings(warnings: &[Warning]) -> Vec<String> {
    let mut out: Vec<String> = warnings
        .iter()
        .take(SHOWN)
        .map(|w| {
            format!(
                "skel: `{}`, member `{}` kept as bytes: {}",
                w.type_name, w.field, w.reason
            )
        })
        .collect();
    if warnings.len() > SHOWN {
        out.push(format!(
            "skel: ... and {} more members kept as bytes (see the generated docs)",
            warnings.len() - SHOWN
        ));
    }
    out
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
/// environment, for the host ([`Target::host`]; see [`generate_for`]).
/// `object_path` is what the generated code will `include_bytes!`.
pub fn generate(name: &str, object_path: &Path, bytes: &[u8]) -> Result<Generated, Error> {
    generate_for(&Target::host(), name, object_path, bytes)
}

/// As [`generate`], for code compiled for `target`: the object must have
/// its byte order, and the types take its layout (see
/// [`SkeletonBuilder::target`]).
pub fn generate_for(
    target: &Target,
    name: &str,
    object_path: &Path,
    bytes: &[u8],
) -> Result<Generated, Error> {
    let name = check_name(name)?;
    let reference = ObjectPath::Path(object_path.to_string_lossy().into_owned());
    let shown = object_path.display().to_string();
    generate_with_input(
        &name,
        object_path,
        reference,
        bytes,
        &shown,
        &translate::Request::default(),
        &[],
        target,
    )
}

/// Reads an object into the model [`generate`] prints, without printing
/// it and touching no files: for build scripts that describe what was
/// generated (types, layouts) from an object [`SkeletonBuilder::build`]
/// made. For the host ([`Target::host`]; see [`read_model_for`]).
pub fn read_model(name: &str, object_path: &Path, bytes: &[u8]) -> Result<Skeleton, Error> {
    read_model_for(&Target::host(), name, object_path, bytes)
}

/// As [`read_model`], for code compiled for `target` (a build script
/// passes its crate's, as [`SkeletonBuilder::build`] generates for it).
pub fn read_model_for(
    target: &Target,
    name: &str,
    object_path: &Path,
    bytes: &[u8],
) -> Result<Skeleton, Error> {
    let name = check_name(name)?;
    let reference = ObjectPath::Path(object_path.to_string_lossy().into_owned());
    model(
        &name,
        object_path,
        reference,
        bytes,
        &translate::Request::default(),
        target,
    )
}

/// The named model of an object for `target`: read, checked against the
/// target's byte order, translated, named.
fn model(
    name: &str,
    object_path: &Path,
    reference: ObjectPath,
    bytes: &[u8],
    request: &translate::Request,
    target: &Target,
) -> Result<Skeleton, Error> {
    let layout = target.layout().map_err(|reason| Error::BadTarget {
        target: target.to_string(),
        reason,
    })?;
    let object_name = object_name(name);
    let obj = object::read(object_path, bytes, &object_name)?;
    if obj.big_endian != layout.big_endian {
        return Err(Error::WrongEndian {
            path: object_path.to_owned(),
            object: if obj.big_endian {
                Endian::Big
            } else {
                Endian::Little
            },
            target: target.clone(),
        });
    }
    let mut skeleton = translate::skeleton(
        object_path,
        &obj,
        name,
        &object_name,
        reference,
        request,
        layout,
    )?;
    naming::assign(&mut skeleton);
    Ok(skeleton)
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

#[allow(clippy::too_many_arguments)] // until generate takes the builder's options (#23 item 3)
fn generate_with_input(
    name: &str,
    object_path: &Path,
    reference: ObjectPath,
    bytes: &[u8],
    input: &str,
    request: &translate::Request,
    optional: &[String],
    target: &Target,
) -> Result<Generated, Error> {
    let mut skeleton = model(name, object_path, reference, bytes, request, target)?;
    mark_optional(&mut skeleton, optional, object_path)?;
    let tokens = codegen::generate(&skeleton);
    let code = write::render(name, tokens, input)?;
    Ok(Generated { code, skeleton })
}

/// Marks the programs named with [`SkeletonBuilder::optional_programs`];
/// every name must be a program of the object that is not a struct_ops
/// program (all problems reported at once).
fn mark_optional(skeleton: &mut Skeleton, names: &[String], path: &Path) -> Result<(), Error> {
    let mut problems = vec![];
    for name in names {
        match skeleton.progs.iter_mut().find(|p| &p.name == name) {
            Some(p) if p.struct_ops => problems.push(Problem::OptionalStructOps {
                program: name.clone(),
            }),
            Some(p) => p.optional = true,
            None => problems.push(Problem::NoProgram {
                program: name.clone(),
                suggestion: suggest::closest(name, skeleton.progs.iter().map(|p| p.name.as_str()))
                    .map(str::to_owned),
                count: skeleton.progs.len(),
            }),
        }
    }
    problems.dedup();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Object {
            path: path.to_owned(),
            inputs: vec![],
            problems,
        })
    }
}

/// The strong kfuncs and ksyms that optional programs reach and required
/// ones do not: what the embedded object declares weak.
fn optional_only_externs(skeleton: &Skeleton) -> std::collections::BTreeSet<String> {
    let externs = |p: &crate::model::ProgDef| {
        p.kfuncs
            .iter()
            .chain(&p.ksyms)
            .cloned()
            .collect::<Vec<String>>()
    };
    let (optional, required): (Vec<_>, Vec<_>) = skeleton.progs.iter().partition(|p| p.optional);
    let needed: std::collections::BTreeSet<String> =
        required.into_iter().flat_map(externs).collect();
    optional
        .into_iter()
        .flat_map(externs)
        .filter(|e| !needed.contains(e))
        .collect()
}
