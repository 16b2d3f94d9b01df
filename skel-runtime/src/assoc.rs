//! Associating programs with a struct_ops map (`BPF_PROG_ASSOC_STRUCT_OPS`,
//! libbpf 1.7's `bpf_program__assoc_struct_ops`).
//!
//! The kernel associates a struct_ops program with its map when the map is
//! registered. Other programs of the object (syscall programs, tracing
//! programs, timers' callbacks) run outside any struct_ops callback; kfuncs
//! that act on "this scheduler" (sched_ext sub-schedulers) find theirs
//! through the association. The kernel allows one struct_ops map per
//! program, for the program's life: associating it again with the same map
//! does nothing, with another fails with `EBUSY`.
//!
//! sched_ext's C loaders do it for every program in `SCX_OPS_LOAD`
//! (`tools/sched_ext/include/scx/compat.h`): after load, each program that
//! is not a struct_ops program is associated with the scheduler's map, and
//! a failure is printed, not fatal. A skeleton with exactly one struct_ops
//! map does the same in `load()` and keeps what happened, as a
//! [`StructOpsAssociation`] (`skel.struct_ops_association()`). On kernels
//! without the command (Linux 6.18 has none; the 7.2 of the sched_ext VM
//! test has it) nothing is tried, and the record says so.

use std::fmt;
use std::os::fd::RawFd;
use std::ptr::NonNull;

use libbpf_sys::{bpf_map, bpf_program};

use crate::errno::Errno;
use crate::kernel_btf::KernelBtf;

/// What `load()` did to associate the object's programs with its
/// struct_ops map (skeletons with exactly one struct_ops map; see
/// [`LoadedProgram::assoc_struct_ops`](crate::LoadedProgram::assoc_struct_ops)
/// for the call itself). Nothing here is an error: like sched_ext's
/// `SCX_OPS_LOAD`, load goes on whatever the kernel said. `Display` says
/// what happened in one line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StructOpsAssociation {
    /// The struct_ops map.
    pub map: &'static str,
    /// Whether the map was created at load; if not (its autocreate was
    /// off), nothing was tried.
    pub map_created: bool,
    /// Whether the running kernel can associate programs with struct_ops
    /// maps (it has `BPF_PROG_ASSOC_STRUCT_OPS`); if not, nothing was
    /// tried.
    pub supported: bool,
    /// The programs associated with the map: every loaded program that is
    /// not a struct_ops program, unless it failed.
    pub associated: Vec<&'static str>,
    /// The programs the kernel refused, with its errno.
    pub failed: Vec<(&'static str, Errno)>,
}

impl StructOpsAssociation {
    /// Were all programs that could be associated associated (also when
    /// there were none), with nothing refused?
    pub fn is_complete(&self) -> bool {
        self.map_created && self.supported && self.failed.is_empty()
    }
}

impl fmt::Display for StructOpsAssociation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let map = self.map;
        if !self.map_created {
            return write!(
                f,
                "no program associated with struct_ops map `{map}`: it was not created (its \
                 autocreate was off)"
            );
        }
        if !self.supported {
            return write!(
                f,
                "no program associated with struct_ops map `{map}`: the running kernel cannot \
                 associate programs with struct_ops maps (it has no BPF_PROG_ASSOC_STRUCT_OPS)"
            );
        }
        match self.associated.as_slice() {
            [] => write!(f, "no program to associate with struct_ops map `{map}`")?,
            names => write!(
                f,
                "program{} {} associated with struct_ops map `{map}`",
                if names.len() == 1 { "" } else { "s" },
                quoted(names)
            )?,
        }
        for (program, errno) in &self.failed {
            write!(f, "; program `{program}` refused: {errno}")?;
        }
        Ok(())
    }
}

