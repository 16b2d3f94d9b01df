//! [`Program`]: a BPF program of an open or loaded skeleton, as a token that
//! can sit in a struct_ops program slot.

use std::ffi::CStr;
use std::fmt;
use std::marker::{PhantomData, PhantomPinned};
use std::os::fd::{BorrowedFd, RawFd};

use libbpf_sys::bpf_program;

/// A BPF program of a skeleton.
///
/// `&Program` has the same bits as libbpf's `struct bpf_program *`, so
/// `Option<&'obj Program<'obj>>` is exactly what a struct_ops shadow's
/// function-pointer slot holds. It is an opaque, zero-sized type: it is
/// only handed out by skeletons (`skel.progs.foo()`), and the program
/// behind it lives as long as the skeleton's object, which outlives
/// `'obj`. `'obj` is invariant: a token cannot be passed off as one of a
/// skeleton that lives for a different time (the owned form's
/// `with` closures rely on it: a token of another object does not fit a
/// slot there).
#[repr(C)]
pub struct Program<'obj> {
    _opaque: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned, crate::Brand<'obj>)>,
}

/// A struct_ops program slot: what a function-pointer member of a shadow
/// holds.
///
/// `None` leaves the kernel's callback empty; `Some(open.progs.<name>())`
/// puts a struct_ops program of the same skeleton there (a program of any
/// other object fails the load, naming the map and member). At load, each
/// struct_ops program is loaded exactly when a slot of a map that will be
/// created holds it, so swapped-out and cleared callbacks are not loaded
/// and need no `set_autoload` calls.
///
/// It has the bits of libbpf's `struct bpf_program *` (checked at compile
/// time), so a shadow's slots are read by libbpf as they are.
pub type Slot<'obj> = Option<&'obj Program<'obj>>;

// SAFETY: a `Program` is a token; the libbpf calls behind its methods only
// read fields libbpf set at open or load.
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
        // SAFETY: a `Program` points to a live bpf_program (type invariant);
        // libbpf returns its NUL-terminated name.
        let name = unsafe { CStr::from_ptr(libbpf_sys::bpf_program__name(self.as_ptr())) };
        name.to_str().unwrap_or("<non-UTF-8 name>")
    }

    /// The ELF section it came from, `SEC("...")` as written.
    pub fn section(&self) -> &str {
        // SAFETY: as in `name`.
        let name = unsafe { CStr::from_ptr(libbpf_sys::bpf_program__section_name(self.as_ptr())) };
        name.to_str().unwrap_or("<non-UTF-8 section>")
    }

    /// Will it be (or was it) loaded?
    pub fn autoload(&self) -> bool {
        // SAFETY: as in `name`.
        unsafe { libbpf_sys::bpf_program__autoload(self.as_ptr()) }
    }

    /// Is this a struct_ops program?
    pub fn is_struct_ops(&self) -> bool {
        // SAFETY: as in `name`.
        unsafe {
            libbpf_sys::bpf_program__type(self.as_ptr()) == libbpf_sys::BPF_PROG_TYPE_STRUCT_OPS
        }
    }

    /// The program's file descriptor, once loaded.
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        // SAFETY: as in `name`.
        let fd: RawFd = unsafe { libbpf_sys::bpf_program__fd(self.as_ptr()) };
        // SAFETY: libbpf owns the fd until the object closes, which is after
        // the borrow of `self` ends.
        (fd >= 0).then(|| unsafe { BorrowedFd::borrow_raw(fd) })
    }

    /// The kernel's id for the loaded program (what struct_ops map values
    /// read back from the kernel hold in their slots).
    pub fn id(&self) -> Option<u32> {
        let fd = self.fd()?;
        libbpf_rs::Program::id_from_fd(fd).ok()
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
