//! What the kernel's test run of each program type passes and gives back.

use std::ffi::CStr;
use std::os::fd::BorrowedFd;

use libbpf_sys as sys;

use crate::errno::Errno;

/// What a test run of a program type passes and gives back.
pub(super) struct ProgKind {
    pub(super) prog_type: sys::bpf_prog_type,
    pub(super) ctx: CtxFlow,
    /// Does the kernel time the runs?
    pub(super) timed: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum CtxFlow {
    /// The kernel reads `ctx_in` and writes its context to `ctx_out`.
    Out,
    /// The kernel copies the program's context back into `ctx_in`
    /// (`syscall`), and refuses a `ctx_out`.
    InPlace,
    /// The kernel only reads `ctx_in`, and refuses a `ctx_out`.
    InOnly,
}

impl ProgKind {
    /// Asks the kernel for the program's type.
    pub(super) fn of(prog: BorrowedFd<'_>) -> std::result::Result<ProgKind, Errno> {
        let prog_type = crate::program::prog_info(prog)?.type_;
        let (ctx, timed) = match prog_type {
            sys::BPF_PROG_TYPE_SYSCALL => (CtxFlow::InPlace, false),
            sys::BPF_PROG_TYPE_RAW_TRACEPOINT
            | sys::BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE
            | sys::BPF_PROG_TYPE_TRACING
            | sys::BPF_PROG_TYPE_STRUCT_OPS => (CtxFlow::InOnly, false),
            _ => (CtxFlow::Out, true),
        };
        Ok(ProgKind {
            prog_type,
            ctx,
            timed,
        })
    }

    pub(super) fn type_name(&self) -> String {
        type_name(self.prog_type)
    }
}

/// libbpf's name of a program type (`xdp`, `sched_cls`, `syscall`).
pub(super) fn type_name(prog_type: sys::bpf_prog_type) -> String {
    // SAFETY: libbpf returns null or a static NUL-terminated string.
    let name = unsafe { sys::libbpf_bpf_prog_type_str(prog_type) };
    if name.is_null() {
        return format!("type-{prog_type}");
    }
    // SAFETY: non-null, static and NUL-terminated (above).
    let name = unsafe { CStr::from_ptr(name) };
    name.to_string_lossy().into_owned()
}
