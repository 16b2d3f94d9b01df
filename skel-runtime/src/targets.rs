//! What a program needs from the running kernel, and whether the kernel
//! has it: the target its section names, the kfuncs its code calls, its
//! program and attach types. `load()` asks before libbpf loads anything:
//! an optional program that needs something the kernel lacks is skipped
//! (see [`SkippedProgram`]), a required one fails the load
//! ([`Error::KernelLacksTargets`](crate::Error::KernelLacksTargets)).
//!
//! # Targets by section
//!
//! The section is read as libbpf's section table reads it:
//!
//! | section | target | checked in |
//! |---|---|---|
//! | `kprobe/<fn>[+<off>]`, `kretprobe/<fn>` | function `<fn>` | BTF, else `/proc/kallsyms` |
//! | `kprobe.multi/<fn>`, `kretprobe.multi/`, `kprobe.session/` | function `<fn>` (no check for patterns with `*`/`?`) | as above |
//! | `ksyscall/<name>`, `kretsyscall/<name>` | syscall `<name>` (`__x64_sys_<name>` or `sys_<name>`) | as above |
//! | `tracepoint/<cat>/<name>`, `tp/<cat>/<name>` | tracepoint | tracefs `events/<cat>/<name>` |
//! | `raw_tracepoint/<name>`, `raw_tp/`, `.w` variants, `tp_btf/<name>` | raw tracepoint | BTF `btf_trace_<name>` typedef |
//! | `fentry/[<module>:]<fn>`, `fexit/`, `fmod_ret/`, `fsession/`, `.s` variants | function `<fn>` | BTF |
//! | `lsm/<hook>`, `lsm.s/`, `lsm_cgroup/` | LSM hook (`bpf_lsm_<hook>`) | BTF |
//! | `iter/<name>`, `iter.s/` | iterator (`bpf_iter_<name>`) | BTF |
//!
//! Kprobes, syscalls, tracepoints and raw tracepoints are targets of the
//! attach, not of the load: they are checked only for programs whose
//! autoattach is on (a program attached by hand may go elsewhere). The
//! rest are needed at load and always checked, as are the kfuncs and
//! typed ksyms the program's code calls without `__weak` (found by the
//! builder), and its program type and expected attach type when they are
//! newer than Linux 5.4's (older ones exist on every kernel that has BTF).
//!
//! What cannot be told (no kernel BTF, tracefs not mounted,
//! `/proc/kallsyms` unreadable) counts as present: libbpf and the kernel
//! then decide, as without the check.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::kernel_btf::KernelBtf;

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
fn list(targets: &[KernelTarget]) -> String {
    let items: Vec<String> = targets.iter().map(ToString::to_string).collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// When a target matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum When {
    /// libbpf or the kernel needs it to load the program.
    Load,
    /// Only attaching by the section needs it (autoattach on).
    Attach,
}

/// The target a program's section names, if any, and when it matters.
pub(crate) fn section_target(section: &str) -> Option<(KernelTarget, When)> {
    let section = section.strip_prefix('?').unwrap_or(section);
    let (kind, rest) = section.split_once('/')?;
    if rest.is_empty() {
        return None;
    }
    let ident_ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    };
    let target = match kind {
        "kprobe" | "kretprobe" => {
            // `<fn>+<offset>`: the function is before the `+`.
            let name = rest.split_once('+').map_or(rest, |(f, _)| f);
            ident_ok(name).then(|| (KernelTarget::Function(name.to_owned()), When::Attach))?
        }
        "kprobe.multi" | "kretprobe.multi" | "kprobe.session" => {
            // Patterns (`tcp_*`) and module-qualified names are left to
            // the attach.
            ident_ok(rest).then(|| (KernelTarget::Function(rest.to_owned()), When::Attach))?
        }
        "ksyscall" | "kretsyscall" => {
            ident_ok(rest).then(|| (KernelTarget::Syscall(rest.to_owned()), When::Attach))?
        }
        "tracepoint" | "tp" => {
            let (category, name) = rest.split_once('/')?;
            if category.is_empty() || name.is_empty() || name.contains('/') {
                return None;
            }
            (
                KernelTarget::Tracepoint {
                    category: category.to_owned(),
                    name: name.to_owned(),
                },
                When::Attach,
            )
        }
        "raw_tracepoint" | "raw_tp" | "raw_tracepoint.w" | "raw_tp.w" => {
            (KernelTarget::RawTracepoint(rest.to_owned()), When::Attach)
        }
        "tp_btf" => (KernelTarget::RawTracepoint(rest.to_owned()), When::Load),
        "fentry" | "fexit" | "fmod_ret" | "fsession" | "fentry.s" | "fexit.s" | "fmod_ret.s"
        | "fsession.s" => {
            // `<module>:<fn>`: libbpf looks in that module's BTF.
            let name = rest.rsplit_once(':').map_or(rest, |(_, f)| f);
            ident_ok(name).then(|| (KernelTarget::BtfFunction(name.to_owned()), When::Load))?
        }
        "lsm" | "lsm.s" | "lsm_cgroup" => (KernelTarget::LsmHook(rest.to_owned()), When::Load),
        "iter" | "iter.s" => (KernelTarget::Iterator(rest.to_owned()), When::Load),
        _ => return None,
    };
    Some(target)
}

