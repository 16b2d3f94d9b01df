use std::fmt;

use crate::errno::Errno;
use crate::kernel_target::MissingTargets;
use crate::libbpf_log::LibbpfLog;

/// Errors of generated skeletons and of the runtime's handles.
///
/// Messages name the skeleton (the name its `*SkelBuilder` carries, not
/// libbpf's object name, which is cut to 15 bytes), the map or program,
/// the errno by name (`ENOTSUPP (524): ...`, also for the kernel-internal
/// errnos `strerror` does not know), and the lines libbpf logged during
/// the failing step (the verifier's log, a missing kfunc), so
/// `eprintln!("{e}")` says why even when libbpf's own output is silenced.
/// [`Error::raw_os_error`] (or [`Error::errno`]) gives the errno of every
/// error that comes from the kernel or libbpf.
///
/// `Send` and `Sync`: it owns its data (names, errnos, log lines), so it
/// crosses threads and fits `Box<dyn Error + Send + Sync>`.
#[non_exhaustive]
pub enum Error {
    /// libbpf could not open the embedded object (`bpf_object__open_mem`).
    Open {
        /// The skeleton's name (the one its `*SkelBuilder` carries).
        skeleton: &'static str,
        /// The errno libbpf or the kernel returned.
        errno: Errno,
        /// The lines libbpf logged during the failing step.
        log: LibbpfLog,
    },

    /// The object lacks a map or program the skeleton was generated for:
    /// the skeleton and the object it embeds disagree.
    Missing {
        /// The skeleton's name (the one its `*SkelBuilder` carries).
        skeleton: &'static str,
        /// `"map"` or `"program"`.
        what: &'static str,
        /// The map's or program's name.
        name: String,
    },

    /// libbpf's memory for a map does not have the size or alignment of
    /// the generated type laid over it (checked at open); nothing is laid
    /// over it.
    LayoutMismatch {
        /// The skeleton's name (the one its `*SkelBuilder` carries).
        skeleton: &'static str,
        /// The map's name.
        map: String,
        /// The generated type's name.
        type_name: &'static str,
        /// The generated type's size, in bytes.
        expected: usize,
        /// The generated type's alignment, in bytes.
        align: usize,
        /// The size of libbpf's memory for the map, in bytes.
        actual: usize,
        /// The address of libbpf's memory for the map.
        address: usize,
    },

    /// A resizable data section cannot hold its typed view or array right
    /// now (see [`ViewProblem`]).
    View {
        /// The skeleton's name (the one its `*SkelBuilder` carries).
        skeleton: &'static str,
        /// The map's name.
        map: String,
        /// The generated type's name.
        type_name: &'static str,
        /// Why the view cannot be laid over the map now.
        problem: ViewProblem,
    },

    /// After load, libbpf did not memory-map data sections the skeleton
    /// hands out live views of (kernels before Linux 5.5 cannot map BPF
    /// arrays); the load is refused.
    NotMapped {
        /// The skeleton's name (the one its `*SkelBuilder` carries).
        skeleton: &'static str,
        /// The sections (`.bss`, ...).
        sections: Vec<&'static str>,
    },

    /// At load, a struct_ops slot holds a program that is not a struct_ops
    /// program of this skeleton's object.
    ForeignProgram {
        /// The skeleton's name (the one its `*SkelBuilder` carries).
        skeleton: &'static str,
        /// The map's name.
        map: String,
        /// The struct_ops member holding the program.
        field: String,
        /// The program in the slot.
        program: String,
    },

    /// At load, a struct_ops slot holds a program whose autoload was
    /// turned off.
    SlotProgramNotLoaded {
        /// The skeleton's name (the one its `*SkelBuilder` carries).
        skeleton: &'static str,
        /// The map's name.
        map: String,
        /// The struct_ops member holding the program.
        field: String,
        /// The program in the slot.
        program: String,
    },

