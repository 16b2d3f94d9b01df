//! The one public error type, and how it is reported from a build script.

use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;

pub(crate) mod elf;
pub(crate) mod link;
mod problem;
#[cfg(feature = "vmlinux-h")]
pub(crate) mod vmlinux_h;

use crate::suggest;
pub use elf::ElfError;
pub use link::LinkProblem;
pub(crate) use link::files_list;
use problem::List;
pub use problem::{NeedsBtf, Problem};
use skel_btf::{BtfError, BtfTypeId};

/// Everything that can go wrong while building a skeleton.
///
/// `Debug` prints the same report as [`Error::report`], so both
/// `fn main() -> Result<(), Error>` and `.unwrap()` in a build script read as
/// prose. An error that [`crate::SkeletonBuilder::build`] has already
/// printed is not printed a second time: its `Debug` then says only that
/// the report is above.
#[non_exhaustive]
pub enum Error {
    /// Neither a source nor an object was given
    /// ([`crate::SkeletonBuilder::source`], [`crate::SkeletonBuilder::obj`]).
    NoInput,

    /// clang could not be started.
    ClangNotFound {
        /// The clang it ran ([`crate::default_clang`] unless set).
        clang: PathBuf,
        /// Why it could not be started.
        source: std::io::Error,
    },

    /// clang ran and failed to compile a source.
    ClangFailed {
        /// The C source compiled.
        source_file: PathBuf,
        /// The command line, as it can be run again in a shell.
        command: String,
        /// clang's exit status, as the OS reports it.
        status: String,
        /// What clang printed to its standard error.
        stderr: String,
        /// What skel-builder knows about the failure beyond clang's words
        /// (an error in the header it includes).
        hint: Option<String>,
    },

    /// A file or directory could not be read, written or created.
    Io {
        /// What was being done, as a verb phrase (`read`, `create directory`).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS's error.
        source: std::io::Error,
    },

    /// An object that is not an ELF file libbpf can open.
    Elf {
        /// The object read.
        path: PathBuf,
        /// What is wrong with it.
        source: ElfError,
    },

    /// An object without a `.BTF` section, though it has what libbpf needs
    /// BTF for.
    NoBtf {
        /// The object read.
        path: PathBuf,
        /// What in the object cannot be used without BTF.
        needed_by: Vec<NeedsBtf>,
    },

    /// An object whose `.BTF` section cannot be read.
    Btf {
        /// The object read.
        path: PathBuf,
        /// What is wrong with it.
        source: BtfError,
    },

    /// Problems found in an object, or in what the build script asks of it
    /// (types, event maps): all of one phase, listed together.
    Object {
        /// The object read.
        path: PathBuf,
        /// The files the user gave that the object was built from (C
        /// sources, and objects linked with them), named in the message
        /// instead of the object the builder wrote into `OUT_DIR`. Empty when
        /// the object was given as it is ([`crate::SkeletonBuilder::obj`],
        /// [`crate::SkeletonBuilder::generate`]): then the message names `path`.
        inputs: Vec<PathBuf>,
        /// Every problem of the phase, in the order found.
        problems: Vec<Problem>,
    },

