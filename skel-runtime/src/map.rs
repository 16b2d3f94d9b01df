//! Map handles without types: a map's settings before load
//! ([`OpenMap`], [`OpenMapMut`]), and the loaded map ([`MapHandle`]) that
//! typed handles are built on. Every operation returns this crate's
//! [`Error`], naming the map and carrying the errno; with the `libbpf-rs`
//! feature, libbpf-rs's handles are one call away (`libbpf()`) for what is
//! not wrapped here.

use std::ffi::{CStr, CString};
use std::fmt;
use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::Path;
use std::ptr::NonNull;
use std::sync::Arc;

use libbpf_sys::bpf_map;

use crate::contract::MapSpec;
use crate::errno::Errno;
use crate::error::{Error, Result};
use crate::libbpf::map_created;

/// What a map setter or operation failed with: its errno.
fn op_error(map: &str, op: &'static str, errno: Errno) -> Error {
    Error::MapOp {
        map: map.to_owned(),
        op,
        errno,
    }
}

/// libbpf's return value as a result (`0` or `-errno`).
fn check(map: &str, op: &'static str, ret: i32) -> Result<()> {
    if ret == 0 {
        Ok(())
    } else {
        Err(op_error(map, op, Errno::new(ret)))
    }
}

fn path_cstring(map: &str, op: &'static str, path: &Path) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| op_error(map, op, Errno::new(libc::EINVAL)))
}

/// A map of an open skeleton, to read its settings:
/// `open.maps().<map>()` (for data sections, `<section>_map()`).
///
/// Neither `Send` nor `Sync`: it is a shared borrow of the open skeleton,
/// which is not `Sync` (libbpf's settings are not synchronized).
#[derive(Clone, Copy)]
pub struct OpenMap<'a> {
    map: NonNull<bpf_map>,
    spec: &'static MapSpec,
    _borrow: PhantomData<&'a bpf_map>,
}

/// A map of an open skeleton, to change its settings:
/// `open.maps_mut().<map>()`. Setters take effect at load.
///
/// Neither `Send` nor `Sync`: it stays on the thread that borrowed the
/// skeleton exclusively (move the skeleton, or `maps_mut()`, instead).
pub struct OpenMapMut<'a> {
    map: OpenMap<'a>,
    _exclusive: PhantomData<&'a mut bpf_map>,
}

impl<'a> OpenMap<'a> {
    /// # Safety
    ///
    /// `map` must be a map of an open object that lives for `'a`, and
    /// `spec` its spec.
    pub(crate) unsafe fn new(map: NonNull<bpf_map>, spec: &'static MapSpec) -> Self {
        OpenMap {
            map,
            spec,
            _borrow: PhantomData,
        }
    }

    fn raw(&self) -> *const bpf_map {
        self.map.as_ptr()
    }

    /// The map's name (libbpf's: `foo.bss` for a data section).
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    /// Its type: `BPF_MAP_TYPE_HASH` = 1, ... (`libbpf_sys::BPF_MAP_TYPE_*`).
    pub fn map_type(&self) -> u32 {
        // SAFETY: a live map (type invariant); getters only read.
        unsafe { libbpf_sys::bpf_map__type(self.raw()) }
    }

    /// The size of its keys, in bytes.
    pub fn key_size(&self) -> u32 {
        // SAFETY: as in `map_type`.
        unsafe { libbpf_sys::bpf_map__key_size(self.raw()) }
    }

    /// The size of its values, in bytes.
    pub fn value_size(&self) -> u32 {
        // SAFETY: as in `map_type`.
        unsafe { libbpf_sys::bpf_map__value_size(self.raw()) }
    }

    /// Its maximum number of entries.
    pub fn max_entries(&self) -> u32 {
        // SAFETY: as in `map_type`.
        unsafe { libbpf_sys::bpf_map__max_entries(self.raw()) }
    }

    /// Its `BPF_F_*` flags (`map_flags` in C).
    pub fn map_flags(&self) -> u32 {
        // SAFETY: as in `map_type`.
        unsafe { libbpf_sys::bpf_map__map_flags(self.raw()) }
    }

    /// Will load create it? (`?.struct_ops` maps start with this off.)
    pub fn autocreate(&self) -> bool {
        // SAFETY: as in `map_type`.
        unsafe { libbpf_sys::bpf_map__autocreate(self.raw()) }
    }