    /// libbpf could not load the object (`bpf_object__load`): the
    /// verifier refused a program, the kernel lacks a feature, ...
    Load {
        /// The skeleton's name (the one its `*SkelBuilder` carries).
        skeleton: &'static str,
        /// The errno libbpf or the kernel returned.
        errno: Errno,
        /// The lines libbpf logged during the failing step.
        log: LibbpfLog,
        /// What to try.
        hint: &'static str,
    },

    /// Attaching a program or registering a struct_ops map failed.
    Attach {
        /// The skeleton's name (the one its `*SkelBuilder` carries).
        skeleton: &'static str,
        /// `"program"` or `"struct_ops map"`.
        what: &'static str,
        /// The program's or struct_ops map's name.
        name: String,
        /// The errno libbpf or the kernel returned.
        errno: Errno,
        /// The lines libbpf logged during the failing step.
        log: LibbpfLog,
        /// What to try.
        hint: &'static str,
    },

    /// An operation on a map that was not created at load (its
    /// autocreate was off).
    NotCreated {
        /// The map's name.
        map: String,
        /// What was tried (`"attach it"`, `"lookup"`).
        what: &'static str,
    },

    /// Resizing a data section failed (before load only).
    Resize {
        /// The skeleton's name (the one its `*SkelBuilder` carries).
        skeleton: &'static str,
        /// The map's name.
        map: String,
        /// The array variable being resized.
        var: &'static str,
        /// The number of elements asked for.
        len: usize,
        /// The size of one element, in bytes.
        elem_size: usize,
        /// Why it failed.
        reason: String,
        /// The errno, when the kernel or libbpf gave one.
        errno: Option<Errno>,
        /// The lines libbpf logged during the failing step.
        log: LibbpfLog,
    },

    /// Reading a struct_ops map back from the kernel failed.
    ReadBack {
        /// The map's name.
        map: String,
        /// The map's kernel struct (`tcp_congestion_ops`, ...).
        structure: String,
        /// What could not be read, and why.
        what: String,
        /// The errno, when the kernel or libbpf gave one.
        errno: Option<Errno>,
    },

    /// A map operation or setting failed: the kernel's or libbpf's errno.
    MapOp {
        /// The map's name.
        map: String,
        /// The operation (`"update"`, `"set max_entries"`).
        op: &'static str,
        /// The errno libbpf or the kernel returned.
        errno: Errno,
    },

    /// A program setting failed: libbpf's errno.
    ProgramOp {
        /// The program's name.
        program: String,
        /// The operation (`"set autoload"`).
        op: &'static str,
        /// The errno libbpf or the kernel returned.
        errno: Errno,
    },

    /// A typed handle's key or value type does not have the map's key or
    /// value size.
    MapTypeSize {
        /// The map's name.
        map: String,
        /// `"key"` or `"value"`.
        what: &'static str,
        /// The map's key or value size, in bytes.
        expected: usize,
        /// The size of the handle's key or value type, in bytes.
        actual: usize,
    },

    /// A per-CPU update was given a number of values other than the number
    /// of possible CPUs.
    PerCpuCount {
        /// The map's name.
        map: String,
        /// The number of possible CPUs.
        expected: usize,
        /// The number of values given.
        actual: usize,
    },

    /// A batch update was given keys and values in different numbers: one
    /// value per key (for a per-CPU map, one per possible CPU per key).
    BatchLength {
        /// The map's name.
        map: String,
        /// The number of keys given.
        keys: usize,
        /// The number of values given.
        values: usize,
        /// Values each key takes: 1, or the number of possible CPUs.
        per_key: usize,
    },

    /// A ring buffer or perf event sample is shorter than its event type.
    ShortEvent {
        /// The map's name.
        map: String,
        /// The event's C type (`struct event`).
        type_name: &'static str,
        /// The event type's size, in bytes.
        expected: usize,
        /// The sample's size, in bytes.
        actual: usize,
    },

    /// The running kernel's BTF could not be read or is malformed.
    KernelBtf {
        /// What could not be read, and why.
        what: String,
    },

