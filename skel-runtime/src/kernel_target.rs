//! What a program needs from the running kernel, as data: the
//! [`KernelTarget`]s, and the programs lacking some ([`SkippedProgram`],
//! [`MissingTargets`]). Whether the kernel has them is `targets`'s
//! question; this leaf is what errors carry.

use std::fmt;

/// Something a program needs from the running kernel.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KernelTarget {
    /// A kernel function a kprobe attaches to (`kprobe/<fn>`).
    Function(String),
    /// The function a `ksyscall/<name>` program attaches to.
    Syscall(String),
    /// A tracepoint (`tp/<category>/<name>`).
    Tracepoint {
        /// The tracepoint's category (`syscalls`).
        category: String,
        /// Its name (`sys_enter_openat`).
        name: String,
    },
    /// A raw tracepoint (`raw_tp/<name>`, `tp_btf/<name>`).
    RawTracepoint(String),
    /// A function the kernel's BTF must describe (`fentry/<fn>`, `fexit`,
    /// `fmod_ret`, `fsession`).
    BtfFunction(String),
    /// An LSM hook (`lsm/<hook>`: BTF function `bpf_lsm_<hook>`).
    LsmHook(String),
    /// A BPF iterator (`iter/<name>`: BTF function `bpf_iter_<name>`).
    Iterator(String),
    /// A kfunc the program's code calls.
    Kfunc(String),
    /// A typed kernel variable (`__ksym`) the program's code uses.
    Ksym(String),
    /// The program type, as libbpf names it (`netfilter`).
    ProgramType(String),
    /// The expected attach type, as libbpf names it
    /// (`trace_kprobe_multi`).
    AttachType(String),
}

impl fmt::Display for KernelTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Function(name) => write!(f, "function `{name}`"),
            Self::Syscall(name) => write!(f, "syscall `{name}`"),
            Self::Tracepoint { category, name } => write!(f, "tracepoint `{category}/{name}`"),
            Self::RawTracepoint(name) => write!(f, "raw tracepoint `{name}`"),
            Self::BtfFunction(name) => write!(f, "function `{name}` in its BTF"),
            Self::LsmHook(name) => write!(f, "LSM hook `{name}`"),
            Self::Iterator(name) => write!(f, "BPF iterator `{name}`"),
            Self::Kfunc(name) => write!(f, "kfunc `{name}`"),
            Self::Ksym(name) => write!(f, "kernel symbol `{name}`"),
            Self::ProgramType(name) => write!(f, "program type `{name}`"),
            Self::AttachType(name) => write!(f, "attach type `{name}`"),
        }
    }
}

/// A program `load()` skipped (left unloaded, its autoload off) because
/// the running kernel lacks what it needs: it was marked optional in the
/// build script (`SkeletonBuilder::optional_programs`). Everything else
/// of the object loaded; `attach()` leaves the program alone.
/// `Display` says which program and what it lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkippedProgram {
    /// The program's name.
    pub name: &'static str,
    /// Its section.
    pub section: String,
    /// What the running kernel lacks, at least one.
    pub missing: Vec<KernelTarget>,
}

impl fmt::Display for SkippedProgram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "program `{}` (section `{}`) skipped: the running kernel has no {}",
            self.name,
            self.section,
            list(&self.missing)
        )
    }
}

/// A required program that needs what the running kernel lacks (see
/// [`Error::KernelLacksTargets`](crate::Error::KernelLacksTargets)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MissingTargets {
    /// The program's name.
    pub program: &'static str,
    /// Its section.
    pub section: String,
    /// What the running kernel lacks, at least one.
    pub missing: Vec<KernelTarget>,
}

impl MissingTargets {
    /// Every program, for messages: `program `a` (section `...`) needs
    /// ...; program `b` ...`.
    pub(crate) fn list(programs: &[MissingTargets]) -> String {
        programs
            .iter()
            .map(|p| {
                format!(
                    "program `{}` (section `{}`) needs {}",
                    p.program,
                    p.section,
                    list(&p.missing)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn list(targets: &[KernelTarget]) -> String {
    let items: Vec<String> = targets.iter().map(ToString::to_string).collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}
