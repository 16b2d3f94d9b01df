//! Checked-in skeletons: the manifest written next to a skeleton whose
//! object is found relative to it ([`crate::ObjectLocation::Relative`]),
//! and its check by a build script that has no clang.
//!
//! The manifest (`<name>.manifest`) is a text file, one fact a line:
//!
//! ```text
//! skel-builder 0.1.0
//! clang Debian clang version 19.1.7 (3~deb12u1)
//! toolchain target_arch x86_64
//! config source ../bpf/foo.bpf.c
//! config clang_arg -DFOO=1
//! input 3f0c...e1 ../bpf/foo.bpf.c
//! input 9a41...07 ../bpf/foo.h
//! external 5b2d...c4 $DEP_SKEL_RUNTIME_INCLUDE/bpf/bpf_helpers.h
//! external 0e77...9d /usr/include/linux/bpf.h
//! output 77aa...10 foo.rs
//! output c1d2...3e foo.bpf.o
//! ```
//!
//! Hashes are SHA-256 of the file's bytes (`sha256sum` prints the same).
//! Paths of the crate's own files are relative to the manifest's
//! directory, so the manifest holds wherever the crate is checked out.
//!
//! What is checked, and what is only recorded:
//! - `config`: the build script's settings (sources, objects, include
//!   directories, clang arguments, name, types, ...). Checked: changing one
//!   without regenerating is stale.
//! - `input`: the crate's own files that went in: sources, every header
//!   clang read from the crate's directories (and from the build script's
//!   include directories), prebuilt objects, a BTF file given to
//!   `vmlinux_h_from`. Checked: a changed file is stale; so is a missing
//!   one inside the package. A file outside the package (a header shared
//!   in a workspace) is checked when it is there and skipped when it is not
//!   (a published crate does not carry it); so is a file missing from a
//!   crate made by `cargo package` (its author may publish the skeleton
//!   without the C sources).
//! - `output`: the skeleton and its object. Checked: an edit by hand (or a
//!   bad merge) is stale.
//! - `clang`, `toolchain`, `external` (libbpf's headers, system headers,
//!   the kernel's BTF): only recorded. They differ between the machine
//!   that generated the skeleton and one that builds it, which is the
//!   point of committing it.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::builder::sha256;
use crate::error::Error;

/// The manifest's file name for skeleton `name`.
pub fn file_name(name: &str) -> String {
    format!("{name}.manifest")
}

/// Why a checked-in skeleton is stale: one per difference found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StaleInput {
    /// An input file whose bytes changed. The path is shown relative to
    /// the crate.
    Changed {
        /// The file, relative to the crate.
        path: PathBuf,
    },
    /// An input file that is gone.
    Missing {
        /// The file, relative to the crate.
        path: PathBuf,
    },
    /// A build script setting that changed: as recorded (`None`: not
    /// there then) and as it is now (`None`: not there now), as
    /// `clang_arg -DFOO=1`.
    Setting {
        /// The setting as the manifest records it.
        recorded: Option<String>,
        /// The setting as the build script gives it now.
        now: Option<String>,
    },
    /// The skeleton or its object is not what was generated (edited by
    /// hand, or a merge).
    Output {
        /// The skeleton or object, relative to the crate.
        path: PathBuf,
    },
}

impl std::fmt::Display for StaleInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Changed { path } => write!(f, "changed: `{}`", path.display()),
            Self::Missing { path } => write!(f, "missing: `{}`", path.display()),
            Self::Setting {
                recorded: Some(was),
                now: Some(now),
            } => write!(f, "build script setting: `{was}` is now `{now}`"),
            Self::Setting {
                recorded: Some(was),
                now: None,
            } => write!(f, "build script setting removed: `{was}`"),
            Self::Setting { now, .. } => write!(
                f,
                "build script setting added: `{}`",
                now.as_deref().unwrap_or_default()
            ),
            Self::Output { path } => write!(
                f,
                "`{}` is not the file that was generated (edited?)",
                path.display()
            ),
        }
    }
}