/// What [`LoadedProgram::assoc_struct_ops`](crate::LoadedProgram::assoc_struct_ops)
/// did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AssocOutcome {
    /// The kernel associated the program with the map (or it already
    /// was).
    Associated,
    /// The running kernel cannot associate programs with struct_ops maps
    /// (no `BPF_PROG_ASSOC_STRUCT_OPS`): nothing was done.
    Unsupported,
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Does the running kernel have `BPF_PROG_ASSOC_STRUCT_OPS`? Asked of its
/// BTF (`enum bpf_cmd`); without BTF it has no struct_ops either.
pub(crate) fn kernel_supports() -> bool {
    KernelBtf::get().is_ok_and(|k| {
        k.enum_value("bpf_cmd", "BPF_PROG_ASSOC_STRUCT_OPS")
            .is_some()
    })
}

/// Is `prog` a struct_ops program (which the kernel associates itself)?
pub(crate) fn is_struct_ops_program(prog: NonNull<bpf_program>) -> bool {
    // SAFETY: a live program; reads its type.
    unsafe { libbpf_sys::bpf_program__type(prog.as_ptr()) == libbpf_sys::BPF_PROG_TYPE_STRUCT_OPS }
}

/// `BPF_PROG_ASSOC_STRUCT_OPS` on two file descriptors.
pub(crate) fn associate(prog_fd: RawFd, map_fd: RawFd) -> Result<(), Errno> {
    // SAFETY: plain fds; no options (null is allowed).
    let ret =
        unsafe { libbpf_sys::bpf_prog_assoc_struct_ops(prog_fd, map_fd, std::ptr::null_mut()) };
    if ret < 0 {
        Err(Errno::new(ret))
    } else {
        Ok(())
    }
}

/// After load: associates every loaded program of `progs` (name and
/// pointer) that is not a struct_ops program with struct_ops map `map`,
/// as sched_ext's `SCX_OPS_LOAD` does.
pub(crate) fn associate_all(
    map_name: &'static str,
    map: NonNull<bpf_map>,
    progs: impl Iterator<Item = (&'static str, NonNull<bpf_program>)>,
) -> StructOpsAssociation {
    let mut out = StructOpsAssociation {
        map: map_name,
        map_created: crate::libbpf::map_created(map),
        supported: false,
        associated: vec![],
        failed: vec![],
    };
    if !out.map_created {
        return out;
    }
    out.supported = kernel_supports();
    if !out.supported {
        return out;
    }
    // SAFETY: a live, created map.
    let map_fd = unsafe { libbpf_sys::bpf_map__fd(map.as_ptr()) };
    for (name, prog) in progs {
        // SAFETY: a live program of the loaded object.
        let fd = unsafe { libbpf_sys::bpf_program__fd(prog.as_ptr()) };
        if fd < 0 || is_struct_ops_program(prog) {
            continue;
        }
        match associate(fd, map_fd) {
            Ok(()) => out.associated.push(name),
            Err(errno) => out.failed.push((name, errno)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> StructOpsAssociation {
        StructOpsAssociation {
            map: "ops",
            map_created: true,
            supported: true,
            associated: vec![],
            failed: vec![],
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri's strerror_r shim words errors differently")]
    fn says_what_was_done_in_one_line() {
        let mut r = record();
        assert_eq!(
            r.to_string(),
            "no program to associate with struct_ops map `ops`"
        );
        assert!(r.is_complete());
        r.associated = vec!["a", "b"];
        assert_eq!(
            r.to_string(),
            "programs `a`, `b` associated with struct_ops map `ops`"
        );
        r.associated = vec!["a"];
        r.failed = vec![("c", Errno::new(libc::EBUSY))];
        assert_eq!(
            r.to_string(),
            "program `a` associated with struct_ops map `ops`; program `c` refused: EBUSY (16): \
             Device or resource busy"
        );
        assert!(!r.is_complete());
        let mut r = record();
        r.supported = false;
        assert!(r.to_string().contains("has no BPF_PROG_ASSOC_STRUCT_OPS"));
        assert!(!r.is_complete());
        let mut r = record();
        r.map_created = false;
        assert!(r.to_string().contains("it was not created"));
    }
}