    /// The running kernel has no struct_ops type for a map that will be
    /// created.
    NoStructOpsType {
        /// The skeleton's name (the one its `*SkelBuilder` carries).
        skeleton: &'static str,
        /// The map's name.
        map: String,
        /// The kernel struct the map's type names (`sched_ext_ops`, ...).
        kernel_struct: String,
        /// What to try.
        hint: &'static str,
    },

    /// Shadows set members the running kernel's struct lacks (checked at
    /// load).
    KernelLacksMembers {
        /// The skeleton's name (the one its `*SkelBuilder` carries).
        skeleton: &'static str,
        /// Each map whose shadow sets members the kernel lacks, with those members.
        maps: Vec<MissingMembers>,
    },

    /// Programs that will be loaded need what the running kernel lacks
    /// (checked before libbpf loads anything): the target their section
    /// names, kfuncs their code calls, their program or attach type. Each
    /// is named with what it needs; programs marked optional in the build
    /// script are skipped instead (see [`SkippedProgram`](crate::SkippedProgram)).
    KernelLacksTargets {
        /// The skeleton's name (the one its `*SkelBuilder` carries).
        skeleton: &'static str,
        /// Each program, with what it needs that the kernel lacks.
        programs: Vec<MissingTargets>,
    },

    /// The kernel refused to associate loaded program `program` with
    /// struct_ops map `map` (`BPF_PROG_ASSOC_STRUCT_OPS`), or one of them
    /// cannot be associated (`hint` says why).
    Associate {
        /// The program's name.
        program: String,
        /// The map's name.
        map: String,
        /// The errno libbpf or the kernel returned.
        errno: Errno,
        /// What to try.
        hint: &'static str,
    },

    /// A libbpf call outside a skeleton's steps failed: an open option
    /// libbpf cannot take, a [`Link`](crate::Link)'s pin or detach, reading
    /// the object's BTF; with the `libbpf-rs` feature, also an error of a
    /// libbpf-rs call converted with `?` (`From<libbpf_rs::Error>`).
    Libbpf {
        /// What failed (for a converted libbpf-rs error, its message and
        /// context, without the errno's text).
        what: String,
        /// The errno, when the kernel or libbpf gave one.
        errno: Option<Errno>,
    },