/// The prefix of syscall functions on the target architecture
/// (`__x64_sys_openat`), as libbpf's `ksyscall` tries first.
fn syscall_prefix() -> Option<&'static str> {
    match std::env::consts::ARCH {
        "x86_64" => Some("__x64_"),
        "x86" => Some("__ia32_"),
        "aarch64" => Some("__arm64_"),
        "arm" => Some("__arm_"),
        "s390x" => Some("__s390x_"),
        "riscv64" => Some("__riscv_"),
        "powerpc" => Some("__powerpc_"),
        "powerpc64" => Some("__powerpc64_"),
        "mips" | "mips64" => Some("__mips_"),
        _ => None,
    }
}

/// Where the running kernel is asked: its BTF, `/proc/kallsyms` and
/// tracefs, each read on the first question that needs it. One per
/// `load()`.
pub(crate) struct Kernel<'k> {
    btf: Option<&'k KernelBtf>,
    kallsyms_path: PathBuf,
    /// Tracefs mount points, in the order libbpf tries them.
    tracefs: Vec<PathBuf>,
    /// The text symbols of `/proc/kallsyms`; `None` inside: unreadable.
    kallsyms: std::cell::OnceCell<Option<HashSet<String>>>,
}

impl<'k> Kernel<'k> {
    /// The running kernel (`btf`: its BTF, if readable).
    pub(crate) fn running(btf: Option<&'k KernelBtf>) -> Self {
        Kernel {
            btf,
            kallsyms_path: PathBuf::from("/proc/kallsyms"),
            tracefs: vec![
                PathBuf::from("/sys/kernel/tracing"),
                PathBuf::from("/sys/kernel/debug/tracing"),
            ],
            kallsyms: std::cell::OnceCell::new(),
        }
    }

    /// A kernel described by `btf`, a kallsyms file and tracefs roots
    /// (tests).
    #[cfg(test)]
    fn at(btf: Option<&'k KernelBtf>, kallsyms: &Path, tracefs: &[&Path]) -> Self {
        Kernel {
            btf,
            kallsyms_path: kallsyms.to_owned(),
            tracefs: tracefs.iter().map(|p| p.to_path_buf()).collect(),
            kallsyms: std::cell::OnceCell::new(),
        }
    }

    /// Does the kernel have `target`? `None`: it cannot be told.
    pub(crate) fn has(&self, target: &KernelTarget) -> Option<bool> {
        let btf = self.btf;
        match target {
            KernelTarget::Function(name) => self.has_text_symbol(&[name.as_str()]),
            KernelTarget::Syscall(name) => {
                let prefixed = syscall_prefix().map(|p| format!("{p}sys_{name}"));
                let plain = format!("sys_{name}");
                let mut names = vec![plain.as_str()];
                names.extend(prefixed.as_deref());
                self.has_text_symbol(&names)
            }
            KernelTarget::Tracepoint { category, name } => self.has_tracepoint(category, name),
            KernelTarget::RawTracepoint(name) => Some(btf?.has_raw_tracepoint(name)),
            KernelTarget::BtfFunction(name) => Some(btf?.has_function(name)),
            KernelTarget::LsmHook(name) => Some(btf?.has_function(&format!("bpf_lsm_{name}"))),
            KernelTarget::Iterator(name) => Some(btf?.has_function(&format!("bpf_iter_{name}"))),
            KernelTarget::Kfunc(name) => Some(btf?.has_kfunc(name)),
            KernelTarget::Ksym(name) => Some(btf?.has_ksym(name)),
            KernelTarget::ProgramType(name) => uapi_constant(
                btf?,
                "bpf_prog_type",
                "BPF_PROG_TYPE_UNSPEC",
                "BPF_PROG_TYPE_",
                name,
            ),
            KernelTarget::AttachType(name) => uapi_constant(
                btf?,
                "bpf_attach_type",
                "BPF_CGROUP_INET_INGRESS",
                "BPF_",
                name,
            ),
        }
    }

