//! Calling `SEC("syscall")` programs with their context struct.

use std::os::fd::BorrowedFd;

use libbpf_sys as sys;

use crate::error::Result;
use crate::plain::Plain;

use super::TestRun;

/// A `SEC("syscall")` program's run: `ctx` is copied in, the program reads
/// and writes it, and the kernel copies it back into `ctx`; the result is
/// the program's return value (its C `int`).
///
/// This is how sched_ext schedulers call their set-up programs:
///
/// ```no_run
/// # #[derive(Clone, Copy, Default)] #[repr(C)] struct arena_init_args { static_pages: u64, ret: i32, _p: u32 }
/// # unsafe impl skel_runtime::Plain for arena_init_args {}
/// # fn f(prog: skel_runtime::LoadedProgram<'_>) -> skel_runtime::Result<()> {
/// let mut args = arena_init_args { static_pages: 16, ..Default::default() };
/// let fd = prog.fd().expect("loaded");
/// let ret = skel_runtime::run_syscall(fd, prog.name(), &mut args)?;
/// assert_eq!(ret, 0);
/// println!("the program answered {}", args.ret);
/// # Ok(()) }
/// ```
///
/// A program of another type is an error (run it with [`TestRun`](crate::TestRun)), as is a
/// context smaller than what the program reads (`EINVAL`).
pub fn run_syscall<C: Plain>(prog: BorrowedFd<'_>, name: &str, ctx: &mut C) -> Result<i32> {
    let mut run = TestRun::new(prog, name).ctx(*ctx);
    run.require = Some(sys::BPF_PROG_TYPE_SYSCALL);
    let out = run.run()?;
    if let Some(back) = out.ctx {
        *ctx = back;
    }
    Ok(out.retval as i32)
}

/// A loaded `SEC("syscall")` program whose one parameter points to a
/// struct, typed by that struct: what a skeleton's
/// `skel.progs().<name>()` returns for it. [`run`](Self::run) takes the
/// generated type of the struct and nothing else, so a wrong context does
/// not compile:
///
/// ```no_run
/// # #[derive(Clone, Copy, Default)] #[repr(C)] struct scale_args { value: u32, factor: u32, result: u64 }
/// # unsafe impl skel_runtime::Plain for scale_args {}
/// # fn f(prog: skel_runtime::SyscallProgram<'_, scale_args>) -> skel_runtime::Result<()> {
/// // prog: skel.progs().scale() of the loaded skeleton
/// let mut args = scale_args { value: 21, factor: 2, ..Default::default() };
/// let ret = prog.run(&mut args)?; // the program's `int`
/// assert_eq!((ret, args.result), (0, 42));
/// # Ok(()) }
/// ```
///
/// It dereferences to [`LoadedProgram`](crate::LoadedProgram) for the
/// program's fd, id and name. Syscall programs without such a parameter
/// (`void *ctx`, no parameter, several) get a plain `LoadedProgram`: call
/// them with [`LoadedProgram::run_syscall`](crate::LoadedProgram::run_syscall)
/// and any [`Plain`](crate::Plain) context (bytes: `&mut [u8; N]`), or
/// [`LoadedProgram::test_run`](crate::LoadedProgram::test_run) without one.
///
/// `Send` and `Sync`, as `LoadedProgram` is.
pub struct SyscallProgram<'a, C> {
    prog: crate::LoadedProgram<'a>,
    ctx: std::marker::PhantomData<fn(&mut C)>,
}

impl<'a, C: Plain> SyscallProgram<'a, C> {
    /// Types `prog` with context `C`: for generated skeletons, which know
    /// the program's parameter from its BTF.
    #[doc(hidden)]
    #[inline]
    pub fn __new(prog: crate::LoadedProgram<'a>) -> Self {
        SyscallProgram {
            prog,
            ctx: std::marker::PhantomData,
        }
    }

    /// Runs the program once (`BPF_PROG_TEST_RUN`) with context `ctx`: the
    /// kernel copies it in, the program reads and writes it, and the
    /// kernel copies it back into `ctx`. Returns the program's return
    /// value (its C `int`).
    ///
    /// Errors: the program was not loaded (autoload off, or skipped as
    /// optional), or the kernel refused the run ([`Error::TestRun`](crate::Error::TestRun), with
    /// its errno through [`Error::raw_os_error`](crate::Error::raw_os_error)).
    pub fn run(&self, ctx: &mut C) -> Result<i32> {
        self.prog.run_syscall(ctx)
    }

    /// The untyped program.
    #[inline]
    pub fn program(&self) -> crate::LoadedProgram<'a> {
        self.prog
    }
}

impl<'a, C> std::ops::Deref for SyscallProgram<'a, C> {
    type Target = crate::LoadedProgram<'a>;

    #[inline]
    fn deref(&self) -> &Self::Target {
        &self.prog
    }
}

impl<C> Clone for SyscallProgram<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for SyscallProgram<'_, C> {}

impl<C> std::fmt::Debug for SyscallProgram<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyscallProgram")
            .field("program", &self.prog)
            .field("ctx", &std::any::type_name::<C>())
            .finish()
    }
}