    /// A test run of loaded program `program` (`BPF_PROG_TEST_RUN`, see
    /// [`TestRun`](crate::TestRun)) failed: the kernel refused it or its
    /// output did not fit (`errno`), or what came back does not fit the
    /// types given (no errno). `what` says which, with a hint.
    TestRun {
        /// The program's name.
        program: String,
        /// The errno, when the kernel or libbpf gave one.
        errno: Option<Errno>,
        /// What failed, with a hint.
        what: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open {
                skeleton,
                errno,
                log,
            } => write!(
                f,
                "skeleton `{skeleton}`: libbpf cannot open its BPF object: {errno}{log}"
            ),
            Self::Missing {
                skeleton,
                what,
                name,
            } => write!(
                f,
                "skeleton `{skeleton}`: its BPF object has no {what} `{name}`; the skeleton does not \
                 match the object (rebuild so skel-builder regenerates it)"
            ),
            Self::LayoutMismatch {
                skeleton,
                map,
                type_name,
                expected,
                align,
                actual,
                address,
            } => write!(
                f,
                "skeleton `{skeleton}`, map `{map}`: libbpf holds {actual} bytes at {address:#x}, but the \
                 generated type `{type_name}` expects {expected} bytes with alignment {align}; refusing \
                 to lay it over the map"
            ),
            Self::View {
                skeleton,
                map,
                type_name,
                problem,
            } => write!(
                f,
                "skeleton `{skeleton}`, map `{map}`: no typed view `{type_name}` over it: {problem}"
            ),
            Self::ForeignProgram {
                skeleton,
                map,
                field,
                program,
            } => write!(
                f,
                "skeleton `{skeleton}`, struct_ops map `{map}`, member `{field}`: `{program}` is not a \
                 struct_ops program of this skeleton's object; only this object's struct_ops programs \
                 can fill its slots"
            ),
            Self::SlotProgramNotLoaded {
                skeleton,
                map,
                field,
                program,
            } => write!(
                f,
                "skeleton `{skeleton}`, struct_ops map `{map}`, member `{field}` holds program \
                 `{program}`, but its autoload was turned off; clear the slot (set it to None) or leave \
                 autoload alone"
            ),
            Self::Load {
                skeleton,
                errno,
                log,
                hint,
            } => write!(
                f,
                "skeleton `{skeleton}`: libbpf cannot load its BPF object: {errno}{log}{hint}"
            ),
            Self::Attach {
                skeleton,
                what,
                name,
                errno,
                log,
                hint,
            } => write!(
                f,
                "skeleton `{skeleton}`: cannot attach {what} `{name}`: {errno}{log}{hint}"
            ),
            Self::NotCreated { map, what } => write!(
                f,
                "map `{map}` was not created at load (its autocreate was off); turn autocreate on \
                 before load (`open.maps_mut().<map>().set_autocreate(true)`) to {what}"
            ),
            Self::NotMapped { skeleton, sections } => write!(
                f,
                "skeleton `{skeleton}`: libbpf did not memory-map data section{} `{}` at load, so \
                 the skeleton cannot give live views of {}; the running kernel cannot map BPF \
                 arrays (Linux 5.5 or later can)",
                if sections.len() == 1 { "" } else { "s" },
                sections.join("`, `"),
                if sections.len() == 1 { "it" } else { "them" }
            ),
            Self::Resize {
                skeleton,
                map,
                var,
                len,
                elem_size,
                reason,
                log,
                ..
            } => write!(
                f,
                "skeleton `{skeleton}`, map `{map}`: cannot resize `{var}` to {len} elements of \
                 {elem_size} bytes: {reason}{log}"
            ),
            Self::ReadBack {
                map,
                structure,
                what,
                ..
            } => write!(
                f,
                "cannot read back struct_ops map `{map}` (`struct {structure}`) from the kernel: {what}"
            ),
            Self::MapOp { map, op, errno } => write!(f, "map `{map}`: {op} failed: {errno}"),
            Self::ProgramOp { program, op, errno } => {
                write!(f, "program `{program}`: {op} failed: {errno}")
            }
            Self::MapTypeSize {
                map,
                what,
                expected,
                actual,
            } => write!(
                f,
                "map `{map}`: its {what} is {actual} bytes, but the typed handle's {what} type is {expected} bytes \
                 (was the map resized through its raw handle?); use the raw handle for this map"
            ),
            Self::PerCpuCount {
                map,
                expected,
                actual,
            } => write!(
                f,
                "per-CPU map `{map}`: {actual} values given, one per possible CPU ({expected}) needed"
            ),
            Self::BatchLength {
                map,
                keys,
                values,
                per_key,
            } => write!(
                f,
                "map `{map}`: a batch of {keys} keys takes {} values ({per_key} per key), but {values} \
                 were given",
                keys.saturating_mul(*per_key)
            ),
            Self::ShortEvent {
                map,
                type_name,
                expected,
                actual,
            } => write!(
                f,
                "map `{map}`: an event of {actual} bytes is shorter than its type `{type_name}` ({expected} bytes)"
            ),
            Self::KernelBtf { what } => write!(f, "cannot read the running kernel's BTF: {what}"),
            Self::NoStructOpsType {
                skeleton,
                map,
                kernel_struct,
                hint,
            } => write!(
                f,
                "skeleton `{skeleton}`, struct_ops map `{map}`: the running kernel has no struct_ops \
                 type `{kernel_struct}` (its BTF has no `struct {kernel_struct}` with a \
                 `struct bpf_struct_ops_{kernel_struct}`), so it cannot load this map at all{hint}"
            ),
            Self::KernelLacksMembers { skeleton, maps } => write!(
                f,
                "skeleton `{skeleton}`: {}; clear them through the shadow, or call \
                 `struct_ops_mut().clear_<map>_missing()` before load to clear every member the running \
                 kernel lacks (the programs in cleared slots are then not loaded)",
                MissingMembers::list(maps)
            ),
            Self::KernelLacksTargets { skeleton, programs } => write!(
                f,
                "skeleton `{skeleton}`: the running kernel lacks what {}: {}; mark programs \
                 that may go without with `SkeletonBuilder::optional_programs` in the build \
                 script, and load skips them on such kernels",
                if programs.len() == 1 {
                    "a program needs"
                } else {
                    "programs need"
                },
                MissingTargets::list(programs)
            ),
            Self::Associate {
                program,
                map,
                errno,
                hint,
            } => write!(
                f,
                "program `{program}`: cannot associate it with struct_ops map `{map}`: \
                 {errno}{hint}"
            ),
            Self::Libbpf {
                what,
                errno: Some(errno),
            } => write!(f, "{what}: {errno}"),
            Self::Libbpf { what, errno: None } => write!(f, "{what}"),
            Self::TestRun {
                program,
                errno: Some(errno),
                what,
            } => write!(f, "program `{program}`: test run failed: {errno}; {what}"),
            Self::TestRun {
                program,
                errno: None,
                what,
            } => write!(f, "program `{program}`: test run failed: {what}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Open { .. }
            | Self::Missing { .. }
            | Self::LayoutMismatch { .. }
            | Self::View { .. }
            | Self::ForeignProgram { .. }
            | Self::SlotProgramNotLoaded { .. }
            | Self::Load { .. }
            | Self::Attach { .. }
            | Self::NotCreated { .. }
            | Self::NotMapped { .. }
            | Self::MapOp { .. }
            | Self::ProgramOp { .. }
            | Self::Resize { .. }
            | Self::ReadBack { .. }
            | Self::MapTypeSize { .. }
            | Self::PerCpuCount { .. }
            | Self::BatchLength { .. }
            | Self::ShortEvent { .. }
            | Self::KernelBtf { .. }
            | Self::NoStructOpsType { .. }
            | Self::KernelLacksMembers { .. }
            | Self::KernelLacksTargets { .. }
            | Self::Associate { .. }
            | Self::Libbpf { .. }
            | Self::TestRun { .. } => None,
        }
    }
}

