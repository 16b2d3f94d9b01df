//! Orchestration: [`SkeletonBuilder::build`] and
//! [`SkeletonBuilder::build_to`] run the front end (clang, link,
//! vmlinux.h), then the pipeline, and write the skeleton, its object and
//! the manifest.

use super::warnings::{Sink, clang_warnings, fallback_warnings, no_btf_warning, old_clang_warning};
use super::*;

impl SkeletonBuilder {
    /// From a build script: compiles into `$OUT_DIR`, writes
    /// `$OUT_DIR/<name>.skel.rs` (only when its content changed), and
    /// prints `cargo:rerun-if-changed` for every source and header clang
    /// read (and the BTF `vmlinux.h` was printed from). Returns the path
    /// written, the model and the warnings ([`Built`]).
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
    pub fn build(&mut self) -> Result<Built, Error> {
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
    pub(super) fn write_failed_skeleton(&self, e: &Error) {
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

    pub(super) fn build_in_out_dir(&self) -> Result<Built, Error> {
        let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or(Error::NoOutDir)?);
        if let Some(skeleton) = &self.checked_in {
            return self.build_checked_in(&out_dir, skeleton);
        }
        let name = self.skeleton_name()?;
        let output = out_dir.join(format!("{name}.skel.rs"));
        let mut sink = Sink::cargo();
        let skeleton = self.run(&out_dir, &output, self.object_location, &mut sink)?;
        Ok(Built {
            path: output,
            skeleton: Some(skeleton),
            warnings: sink.lines,
        })
    }

    /// [`build`](Self::build) with [`checked_in`](Self::checked_in):
    /// regenerate when asked, else check the manifest.
    pub(super) fn build_checked_in(&self, out_dir: &Path, skeleton: &Path) -> Result<Built, Error> {
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
            let mut sink = Sink::cargo();
            let model = self.run(out_dir, skeleton, ObjectLocation::Relative, &mut sink)?;
            return Ok(Built {
                path: skeleton.to_owned(),
                skeleton: Some(model),
                warnings: sink.lines,
            });
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
        Ok(Built {
            path: skeleton.to_owned(),
            skeleton: None,
            warnings: vec![],
        })
    }

    /// The build script's settings, as a checked-in skeleton's manifest
    /// records them (`config` lines): whatever changes the object or the
    /// code, paths written as [`Paths::config`] does.
    pub(super) fn config_lines(&self, paths: &Paths) -> Result<Vec<String>, Error> {
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

    /// Compiles (next to `output`) and writes the skeleton to `output`,
    /// outside a build script (a tool, a test, a skeleton to commit).
    /// Prints nothing: [`Built::warnings`] holds what
    /// [`build`](Self::build) would print as `cargo:warning` lines. With
    /// [`ObjectLocation::Relative`] it also writes the manifest
    /// [`checked_in`](Self::checked_in) checks.
    pub fn build_to(&mut self, output: impl AsRef<Path>) -> Result<Built, Error> {
        let output = output.as_ref();
        let dir = output
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_owned();
        let mut sink = Sink::collect();
        let skeleton = self.run(&dir, output, self.object_location, &mut sink)?;
        Ok(Built {
            path: output.to_owned(),
            skeleton: Some(skeleton),
            warnings: sink.lines,
        })
    }

    /// Compiles in `work_dir` and writes the skeleton to `output`, its
    /// object beside it, and with [`ObjectLocation::Relative`] the
    /// manifest too.
    pub(super) fn run(
        &self,
        work_dir: &Path,
        output: &Path,
        location: ObjectLocation,
        sink: &mut Sink,
    ) -> Result<Skeleton, Error> {
        let name = self.skeleton_name()?;
        let cargo = sink.cargo;
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
        let generated = pipeline::generate(&pipeline::Input {
            name: &name,
            object_path: &object_path,
            reference,
            bytes: &bytes,
            shown: &shown,
            request: &self.request,
            optional: &self.optional_programs,
            target: &target,
        })
        .map_err(|e| {
            e.built_from(self.inputs())
                .suggest_types(|| types_defined_in(&deps))
        })?;
        if !generated.skeleton.has_btf
            && let Some(w) = no_btf_warning(&object_path, &generated.skeleton)
        {
            sink.warn(w);
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
        Ok(generated.skeleton)
    }

    /// The object the skeleton embeds: without DWARF unless
    /// [`keep_dwarf`](Self::keep_dwarf), with the kfuncs only optional
    /// programs call made weak (see
    /// [`optional_programs`](Self::optional_programs)), and a multiple of 8
    /// bytes long, so that the 8-aligned static holding it in `.bpf.objs`
    /// is exactly the object.
    pub(super) fn embedded_object(
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
    pub(super) fn clang_path(&self) -> PathBuf {
        self.clang.clone().unwrap_or_else(default_clang)
    }

    /// Compiles every source (in parallel) next to the skeleton and links
    /// the objects with `objs` into `output`. Returns every file clang read.
    pub(super) fn compile_and_link(
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

    pub(super) fn compile(
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
}

/// Writes `dir/vmlinux.h` from `btf` (the `vmlinux-h` feature); returns
/// the files it was made from.
#[cfg(feature = "vmlinux-h")]
pub(super) fn write_vmlinux_h(
    dir: &Path,
    btf: &KernelBtf,
    base: Option<&Path>,
) -> Result<Vec<PathBuf>, Error> {
    use crate::frontend::vmlinux_h::{self, BtfSource};
    let source = match btf {
        KernelBtf::RunningKernel => BtfSource::RunningKernel,
        KernelBtf::File(path) => BtfSource::File(path.clone()),
    };
    vmlinux_h::write_into(dir, &source, base)
}

/// Without the `vmlinux-h` feature: an error saying how to turn it on.
#[cfg(not(feature = "vmlinux-h"))]
pub(super) fn write_vmlinux_h(
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

/// The types the files clang read define, for suggestions when a type the
/// build script names is missing (read only then). Unreadable files are
/// skipped: a suggestion is a courtesy.
pub(super) fn types_defined_in(files: &[PathBuf]) -> Vec<(suggest::Tag, String)> {
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
pub(super) fn cargo_target() -> Result<Target, Error> {
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
pub(super) fn parent_dir(path: &Path) -> PathBuf {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned()
}

/// `$SKEL_CLANG_ARGS`, split at whitespace (no quoting, as `CFLAGS`).
pub(super) fn env_clang_args() -> Vec<OsString> {
    std::env::var_os(ENV_CLANG_ARGS)
        .map(|v| {
            v.to_string_lossy()
                .split_ascii_whitespace()
                .map(OsString::from)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn create_dir(dir: &Path) -> Result<(), Error> {
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
pub(super) fn check_clang_version(clang: &Path, sink: &mut Sink) -> Result<String, Error> {
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
    let cargo = sink.cargo;
    if !cargo || !entry.warned {
        sink.warn(old_clang_warning(clang, version));
    }
    if cargo {
        entry.warned = true;
    }
    Ok(line)
}

/// `path` relative to the crate being built, for the generated header.
pub(super) fn manifest_relative(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or(path.to_owned());
    std::env::var_os("CARGO_MANIFEST_DIR")
        .and_then(|dir| absolute.strip_prefix(dir).ok().map(Path::to_owned))
        .unwrap_or(absolute)
        .display()
        .to_string()
}

/// The strong kfuncs and ksyms that optional programs reach and required
/// ones do not: what the embedded object declares weak.
pub(super) fn optional_only_externs(skeleton: &Skeleton) -> std::collections::BTreeSet<String> {
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
