//! Programs: [`Program`], the token a struct_ops slot holds; the settings
//! of an open program ([`OpenProgramMut`]); a loaded program
//! ([`LoadedProgram`], [`LoadedProgramMut`]).

use std::ffi::CStr;
use std::fmt;
use std::marker::{PhantomData, PhantomPinned};
use std::os::fd::{BorrowedFd, RawFd};
use std::ptr::NonNull;

use libbpf_sys::bpf_program;

use crate::errno::Errno;
use crate::error::{Error, Result};

/// A BPF program of a skeleton, as a token for struct_ops slots:
/// `open.progs().<name>()`.
///
/// `&Program` has the same bits as libbpf's `struct bpf_program *`, so
/// `Option<&'obj Program<'obj>>` is exactly what a struct_ops shadow's
/// function-pointer slot holds. It is an opaque, zero-sized type, only
/// handed out by skeletons; the program behind it lives as long as the
/// skeleton's object, which outlives `'obj`. `'obj` is invariant: a token
/// cannot be passed off as one of a skeleton that lives for a different
/// time (the owned form's `with` closures rely on it: a token of another
/// object does not fit a slot there).
///
/// A token outlives the borrow it came from (it is `'obj`, not tied to
/// `open.progs()`), so it only tells what never changes after open: the
/// program's name and section. Settings are on the exclusive handle
/// (`open.progs_mut().<name>()`), the file descriptor and id on the loaded
/// program (`skel.progs().<name>()`). `Send` and `Sync` for that reason.
#[repr(C)]
pub struct Program<'obj> {
    _opaque: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned, crate::Brand<'obj>)>,
}

/// A struct_ops program slot: what a function-pointer member of a shadow
/// holds.
///
/// `None` leaves the kernel's callback empty; `Some(open.progs().<name>())`
/// puts a struct_ops program of the same skeleton there (a program of any
/// other object fails the load, naming the map and member). At load, each
/// struct_ops program is loaded exactly when a slot of a map that will be
/// created holds it, so swapped-out and cleared callbacks are not loaded
/// and need no `set_autoload` calls.
///
/// It has the bits of libbpf's `struct bpf_program *` (checked at compile
/// time), so a shadow's slots are read by libbpf as they are.
pub type Slot<'obj> = Option<&'obj Program<'obj>>;

// SAFETY: a token's methods read only the program's name and section,
// which libbpf sets at open and never changes; nothing else is reachable
// through it in safe code.
unsafe impl Send for Program<'_> {}
// SAFETY: as above.
unsafe impl Sync for Program<'_> {}

const _: () = {
    assert!(std::mem::size_of::<Option<&Program<'_>>>() == std::mem::size_of::<*mut bpf_program>());
    assert!(
        std::mem::align_of::<Option<&Program<'_>>>() == std::mem::align_of::<*mut bpf_program>()
    );
    assert!(std::mem::size_of::<Program<'_>>() == 0);
};

/// A program's name, from libbpf.
fn name_of(ptr: *const bpf_program) -> &'static str {
    // SAFETY: a live program (callers' invariant); libbpf returns its
    // NUL-terminated name, which lives as long as the program and never
    // changes. The `'static` is cut to the caller's borrow.
    let name = unsafe { CStr::from_ptr(libbpf_sys::bpf_program__name(ptr)) };
    name.to_str().unwrap_or("<non-UTF-8 name>")
}

fn section_of(ptr: *const bpf_program) -> &'static str {
    // SAFETY: as in `name_of`.
    let name = unsafe { CStr::from_ptr(libbpf_sys::bpf_program__section_name(ptr)) };
    name.to_str().unwrap_or("<non-UTF-8 section>")
}

impl<'obj> Program<'obj> {
    /// # Safety
    ///
    /// `ptr` must point to a `bpf_program` that stays alive for `'obj`.
    pub(crate) unsafe fn from_ptr(ptr: *mut bpf_program) -> &'obj Program<'obj> {
        // SAFETY: non-null per the caller; `Program` is zero-sized.
        unsafe { &*(ptr as *const Program<'obj>) }
    }

    /// The `struct bpf_program *` behind this token.
    pub fn as_ptr(&self) -> *mut bpf_program {
        self as *const Program<'_> as *mut bpf_program
    }

    /// The program's name (its C function name).
    pub fn name(&self) -> &str {
        name_of(self.as_ptr())
    }

    /// The ELF section it came from, `SEC("...")` as written.
    pub fn section(&self) -> &str {
        section_of(self.as_ptr())
    }
}

impl PartialEq for Program<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Program<'_> {}

impl fmt::Debug for Program<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Program({})", self.name())
    }
}

