//! The one public error type, and how it is reported from a build script.

use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::link::{LinkProblem, files_list};
use crate::object::btf::{BtfError, BtfTypeId};
use crate::object::elf::ElfError;

/// Everything that can go wrong while building a skeleton.
///
/// `Debug` prints the same report as [`Error::report`], so both
/// `fn main() -> Result<(), Error>` and `.unwrap()` in a build script read as
/// prose. An error that [`crate::SkeletonBuilder::build`] has already
/// printed is not printed a second time: its `Debug` then says only that
/// the report is above.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("no BPF source or object given: call `.source(path)` or `.obj(path)`")]
    NoInput,

    #[error(
        "cannot run clang `{clang}`: {source}\n\
         hint: install clang, 15 or newer (Debian/Ubuntu: `apt-get install clang`; \
         Debian 12's is 14, so also `apt-get install clang-19`), or point skel-builder at \
         one with the `CLANG` environment variable or `SkeletonBuilder::clang(path)`"
    )]
    ClangNotFound {
        clang: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("clang failed to compile `{source_file}` ({status})\ncommand: {command}\n{stderr}")]
    ClangFailed {
        source_file: PathBuf,
        command: String,
        status: String,
        stderr: String,
    },

    #[error("cannot {action} `{path}`")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("`{path}` is not a usable BPF object")]
    Elf {
        path: PathBuf,
        #[source]
        source: ElfError,
    },

    #[error(
        "`{path}` has no .BTF section, which libbpf needs for {}\n\
         hint: compile with `-g` (clang -g -O2 -target bpf), and do not strip the object",
        List(needed_by)
    )]
    NoBtf {
        path: PathBuf,
        /// What in the object cannot be used without BTF.
        needed_by: Vec<NeedsBtf>,
    },

    #[error("`{path}` has an invalid .BTF section")]
    Btf {
        path: PathBuf,
        #[source]
        source: BtfError,
    },

    #[error("`{path}`: {}", Problems(problems))]
    Object {
        path: PathBuf,
        problems: Vec<Problem>,
    },

    #[error("`{name}` is not a usable skeleton name: {reason}")]
    BadName { name: String, reason: &'static str },

    #[error("generated code for `{name}` does not parse (a skel-builder bug): {message}")]
    Codegen { name: String, message: String },

    #[error(
        "`OUT_DIR` is not set: `build()` must run inside a build script; use `generate(path)` elsewhere"
    )]
    NoOutDir,

    #[error(
        "cannot print vmlinux.h from `{path}`: {reason}\n\
         hint: give raw BTF (/sys/kernel/btf/vmlinux) or an ELF file with a .BTF section \
         (a vmlinux, a module) to `vmlinux_h_from(path)`"
    )]
    NoKernelBtf { path: PathBuf, reason: String },

    #[error("cannot link {} BPF files into one object: {}", files.len(), LinkProblems(problems))]
    Link {
        files: Vec<PathBuf>,
        problems: Vec<LinkProblem>,
    },

    #[error(
        "{} BPF inputs given ({}): linking them into one object needs skel-builder's `link` \
         feature\n\
         hint: in Cargo.toml, `skel-builder = {{ version = \"...\", features = [\"link\"] }}` under \
         [build-dependencies] (off by default: it compiles libbpf's linker)",
        files.len(),
        files_list(files)
    )]
    LinkFeature { files: Vec<PathBuf> },

    #[error("libbpf's linker failed to {step} `{file}`{}", indented(messages))]
    LinkFailed {
        file: PathBuf,
        step: &'static str,
        #[source]
        source: std::io::Error,
        messages: String,
    },

    #[error("cannot print vmlinux.h from `{path}`")]
    VmlinuxH {
        path: PathBuf,
        #[source]
        source: crate::vmlinux_h::PrintError,
    },
}

