//! The one public error type, and how it is reported from a build script.

use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::link::{LinkProblem, files_list};
use crate::object::elf::ElfError;
use crate::suggest;
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
    NoInput,

    ClangNotFound {
        clang: PathBuf,
        source: std::io::Error,
    },

    ClangFailed {
        source_file: PathBuf,
        command: String,
        status: String,
        stderr: String,
        /// What skel-builder knows about the failure beyond clang's words
        /// (an error in the header it includes).
        hint: Option<String>,
    },

    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    Elf {
        path: PathBuf,
        source: ElfError,
    },

    NoBtf {
        path: PathBuf,
        /// What in the object cannot be used without BTF.
        needed_by: Vec<NeedsBtf>,
    },

    Btf {
        path: PathBuf,
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
        /// [`crate::generate`]): then the message names `path`.
        inputs: Vec<PathBuf>,
        problems: Vec<Problem>,
    },

    BadName {
        name: String,
        reason: &'static str,
    },

    Codegen {
        name: String,
        message: String,
    },

    NoOutDir,

    NoKernelBtf {
        path: PathBuf,
        reason: String,
    },

    Link {
        files: Vec<PathBuf>,
        problems: Vec<LinkProblem>,
    },

    LinkFeature {
        files: Vec<PathBuf>,
    },

    LinkFailed {
        file: PathBuf,
        step: &'static str,
        source: std::io::Error,
        messages: String,
    },

    #[cfg(feature = "vmlinux-h")]
    VmlinuxH {
        path: PathBuf,
        source: crate::vmlinux_h::PrintError,
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
        path: PathBuf,
        /// The package being built (for the regeneration hint).
        package: String,
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
                     `SkeletonBuilder::target` or `generate_for`",
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

/// One problem found in an object. All problems of a phase are reported at
/// once.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Problem {
    StaticProgram {
        section: String,
        program: String,
    },

    SymbolOutsideSection {
        section: String,
        symbol: String,
        offset: u64,
        size: u64,
        section_size: u64,
    },

    VarOutsideSection {
        section: String,
        var: String,
        offset: u64,
        size: u64,
        section_size: u64,
    },

    VarWithoutSymbol {
        section: String,
        var: String,
    },

    /// A global of a linked object whose symbol (the storage its programs
    /// use) is not where the DATASEC's BTF puts it, and cannot be viewed
    /// there either. libbpf's static linker leaves the BTF offset on a dead
    /// `__weak` copy when a strong definition comes in a later file; the
    /// view follows the symbol unless it lies in another section or
    /// overlaps another variable.
    LinkedVarMoved {
        section: String,
        var: String,
        btf_offset: u64,
        symbol_offset: u64,
        /// Where the symbol's copy is: `in section `.bss``, `where it
        /// overlaps `x``.
        reason: String,
    },

    NotAVar {
        section: String,
        type_id: BtfTypeId,
        kind: &'static str,
    },

    NoDatasec {
        section: String,
    },

    StructOpsNotStruct {
        map: String,
        type_name: String,
        type_id: BtfTypeId,
    },

    StructOpsAnonymous {
        map: String,
        type_id: BtfTypeId,
    },

    StructOpsBadSlot {
        map: String,
        field: String,
        offset: u64,
        symbol: String,
    },

    StructOpsSlotNotStructOps {
        map: String,
        field: String,
        program: String,
        section: String,
    },

    MapDefNotStruct {
        map: String,
        type_name: String,
    },

    MapDefBadField {
        map: String,
        field: String,
    },

    RelocationBadSymbol {
        section: String,
        offset: u64,
        symbol: usize,
        count: usize,
    },

    BadRelocations {
        section: String,
        reason: String,
    },

    StructOpsOverlap {
        map: String,
        other: String,
    },

    SectionTooLarge {
        section: String,
        size: u64,
    },

    DuplicateSection {
        section: String,
    },

    DuplicateMap {
        name: String,
    },

    BadMember {
        type_name: String,
        type_id: BtfTypeId,
        field: String,
        reason: String,
    },

    BadType {
        type_name: String,
        type_id: BtfTypeId,
        source: BtfError,
    },

    TooDeep {
        type_name: String,
        type_id: BtfTypeId,
        limit: usize,
    },

    LegacyMaps,

    /// A type the build script names, with [`crate::SkeletonBuilder::types`]
    /// or as the event type of a map with
    /// [`crate::SkeletonBuilder::event_type`], that the object's BTF does not
    /// define.
    UnknownType {
        /// The setter that names it: `.types`, `.event_type`,
        /// `.map_key_type`, `.map_value_type`.
        setter: &'static str,
        /// The map the setter names; `None` for `.types`.
        event_map: Option<String>,
        /// The type as the build script spells it.
        spelling: String,
        /// BTF holds only a forward declaration of it (`struct x;`): the
        /// sources use or declare it but define it nowhere. (The builder
        /// declares every `struct`, `union` and `enum` the build script
        /// names, so that their definitions reach BTF.)
        declared_only: bool,
        /// The closest type the object defines, spelled as the build script
        /// would (`struct event`, `pid_t`).
        suggestion: Option<String>,
    },

    /// [`crate::SkeletonBuilder::event_type`] names a map the object does
    /// not have.
    NoEventMap {
        map: String,
        /// The closest name among `event_maps`.
        suggestion: Option<String>,
        /// The object's ring buffers and perf event arrays.
        event_maps: Vec<String>,
    },

    /// [`crate::SkeletonBuilder::event_type`] names a map that is not a
    /// ring buffer or perf event array.
    NotAnEventMap {
        map: String,
        map_type: String,
        /// The object's ring buffers and perf event arrays.
        event_maps: Vec<String>,
    },

    /// [`crate::SkeletonBuilder::map_key_type`] or
    /// [`crate::SkeletonBuilder::map_value_type`] names a map the object
    /// does not declare (data sections and `.kconfig` are not candidates).
    NoTypedMap {
        /// `.map_key_type` or `.map_value_type`.
        setter: &'static str,
        map: String,
        /// The closest name among `maps`.
        suggestion: Option<String>,
        /// The maps the object declares.
        maps: Vec<String>,
    },

    /// `.map_key_type`/`.map_value_type` for a map whose key or value BTF
    /// already types (`__type(key, T)`).
    MapTypeInBtf {
        setter: &'static str,
        map: String,
        /// `key` or `value`.
        role: &'static str,
        /// The type BTF gives it.
        btf_type: String,
    },

    /// `.map_key_type`/`.map_value_type` names a type whose size is not the
    /// map's `key_size`/`value_size`.
    MapTypeSize {
        setter: &'static str,
        map: String,
        /// `key` or `value`.
        role: &'static str,
        /// The type as the build script spells it.
        spelling: String,
        /// Its size in bytes.
        type_size: u64,
        /// The map's key or value size in bytes.
        map_size: u32,
    },

    /// A map typed by `.map_key_type` or `.map_value_type` whose other half
    /// has no type (neither BTF nor the build script gives one).
    MapTypeHalf {
        map: String,
        /// `key` or `value`.
        missing: &'static str,
    },

    /// `.map_key_type`/`.map_value_type` for a map of a type without typed
    /// handles (only arrays, hashes, their per-CPU and LRU forms, LPM
    /// tries, queues and stacks have them).
    MapTypeUnsupported {
        map: String,
        map_type: String,
    },

    /// [`crate::SkeletonBuilder::optional_programs`] names a program the
    /// object does not have.
    NoProgram {
        program: String,
        /// The closest program name of the object.
        suggestion: Option<String>,
        /// How many programs the object has.
        count: usize,
    },

    /// [`crate::SkeletonBuilder::optional_programs`] names a struct_ops
    /// program: those load exactly when a slot of their map holds them.
    OptionalStructOps {
        program: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StaticProgram { section, program } => write!(
                f,
                "section `{section}`: program `{program}` is static; libbpf only loads global functions"
            ),
            Self::SymbolOutsideSection {
                section,
                symbol,
                offset,
                size,
                section_size,
            } => write!(
                f,
                "section `{section}`: symbol `{symbol}` at {offset}+{size} lies outside the section ({section_size} bytes)"
            ),
            Self::VarOutsideSection {
                section,
                var,
                offset,
                size,
                section_size,
            } => write!(
                f,
                "data section `{section}`: variable `{var}` at {offset}+{size} lies outside the section ({section_size} bytes)"
            ),
            Self::VarWithoutSymbol { section, var } => write!(
                f,
                "data section `{section}`: variable `{var}` has no ELF symbol"
            ),
            Self::LinkedVarMoved {
                section,
                var,
                btf_offset,
                symbol_offset,
                reason,
            } => write!(
                f,
                "data section `{section}`: variable `{var}` is at byte {btf_offset} by BTF, but \
                 the programs use its symbol's copy at byte {symbol_offset}, {reason}; libbpf's \
                 linker leaves BTF on the dead copy when a `__weak` definition comes before the \
                 strong one\nhint: give the file with the strong definition first"
            ),
            Self::NotAVar {
                section,
                type_id,
                kind,
            } => write!(
                f,
                "data section `{section}`: BTF entry {type_id} is a {kind}, not a VAR"
            ),
            Self::NoDatasec { section } => {
                write!(f, "section `{section}` has no BTF DATASEC describing it")
            }
            Self::StructOpsNotStruct {
                map,
                type_name,
                type_id,
            } => write!(
                f,
                "struct_ops map `{map}`: its type `{type_name}` {type_id} is not a struct"
            ),
            Self::StructOpsAnonymous { map, type_id } => write!(
                f,
                "struct_ops map `{map}`: its struct type {type_id} is anonymous; libbpf needs a named struct"
            ),
            Self::StructOpsBadSlot {
                map,
                field,
                offset,
                symbol,
            } => write!(
                f,
                "struct_ops map `{map}`: slot `{field}` at byte {offset} points to `{symbol}`, which is not a program"
            ),
            Self::StructOpsSlotNotStructOps {
                map,
                field,
                program,
                section,
            } => write!(
                f,
                "struct_ops map `{map}`: member `{field}` points to program `{program}` of section \
                 `{section}`, which is not a struct_ops program; libbpf refuses the object at open\n\
                 hint: put `{program}` in SEC(\"struct_ops/{program}\")"
            ),
            Self::MapDefNotStruct { map, type_name } => {
                write!(f, "map `{map}`: definition `{type_name}` is not a struct")
            }
            Self::MapDefBadField { map, field } => write!(
                f,
                "map `{map}`: field `{field}` must be a pointer to an array (use __uint/__type)"
            ),
            Self::RelocationBadSymbol {
                section,
                offset,
                symbol,
                count,
            } => write!(
                f,
                "relocation at byte {offset} of section `{section}` refers to symbol {symbol}, but the symbol table has only {count}"
            ),
            Self::BadRelocations { section, reason } => {
                write!(f, "relocations of section `{section}`: {reason}")
            }
            Self::StructOpsOverlap { map, other } => write!(
                f,
                "struct_ops map `{map}` shares bytes with struct_ops map `{other}`"
            ),
            Self::SectionTooLarge { section, size } => write!(
                f,
                "section `{section}` is {size} bytes; a map value holds at most 4294967295"
            ),
            Self::DuplicateSection { section } => write!(
                f,
                "two sections are named `{section}`; maps and BTF are found by section name"
            ),
            Self::DuplicateMap { name } => write!(f, "two maps are named `{name}`"),
            Self::BadMember {
                type_name,
                type_id,
                field,
                reason,
            } => write!(
                f,
                "type `{type_name}` {type_id}, member `{field}`: {reason}"
            ),
            Self::BadType {
                type_name,
                type_id,
                source,
            } => write!(f, "type `{type_name}` {type_id}: {source}"),
            Self::TooDeep {
                type_name,
                type_id,
                limit,
            } => write!(
                f,
                "type `{type_name}` {type_id} nests deeper than {limit} levels"
            ),
            Self::LegacyMaps => f.write_str(
                "legacy `maps` section: libbpf 1.0 and later only load maps declared in SEC(\".maps\")",
            ),
            Self::UnknownType {
                setter,
                event_map,
                spelling,
                declared_only,
                suggestion,
            } => {
                match event_map {
                    Some(map) => write!(f, "`{setter}` of map `{map}`: ")?,
                    None => write!(f, "`{setter}`: ")?,
                }
                if *declared_only {
                    write!(
                        f,
                        "`{spelling}` is only declared (a forward declaration), never defined"
                    )?;
                } else {
                    write!(f, "`{spelling}` is not in the object's BTF")?;
                }
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None if !declared_only && !is_tagged(spelling) => f.write_str(
                        "; a typedef reaches BTF only when a global, a map or a function \
                         signature uses it",
                    ),
                    None => Ok(()),
                }
            }
            Self::NoEventMap {
                map,
                suggestion,
                event_maps,
            } => {
                write!(f, "`.event_type`: there is no map `{map}`")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None => write!(f, "; {}", EventMaps(event_maps)),
                }
            }
            Self::NotAnEventMap {
                map,
                map_type,
                event_maps,
            } => write!(
                f,
                "`.event_type`: map `{map}` is a {map_type}; only ring buffers and perf event \
                 arrays carry events ({})",
                EventMaps(event_maps)
            ),
            Self::NoTypedMap {
                setter,
                map,
                suggestion,
                maps,
            } => {
                write!(f, "`{setter}`: there is no map `{map}`")?;
                match suggestion {
                    Some(s) => write!(f, "; did you mean `{s}`?"),
                    None if maps.is_empty() => f.write_str("; the object declares no maps"),
                    None => write!(f, "; the object's maps: `{}`", maps.join("`, `")),
                }
            }
            Self::MapTypeInBtf {
                setter,
                map,
                role,
                btf_type,
            } => write!(
                f,
                "`{setter}` of map `{map}`: its {role} is already typed by BTF (`{btf_type}`); \
                 `{setter}` is for maps declared with `__uint({role}_size, N)`"
            ),
            Self::MapTypeSize {
                setter,
                map,
                role,
                spelling,
                type_size,
                map_size,
            } => write!(
                f,
                "`{setter}` of map `{map}`: `{spelling}` is {type_size} bytes, but the map's \
                 {role}_size is {map_size} bytes"
            ),
            Self::MapTypeHalf { map, missing } => write!(
                f,
                "map `{map}`: its {missing} has no type (neither BTF nor the build script gives \
                 one); name it with `.map_{missing}_type(\"{map}\", ..)`"
            ),
            Self::MapTypeUnsupported { map, map_type } => write!(
                f,
                "map `{map}` is a {map_type}: only arrays, hashes (per-CPU and LRU too), LPM \
                 tries, queues and stacks get typed handles from `.map_key_type`/`.map_value_type`"
            ),
            Self::NoProgram {
                program,
                suggestion,
                count,
            } => {
                write!(f, "`.optional_programs`: there is no program `{program}`")?;
                match (suggestion, count) {
                    (Some(s), _) => write!(f, "; did you mean `{s}`?"),
                    (None, 0) => f.write_str("; the object has no programs"),
                    (None, _) => f.write_str(
                        "; name programs by their C function name (libbpf's program name)",
                    ),
                }
            }
            Self::OptionalStructOps { program } => write!(
                f,
                "`.optional_programs`: `{program}` is a struct_ops program, which loads exactly \
                 when a slot of its struct_ops map holds it; to go without it on kernels that \
                 lack what it needs, clear its slot through the shadow before load"
            ),
        }
    }
}