/// A libbpf-rs error as [`Error::Libbpf`]: its message with its context
/// chain (`{:#}`), and its errno, which prints by name.
#[cfg(feature = "libbpf-rs")]
#[cfg_attr(docsrs, doc(cfg(feature = "libbpf-rs")))]
impl From<libbpf_rs::Error> for Error {
    fn from(error: libbpf_rs::Error) -> Self {
        let errno = libbpf_errno(&error).map(Errno::new);
        Self::Libbpf {
            what: without_os_error(format!("{error:#}"), errno),
            errno,
        }
    }
}

/// The members a struct_ops map's shadow sets that the running kernel's
/// struct lacks (see [`Error::KernelLacksMembers`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MissingMembers {
    /// The map's name.
    pub map: String,
    /// The kernel struct (`sched_ext_ops`).
    pub kernel_struct: String,
    /// The members set (non-zero, or a program in the slot), by C name.
    pub members: Vec<String>,
}

impl MissingMembers {
    fn list(maps: &[MissingMembers]) -> String {
        let one = |m: &MissingMembers| {
            let names: Vec<String> = m.members.iter().map(|n| format!("`{n}`")).collect();
            format!(
                "struct_ops map `{}` sets {} {} that the running kernel's `struct {}` lacks",
                m.map,
                if m.members.len() == 1 {
                    "member"
                } else {
                    "members"
                },
                names.join(", "),
                m.kernel_struct
            )
        };
        maps.iter().map(one).collect::<Vec<_>>().join("; ")
    }
}