/// Paths made absolute and normal: `..` and `.` resolved, symlinks too
/// when the file exists, so that the same file always gives the same path.
pub fn normal(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = PathBuf::new();
    for c in absolute.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    // A parent that exists may be a symlink: resolve what can be.
    match (out.parent(), out.file_name()) {
        (Some(dir), Some(file)) => match std::fs::canonicalize(dir) {
            Ok(dir) => dir.join(file),
            Err(_) => out,
        },
        _ => out,
    }
}

/// `to` relative to directory `from` (both [`normal`]), with `/`
/// separators. `None` when not UTF-8 or holding a line break (the manifest
/// is lines of text).
fn relative(from: &Path, to: &Path) -> Option<String> {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    for c in &to_parts[common..] {
        parts.push(c.as_os_str().to_str()?.to_owned());
    }
    let text = parts.join("/");
    (!text.contains(['\n', '\r'])).then_some(text)
}

/// The package a file belongs to: the nearest directory above it (or it)
/// holding a `Cargo.toml`; `dir` itself when there is none.
pub fn package_root(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|d| d.join("Cargo.toml").is_file())
        .unwrap_or(dir)
        .to_owned()
}

/// How paths are written into a manifest in directory `dir`.
pub struct Paths {
    /// The manifest's directory ([`normal`]).
    pub dir: PathBuf,
    /// The package it is in ([`normal`]).
    pub package: PathBuf,
    /// The package was made by `cargo package` (it holds
    /// `Cargo.toml.orig`, as crates from crates.io and vendored ones do):
    /// inputs its author left out of it may be missing.
    pub packaged: bool,
}

impl Paths {
    pub fn new(dir: &Path, package: Option<&Path>) -> Paths {
        let dir = normal(dir);
        let package = package.map(normal).unwrap_or_else(|| package_root(&dir));
        let packaged = package.join("Cargo.toml.orig").is_file();
        Paths {
            dir,
            package,
            packaged,
        }
    }

    /// A path in a `config` line: relative to the manifest when in the
    /// package, else as it is (absolute), so that it reads the same on
    /// every machine that has it.
    pub fn config(&self, path: &Path) -> String {
        let p = normal(path);
        match p
            .starts_with(&self.package)
            .then(|| relative(&self.dir, &p))
        {
            Some(Some(rel)) => rel,
            _ => one_line(&p.display().to_string()),
        }
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// What the manifest of a freshly generated skeleton records.
pub struct Record<'a> {
    pub paths: Paths,
    /// The package (`CARGO_PKG_NAME`), for the regeneration hint.
    pub package: Option<String>,
    /// The first line of `clang --version`, when clang ran.
    pub clang: Option<String>,
    /// Facts of the machine and toolchain (recorded, not checked).
    pub toolchain: Vec<String>,
    /// The build script's settings (checked).
    pub config: Vec<String>,
    /// Every file the object was made from.
    pub deps: &'a [PathBuf],
    /// Directories whose files are the crate's own even outside the
    /// package: the build script's include directories and sources'
    /// directories.
    pub own_dirs: Vec<PathBuf>,
    /// Directories of files that are not the crate's: libbpf's headers
    /// (shown as `$DEP_SKEL_RUNTIME_INCLUDE/...`).
    pub runtime_include: Option<PathBuf>,
    /// Files the builder wrote itself (`vmlinux.h`, the types header):
    /// made from what is recorded, so left out.
    pub generated: Vec<PathBuf>,
    /// The skeleton and its object, as written.
    pub outputs: Vec<(&'a Path, &'a [u8])>,
}

impl Record<'_> {
    /// The manifest's text.
    pub fn render(&self) -> Result<String, Error> {
        let mut text = format!(
            "# Written by skel-builder with the checked-in skeleton and object beside it:\n\
             # what they were generated from. The build script checks it\n\
             # (SkeletonBuilder::checked_in); to regenerate all three (needs clang):\n\
             #   SKEL_REGENERATE={} cargo build\n\
             skel-builder {}\n",
            one_line(self.package.as_deref().unwrap_or("<package>")),
            env!("CARGO_PKG_VERSION")
        );
        if let Some(clang) = &self.clang {
            text.push_str(&format!("clang {}\n", one_line(clang)));
        }
        for line in &self.toolchain {
            text.push_str(&format!("toolchain {}\n", one_line(line)));
        }
        for line in &self.config {
            text.push_str(&format!("config {}\n", one_line(line)));
        }
        let generated: Vec<PathBuf> = self.generated.iter().map(|p| normal(p)).collect();
        let own: Vec<PathBuf> = self.own_dirs.iter().map(|p| normal(p)).collect();
        let runtime = self.runtime_include.as_deref().map(normal);
        let mut inputs = BTreeMap::new();
        let mut external = BTreeMap::new();
        for dep in self.deps {
            let path = normal(dep);
            if generated.contains(&path) {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|source| Error::Io {
                action: "read (to record it in the manifest)",
                path: path.clone(),
                source,
            })?;
            let hash = sha256::hex(&bytes);
            if let Some(rest) = runtime.as_ref().and_then(|r| path.strip_prefix(r).ok()) {
                let shown = format!("$DEP_SKEL_RUNTIME_INCLUDE/{}", rest.display());
                external.insert(one_line(&shown), hash);
                continue;
            }
            let own_file =
                path.starts_with(&self.paths.package) || own.iter().any(|d| path.starts_with(d));
            match own_file.then(|| relative(&self.paths.dir, &path)).flatten() {
                Some(rel) => {
                    inputs.insert(rel, hash);
                }
                None => {
                    external.insert(one_line(&path.display().to_string()), hash);
                }
            }
        }
        for (path, hash) in &inputs {
            text.push_str(&format!("input {hash} {path}\n"));
        }
        for (path, hash) in &external {
            text.push_str(&format!("external {hash} {path}\n"));
        }
        for (path, bytes) in &self.outputs {
            let rel = relative(&self.paths.dir, &normal(path)).ok_or_else(|| Error::Manifest {
                path: self.paths.dir.clone(),
                package: String::new(),
                reason: format!("`{}` is not a UTF-8 path on one line", path.display()),
            })?;
            text.push_str(&format!("output {} {rel}\n", sha256::hex(bytes)));
        }
        Ok(text)
    }
}