/// What a program setter failed with.
fn check(program: &str, op: &'static str, ret: i32) -> Result<()> {
    if ret == 0 {
        Ok(())
    } else {
        Err(Error::ProgramOp {
            program: program.to_owned(),
            op,
            errno: Errno::new(ret),
        })
    }
}

/// A program of an open skeleton, to change its settings:
/// `open.progs_mut().<name>()`.
///
/// Neither `Send` nor `Sync`: it stays on the thread that borrowed the
/// skeleton exclusively, so no other thread reads a setting it changes
/// (move the skeleton, or `progs_mut()`, instead).
pub struct OpenProgramMut<'a> {
    ptr: NonNull<bpf_program>,
    name: &'static str,
    _exclusive: PhantomData<&'a mut bpf_program>,
}

impl<'a> OpenProgramMut<'a> {
    /// # Safety
    ///
    /// `ptr` must be a program of an open object that lives for `'a`,
    /// held exclusively for `'a`.
    pub(crate) unsafe fn new(ptr: NonNull<bpf_program>, name: &'static str) -> Self {
        OpenProgramMut {
            ptr,
            name,
            _exclusive: PhantomData,
        }
    }

    fn raw(&self) -> *mut bpf_program {
        self.ptr.as_ptr()
    }

    /// The program's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its section, `SEC("...")` as written.
    pub fn section(&self) -> &str {
        section_of(self.raw())
    }

    /// Will load load it? (For struct_ops programs, load decides from the
    /// slots; see [`Slot`].)
    pub fn autoload(&self) -> bool {
        // SAFETY: a live program held exclusively; getters only read.
        unsafe { libbpf_sys::bpf_program__autoload(self.raw()) }
    }

    /// Loads it at load, or not. A struct_ops program that sits in a slot
    /// must stay loaded (load fails naming the slot otherwise).
    pub fn set_autoload(&mut self, on: bool) -> Result<()> {
        // SAFETY: a live program of an open object, held exclusively.
        let ret = unsafe { libbpf_sys::bpf_program__set_autoload(self.raw(), on) };
        check(self.name, "set autoload", ret)
    }

    /// Will `attach()` attach it (when its section names a target)?
    pub fn autoattach(&self) -> bool {
        // SAFETY: as in `autoload`.
        unsafe { libbpf_sys::bpf_program__autoattach(self.raw()) }
    }

    /// Lets `attach()` attach it, or not.
    pub fn set_autoattach(&mut self, on: bool) {
        // SAFETY: as in `set_autoload`.
        unsafe { libbpf_sys::bpf_program__set_autoattach(self.raw(), on) }
    }

    /// The verifier's log level for this program at load (0 to 2).
    pub fn set_log_level(&mut self, level: u32) -> Result<()> {
        // SAFETY: as in `set_autoload`.
        let ret = unsafe { libbpf_sys::bpf_program__set_log_level(self.raw(), level) };
        check(self.name, "set log level", ret)
    }

    /// The token of this program, for struct_ops slots.
    pub fn token(&self) -> &'a Program<'a> {
        // SAFETY: the program lives for 'a.
        unsafe { Program::from_ptr(self.raw()) }
    }

    /// libbpf-rs's exclusive handle, for settings not wrapped here
    /// (attach target, program type, flags).
    #[cfg(feature = "libbpf-rs")]
    #[cfg_attr(docsrs, doc(cfg(feature = "libbpf-rs")))]
    pub fn libbpf(&mut self) -> libbpf_rs::OpenProgramMut<'_> {
        // SAFETY: a live program, held exclusively for the returned borrow.
        libbpf_rs::OpenProgramMut::new_mut(unsafe { &mut *self.raw() })
    }
}

impl fmt::Debug for OpenProgramMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenProgramMut")
            .field("name", &self.name)
            .field("autoload", &self.autoload())
            .finish_non_exhaustive()
    }
}

/// A program of a loaded skeleton: `skel.progs().<name>()`.
///
/// `Send` and `Sync`: its methods read what libbpf set at load (file
/// descriptor, type), which nothing changes while the skeleton is
/// borrowed, or ask the kernel.
#[derive(Clone, Copy)]
pub struct LoadedProgram<'a> {
    ptr: NonNull<bpf_program>,
    name: &'static str,
    _borrow: PhantomData<&'a bpf_program>,
}

// SAFETY: see the type's docs.
unsafe impl Send for LoadedProgram<'_> {}
// SAFETY: as above.
unsafe impl Sync for LoadedProgram<'_> {}

impl<'a> LoadedProgram<'a> {
    /// # Safety
    ///
    /// `ptr` must be a program of a loaded object that lives for `'a`,
    /// whose libbpf state nobody changes during `'a`.
    pub(crate) unsafe fn new(ptr: NonNull<bpf_program>, name: &'static str) -> Self {
        LoadedProgram {
            ptr,
            name,
            _borrow: PhantomData,
        }
    }