/// Why a data section's typed view or array cannot be laid over its map
/// right now. Each message says what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ViewProblem {
    /// libbpf keeps no memory for the map.
    NotMapped,
    /// The map holds fewer bytes than the view's fixed part.
    TooSmall {
        /// The bytes the map holds.
        actual: usize,
        /// The size of the view's fixed part, in bytes.
        needed: usize,
    },
    /// libbpf's buffer is not aligned for the view.
    Misaligned {
        /// The address of libbpf's buffer.
        address: usize,
        /// The alignment the view needs, in bytes.
        align: usize,
    },
}

impl fmt::Display for ViewProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ViewProblem::NotMapped => write!(
                f,
                "libbpf keeps no memory for it (after load only memory-mapped sections, those \
                 with a non-static variable, stay reachable)"
            ),
            ViewProblem::TooSmall { actual, needed } => write!(
                f,
                "it holds {actual} bytes, fewer than the {needed} bytes of the view's fixed part \
                 (it was resized below its declared size); read its last array through the \
                 section's `array()`, or resize it to at least {needed} bytes"
            ),
            ViewProblem::Misaligned { address, align } => write!(
                f,
                "libbpf's buffer at {address:#x} is not aligned to {align} bytes"
            ),
        }
    }
}

impl Error {
    /// The errno behind the error, if there is one: what libbpf or the
    /// kernel returned (`EPERM` without privilege, `EEXIST` for a
    /// struct_ops name already registered, `ENOTSUPP` = 524 for a kernel
    /// that takes no BPF program in a struct_ops member, ...). Members the
    /// running kernel lacks are found before libbpf sees them
    /// ([`Error::KernelLacksMembers`], no errno).
    pub fn raw_os_error(&self) -> Option<i32> {
        match self {
            Error::Open { errno, .. }
            | Error::Load { errno, .. }
            | Error::Attach { errno, .. }
            | Error::MapOp { errno, .. }
            | Error::ProgramOp { errno, .. }
            | Error::Associate { errno, .. } => Some(errno.raw()),
            Error::Resize { errno, .. }
            | Error::ReadBack { errno, .. }
            | Error::Libbpf { errno, .. }
            | Error::TestRun { errno, .. } => errno.map(Errno::raw),
            _ => None,
        }
    }

    /// [`Error::raw_os_error`] as an [`Errno`], which prints its name.
    pub fn errno(&self) -> Option<Errno> {
        self.raw_os_error().map(Errno::new)
    }

    /// What libbpf logged during the failing step, when the step ran libbpf
    /// (open, load, attach, resize). The error's message includes it too.
    pub fn libbpf_log(&self) -> Option<&LibbpfLog> {
        match self {
            Error::Open { log, .. }
            | Error::Load { log, .. }
            | Error::Attach { log, .. }
            | Error::Resize { log, .. } => Some(log),
            _ => None,
        }
    }
}