impl std::error::Error for Problem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::BadType { source, .. } => Some(source),
            Self::StaticProgram { .. }
            | Self::SymbolOutsideSection { .. }
            | Self::VarOutsideSection { .. }
            | Self::VarWithoutSymbol { .. }
            | Self::LinkedVarMoved { .. }
            | Self::NotAVar { .. }
            | Self::NoDatasec { .. }
            | Self::StructOpsNotStruct { .. }
            | Self::StructOpsAnonymous { .. }
            | Self::StructOpsBadSlot { .. }
            | Self::StructOpsSlotNotStructOps { .. }
            | Self::MapDefNotStruct { .. }
            | Self::MapDefBadField { .. }
            | Self::RelocationBadSymbol { .. }
            | Self::BadRelocations { .. }
            | Self::StructOpsOverlap { .. }
            | Self::SectionTooLarge { .. }
            | Self::DuplicateSection { .. }
            | Self::DuplicateMap { .. }
            | Self::BadMember { .. }
            | Self::TooDeep { .. }
            | Self::LegacyMaps
            | Self::UnknownType { .. }
            | Self::NoEventMap { .. }
            | Self::NotAnEventMap { .. }
            | Self::NoTypedMap { .. }
            | Self::MapTypeInBtf { .. }
            | Self::MapTypeSize { .. }
            | Self::MapTypeHalf { .. }
            | Self::MapTypeUnsupported { .. }
            | Self::NoProgram { .. }
            | Self::OptionalStructOps { .. } => None,
        }
    }
}

