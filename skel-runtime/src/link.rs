//! Links a skeleton keeps: they cannot outlive the object they belong to.

use std::ffi::CStr;
use std::marker::PhantomData;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

use libbpf_sys::bpf_link;

use crate::errno::Errno;
use crate::error::{Error, Result};

/// An attached program or registered struct_ops map. Dropping it detaches
/// (for struct_ops: unregisters). It borrows the skeleton's storage, so it
/// cannot outlive the maps it refers to. It owns libbpf's `bpf_link`;
/// [`Link::detach`], [`Link::pin`], [`Link::unpin`], [`Link::disconnect`]
/// and its file descriptor ([`AsFd`]) are libbpf's calls on it.
///
/// `Send` and `Sync`: it owns its `bpf_link`, whose `&self` operations
/// (detach, fd, pin path) are `bpf()` calls on its file descriptor or
/// reads of what libbpf set when it attached; pinning, unpinning and
/// disconnecting change libbpf's state of the link and take `&mut self`,
/// and dropping it needs it exclusively.
#[derive(Debug)]
#[must_use = "dropping a link detaches it"]
pub struct Link<'obj> {
    link: NonNull<bpf_link>,
    /// The program's or struct_ops map's name, for errors.
    name: &'static str,
    _obj: PhantomData<(&'obj crate::ObjectStorage, crate::Brand<'obj>)>,
}

// SAFETY: see the type's docs.
unsafe impl Send for Link<'_> {}
// SAFETY: as above.
unsafe impl Sync for Link<'_> {}

impl Link<'_> {
    /// # Safety
    ///
    /// `link` must be a live link libbpf made, owned by nobody else, of an
    /// object that lives for `'obj`.
    pub(crate) unsafe fn new(link: NonNull<bpf_link>, name: &'static str) -> Self {
        Link {
            link,
            name,
            _obj: PhantomData,
        }
    }

    /// The name of the program or struct_ops map it attached.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Detaches it now (`bpf_link__detach`): the program stops running
    /// (the struct_ops map is unregistered), while the link and its file
    /// descriptor stay until dropped.
    pub fn detach(&self) -> Result<()> {
        // SAFETY: a live link we own; a bpf() call on its fd.
        let ret = unsafe { libbpf_sys::bpf_link__detach(self.link.as_ptr()) };
        self.check("detach", ret)
    }

    /// Pins it at `path` in a BPF file system (`bpf_link__pin`), so it
    /// stays attached after the process exits if it is also disconnected
    /// ([`Link::disconnect`]).
    pub fn pin(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let op = format!("pin at `{}`", path.display());
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| self.error(&op, Errno::new(libc::EINVAL)))?;
        // SAFETY: a live link held exclusively (libbpf records the pin
        // path in it); a NUL-terminated path, which libbpf copies.
        let ret = unsafe { libbpf_sys::bpf_link__pin(self.link.as_ptr(), c.as_ptr()) };
        self.check(&op, ret)
    }

    /// Removes the pin [`Link::pin`] made (`bpf_link__unpin`).
    pub fn unpin(&mut self) -> Result<()> {
        // SAFETY: a live link held exclusively (libbpf clears its pin path).
        let ret = unsafe { libbpf_sys::bpf_link__unpin(self.link.as_ptr()) };
        self.check("unpin", ret)
    }

    /// Where it is pinned, if it is.
    pub fn pin_path(&self) -> Option<PathBuf> {
        use std::os::unix::ffi::OsStrExt;
        // SAFETY: a live link; libbpf's string lives until the next pin or
        // unpin, which take `&mut self`.
        let p = unsafe { libbpf_sys::bpf_link__pin_path(self.link.as_ptr()) };
        // SAFETY: a NUL-terminated string of libbpf's, copied out here.
        (!p.is_null()).then(|| {
            PathBuf::from(std::ffi::OsStr::from_bytes(
                unsafe { CStr::from_ptr(p) }.to_bytes(),
            ))
        })
    }

    /// Lets go of the attachment (`bpf_link__disconnect`): dropping the
    /// link then closes its file descriptor without detaching, so a
    /// pinned link stays attached.
    pub fn disconnect(&mut self) {
        // SAFETY: a live link held exclusively (libbpf sets a flag in it).
        unsafe { libbpf_sys::bpf_link__disconnect(self.link.as_ptr()) }
    }

    fn check(&self, op: &str, ret: i32) -> Result<()> {
        if ret == 0 {
            Ok(())
        } else {
            Err(self.error(op, Errno::new(ret)))
        }
    }

    fn error(&self, op: &str, errno: Errno) -> Error {
        Error::Libbpf {
            what: format!("link of `{}`: {op} failed", self.name),
            errno: Some(errno),
        }
    }
}

impl AsFd for Link<'_> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: a live link; reads the fd libbpf set when it attached.
        let fd = unsafe { libbpf_sys::bpf_link__fd(self.link.as_ptr()) };
        // SAFETY: a link libbpf made has an open fd, which it closes only
        // in `bpf_link__destroy`, when `self` is dropped.
        unsafe { BorrowedFd::borrow_raw(fd) }
    }
}

impl Drop for Link<'_> {
    fn drop(&mut self) {
        // SAFETY: a live link we own, destroyed once; its object outlives
        // it ('obj).
        unsafe { libbpf_sys::bpf_link__destroy(self.link.as_ptr()) };
    }
}