    /// The program's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its section, `SEC("...")` as written.
    pub fn section(&self) -> &'a str {
        section_of(self.ptr.as_ptr())
    }

    /// Was it loaded? (Its autoload was on, or for struct_ops programs, a
    /// slot held it.)
    pub fn is_loaded(&self) -> bool {
        self.fd().is_some()
    }

    /// Its file descriptor; `None` when it was not loaded.
    pub fn fd(&self) -> Option<BorrowedFd<'a>> {
        // SAFETY: a live program; reads the fd libbpf set at load.
        let fd: RawFd = unsafe { libbpf_sys::bpf_program__fd(self.ptr.as_ptr()) };
        // SAFETY: libbpf owns the fd until the object closes, after 'a.
        (fd >= 0).then(|| unsafe { BorrowedFd::borrow_raw(fd) })
    }

    /// The kernel's id of the loaded program (what struct_ops map values
    /// read back from the kernel hold in their slots).
    pub fn id(&self) -> Option<u32> {
        prog_info(self.fd()?).ok().map(|info| info.id)
    }

    /// A test run of the program (`BPF_PROG_TEST_RUN`): data, context,
    /// repeat count, then `run()`; see [`TestRun`](crate::TestRun). An
    /// error for a program that was not loaded.
    pub fn test_run(&self) -> Result<crate::TestRun<'a>> {
        Ok(crate::TestRun::new(self.loaded_fd()?, self.name))
    }

    /// Runs a `SEC("syscall")` program once with context `ctx`, which the
    /// program may change, and returns its return value (what sched_ext
    /// loaders do with their `arena_init`-style programs). See
    /// [`run_syscall`](crate::run_syscall).
    pub fn run_syscall<C: crate::Plain>(&self, ctx: &mut C) -> Result<i32> {
        crate::run_syscall(self.loaded_fd()?, self.name, ctx)
    }

    /// Associates the program with struct_ops map `map`
    /// (`BPF_PROG_ASSOC_STRUCT_OPS`, libbpf 1.7's
    /// `bpf_program__assoc_struct_ops`): kfuncs that act on "this
    /// struct_ops" (sched_ext sub-schedulers) find it from programs that
    /// are not its callbacks (syscall, tracing, timer programs). The
    /// kernel allows one map per program for the program's life: the same
    /// map again does nothing, another fails with `EBUSY`.
    ///
    /// A skeleton with exactly one struct_ops map does this for every
    /// program at load (see
    /// [`StructOpsAssociation`](crate::StructOpsAssociation)). On a
    /// kernel without the command (Linux 6.18 has none; the 7.2 of the
    /// sched_ext VM test has it) nothing is done and the result is
    /// [`AssocOutcome::Unsupported`](crate::AssocOutcome), not an error. Errors: the program was not loaded, is a struct_ops
    /// program (the kernel associates those with their map itself), the
    /// map is not a created struct_ops map, or the kernel refused.
    ///
    /// ```no_run
    /// # fn f(skel: &skel_runtime::LoadedProgram<'_>, ops: &skel_runtime::MapHandle<'_>)
    /// # -> skel_runtime::Result<()> {
    /// // skel.progs().sub_sched_init().assoc_struct_ops(&skel.maps().ops())?
    /// let outcome = skel.assoc_struct_ops(ops)?;
    /// if outcome == skel_runtime::AssocOutcome::Unsupported {
    ///     eprintln!("this kernel cannot associate programs with struct_ops maps");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn assoc_struct_ops(&self, map: &crate::MapHandle<'_>) -> Result<crate::AssocOutcome> {
        let refuse = |errno: i32, hint: &'static str| Error::Associate {
            program: self.name.to_owned(),
            map: map.name().to_owned(),
            errno: Errno::new(errno),
            hint,
        };
        let fd = self.fd().ok_or_else(|| {
            refuse(
                libc::ENOENT,
                "\nhint: the program was not loaded (its autoload was off, or load skipped it)",
            )
        })?;
        if crate::assoc::is_struct_ops_program(self.ptr) {
            return Err(refuse(
                libc::EINVAL,
                "\nhint: it is a struct_ops program: the kernel associates those with their \
                 map when the map is registered",
            ));
        }
        if map.info().map_type != libbpf_sys::BPF_MAP_TYPE_STRUCT_OPS {
            return Err(refuse(
                libc::EINVAL,
                "\nhint: the map is not a struct_ops map",
            ));
        }
        map.ready("associate a program with it")?;
        if !crate::assoc::kernel_supports() {
            return Ok(crate::AssocOutcome::Unsupported);
        }
        use std::os::fd::AsRawFd as _;
        crate::assoc::associate(fd.as_raw_fd(), map.raw_fd()).map_err(|errno| {
            let hint = match errno.raw() {
                libc::EBUSY => {
                    "\nhint: the program is already associated with another struct_ops map; \
                     the kernel keeps one per program"
                }
                _ => "",
            };
            refuse(errno.raw(), hint)
        })?;
        Ok(crate::AssocOutcome::Associated)
    }

    fn loaded_fd(&self) -> Result<BorrowedFd<'a>> {
        self.fd().ok_or_else(|| Error::ProgramOp {
            program: self.name.to_owned(),
            op: "test run (it was not loaded: its autoload was off)",
            errno: Errno::new(libc::ENOENT),
        })
    }

    /// libbpf-rs's handle of the program.
    #[cfg(feature = "libbpf-rs")]
    #[cfg_attr(docsrs, doc(cfg(feature = "libbpf-rs")))]
    pub fn libbpf(&self) -> libbpf_rs::Program<'a> {
        // SAFETY: a live program for 'a, read through a shared handle.
        libbpf_rs::Program::new(unsafe { self.ptr.as_ref() })
    }
}