/// Something in an object that libbpf cannot use without the object's BTF.
/// Programs, `.data`/`.rodata`/`.bss` sections (as untyped maps) and an
/// empty object need none.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NeedsBtf {
    /// A map declared in `SEC(".maps")`: its definition is BTF.
    DeclaredMap { map: String },
    /// A struct_ops map: its type is BTF.
    StructOpsMap { map: String, section: String },
    /// An extern (`.kconfig`, `.ksyms`): libbpf finds its type in BTF.
    Extern { name: String },
}

impl fmt::Display for NeedsBtf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DeclaredMap { map } => write!(f, "map `{map}` (SEC(\".maps\"))"),
            Self::StructOpsMap { map, section } => {
                write!(f, "struct_ops map `{map}` (section `{section}`)")
            }
            Self::Extern { name } => write!(f, "extern `{name}`"),
        }
    }
}

impl std::error::Error for NeedsBtf {}

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

/// Whether a type spelling names a tag (`struct x`, `union x`, `enum x`).
fn is_tagged(spelling: &str) -> bool {
    matches!(
        spelling.split_whitespace().next(),
        Some("struct" | "union" | "enum")
    )
}

/// How many names a list in a message shows before counting the rest.
const LISTED: usize = 10;

/// The ring buffers and perf event arrays of an object, for a message.
struct EventMaps<'a>(&'a [String]);

impl fmt::Display for EventMaps<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted: Vec<String> = self
            .0
            .iter()
            .take(LISTED)
            .map(|m| format!("`{m}`"))
            .collect();
        match (quoted.as_slice(), self.0.len()) {
            ([], _) => f.write_str("there is no ring buffer or perf event array"),
            ([one], 1) => write!(f, "the only ring buffer or perf event array is {one}"),
            (shown, n) if n > LISTED => write!(
                f,
                "the ring buffers and perf event arrays are {} and {} more",
                shown.join(", "),
                n - LISTED
            ),
            ([rest @ .., last], _) => write!(
                f,
                "the ring buffers and perf event arrays are {} and {last}",
                rest.join(", ")
            ),
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

#[cfg(test)]
mod tests {
    use std::error::Error as _;
    use std::io;

    use super::*;
    #[cfg(feature = "vmlinux-h")]
    use crate::vmlinux_h::PrintError;

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