/// A manifest as read back.
#[derive(Debug, Default, PartialEq)]
struct Parsed {
    config: Vec<String>,
    /// `(hash, path relative to the manifest)`.
    inputs: Vec<(String, String)>,
    outputs: Vec<(String, String)>,
}

fn parse(path: &Path, text: &str) -> Result<Parsed, Error> {
    let bad = |line: usize, reason: &str| Error::Manifest {
        path: path.to_owned(),
        package: String::new(),
        reason: format!("line {line}: {reason}"),
    };
    let mut parsed = Parsed::default();
    let mut versioned = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
        let hashed = || -> Result<(String, String), Error> {
            let (hash, file) = rest
                .split_once(' ')
                .ok_or_else(|| bad(n, "expected `<sha256> <path>`"))?;
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) || file.is_empty() {
                return Err(bad(n, "expected `<sha256> <path>`"));
            }
            Ok((hash.to_ascii_lowercase(), file.to_owned()))
        };
        match kind {
            "skel-builder" => versioned = true,
            "config" => parsed.config.push(rest.to_owned()),
            "input" => parsed.inputs.push(hashed()?),
            "output" => parsed.outputs.push(hashed()?),
            // Recorded only; and room for what later versions add.
            _ => {}
        }
    }
    if !versioned {
        return Err(bad(
            1,
            "no `skel-builder <version>` line: not a skel-builder manifest",
        ));
    }
    Ok(parsed)
}

/// What [`verify`] found out.
#[derive(Debug)]
pub struct Verified {
    /// Every difference, in manifest order.
    pub stale: Vec<StaleInput>,
    /// The files a build script should watch (`rerun-if-changed`): the
    /// manifest, the outputs and every checked input that is there.
    pub watch: Vec<PathBuf>,
}