/// `text`, a libbpf-rs error's chain, without std's text of its OS error
/// at the end (`...: Invalid argument (os error 22)`): [`Error`] prints
/// the errno by name after it.
#[cfg(feature = "libbpf-rs")]
fn without_os_error(text: String, errno: Option<Errno>) -> String {
    let Some(errno) = errno else {
        return text;
    };
    let os = std::io::Error::from_raw_os_error(errno.raw()).to_string();
    match text.strip_suffix(&os).map(|t| t.trim_end_matches(": ")) {
        Some("") => "a libbpf-rs call failed".to_owned(),
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

/// The errno behind a libbpf-rs error: an `io::Error` it carries in its
/// chain. libbpf-rs 0.27 keeps that `io::Error` private (no accessor, and
/// no cause in the chain has its type), so failing a downcast, the errno
/// is read from the end of the chain's text, where std prints an OS
/// error's code: `... (os error 22)`.
#[cfg(feature = "libbpf-rs")]
fn libbpf_errno(e: &libbpf_rs::Error) -> Option<i32> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && let Some(raw) = io.raw_os_error()
        {
            return Some(raw);
        }
        cause = c.source();
    }
    // libbpf-rs 0.27 keeps the `io::Error` of an OS error out of its
    // `source()` chain; its message ends as std prints one:
    // "... (os error 22)".
    let text = format!("{e:#}");
    let (_, code) = text.rsplit_once("(os error ")?;
    code.strip_suffix(')')?.parse().ok()
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use std::error::Error as _;
        write!(f, "{self}")?;
        let mut cause = self.source();
        while let Some(c) = cause {
            write!(f, "\n\nCaused by:\n    {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

/// The result of the runtime's operations: [`Error`] by default.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    // The `Display` and `source()` impls are written by hand: errors name
    // their errno, and none has a source.
    #[test]
    #[cfg_attr(miri, ignore = "Miri's strerror_r shim words errors differently")]
    fn errnos_are_named() {
        let e = Error::MapOp {
            map: "q".into(),
            op: "update",
            errno: Errno::new(libc::EEXIST),
        };
        assert_eq!(e.raw_os_error(), Some(libc::EEXIST));
        assert_eq!(
            e.to_string(),
            "map `q`: update failed: EEXIST (17): File exists"
        );
        assert!(e.source().is_none());

        let e = Error::Libbpf {
            what: "link of `p`: pin at `/sys/fs/bpf/x`".into(),
            errno: Some(Errno::new(-libc::EEXIST)),
        };
        assert_eq!(e.raw_os_error(), Some(libc::EEXIST));
        assert_eq!(e.errno().and_then(Errno::name), Some("EEXIST"));
        assert_eq!(
            e.to_string(),
            "link of `p`: pin at `/sys/fs/bpf/x`: EEXIST (17): File exists"
        );
        let e = Error::Libbpf {
            what: "the object's BTF: truncated".into(),
            errno: None,
        };
        assert_eq!(e.raw_os_error(), None);
        assert_eq!(e.to_string(), "the object's BTF: truncated");

        let without = [
            e,
            Error::KernelBtf { what: "w".into() },
            Error::ReadBack {
                map: "m".into(),
                structure: "s".into(),
                what: "w".into(),
                errno: Some(Errno::new(1)),
            },
        ];
        for e in &without {
            assert!(e.source().is_none(), "{e}");
        }
        let char_array = crate::CharArrayError::InteriorNul { at: 0 };
        assert!(char_array.source().is_none());
    }

    // With the feature, a libbpf-rs error converts into `Error::Libbpf`,
    // keeping its context chain and errno, which prints by name once.
    #[cfg(feature = "libbpf-rs")]
    #[test]
    #[cfg_attr(miri, ignore = "Miri's strerror_r shim words errors differently")]
    fn libbpf_rs_errors_convert() {
        use libbpf_rs::ErrorExt as _;

        let inner = libbpf_rs::Error::from_raw_os_error(22).context("opening `m`");
        let e = Error::from(inner);
        assert!(
            matches!(&e, Error::Libbpf { what, errno: Some(errno) }
                if what == "opening `m`" && errno.raw() == 22),
            "{e:?}"
        );
        assert_eq!(e.raw_os_error(), Some(22));
        assert_eq!(e.to_string(), "opening `m`: EINVAL (22): Invalid argument");

        let plain = Error::from(libbpf_rs::Error::from_raw_os_error(1));
        assert_eq!(plain.raw_os_error(), Some(1));
        assert_eq!(
            plain.to_string(),
            "a libbpf-rs call failed: EPERM (1): Operation not permitted"
        );
        assert!(plain.source().is_none());

        let no_errno = Error::from(libbpf_rs::Error::from(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "bad name",
        )));
        assert_eq!(no_errno.raw_os_error(), None);
        assert_eq!(no_errno.to_string(), "bad name");
    }
}