    /// Is one of `names` a function of the kernel: in its BTF, or a text
    /// symbol in `/proc/kallsyms` (static functions BTF leaves out)?
    fn has_text_symbol(&self, names: &[&str]) -> Option<bool> {
        if let Some(btf) = self.btf
            && names.iter().any(|n| btf.has_function(n))
        {
            return Some(true);
        }
        let symbols = self
            .kallsyms
            .get_or_init(|| read_kallsyms(&self.kallsyms_path))
            .as_ref()?;
        Some(names.iter().any(|n| symbols.contains(*n)))
    }

    /// Does tracefs list tracepoint `category/name`? `None` when tracefs
    /// is not mounted or not readable.
    fn has_tracepoint(&self, category: &str, name: &str) -> Option<bool> {
        let events = self
            .tracefs
            .iter()
            .map(|root| root.join("events"))
            .find(|events| std::fs::metadata(events).is_ok_and(|m| m.is_dir()))?;
        match std::fs::metadata(events.join(category).join(name)) {
            Ok(m) => Some(m.is_dir()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(false),
            Err(_) => None,
        }
    }
}

/// Does enum `enum_name` of the kernel have the constant `prefix` +
/// upper-cased `name` (how libbpf's names of program and attach types
/// map to the UAPI's, which libbpf's own tests check)? `None` when the
/// kernel's BTF lacks the enum (known by its constant `known`).
fn uapi_constant(
    btf: &KernelBtf,
    enum_name: &str,
    known: &str,
    prefix: &str,
    name: &str,
) -> Option<bool> {
    btf.enum_value(enum_name, known)?;
    let constant = format!("{prefix}{}", name.to_ascii_uppercase());
    Some(btf.enum_value(enum_name, &constant).is_some())
}

/// The names of the text symbols (`t`, `T`) in a kallsyms file; `None`
/// when it cannot be read. Module symbols (`name\t[module]`) included.
fn read_kallsyms(path: &Path) -> Option<HashSet<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let symbols: HashSet<String> = text
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_ascii_whitespace();
            let _address = fields.next()?;
            let kind = fields.next()?;
            let name = fields.next()?;
            matches!(kind, "t" | "T").then(|| name.to_owned())
        })
        .collect();
    // An empty file (no symbols at all) tells nothing.
    (!symbols.is_empty()).then_some(symbols)
}

#[cfg(test)]
mod tests {
    use skel_btf::BtfWriter;

    use super::*;

    fn target(section: &str) -> Option<(KernelTarget, When)> {
        section_target(section)
    }

    fn f(name: &str) -> KernelTarget {
        KernelTarget::Function(name.to_owned())
    }