    /// Will `attach()` register it (struct_ops maps)? See libbpf's
    /// `bpf_map__autoattach`.
    pub fn autoattach(&self) -> bool {
        // SAFETY: as in `map_type`.
        unsafe { libbpf_sys::bpf_map__autoattach(self.raw()) }
    }

    /// Where load pins it, if a pin path is set.
    pub fn pin_path(&self) -> Option<&'a Path> {
        use std::os::unix::ffi::OsStrExt;
        // SAFETY: as in `map_type`; libbpf's string lives as long as the
        // map or until the next `set_pin_path`, which needs `OpenMapMut`,
        // exclusive of every `OpenMap` of `'a`.
        let p = unsafe { libbpf_sys::bpf_map__pin_path(self.raw()) };
        // SAFETY: a NUL-terminated string of libbpf's.
        (!p.is_null()).then(|| {
            Path::new(std::ffi::OsStr::from_bytes(
                unsafe { CStr::from_ptr(p) }.to_bytes(),
            ))
        })
    }

    /// libbpf-rs's handle of the map.
    #[cfg(feature = "libbpf-rs")]
    #[cfg_attr(docsrs, doc(cfg(feature = "libbpf-rs")))]
    pub fn libbpf(&self) -> libbpf_rs::OpenMap<'a> {
        // SAFETY: a live map for 'a, read only through a shared handle.
        libbpf_rs::OpenMap::new(unsafe { self.map.as_ref() })
    }
}

impl<'a> OpenMapMut<'a> {
    /// # Safety
    ///
    /// As for [`OpenMap::new`], and the caller holds the map exclusively
    /// for `'a`.
    pub(crate) unsafe fn new(map: NonNull<bpf_map>, spec: &'static MapSpec) -> Self {
        OpenMapMut {
            // SAFETY: per the caller.
            map: unsafe { OpenMap::new(map, spec) },
            _exclusive: PhantomData,
        }
    }

    fn raw(&self) -> *mut bpf_map {
        self.map.map.as_ptr()
    }

