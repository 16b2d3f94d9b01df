//! The public API: [`SkeletonBuilder`]. This is the only module that reads
//! the environment or prints `cargo:` lines. Here: the configuration and
//! the pure [`SkeletonBuilder::generate`]; `build`: the orchestration
//! (front end, pipeline, files); `type_keeper`: the C header that puts the
//! named types in BTF; `warnings`: the warnings' text; `checked_in` and
//! `sha256`: the manifest of a committed skeleton.

mod build;
pub(crate) mod checked_in;
pub(crate) mod sha256;
mod type_keeper;
mod warnings;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::Error;
use crate::frontend::clang::{self, ClangWarning, Compile};
use crate::frontend::link::{self, LinkInput};
use crate::model::ident;
use crate::model::{MapKind, ObjectPath, Skeleton, Warning};
use crate::pipeline::{self, Generated};
use crate::target::{Endian, Target};
use crate::{object, suggest, translate, write};
use build::cargo_target;
use checked_in::{Paths, Record};

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
///   `-mcpu=v2`) they win. Example: `SKEL_CLANG_ARGS="-mcpu=v4
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
    /// [`SkeletonBuilder::build_to`], the object's absolute path, so the
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

/// What [`SkeletonBuilder::build`] and [`SkeletonBuilder::build_to`]
/// return: what they wrote and the model it was printed from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Built {
    /// The skeleton file: `$OUT_DIR/<name>.skel.rs`, the
    /// [`checked_in`](SkeletonBuilder::checked_in) path, or the path given
    /// to [`build_to`](SkeletonBuilder::build_to).
    pub path: PathBuf,
    /// The model the skeleton was printed from (with the types named by
    /// [`types`](SkeletonBuilder::types) and
    /// [`event_type`](SkeletonBuilder::event_type), and the optional
    /// programs marked), for build scripts that describe what was generated
    /// (field types, offsets, sizes). `None` when a checked-in skeleton was
    /// checked, not generated.
    pub skeleton: Option<Skeleton>,
    /// The warnings of this build, one line each: clang's, a clang older
    /// than 15, fallbacks taken while translating types, an object without
    /// BTF. [`build`](SkeletonBuilder::build) has printed them as
    /// `cargo:warning` lines already.
    pub warnings: Vec<String>,
}

impl SkeletonBuilder {
    /// A builder with nothing set: give it a [`source`](Self::source) or an
    /// [`obj`](Self::obj).
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

    /// Extra clang arguments, added after skel's own (`-g -O2 -mcpu=v3
    /// -target bpf -D__TARGET_ARCH_<arch>`, the include directories, `-MD`),
    /// which they never replace; where clang takes the last of two flags
    /// (`-O1` after `-O2`, `-mcpu=v2` after `-mcpu=v3`) they win. Appends to the list. Default:
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
    /// absolute path with [`build_to`](Self::build_to)). Set
    /// [`ObjectLocation::Relative`] for a skeleton you move or commit.
    pub fn object_location(&mut self, location: ObjectLocation) -> &mut Self {
        self.object_location = location;
        self
    }

    /// The pipeline alone: object bytes in, code and model out, with this
    /// builder's [`name`](Self::name) (default: the object's file name up
    /// to its first `.`), [`types`](Self::types),
    /// [`event_type`](Self::event_type),
    /// [`optional_programs`](Self::optional_programs) and
    /// [`target`](Self::target) (default: the host, [`Target::host`]; the
    /// object must have its byte order). Runs no clang, reads and writes no
    /// files, reads no environment; the settings about compiling and
    /// writing are not used. `object_path` is what the generated code will
    /// `include_bytes!`, and what errors name.
    ///
    /// ```no_run
    /// let bytes = std::fs::read("foo.bpf.o").unwrap();
    /// let generated = skel_builder::SkeletonBuilder::new()
    ///     .types(["struct event"])
    ///     .generate("foo.bpf.o", &bytes)
    ///     .unwrap();
    /// println!("{} types", generated.skeleton.types.len());
    /// ```
    pub fn generate(
        &self,
        object_path: impl AsRef<Path>,
        bytes: &[u8],
    ) -> Result<Generated, Error> {
        let object_path = object_path.as_ref();
        let name = match &self.name {
            Some(name) => check_name(name)?,
            None => default_name(object_path),
        };
        let target = self.target.clone().unwrap_or_else(Target::host);
        let shown = object_path.display().to_string();
        pipeline::generate(&pipeline::Input {
            name: &name,
            object_path,
            reference: ObjectPath::Path(object_path.to_string_lossy().into_owned()),
            bytes,
            shown: &shown,
            request: &self.request,
            optional: &self.optional_programs,
            target: &target,
        })
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
        Ok(default_name(self.input_path()?))
    }
}

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

/// The name of a skeleton built from `path` without a
/// [`name`](SkeletonBuilder::name): its file name up to the first `.`, as
/// an identifier.
fn default_name(path: &Path) -> String {
    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("skel");
    let stem = file
        .split('.')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("skel");
    ident::sanitize(stem)
}