/// Checks the manifest at `manifest` against the files and the build
/// script's `config` now. `shown` turns a path into how an error shows it.
pub fn verify(
    manifest: &Path,
    paths: &Paths,
    config: &[String],
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Result<Verified, Error> {
    let text = std::fs::read_to_string(manifest).map_err(|source| Error::Io {
        action: "read the manifest",
        path: manifest.to_owned(),
        source,
    })?;
    let parsed = parse(manifest, &text)?;
    let mut stale = vec![];
    let mut watch = vec![manifest.to_owned()];

    // Settings: what was recorded and is no more, what is new.
    let mut now: Vec<&String> = config.iter().collect();
    let mut gone = vec![];
    for was in &parsed.config {
        match now.iter().position(|c| *c == was) {
            Some(i) => {
                now.remove(i);
            }
            None => gone.push(was.clone()),
        }
    }
    // Pair a removed and an added setting of the same kind, in order.
    let kind = |s: &str| s.split(' ').next().unwrap_or_default().to_owned();
    let mut added: Vec<String> = now.into_iter().cloned().collect();
    for was in gone {
        match added.iter().position(|a| kind(a) == kind(&was)) {
            Some(i) => stale.push(StaleInput::Setting {
                recorded: Some(was),
                now: Some(added.remove(i)),
            }),
            None => stale.push(StaleInput::Setting {
                recorded: Some(was),
                now: None,
            }),
        }
    }
    for a in added {
        stale.push(StaleInput::Setting {
            recorded: None,
            now: Some(a),
        });
    }

    let check = |(hash, file): &(String, String),
                 output: bool,
                 stale: &mut Vec<StaleInput>,
                 watch: &mut Vec<PathBuf>|
     -> Result<(), Error> {
        let path = normal(&paths.dir.join(file));
        match std::fs::read(&path) {
            Ok(bytes) => {
                watch.push(path.clone());
                if sha256::hex(&bytes) != *hash {
                    let path = shown(&path);
                    stale.push(if output {
                        StaleInput::Output { path }
                    } else {
                        StaleInput::Changed { path }
                    });
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if output || (path.starts_with(&paths.package) && !paths.packaged) {
                    // Watched, so that putting it back reruns the check.
                    watch.push(path.clone());
                    stale.push(StaleInput::Missing { path: shown(&path) });
                }
            }
            Err(source) => {
                return Err(Error::Io {
                    action: "read (to check it against the manifest)",
                    path,
                    source,
                });
            }
        }
        Ok(())
    };
    for input in &parsed.inputs {
        check(input, false, &mut stale, &mut watch)?;
    }
    for output in &parsed.outputs {
        check(output, true, &mut stale, &mut watch)?;
    }
    if parsed.outputs.is_empty() {
        return Err(Error::Manifest {
            path: manifest.to_owned(),
            package: String::new(),
            reason: "it names no skeleton and object (`output` lines)".to_owned(),
        });
    }
    Ok(Verified { stale, watch })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let r = |a: &str, b: &str| relative(Path::new(a), Path::new(b));
        assert_eq!(r("/a/b/src", "/a/b/src/foo.rs").as_deref(), Some("foo.rs"));
        assert_eq!(r("/a/b/src", "/a/b/bpf/x.h").as_deref(), Some("../bpf/x.h"));
        assert_eq!(r("/a/b", "/c/d").as_deref(), Some("../../c/d"));
        assert_eq!(r("/a", "/a/x\ny"), None);
    }

    #[test]
    fn normal_paths_resolve_dots_of_missing_files() {
        let p = normal(Path::new("/nonexistent-skel/a/../b/./c.h"));
        assert_eq!(p, Path::new("/nonexistent-skel/b/c.h"));
    }

    #[test]
    fn parse_reads_what_render_writes_and_refuses_garbage() {
        let path = Path::new("x.manifest");
        let hash = "a".repeat(64);
        let text = format!(
            "# comment\nskel-builder 9.9.9\nclang some clang\nconfig source ../a b.c\n\
             input {hash} ../a b.c\nexternal {hash} /usr/include/x.h\nfuture thing\n\
             output {hash} x.rs\n"
        );
        let parsed = parse(path, &text).unwrap();
        assert_eq!(parsed.config, ["source ../a b.c"]);
        assert_eq!(parsed.inputs, [(hash.clone(), "../a b.c".to_owned())]);
        assert_eq!(parsed.outputs, [(hash.clone(), "x.rs".to_owned())]);
        for bad in [
            "config x\n".to_owned(),
            format!("skel-builder 1\ninput {hash}\n"),
            "skel-builder 1\ninput nothex x.rs\n".to_owned(),
        ] {
            let e = parse(path, &bad).unwrap_err().to_string();
            assert!(e.contains("x.manifest"), "{e}");
        }
    }
}