    fn name(&self) -> &'static str {
        self.map.spec.name
    }

    /// The map's settings, to read ([`OpenMap`]'s getters).
    pub fn as_ref(&self) -> OpenMap<'_> {
        self.map
    }

    /// Creates the map at load, or not. A map not created has no handle
    /// after load (its typed handle's operations fail with
    /// [`Error::NotCreated`]).
    pub fn set_autocreate(&mut self, on: bool) -> Result<()> {
        // SAFETY: a live map of an open object, held exclusively.
        let ret = unsafe { libbpf_sys::bpf_map__set_autocreate(self.raw(), on) };
        check(self.name(), "set autocreate", ret)
    }

    /// Registers the map at `attach()`, or not (struct_ops maps).
    pub fn set_autoattach(&mut self, on: bool) -> Result<()> {
        // SAFETY: as in `set_autocreate`.
        let ret = unsafe { libbpf_sys::bpf_map__set_autoattach(self.raw(), on) };
        check(self.name(), "set autoattach", ret)
    }

    /// Sets its maximum number of entries (before load).
    pub fn set_max_entries(&mut self, max_entries: u32) -> Result<()> {
        // SAFETY: as in `set_autocreate`.
        let ret = unsafe { libbpf_sys::bpf_map__set_max_entries(self.raw(), max_entries) };
        check(self.name(), "set max_entries", ret)
    }

    /// Sets its `BPF_F_*` flags.
    pub fn set_map_flags(&mut self, flags: u32) -> Result<()> {
        // SAFETY: as in `set_autocreate`.
        let ret = unsafe { libbpf_sys::bpf_map__set_map_flags(self.raw(), flags) };
        check(self.name(), "set map flags", ret)
    }

    /// Sets the key size of a map the skeleton lays no type over.
    pub fn set_key_size(&mut self, size: u32) -> Result<()> {
        self.unlaid("set key size")?;
        // SAFETY: as in `set_autocreate`; no view depends on the size.
        let ret = unsafe { libbpf_sys::bpf_map__set_key_size(self.raw(), size) };
        check(self.name(), "set key size", ret)
    }

    /// Sets the value size of a map the skeleton lays no type over. The
    /// typed views of data sections and struct_ops shadows were checked
    /// against their map's size at open, so for those it is an error
    /// (`EINVAL`); resize a resizable section through its own handle.
    /// A typed map handle checks the sizes again after load.
    pub fn set_value_size(&mut self, size: u32) -> Result<()> {
        self.unlaid("set value size")?;
        // SAFETY: as in `set_key_size`.
        let ret = unsafe { libbpf_sys::bpf_map__set_value_size(self.raw(), size) };
        check(self.name(), "set value size", ret)
    }

    /// Pins the map at `path` at load (or reuses what is pinned there).
    pub fn set_pin_path(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path_cstring(self.name(), "set pin path", path.as_ref())?;
        // SAFETY: as in `set_autocreate`; libbpf copies the string.
        let ret = unsafe { libbpf_sys::bpf_map__set_pin_path(self.raw(), path.as_ptr()) };
        check(self.name(), "set pin path", ret)
    }

    /// Uses the existing map `fd` instead of creating one at load. A map
    /// the skeleton lays a type over must keep its value size.
    pub fn reuse_fd(&mut self, fd: BorrowedFd<'_>) -> Result<()> {
        if self.map.spec.fixed_size() {
            let info =
                map_info(fd.as_raw_fd()).map_err(|e| op_error(self.name(), "reuse fd", e))?;
            if info.value_size != self.map.value_size() {
                return Err(op_error(self.name(), "reuse fd", Errno::new(libc::EINVAL)));
            }
        }
        // SAFETY: as in `set_autocreate`; libbpf dups the fd.
        let ret = unsafe { libbpf_sys::bpf_map__reuse_fd(self.raw(), fd.as_raw_fd()) };
        check(self.name(), "reuse fd", ret)
    }

    /// Sets the inner map template of a map-in-map.
    pub fn set_inner_map_fd(&mut self, fd: BorrowedFd<'_>) -> Result<()> {
        // SAFETY: as in `set_autocreate`.
        let ret = unsafe { libbpf_sys::bpf_map__set_inner_map_fd(self.raw(), fd.as_raw_fd()) };
        check(self.name(), "set inner map fd", ret)
    }

    fn unlaid(&self, op: &'static str) -> Result<()> {
        if self.map.spec.fixed_size() {
            return Err(op_error(self.name(), op, Errno::new(libc::EINVAL)));
        }
        Ok(())
    }

    /// libbpf-rs's exclusive handle, for settings not wrapped here.
    ///
    /// # Safety
    ///
    /// For a map the skeleton lays a type over (a data section, a
    /// struct_ops map), the value size must not change, and the map's
    /// memory must not be written through `initial_value_mut` while a
    /// view of it is alive: the views rely on both.
    #[cfg(feature = "libbpf-rs")]
    #[cfg_attr(docsrs, doc(cfg(feature = "libbpf-rs")))]
    pub unsafe fn libbpf_mut(&mut self) -> libbpf_rs::OpenMapMut<'_> {
        // SAFETY: a live map, held exclusively for the returned borrow.
        libbpf_rs::OpenMapMut::new_mut(unsafe { &mut *self.raw() })
    }
}

impl fmt::Debug for OpenMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenMap")
            .field("name", &self.name())
            .field("type", &self.map_type())
            .field("max_entries", &self.max_entries())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for OpenMapMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OpenMapMut").field(&self.map).finish()
    }
}

/// A loaded map's facts, read once: libbpf's and the kernel's settings do
/// not change after load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MapInfo {
    /// `BPF_MAP_TYPE_*`.
    pub map_type: u32,
    /// The size of its keys, in bytes.
    pub key_size: u32,
    /// The size of its values, in bytes.
    pub value_size: u32,
    /// Its maximum number of entries.
    pub max_entries: u32,
    /// `BPF_F_*` flags.
    pub map_flags: u32,
}

/// The kernel's facts of map `fd`.
pub(crate) fn map_info(fd: RawFd) -> std::result::Result<MapInfo, Errno> {
    kernel_map_info(fd).map(|(_, info)| info)
}

/// The kernel's name (`inner map (id N)` when it has none) and facts of
/// map `fd`.
pub(crate) fn kernel_map_info(fd: RawFd) -> std::result::Result<(String, MapInfo), Errno> {
    let info = raw_map_info(fd)?;
    let bytes: Vec<u8> = info
        .name
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    let name = match String::from_utf8_lossy(&bytes) {
        n if n.is_empty() => format!("inner map (id {})", info.id),
        n => n.into_owned(),
    };
    Ok((
        name,
        MapInfo {
            map_type: info.type_,
            key_size: info.key_size,
            value_size: info.value_size,
            max_entries: info.max_entries,
            map_flags: info.map_flags,
        },
    ))
}