    /// A skeleton name that cannot be a Rust identifier.
    BadName {
        /// The name, as given or derived from the file name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The generated code does not parse: a skel-builder bug.
    Codegen {
        /// The skeleton's name.
        name: String,
        /// syn's parse error.
        message: String,
    },

    /// [`crate::SkeletonBuilder::build`] outside a build script, where cargo
    /// sets no `OUT_DIR`.
    NoOutDir,

    /// The file to print `vmlinux.h` from holds no BTF that can be printed.
    NoKernelBtf {
        /// The file given.
        path: PathBuf,
        /// What it holds instead, and what to give.
        reason: String,
    },

    /// The BPF inputs cannot be linked into one object.
    Link {
        /// The files given, as the build script named them.
        files: Vec<PathBuf>,
        /// Every problem found, in the order found.
        problems: Vec<LinkProblem>,
    },

    /// Several BPF inputs without the `link` feature, which has libbpf's
    /// linker.
    LinkFeature {
        /// The files given.
        files: Vec<PathBuf>,
    },

    /// libbpf's linker refused a file.
    LinkFailed {
        /// The file (the input added, or the object written).
        file: PathBuf,
        /// The linker's step that failed: `create`, `add` or `finish`.
        step: &'static str,
        /// The error code the linker returned.
        source: std::io::Error,
        /// What libbpf logged meanwhile, one message a line; may be empty.
        messages: String,
    },

    /// Printing `vmlinux.h` from BTF failed.
    #[cfg(feature = "vmlinux-h")]
    VmlinuxH {
        /// The BTF printed from.
        path: PathBuf,
        /// What went wrong.
        source: vmlinux_h::PrintError,
    },

    /// [`crate::SkeletonBuilder::vmlinux_h`] (or `vmlinux_h_from`) without
    /// the `vmlinux-h` feature, which has the printer.
    VmlinuxHFeature {
        /// The BTF the header was to be printed from.
        path: PathBuf,
    },

    /// A checked-in skeleton ([`crate::SkeletonBuilder::checked_in`]) whose
    /// inputs, settings or files changed since it was generated.
    StaleSkeleton {
        /// The skeleton, relative to the crate.
        skeleton: PathBuf,
        /// The package being built (for the regeneration hint).
        package: String,
        /// Every difference found.
        stale: Vec<crate::StaleInput>,
    },

    /// The manifest of a checked-in skeleton is missing or not one.
    Manifest {
        /// The manifest read (or, when one cannot be written, its directory).
        path: PathBuf,
        /// The package being built (for the regeneration hint).
        package: String,
        /// What is wrong with it (with its line, when one is).
        reason: String,
    },

    /// The target ([`crate::SkeletonBuilder::target`], or cargo's
    /// `CARGO_CFG_TARGET_*`) is not one skeletons can be generated for.
    BadTarget {
        /// The target, as given.
        target: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The object's byte order is not the target's: libbpf opens objects
    /// of the machine's order only.
    WrongEndian {
        /// The object read.
        path: PathBuf,
        /// The object's byte order.
        object: crate::Endian,
        /// The target the skeleton is generated for.
        target: crate::Target,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoInput => {
                f.write_str("no BPF source or object given: call `.source(path)` or `.obj(path)`")
            }
            Self::ClangNotFound { clang, source } => write!(
                f,
                "cannot run clang `{}`: {source}\n\
                 hint: install clang, 15 or newer (Debian/Ubuntu: `apt-get install clang`; \
                 Debian 12's is 14, so also `apt-get install clang-19`), or point skel-builder at \
                 one with the `CLANG` environment variable or `SkeletonBuilder::clang(path)`",
                clang.display()
            ),
            Self::ClangFailed {
                source_file,
                command,
                status,
                stderr,
                hint,
            } => {
                write!(
                    f,
                    "clang failed to compile `{}` ({status})\ncommand: {command}\n{stderr}",
                    source_file.display()
                )?;
                match hint {
                    Some(hint) => write!(f, "\nhint: {hint}"),
                    None => Ok(()),
                }
            }
            Self::Io { action, path, .. } => write!(f, "cannot {action} `{}`", path.display()),
            Self::Elf { path, .. } => {
                write!(f, "`{}` is not a usable BPF object", path.display())
            }
            Self::NoBtf { path, needed_by } => write!(
                f,
                "`{}` has no .BTF section, which libbpf needs for {}\n\
                 hint: compile with `-g` (clang -g -O2 -target bpf), and do not strip the object",
                path.display(),
                List(needed_by)
            ),
            Self::Btf { path, .. } => write!(f, "`{}` has an invalid .BTF section", path.display()),
            Self::Object {
                path,
                inputs,
                problems,
            } => {
                if inputs.is_empty() {
                    write!(f, "`{}`: {}", path.display(), Problems(problems))
                } else {
                    write!(f, "{}: {}", files_list(inputs), Problems(problems))
                }
            }
            Self::BadName { name, reason } => {
                write!(f, "`{name}` is not a usable skeleton name: {reason}")
            }
            Self::Codegen { name, message } => write!(
                f,
                "generated code for `{name}` does not parse (a skel-builder bug): {message}"
            ),
            Self::NoOutDir => f.write_str(
                "`OUT_DIR` is not set: `build()` must run inside a build script; use `generate(path)` elsewhere",
            ),
            Self::NoKernelBtf { path, reason } => write!(
                f,
                "cannot print vmlinux.h from `{}`: {reason}\n\
                 hint: give raw BTF (/sys/kernel/btf/vmlinux) or an ELF file with a .BTF section \
                 (a vmlinux, a module) to `vmlinux_h_from(path)`",
                path.display()
            ),
            Self::Link { files, problems } => write!(
                f,
                "cannot link {} BPF files into one object: {}",
                files.len(),
                Problems(problems)
            ),
            Self::LinkFeature { files } => write!(
                f,
                "{} BPF inputs given ({}): linking them into one object needs skel-builder's `link` \
                 feature\n\
                 hint: in Cargo.toml, `skel-builder = {{ version = \"...\", features = [\"link\"] }}` under \
                 [build-dependencies] (off by default: it compiles libbpf's linker)",
                files.len(),
                files_list(files)
            ),
            Self::LinkFailed {
                file,
                step,
                messages,
                ..
            } => write!(
                f,
                "libbpf's linker failed to {step} `{}`{}",
                file.display(),
                indented(messages)
            ),
            #[cfg(feature = "vmlinux-h")]
            Self::VmlinuxH { path, .. } => {
                write!(f, "cannot print vmlinux.h from `{}`", path.display())
            }
            Self::VmlinuxHFeature { path } => write!(
                f,
                "printing vmlinux.h (from `{}`) needs skel-builder's `vmlinux-h` feature\n\
                 hint: in Cargo.toml, `skel-builder = {{ version = \"...\", features = \
                 [\"vmlinux-h\"] }}` under [build-dependencies] (off by default: most builds \
                 never print it, and the printer takes a while to compile), or dump the header \
                 once with `bpftool btf dump file /sys/kernel/btf/vmlinux format c`",
                path.display()
            ),
            Self::StaleSkeleton {
                skeleton,
                package,
                stale,
            } => {
                write!(
                    f,
                    "checked-in skeleton `{}` is stale: what it was generated from changed",
                    skeleton.display()
                )?;
                for s in stale {
                    write!(f, "\n  {s}")?;
                }
                write!(f, "\n{}", regenerate_hint(package))
            }
            Self::Manifest {
                path,
                package,
                reason,
            } => write!(
                f,
                "cannot check the checked-in skeleton against its manifest `{}`: {reason}\n{}",
                path.display(),
                regenerate_hint(package)
            ),
            Self::BadTarget { target, reason } => write!(
                f,
                "cannot generate a skeleton for target `{target}`: {reason}\n\
                 hint: set one with `SkeletonBuilder::target(Target::new(arch, endian, \
                 pointer_width))`"
            ),
            Self::WrongEndian {
                path,
                object,
                target,
            } => {
                let (built, wanted) = match object {
                    crate::Endian::Big => ("bpfeb", "bpfel"),
                    crate::Endian::Little => ("bpfel", "bpfeb"),
                };
                write!(
                    f,
                    "`{}` is a {}-endian BPF object (built for `{built}`), but the skeleton is for \
                     {target}, whose libbpf opens {}-endian objects only\n\
                     hint: compile it with `-target {wanted}` (the builder does for the target it \
                     is given), or generate for a {}-endian target with \
                     `SkeletonBuilder::target`",
                    path.display(),
                    object.as_str(),
                    target.endian().as_str(),
                    object.as_str(),
                )
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::ClangNotFound { source, .. }
            | Self::Io { source, .. }
            | Self::LinkFailed { source, .. } => Some(source),
            Self::Elf { source, .. } => Some(source),
            Self::Btf { source, .. } => Some(source),
            #[cfg(feature = "vmlinux-h")]
            Self::VmlinuxH { source, .. } => Some(source),
            Self::NoInput
            | Self::ClangFailed { .. }
            | Self::NoBtf { .. }
            | Self::Object { .. }
            | Self::BadName { .. }
            | Self::Codegen { .. }
            | Self::NoOutDir
            | Self::NoKernelBtf { .. }
            | Self::Link { .. }
            | Self::LinkFeature { .. }
            | Self::StaleSkeleton { .. }
            | Self::Manifest { .. }
            | Self::BadTarget { .. }
            | Self::WrongEndian { .. }
            | Self::VmlinuxHFeature { .. } => None,
        }
    }
}

/// How to regenerate a checked-in skeleton, its object and its manifest.
fn regenerate_hint(package: &str) -> String {
    let package = if package.is_empty() {
        "<package>"
    } else {
        package
    };
    format!(
        "hint: regenerate the skeleton, its object and its manifest (needs clang) with \
         `SKEL_REGENERATE={package} cargo build`, and commit the three together"
    )
}

/// libbpf's messages, one per line, under the error.
fn indented(messages: &str) -> String {
    if messages.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = messages
        .lines()
        .map(|l| format!("\n  libbpf: {l}"))
        .collect();
    lines.concat()
}

/// One problem as it is, several as a counted list.
struct Problems<'a, P>(&'a [P]);

impl<P: fmt::Display> fmt::Display for Problems<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems:", many.len())?;
                for p in many {
                    write!(f, "\n  - {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl Error {
    /// The error and its causes, one per line, as a build script should
    /// print them.
    pub fn report(&self) -> String {
        use std::error::Error as _;
        let mut out = format!("skel-builder: {self}");
        let mut cause = self.source();
        while let Some(c) = cause {
            out.push_str(&format!("\n\nCaused by:\n    {c}"));
            cause = c.source();
        }
        out
    }
}

impl Error {
    /// The error, with problems in an object the builder made (compiled or
    /// linked into `OUT_DIR`) credited to the files the user gave.
    pub(crate) fn built_from(mut self, files: Vec<PathBuf>) -> Self {
        if let Self::Object { inputs, .. } = &mut self {
            *inputs = files;
        }
        self
    }

    /// The error, with the suggestions for types the object lacks taken
    /// from `defined()` too (types the sources define that BTF does not
    /// hold, because no global, map or signature uses them), called only
    /// when a type is missing.
    pub(crate) fn suggest_types(
        mut self,
        defined: impl FnOnce() -> Vec<(suggest::Tag, String)>,
    ) -> Self {
        let Self::Object { problems, .. } = &mut self else {
            return self;
        };
        if !problems
            .iter()
            .any(|p| matches!(p, Problem::UnknownType { .. }))
        {
            return self;
        }
        let defined = defined();
        for p in problems.iter_mut() {
            let Problem::UnknownType {
                spelling,
                suggestion,
                ..
            } = p
            else {
                continue;
            };
            // The suggestion from BTF competes with the sources' types.
            let from_btf = suggestion
                .as_deref()
                .map(|s| match suggest::split_spelling(s) {
                    (Some("struct"), name) => (suggest::Tag::Struct, name),
                    (Some("union"), name) => (suggest::Tag::Union, name),
                    (Some("enum"), name) => (suggest::Tag::Enum, name),
                    (_, name) => (suggest::Tag::Typedef, name),
                });
            let candidates = defined
                .iter()
                .map(|(tag, name)| (*tag, name.as_str()))
                .chain(from_btf);
            *suggestion = suggest::closest_type(spelling, candidates);
        }
        self
    }
}

/// The reports [`Error::print`] wrote to stderr in this process.
static PRINTED: Mutex<Vec<String>> = Mutex::new(Vec::new());

impl Error {
    /// Prints the report to stderr (where cargo shows it when a build
    /// script fails), once: `Debug` of the same error then points to it
    /// instead of printing it again, so `fn main() -> Result<(), Error>`
    /// with `build()?` shows it once, and `.unwrap()` or a dropped result
    /// shows it too.
    pub(crate) fn print(&self) {
        let report = self.report();
        eprintln!("{report}");
        if let Ok(mut printed) = PRINTED.lock()
            && !printed.contains(&report)
        {
            printed.push(report);
        }
    }
}

fn was_printed(report: &str) -> bool {
    PRINTED
        .lock()
        .is_ok_and(|printed| printed.iter().any(|p| p == report))
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.report();
        if was_printed(&report) {
            f.write_str("skel-builder failed: the error is printed above")
        } else {
            f.write_str(&report)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;
    use std::io;

    use super::*;
    #[cfg(feature = "vmlinux-h")]
    use vmlinux_h::PrintError;

    /// `error.source()` is `field` itself, not a copy or another cause.
    fn source_is<T: std::error::Error + 'static>(error: &dyn std::error::Error, field: &T) -> bool {
        error
            .source()
            .and_then(|s| s.downcast_ref::<T>())
            .is_some_and(|s| std::ptr::eq(s, field))
    }

    // The `Display` and `source()` impls are written by hand: every field
    // that is a cause must come back from `source()`, and nothing else.
    #[test]
    fn sources_are_the_cause_fields() {
        let io = || io::Error::from_raw_os_error(2);
        let id = BtfTypeId(1);
        let errors = [
            Error::ClangNotFound {
                clang: "clang".into(),
                source: io(),
            },
            Error::Io {
                action: "read",
                path: "a.o".into(),
                source: io(),
            },
            Error::LinkFailed {
                file: "a.o".into(),
                step: "add",
                source: io(),
                messages: String::new(),
            },
            Error::Elf {
                path: "a.o".into(),
                source: ElfError::NotElf,
            },
            Error::Btf {
                path: "a.o".into(),
                source: BtfError::BigEndian,
            },
            #[cfg(feature = "vmlinux-h")]
            Error::VmlinuxH {
                path: "vmlinux".into(),
                source: PrintError::Cycle {
                    type_id: id,
                    name: "s".into(),
                },
            },
        ];
        for e in &errors {
            let found = match e {
                Error::ClangNotFound { source, .. }
                | Error::Io { source, .. }
                | Error::LinkFailed { source, .. } => source_is(e, source),
                Error::Elf { source, .. } => source_is(e, source),
                Error::Btf { source, .. } => source_is(e, source),
                #[cfg(feature = "vmlinux-h")]
                Error::VmlinuxH { source, .. } => source_is(e, source),
                _ => unreachable!(),
            };
            assert!(found, "{e}: source() is not its `source` field");
            // The cause's own chain ends there: none of them has a source.
            assert!(e.source().and_then(|s| s.source()).is_none());
            assert!(e.report().contains("\n\nCaused by:\n    "), "{e}");
        }

        let problem = Problem::BadType {
            type_name: "a".into(),
            type_id: id,
            source: BtfError::ChainTooLong { type_id: id },
        };
        let Problem::BadType { source, .. } = &problem else {
            unreachable!()
        };
        assert!(source_is(&problem, source));

        // Problems and link problems are listed in the message, not causes.
        let without = [
            Error::NoInput,
            Error::Object {
                path: "a.o".into(),
                inputs: vec![],
                problems: vec![problem.clone()],
            },
            Error::NoBtf {
                path: "a.o".into(),
                needed_by: vec![NeedsBtf::Extern { name: "x".into() }],
            },
            Error::Link {
                files: vec!["a.o".into()],
                problems: vec![LinkProblem::Undefined {
                    symbol: "x".into(),
                    files: vec!["a.o".into()],
                }],
            },
        ];
        for e in &without {
            assert!(e.source().is_none(), "{e}");
            assert!(!e.report().contains("Caused by:"), "{e}");
        }
        assert!(
            Problem::DuplicateMap { name: "m".into() }
                .source()
                .is_none()
        );
    }
}