    #[test]
    fn sections_name_their_targets_as_libbpf_reads_them() {
        use KernelTarget::*;
        use When::*;
        let s = |v: &str| v.to_owned();
        let cases: &[(&str, Option<(KernelTarget, When)>)] = &[
            ("kprobe/do_nanosleep", Some((f("do_nanosleep"), Attach))),
            (
                "kprobe/do_nanosleep+0x10",
                Some((f("do_nanosleep"), Attach)),
            ),
            (
                "kretprobe/tcp_v4_connect",
                Some((f("tcp_v4_connect"), Attach)),
            ),
            ("?kprobe/foo.isra.0", Some((f("foo.isra.0"), Attach))),
            ("kprobe", None),
            ("kprobe/", None),
            ("kprobe.multi/tcp_sendmsg", Some((f("tcp_sendmsg"), Attach))),
            ("kprobe.multi/tcp_*", None),
            ("kretprobe.multi/vfs_?ead", None),
            (
                "kprobe.session/bpf_fentry_test1",
                Some((f("bpf_fentry_test1"), Attach)),
            ),
            ("ksyscall/openat", Some((Syscall(s("openat")), Attach))),
            (
                "kretsyscall/nanosleep",
                Some((Syscall(s("nanosleep")), Attach)),
            ),
            (
                "tp/sched/sched_switch",
                Some((
                    Tracepoint {
                        category: s("sched"),
                        name: s("sched_switch"),
                    },
                    Attach,
                )),
            ),
            (
                "tracepoint/syscalls/sys_enter_openat",
                Some((
                    Tracepoint {
                        category: s("syscalls"),
                        name: s("sys_enter_openat"),
                    },
                    Attach,
                )),
            ),
            ("tp/sched", None),
            ("tp//x", None),
            ("tp/a/b/c", None),
            (
                "raw_tp/sys_enter",
                Some((RawTracepoint(s("sys_enter")), Attach)),
            ),
            (
                "raw_tracepoint/sched_switch",
                Some((RawTracepoint(s("sched_switch")), Attach)),
            ),
            (
                "raw_tp.w/bpf_test_finish",
                Some((RawTracepoint(s("bpf_test_finish")), Attach)),
            ),
            (
                "tp_btf/sched_switch",
                Some((RawTracepoint(s("sched_switch")), Load)),
            ),
            (
                "fentry/bpf_fentry_test1",
                Some((BtfFunction(s("bpf_fentry_test1")), Load)),
            ),
            (
                "fexit/do_unlinkat",
                Some((BtfFunction(s("do_unlinkat")), Load)),
            ),
            (
                "fmod_ret.s/bpf_modify_return_test",
                Some((BtfFunction(s("bpf_modify_return_test")), Load)),
            ),
            (
                "fentry/bpf_testmod:bpf_testmod_test_read",
                Some((BtfFunction(s("bpf_testmod_test_read")), Load)),
            ),
            ("fsession/foo", Some((BtfFunction(s("foo")), Load))),
            ("lsm/file_open", Some((LsmHook(s("file_open")), Load))),
            (
                "lsm.s/bprm_committed_creds",
                Some((LsmHook(s("bprm_committed_creds")), Load)),
            ),
            (
                "lsm_cgroup/socket_bind",
                Some((LsmHook(s("socket_bind")), Load)),
            ),
            ("iter/task", Some((Iterator(s("task")), Load))),
            (
                "iter.s/bpf_map_elem",
                Some((Iterator(s("bpf_map_elem")), Load)),
            ),
            // No kernel target: user space, other programs, or none named.
            ("uprobe/bin:func", None),
            ("usdt/lib:prov:name", None),
            ("freplace/handler", None),
            ("struct_ops/select_cpu", None),
            ("xdp", None),
            ("tc/ingress", None),
            ("syscall", None),
            ("kprobe.multi", None),
            ("", None),
            ("fentry/", None),
        ];
        for (section, want) in cases {
            assert_eq!(&target(section), want, "section `{section}`");
        }
    }

    fn btf() -> KernelBtf {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let proto = w.func_proto(int, &[]);
        w.func("do_nanosleep", proto);
        w.func("bpf_lsm_file_open", proto);
        w.func("bpf_iter_task", proto);
        w.func("__x64_sys_openat", proto);
        let kf = w.func("bpf_rcu_read_lock", proto);
        w.decl_tag("bpf_kfunc", kf, -1);
        w.var("runqueues", int);
        let ptr = w.ptr(proto);
        w.typedef("btf_trace_sched_switch", ptr);
        w.enum_(
            "bpf_prog_type",
            4,
            false,
            &[("BPF_PROG_TYPE_UNSPEC", 0), ("BPF_PROG_TYPE_SYSCALL", 31)],
        );
        w.enum_(
            "bpf_attach_type",
            4,
            false,
            &[
                ("BPF_CGROUP_INET_INGRESS", 0),
                ("BPF_TRACE_KPROBE_MULTI", 42),
            ],
        );
        KernelBtf::from_bytes(w.bytes(), None).unwrap()
    }