/// One problem found in an object. All problems of a phase are reported at
/// once.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    #[error(
        "section `{section}`: program `{program}` is static; libbpf only loads global functions"
    )]
    StaticProgram { section: String, program: String },

    #[error(
        "section `{section}`: symbol `{symbol}` at {offset}+{size} lies outside the section ({section_size} bytes)"
    )]
    SymbolOutsideSection {
        section: String,
        symbol: String,
        offset: u64,
        size: u64,
        section_size: u64,
    },

    #[error(
        "data section `{section}`: variable `{var}` at {offset}+{size} lies outside the section ({section_size} bytes)"
    )]
    VarOutsideSection {
        section: String,
        var: String,
        offset: u64,
        size: u64,
        section_size: u64,
    },

    #[error("data section `{section}`: variable `{var}` has no ELF symbol")]
    VarWithoutSymbol { section: String, var: String },

    #[error("data section `{section}`: BTF entry {type_id} is a {kind}, not a VAR")]
    NotAVar {
        section: String,
        type_id: BtfTypeId,
        kind: &'static str,
    },

    #[error("section `{section}` has no BTF DATASEC describing it")]
    NoDatasec { section: String },

    #[error("struct_ops map `{map}`: its type `{type_name}` {type_id} is not a struct")]
    StructOpsNotStruct {
        map: String,
        type_name: String,
        type_id: BtfTypeId,
    },

    #[error(
        "struct_ops map `{map}`: its struct type {type_id} is anonymous; libbpf needs a named struct"
    )]
    StructOpsAnonymous { map: String, type_id: BtfTypeId },

    #[error(
        "struct_ops map `{map}`: slot `{field}` at byte {offset} points to `{symbol}`, which is not a program"
    )]
    StructOpsBadSlot {
        map: String,
        field: String,
        offset: u64,
        symbol: String,
    },

    #[error(
        "struct_ops map `{map}`: member `{field}` points to program `{program}` of section \
         `{section}`, which is not a struct_ops program; libbpf refuses the object at open\n\
         hint: put `{program}` in SEC(\"struct_ops/{program}\")"
    )]
    StructOpsSlotNotStructOps {
        map: String,
        field: String,
        program: String,
        section: String,
    },

    #[error("map `{map}`: definition `{type_name}` is not a struct")]
    MapDefNotStruct { map: String, type_name: String },

    #[error("map `{map}`: field `{field}` must be a pointer to an array (use __uint/__type)")]
    MapDefBadField { map: String, field: String },

    #[error(
        "relocation at byte {offset} of section `{section}` refers to symbol {symbol}, but the symbol table has only {count}"
    )]
    RelocationBadSymbol {
        section: String,
        offset: u64,
        symbol: usize,
        count: usize,
    },

    #[error("relocations of section `{section}`: {reason}")]
    BadRelocations { section: String, reason: String },

    #[error("struct_ops map `{map}` shares bytes with struct_ops map `{other}`")]
    StructOpsOverlap { map: String, other: String },

    #[error("section `{section}` is {size} bytes; a map value holds at most 4294967295")]
    SectionTooLarge { section: String, size: u64 },

    #[error("two sections are named `{section}`; maps and BTF are found by section name")]
    DuplicateSection { section: String },

    #[error("two maps are named `{name}`")]
    DuplicateMap { name: String },

    #[error("type `{type_name}` {type_id}, member `{field}`: {reason}")]
    BadMember {
        type_name: String,
        type_id: BtfTypeId,
        field: String,
        reason: String,
    },

    #[error("type `{type_name}` {type_id}: {source}")]
    BadType {
        type_name: String,
        type_id: BtfTypeId,
        #[source]
        source: BtfError,
    },

    #[error("type `{type_name}` {type_id} nests deeper than {limit} levels")]
    TooDeep {
        type_name: String,
        type_id: BtfTypeId,
        limit: usize,
    },

    #[error(
        "legacy `maps` section: libbpf 1.0 and later only load maps declared in SEC(\".maps\")"
    )]
    LegacyMaps,

    #[error("type `{spelling}` asked for by the build script is not in the object's BTF{hint}")]
    UnknownType { spelling: String, hint: String },

    #[error("event type for map `{map}`: the object has no such map")]
    NoEventMap { map: String },

    #[error(
        "event type for map `{map}`: it is a {map_type}; only ring buffers and perf event arrays carry events"
    )]
    NotAnEventMap { map: String, map_type: String },
}

/// Something in an object that libbpf cannot use without the object's BTF.
/// Programs, `.data`/`.rodata`/`.bss` sections (as untyped maps) and an
/// empty object need none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NeedsBtf {
    /// A map declared in `SEC(".maps")`: its definition is BTF.
    #[error("map `{map}` (SEC(\".maps\"))")]
    DeclaredMap { map: String },
    /// A struct_ops map: its type is BTF.
    #[error("struct_ops map `{map}` (section `{section}`)")]
    StructOpsMap { map: String, section: String },
    /// An extern (`.kconfig`, `.ksyms`): libbpf finds its type in BTF.
    #[error("extern `{name}`")]
    Extern { name: String },
}

struct List<'a>(&'a [NeedsBtf]);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            match i {
                0 => {}
                i if i + 1 == self.0.len() => f.write_str(" and ")?,
                _ => f.write_str(", ")?,
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

struct LinkProblems<'a>(&'a [LinkProblem]);

impl fmt::Display for LinkProblems<'_> {
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

struct Problems<'a>(&'a [Problem]);

impl fmt::Display for Problems<'_> {
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
        if let Ok(mut printed) = PRINTED.lock() {
            if !printed.contains(&report) {
                printed.push(report);
            }
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