impl<'obj> PartialEq<&Program<'obj>> for LoadedProgram<'_> {
    /// Is this the program behind `token` (what a slot holds)?
    fn eq(&self, token: &&Program<'obj>) -> bool {
        self.ptr.as_ptr() == token.as_ptr()
    }
}

impl fmt::Debug for LoadedProgram<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedProgram")
            .field("name", &self.name)
            .field("fd", &self.fd())
            .finish_non_exhaustive()
    }
}

/// A program of a loaded skeleton, exclusively: `skel.progs_mut().<name>()`,
/// for libbpf-rs's attach calls (the `libbpf-rs` feature) with targets of
/// your own (an XDP interface, a kprobe's function, a uprobe's binary).
/// Links made that way are yours to keep; `skel.attach_<name>()` keeps its
/// link in `skel.links`.
///
/// Neither `Send` nor `Sync`, as [`OpenProgramMut`].
pub struct LoadedProgramMut<'a> {
    ptr: NonNull<bpf_program>,
    name: &'static str,
    _exclusive: PhantomData<&'a mut bpf_program>,
}

impl<'a> LoadedProgramMut<'a> {
    /// # Safety
    ///
    /// As for [`LoadedProgram::new`], held exclusively for `'a`.
    pub(crate) unsafe fn new(ptr: NonNull<bpf_program>, name: &'static str) -> Self {
        LoadedProgramMut {
            ptr,
            name,
            _exclusive: PhantomData,
        }
    }

    /// The shared view of the program.
    pub fn as_ref(&self) -> LoadedProgram<'_> {
        // SAFETY: a live program, read while `self` is borrowed.
        unsafe { LoadedProgram::new(self.ptr, self.name) }
    }

    /// Lets `attach()` attach it, or not.
    pub fn set_autoattach(&mut self, on: bool) {
        // SAFETY: a live program, held exclusively.
        unsafe { libbpf_sys::bpf_program__set_autoattach(self.ptr.as_ptr(), on) }
    }

    /// libbpf-rs's exclusive handle, with its `attach_*` calls.
    #[cfg(feature = "libbpf-rs")]
    #[cfg_attr(docsrs, doc(cfg(feature = "libbpf-rs")))]
    pub fn libbpf(&mut self) -> libbpf_rs::ProgramMut<'_> {
        // SAFETY: a live program, held exclusively for the returned borrow.
        libbpf_rs::ProgramMut::new_mut(unsafe { &mut *self.ptr.as_ptr() })
    }
}

impl fmt::Debug for LoadedProgramMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LoadedProgramMut")
            .field(&self.as_ref())
            .finish()
    }
}

/// The kernel's facts of loaded program `prog` (`bpf_prog_get_info_by_fd`,
/// no arrays).
pub(crate) fn prog_info(
    prog: BorrowedFd<'_>,
) -> std::result::Result<libbpf_sys::bpf_prog_info, Errno> {
    use std::os::fd::AsRawFd as _;
    let mut info = libbpf_sys::bpf_prog_info::default();
    let mut len = size_of::<libbpf_sys::bpf_prog_info>() as u32;
    // SAFETY: `info` is a writable bpf_prog_info of `len` bytes whose array
    // pointers are all null (so the kernel fills no arrays); the kernel
    // writes at most `len` bytes.
    let ret = unsafe { libbpf_sys::bpf_prog_get_info_by_fd(prog.as_raw_fd(), &mut info, &mut len) };
    if ret < 0 {
        return Err(Errno::new(ret));
    }
    Ok(info)
}