/// The kernel's `bpf_map_info` of map `fd` (`bpf_map_get_info_by_fd`).
fn raw_map_info(fd: RawFd) -> std::result::Result<libbpf_sys::bpf_map_info, Errno> {
    // SAFETY: all-zero is a valid bpf_map_info.
    let mut info: libbpf_sys::bpf_map_info = unsafe { std::mem::zeroed() };
    let mut len = size_of_val(&info) as u32;
    // SAFETY: `info` has `len` writable bytes.
    let ret = unsafe { libbpf_sys::bpf_map_get_info_by_fd(fd, (&raw mut info).cast(), &mut len) };
    if ret != 0 {
        return Err(Errno::new(ret));
    }
    Ok(info)
}

/// The file descriptor a handle makes its calls on.
#[derive(Clone)]
enum Fd {
    /// libbpf's, borrowed for the handle's lifetime.
    Borrowed(RawFd),
    /// A duplicate of its own.
    Owned(Arc<OwnedFd>),
}

impl Fd {
    fn raw(&self) -> RawFd {
        match self {
            Fd::Borrowed(fd) => *fd,
            Fd::Owned(fd) => fd.as_raw_fd(),
        }
    }
}

/// The name a handle reports.
#[derive(Clone)]
enum Name {
    Static(&'static str),
    Owned(Arc<str>),
}

/// A loaded map: `skel.maps().<map>()` for maps without a typed handle,
/// and what every typed handle derefs to. It borrows the skeleton for
/// `'a`, and costs nothing to make; [`MapHandle::into_owned`] makes one
/// that owns a duplicate file descriptor, with no lifetime, to keep in a
/// struct or move into another thread or task.
///
/// A map whose autocreate was off at load was not created: its handle
/// exists, and its operations fail with [`Error::NotCreated`].
///
/// `Send` and `Sync`: its operations are `bpf()` calls on a file
/// descriptor, and its facts were read at creation.
#[derive(Clone)]
pub struct MapHandle<'a> {
    name: Name,
    fd: Fd,
    info: MapInfo,
    created: bool,
    /// The libbpf map, for handles of a skeleton's object.
    #[cfg(feature = "libbpf-rs")]
    map: Option<NonNull<bpf_map>>,
    _borrow: PhantomData<&'a bpf_map>,
}

// SAFETY: see the type's docs; the libbpf map pointer is only used (with
// the `libbpf-rs` feature) to make libbpf-rs's shared handle, whose getters read fields libbpf set at
// load, which nothing changes while the skeleton is borrowed shared.
unsafe impl Send for MapHandle<'_> {}
// SAFETY: as above.
unsafe impl Sync for MapHandle<'_> {}

impl<'a> MapHandle<'a> {
    /// # Safety
    ///
    /// `map` must be a map of a loaded object that lives for `'a`, whose
    /// libbpf state no one changes while `'a` lasts.
    pub(crate) unsafe fn of_object(map: NonNull<bpf_map>, name: &'static str) -> Self {
        let p = map.as_ptr();
        // SAFETY: a live map (per the caller); getters only read.
        let info = unsafe {
            MapInfo {
                map_type: libbpf_sys::bpf_map__type(p),
                key_size: libbpf_sys::bpf_map__key_size(p),
                value_size: libbpf_sys::bpf_map__value_size(p),
                max_entries: libbpf_sys::bpf_map__max_entries(p),
                map_flags: libbpf_sys::bpf_map__map_flags(p),
            }
        };
        MapHandle {
            name: Name::Static(name),
            // SAFETY: as above; the fd is libbpf's until the object closes.
            fd: Fd::Borrowed(unsafe { libbpf_sys::bpf_map__fd(p) }),
            info,
            created: map_created(map),
            #[cfg(feature = "libbpf-rs")]
            map: Some(map),
            _borrow: PhantomData,
        }
    }