    /// A kallsyms file and a tracefs tree in a fresh directory.
    fn fake_kernel(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("skel-targets-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tracing/events/sched/sched_switch")).unwrap();
        std::fs::write(
            dir.join("kallsyms"),
            "ffffffff81000000 T _stext\n\
             ffffffff81001000 t static_only_fn\n\
             ffffffff81002000 D some_data\n\
             ffffffffc0000000 t mod_fn\t[my_mod]\n",
        )
        .unwrap();
        dir
    }

    #[test]
    fn targets_are_checked_against_btf_kallsyms_and_tracefs() {
        use KernelTarget::*;
        let dir = fake_kernel("check");
        let btf = btf();
        let tracefs = dir.join("tracing");
        let k = Kernel::at(Some(&btf), &dir.join("kallsyms"), &[&tracefs]);
        let s = |v: &str| v.to_owned();
        let cases = [
            (f("do_nanosleep"), Some(true)),
            (f("static_only_fn"), Some(true)),
            (f("mod_fn"), Some(true)),
            (f("some_data"), Some(false)),
            (f("skel_no_such_function"), Some(false)),
            (Syscall(s("openat")), Some(true)),
            (Syscall(s("no_such_syscall")), Some(false)),
            (
                Tracepoint {
                    category: s("sched"),
                    name: s("sched_switch"),
                },
                Some(true),
            ),
            (
                Tracepoint {
                    category: s("sched"),
                    name: s("nope"),
                },
                Some(false),
            ),
            (
                Tracepoint {
                    category: s("nope"),
                    name: s("nope"),
                },
                Some(false),
            ),
            (RawTracepoint(s("sched_switch")), Some(true)),
            (RawTracepoint(s("nope")), Some(false)),
            (BtfFunction(s("do_nanosleep")), Some(true)),
            (BtfFunction(s("static_only_fn")), Some(false)),
            (LsmHook(s("file_open")), Some(true)),
            (LsmHook(s("nope")), Some(false)),
            (Iterator(s("task")), Some(true)),
            (Iterator(s("nope")), Some(false)),
            (Kfunc(s("bpf_rcu_read_lock")), Some(true)),
            (Kfunc(s("do_nanosleep")), Some(false)),
            (Ksym(s("runqueues")), Some(true)),
            (Ksym(s("nope")), Some(false)),
            (ProgramType(s("syscall")), Some(true)),
            (ProgramType(s("netfilter")), Some(false)),
            (AttachType(s("trace_kprobe_multi")), Some(true)),
            (AttachType(s("trace_uprobe_multi")), Some(false)),
        ];
        for (t, want) in cases {
            assert_eq!(k.has(&t), want, "{t}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn what_cannot_be_told_is_none() {
        use KernelTarget::*;
        let dir = fake_kernel("unknown");
        // No BTF, no kallsyms, no tracefs mounted (a mount point without
        // `events`).
        let empty = dir.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let k = Kernel::at(None, &dir.join("no-kallsyms"), &[&empty]);
        let s = |v: &str| v.to_owned();
        for t in [
            f("do_nanosleep"),
            Syscall(s("openat")),
            Tracepoint {
                category: s("sched"),
                name: s("sched_switch"),
            },
            RawTracepoint(s("x")),
            BtfFunction(s("x")),
            LsmHook(s("x")),
            Iterator(s("x")),
            Kfunc(s("x")),
            Ksym(s("x")),
            ProgramType(s("x")),
            AttachType(s("x")),
        ] {
            assert_eq!(k.has(&t), None, "{t}");
        }
        // A BTF without the UAPI enums cannot tell types either.
        let mut w = BtfWriter::new();
        w.int("int", 4, true);
        let bare = KernelBtf::from_bytes(w.bytes(), None).unwrap();
        let k = Kernel::at(Some(&bare), &dir.join("kallsyms"), &[]);
        assert_eq!(k.has(&ProgramType(s("xdp"))), None);
        // ... and a function BTF lacks is looked up in kallsyms.
        assert_eq!(k.has(&f("static_only_fn")), Some(true));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn messages_name_every_missing_target() {
        let skipped = SkippedProgram {
            name: "on_open",
            section: "kprobe/nope".to_owned(),
            missing: vec![f("nope"), KernelTarget::Kfunc("bpf_x".to_owned())],
        };
        assert_eq!(
            skipped.to_string(),
            "program `on_open` (section `kprobe/nope`) skipped: the running kernel has no \
             function `nope` and kfunc `bpf_x`"
        );
        let three = [f("a"), f("b"), f("c")];
        assert_eq!(list(&three), "function `a`, function `b` and function `c`");
        let missing = [
            MissingTargets {
                program: "a",
                section: "tp/x/y".to_owned(),
                missing: vec![KernelTarget::Tracepoint {
                    category: "x".to_owned(),
                    name: "y".to_owned(),
                }],
            },
            MissingTargets {
                program: "b",
                section: "lsm/z".to_owned(),
                missing: vec![KernelTarget::LsmHook("z".to_owned())],
            },
        ];
        assert_eq!(
            MissingTargets::list(&missing),
            "program `a` (section `tp/x/y`) needs tracepoint `x/y`; program `b` (section \
             `lsm/z`) needs LSM hook `z`"
        );
    }
}