    /// A handle owning `fd`, a map of no skeleton (an inner map).
    pub(crate) fn from_owned_fd(fd: OwnedFd) -> std::result::Result<MapHandle<'static>, Errno> {
        let (name, info) = kernel_map_info(fd.as_raw_fd())?;
        Ok(MapHandle {
            name: Name::Owned(name.into()),
            fd: Fd::Owned(Arc::new(fd)),
            info,
            created: true,
            #[cfg(feature = "libbpf-rs")]
            map: None,
            _borrow: PhantomData,
        })
    }

    /// The map's name.
    pub fn name(&self) -> &str {
        match &self.name {
            Name::Static(n) => n,
            Name::Owned(n) => n,
        }
    }

    /// Its type, sizes, capacity and flags.
    pub fn info(&self) -> MapInfo {
        self.info
    }

    /// Was it created at load? (Its autocreate was on.)
    pub fn is_created(&self) -> bool {
        self.created
    }

    /// The kernel's id of the map.
    pub fn id(&self) -> Result<u32> {
        self.ready("read its id")?;
        raw_map_info(self.fd.raw())
            .map(|info| info.id)
            .map_err(|errno| self.op_error("read its id", errno))
    }

    /// Pins the map at `path` in a BPF file system.
    pub fn pin(&self, path: impl AsRef<Path>) -> Result<()> {
        self.ready("pin")?;
        let path = path_cstring(self.name(), "pin", path.as_ref())?;
        // SAFETY: a map fd and a NUL-terminated path.
        let ret = unsafe { libbpf_sys::bpf_obj_pin(self.fd.raw(), path.as_ptr()) };
        check(self.name(), "pin", ret)
    }

    /// Removes the pin at `path` (any file there: it is unlinked).
    pub fn unpin(&self, path: impl AsRef<Path>) -> Result<()> {
        std::fs::remove_file(path.as_ref()).map_err(|e| {
            op_error(
                self.name(),
                "unpin",
                Errno::new(e.raw_os_error().unwrap_or(libc::EINVAL)),
            )
        })
    }

    /// This handle, owning a duplicate of the map's file descriptor: no
    /// lifetime, `Send` and `Sync`, to keep beside an owned skeleton or
    /// move into another thread or task. The map lives as long as the
    /// handle, also after the skeleton is dropped.
    pub fn into_owned(self) -> Result<MapHandle<'static>> {
        self.ready("duplicate its file descriptor")?;
        let fd = match self.fd {
            Fd::Owned(fd) => Fd::Owned(fd),
            Fd::Borrowed(raw) => {
                // SAFETY: libbpf's fd, open for 'a.
                let borrowed = unsafe { BorrowedFd::borrow_raw(raw) };
                let owned = borrowed.try_clone_to_owned().map_err(|e| {
                    op_error(
                        self.name(),
                        "duplicate its file descriptor",
                        Errno::new(e.raw_os_error().unwrap_or(libc::EMFILE)),
                    )
                })?;
                Fd::Owned(Arc::new(owned))
            }
        };
        Ok(MapHandle {
            name: self.name,
            fd,
            info: self.info,
            created: true,
            #[cfg(feature = "libbpf-rs")]
            map: None,
            _borrow: PhantomData,
        })
    }

    /// libbpf-rs's handle, for what is not wrapped here; `None` for an
    /// owned handle (it has no libbpf map) and for a map not created.
    #[cfg(feature = "libbpf-rs")]
    #[cfg_attr(docsrs, doc(cfg(feature = "libbpf-rs")))]
    pub fn libbpf(&self) -> Option<libbpf_rs::Map<'a>> {
        let map = self.map.filter(|_| self.created)?;
        // SAFETY: a live, created map of the skeleton's object for 'a
        // (libbpf-rs's constructor needs its fd, which it has).
        Some(libbpf_rs::Map::new(unsafe { map.as_ref() }))
    }

    /// `Err(NotCreated)` for a map load did not create.
    pub(crate) fn ready(&self, what: &'static str) -> Result<()> {
        if self.created {
            Ok(())
        } else {
            Err(Error::NotCreated {
                map: self.name().to_owned(),
                what,
            })
        }
    }

    /// The fd operations use.
    pub(crate) fn raw_fd(&self) -> RawFd {
        self.fd.raw()
    }

    pub(crate) fn op_error(&self, op: &'static str, errno: Errno) -> Error {
        op_error(self.name(), op, errno)
    }
}

impl AsFd for MapHandle<'_> {
    /// The map's file descriptor (for a map not created, libbpf's
    /// placeholder).
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: libbpf's fd is open for 'a, which outlives this borrow;
        // an owned one lives as long as `self`.
        unsafe { BorrowedFd::borrow_raw(self.fd.raw()) }
    }
}

impl fmt::Debug for MapHandle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapHandle")
            .field("name", &self.name())
            .field("fd", &self.fd.raw())
            .field("info", &self.info)
            .field("created", &self.created)
            .finish()
    }
}
