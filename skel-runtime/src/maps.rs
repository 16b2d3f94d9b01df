//! Typed map handles: the generated Rust types of a map's key and value,
//! bound to the map.
//!
//! A skeleton hands out one for every BTF-defined map whose key and value
//! types BTF states (`__type(key, ...)`, `__type(value, ...)`), after load
//! (`skel.maps.<map>_typed()`): lookups, updates, deletes and key iteration
//! take and return those types, with no bytes and no `unsafe` in user code.
//! Every operation first checks that the map's key and value sizes are the
//! types' sizes (a map resized through its raw handle gets an error, never
//! a wrong read), then makes one `bpf()` call straight into the value, with
//! no allocation.
//!
//! | map type | handle |
//! |---|---|
//! | hash, LRU hash, LPM trie, and other keyed maps | [`Hash`](struct@Hash) |
//! | array | [`Array`] (indexed by `u32`) |
//! | per-CPU hash, LRU per-CPU hash | [`PerCpuHash`] (one value per possible CPU) |
//! | per-CPU array | [`PerCpuArray`] |
//! | queue, stack | [`Queue`] (push, pop, peek) |
//! | array and hash of maps | [`MapOfMaps`] (inner maps as [`Owned`] typed handles) |

use std::ffi::CStr;
use std::fmt;
use std::marker::PhantomData;
use std::mem::{MaybeUninit, size_of};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::NonNull;

use libbpf_sys::bpf_map;

use crate::error::{Error, Result};
use crate::plain::Plain;

const ENOENT: i32 = libc::ENOENT;

/// Flags of an update (`BPF_ANY`, `BPF_NOEXIST`, `BPF_EXIST`, `BPF_F_LOCK`).
pub use libbpf_rs::MapFlags;

/// A map of a loaded object: where typed handles make their calls.
#[derive(Clone, Copy)]
struct Target<'a> {
    /// A map of a skeleton's object (or of no object, for inner maps:
    /// then `fd` is set and `map` is `None`).
    map: Option<NonNull<bpf_map>>,
    fd: RawFd,
    /// Key and value sizes of an inner map, read once from the kernel.
    inner_sizes: (usize, usize),
    _life: PhantomData<&'a bpf_map>,
}

impl<'a> Target<'a> {
    fn name(&self) -> String {
        match self.map {
            // SAFETY: a live map of a loaded object (type invariant); libbpf
            // returns its NUL-terminated name.
            Some(map) => unsafe { CStr::from_ptr(libbpf_sys::bpf_map__name(map.as_ptr())) }
                .to_string_lossy()
                .into_owned(),
            None => format!("inner map (fd {})", self.fd),
        }
    }

    /// The map's key and value sizes.
    fn sizes(&self) -> Result<(usize, usize)> {
        match self.map {
            // SAFETY: as in `name`.
            Some(map) => unsafe {
                Ok((
                    libbpf_sys::bpf_map__key_size(map.as_ptr()) as usize,
                    libbpf_sys::bpf_map__value_size(map.as_ptr()) as usize,
                ))
            },
            None => Ok(self.inner_sizes),
        }
    }

    /// Checks that keys are `key` bytes and values `value` bytes.
    fn check(&self, key: usize, value: usize) -> Result<()> {
        let (k, v) = self.sizes()?;
        for (what, expected, actual) in [("key", key, k), ("value", value, v)] {
            if expected != actual {
                return Err(Error::MapTypeSize {
                    map: self.name(),
                    what,
                    expected,
                    actual,
                });
            }
        }
        Ok(())
    }

    fn failed(&self, op: &'static str, ret: i32) -> Error {
        Error::MapOp {
            map: self.name(),
            op,
            source: std::io::Error::from_raw_os_error(-ret),
        }
    }

    /// `bpf_map_lookup_elem` into `value` (`len` bytes); `Ok(false)` when
    /// the key is absent.
    ///
    /// # Safety
    ///
    /// `key` must point to a key of the map's key size (or be null for
    /// maps without keys), `value` to `len` writable bytes, and `len` must
    /// be what the kernel writes for one lookup.
    unsafe fn lookup(&self, key: *const u8, value: *mut u8) -> Result<bool> {
        // SAFETY: per the caller.
        let ret = unsafe { libbpf_sys::bpf_map_lookup_elem(self.fd, key.cast(), value.cast()) };
        match ret {
            0 => Ok(true),
            r if -r == ENOENT => Ok(false),
            r => Err(self.failed("lookup", r)),
        }
    }

    /// # Safety
    ///
    /// As for [`Target::lookup`], with `value` readable.
    unsafe fn update(&self, key: *const u8, value: *const u8, flags: MapFlags) -> Result<()> {
        // SAFETY: per the caller.
        let ret = unsafe {
            libbpf_sys::bpf_map_update_elem(self.fd, key.cast(), value.cast(), flags.bits())
        };
        if ret == 0 {
            Ok(())
        } else {
            Err(self.failed("update", ret))
        }
    }

    /// # Safety
    ///
    /// `key` must point to a key of the map's key size.
    unsafe fn delete(&self, key: *const u8) -> Result<bool> {
        // SAFETY: per the caller.
        let ret = unsafe { libbpf_sys::bpf_map_delete_elem(self.fd, key.cast()) };
        match ret {
            0 => Ok(true),
            r if -r == ENOENT => Ok(false),
            r => Err(self.failed("delete", r)),
        }
    }

    /// Deletes `key` of a map whose values are `value` bytes; `Ok(false)`
    /// if it was not there.
    fn delete_key<K: Plain>(&self, key: &K, value: usize) -> Result<bool> {
        self.check(size_of::<K>(), value)?;
        // SAFETY: sizes checked.
        unsafe { self.delete((key as *const K).cast()) }
    }

    /// Every key of a map whose values are `value` bytes (none if the
    /// sizes disagree with `K`).
    fn keys<K: Plain>(&self, value: usize) -> Keys<'a, K> {
        Keys {
            target: *self,
            last: None,
            done: self.check(size_of::<K>(), value).is_err(),
        }
    }

    /// The key after `key` (the first key when `key` is `None`).
    fn next_key<K: Plain>(&self, key: Option<&K>) -> Result<Option<K>> {
        let mut next = MaybeUninit::<K>::uninit();
        let key = key.map_or(std::ptr::null(), |k| (k as *const K).cast::<u8>());
        // SAFETY: keys are K-sized (checked by callers); `next` has room.
        let ret = unsafe {
            libbpf_sys::bpf_map_get_next_key(self.fd, key.cast(), next.as_mut_ptr().cast())
        };
        match ret {
            // SAFETY: the kernel wrote a whole key; any bytes are a K.
            0 => Ok(Some(unsafe { next.assume_init() })),
            r if -r == ENOENT => Ok(None),
            r => Err(self.failed("get next key", r)),
        }
    }
}

/// Keys of a map, in the kernel's order, from [`Hash::keys`] and friends.
/// A map changed while iterating may skip or repeat keys, as with every
/// `bpf_map_get_next_key` walk.
pub struct Keys<'a, K> {
    target: Target<'a>,
    last: Option<K>,
    done: bool,
}

impl<K: Plain> Iterator for Keys<'_, K> {
    type Item = Result<K>;

    fn next(&mut self) -> Option<Result<K>> {
        if self.done {
            return None;
        }
        match self.target.next_key(self.last.as_ref()) {
            Ok(Some(k)) => {
                self.last = Some(k);
                Some(Ok(k))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident<$($p:ident),*>) => {
        $(#[$doc])*
        pub struct $name<'a, $($p),*> {
            target: Target<'a>,
            _types: PhantomData<fn($($p,)*) -> ($($p,)*)>,
        }

        impl<'a, $($p),*> $name<'a, $($p),*> {
            /// The map's file descriptor.
            pub fn fd(&self) -> RawFd {
                self.target.fd
            }

            /// The map's name.
            pub fn name(&self) -> String {
                self.target.name()
            }

            #[doc(hidden)]
            pub fn __new(maps: &'a crate::storage::Maps<'_>, index: usize) -> Self {
                let map = maps.ptr(index);
                $name {
                    target: Target {
                        map: Some(map),
                        // SAFETY: a map of a loaded object.
                        fd: unsafe { libbpf_sys::bpf_map__fd(map.as_ptr()) },
                        inner_sizes: (0, 0),
                        _life: PhantomData,
                    },
                    _types: PhantomData,
                }
            }
        }

        impl<$($p),*> AsRawFd for $name<'_, $($p),*> {
            fn as_raw_fd(&self) -> RawFd {
                self.target.fd
            }
        }

        impl<$($p),*> fmt::Debug for $name<'_, $($p),*> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("map", &self.target.name())
                    .field("fd", &self.target.fd)
                    .finish()
            }
        }

        // SAFETY: the handle makes bpf() calls on a file descriptor and
        // reads libbpf's map fields set at open; both may happen from any
        // thread.
        unsafe impl<$($p),*> Send for $name<'_, $($p),*> {}
        // SAFETY: as above; every operation takes `&self`.
        unsafe impl<$($p),*> Sync for $name<'_, $($p),*> {}

        impl<$($p),*> InnerMap for $name<'static, $($p),*> {
            fn from_fd(fd: RawFd, key_size: usize, value_size: usize) -> Self {
                $name {
                    target: Target {
                        map: None,
                        fd,
                        inner_sizes: (key_size, value_size),
                        _life: PhantomData,
                    },
                    _types: PhantomData,
                }
            }
        }
    };
}

handle! {
    /// A map of keys `K` to values `V`: hash, LRU hash, LPM trie, and other
    /// keyed maps.
    Hash<K, V>
}

impl<K: Plain, V: Plain> Hash<'_, K, V> {
    /// The value of `key`, if present.
    pub fn lookup(&self, key: &K) -> Result<Option<V>> {
        self.target.check(size_of::<K>(), size_of::<V>())?;
        let mut value = MaybeUninit::<V>::uninit();
        // SAFETY: sizes checked; `value` has room for one V.
        let found = unsafe {
            self.target
                .lookup((key as *const K).cast(), value.as_mut_ptr().cast())?
        };
        // SAFETY: the kernel wrote a whole V; any bytes are a V.
        Ok(found.then(|| unsafe { value.assume_init() }))
    }

    /// Sets `key` to `value`; `flags` as `bpf_map_update_elem` takes them.
    pub fn update(&self, key: &K, value: &V, flags: MapFlags) -> Result<()> {
        self.target.check(size_of::<K>(), size_of::<V>())?;
        // SAFETY: sizes checked.
        unsafe {
            self.target
                .update((key as *const K).cast(), (value as *const V).cast(), flags)
        }
    }

    /// Sets `key` to `value`, whether or not it was present.
    pub fn insert(&self, key: &K, value: &V) -> Result<()> {
        self.update(key, value, MapFlags::ANY)
    }

    /// Deletes `key`; `Ok(false)` if it was not there.
    pub fn delete(&self, key: &K) -> Result<bool> {
        self.target.delete_key(key, size_of::<V>())
    }

    /// Every key, in the kernel's order.
    pub fn keys(&self) -> Keys<'_, K> {
        self.target.keys(size_of::<V>())
    }

    /// Every key with its value (keys deleted meanwhile are skipped).
    pub fn iter(&self) -> impl Iterator<Item = Result<(K, V)>> + '_ {
        self.keys().filter_map(move |k| match k {
            Ok(k) => self.lookup(&k).map(|v| v.map(|v| (k, v))).transpose(),
            Err(e) => Some(Err(e)),
        })
    }
}

handle! {
    /// An array map of values `V`, indexed by `u32`.
    Array<V>
}

impl<V: Plain> Array<'_, V> {
    /// The value at `index`; `Ok(None)` past the end.
    pub fn get(&self, index: u32) -> Result<Option<V>> {
        self.target.check(4, size_of::<V>())?;
        let mut value = MaybeUninit::<V>::uninit();
        // SAFETY: sizes checked; `value` has room for one V.
        let found = unsafe {
            self.target
                .lookup((&index as *const u32).cast(), value.as_mut_ptr().cast())?
        };
        // SAFETY: the kernel wrote a whole V.
        Ok(found.then(|| unsafe { value.assume_init() }))
    }

    /// Sets the value at `index`.
    pub fn set(&self, index: u32, value: &V) -> Result<()> {
        self.target.check(4, size_of::<V>())?;
        // SAFETY: sizes checked.
        unsafe {
            self.target.update(
                (&index as *const u32).cast(),
                (value as *const V).cast(),
                MapFlags::ANY,
            )
        }
    }
}

/// The number of possible CPUs: how many values a per-CPU map holds for
/// each key.
pub fn possible_cpus() -> Result<usize> {
    // SAFETY: no preconditions.
    let n = unsafe { libbpf_sys::libbpf_num_possible_cpus() };
    usize::try_from(n).map_err(|_| Error::MapOp {
        map: "(per-CPU map)".to_owned(),
        op: "count possible CPUs",
        source: std::io::Error::from_raw_os_error(-n),
    })
}

/// Per-CPU values travel as one 8-byte-aligned slot per possible CPU.
fn per_cpu_stride<V>() -> usize {
    size_of::<V>().div_ceil(8) * 8
}

fn per_cpu_read<V: Plain>(buf: &[u8], cpus: usize) -> Vec<V> {
    let stride = per_cpu_stride::<V>();
    (0..cpus)
        // SAFETY: `buf` holds `cpus` strides of at least size_of::<V>()
        // bytes each; any bytes are a V; the read may be unaligned.
        .map(|i| unsafe { buf.as_ptr().add(i * stride).cast::<V>().read_unaligned() })
        .collect()
}

fn per_cpu_write<V: Plain>(values: &[V], cpus: usize, map: &Target<'_>) -> Result<Vec<u8>> {
    if values.len() != cpus {
        return Err(Error::PerCpuCount {
            map: map.name(),
            expected: cpus,
            actual: values.len(),
        });
    }
    let stride = per_cpu_stride::<V>();
    let mut buf = vec![0u8; stride * cpus];
    for (i, v) in values.iter().enumerate() {
        // SAFETY: slot i has room for a V; the write may be unaligned.
        unsafe {
            buf.as_mut_ptr()
                .add(i * stride)
                .cast::<V>()
                .write_unaligned(*v)
        };
    }
    Ok(buf)
}

handle! {
    /// A per-CPU hash of keys `K` to values `V`: one value per possible
    /// CPU ([`possible_cpus`]).
    PerCpuHash<K, V>
}

impl<K: Plain, V: Plain> PerCpuHash<'_, K, V> {
    /// The values of `key`, one per possible CPU, if present.
    pub fn lookup(&self, key: &K) -> Result<Option<Vec<V>>> {
        self.target.check(size_of::<K>(), size_of::<V>())?;
        let cpus = possible_cpus()?;
        let mut buf = vec![0u8; per_cpu_stride::<V>() * cpus];
        // SAFETY: sizes checked; `buf` holds one stride per possible CPU,
        // what the kernel writes.
        let found = unsafe {
            self.target
                .lookup((key as *const K).cast(), buf.as_mut_ptr())?
        };
        Ok(found.then(|| per_cpu_read(&buf, cpus)))
    }

    /// Sets `key` to `values`, one per possible CPU.
    pub fn update(&self, key: &K, values: &[V], flags: MapFlags) -> Result<()> {
        self.target.check(size_of::<K>(), size_of::<V>())?;
        let buf = per_cpu_write(values, possible_cpus()?, &self.target)?;
        // SAFETY: sizes checked; `buf` holds one stride per CPU.
        unsafe {
            self.target
                .update((key as *const K).cast(), buf.as_ptr(), flags)
        }
    }

    /// Deletes `key`; `Ok(false)` if it was not there.
    pub fn delete(&self, key: &K) -> Result<bool> {
        self.target.delete_key(key, size_of::<V>())
    }

    /// Every key, in the kernel's order.
    pub fn keys(&self) -> Keys<'_, K> {
        self.target.keys(size_of::<V>())
    }
}

handle! {
    /// A per-CPU array of values `V`, indexed by `u32`: one value per
    /// possible CPU ([`possible_cpus`]).
    PerCpuArray<V>
}

impl<V: Plain> PerCpuArray<'_, V> {
    /// The values at `index`, one per possible CPU; `Ok(None)` past the end.
    pub fn get(&self, index: u32) -> Result<Option<Vec<V>>> {
        self.target.check(4, size_of::<V>())?;
        let cpus = possible_cpus()?;
        let mut buf = vec![0u8; per_cpu_stride::<V>() * cpus];
        // SAFETY: sizes checked; `buf` holds one stride per possible CPU.
        let found = unsafe {
            self.target
                .lookup((&index as *const u32).cast(), buf.as_mut_ptr())?
        };
        Ok(found.then(|| per_cpu_read(&buf, cpus)))
    }

    /// Sets the values at `index`, one per possible CPU.
    pub fn set(&self, index: u32, values: &[V]) -> Result<()> {
        self.target.check(4, size_of::<V>())?;
        let buf = per_cpu_write(values, possible_cpus()?, &self.target)?;
        // SAFETY: sizes checked; `buf` holds one stride per CPU.
        unsafe {
            self.target
                .update((&index as *const u32).cast(), buf.as_ptr(), MapFlags::ANY)
        }
    }
}

handle! {
    /// A queue or stack of values `V`.
    Queue<V>
}

impl<V: Plain> Queue<'_, V> {
    /// Pushes `value` (`MapFlags::EXIST` replaces the oldest value of a full
    /// queue or stack).
    pub fn push(&self, value: &V, flags: MapFlags) -> Result<()> {
        self.target.check(0, size_of::<V>())?;
        // SAFETY: sizes checked; queues take no key.
        unsafe {
            self.target
                .update(std::ptr::null(), (value as *const V).cast(), flags)
        }
    }

    /// Takes the next value (the oldest for a queue, the newest for a
    /// stack); `Ok(None)` when empty.
    pub fn pop(&self) -> Result<Option<V>> {
        self.target.check(0, size_of::<V>())?;
        let mut value = MaybeUninit::<V>::uninit();
        // SAFETY: sizes checked; queues take no key; `value` has room.
        let ret = unsafe {
            libbpf_sys::bpf_map_lookup_and_delete_elem(
                self.target.fd,
                std::ptr::null(),
                value.as_mut_ptr().cast(),
            )
        };
        match ret {
            // SAFETY: the kernel wrote a whole V.
            0 => Ok(Some(unsafe { value.assume_init() })),
            r if -r == ENOENT => Ok(None),
            r => Err(self.target.failed("pop", r)),
        }
    }

    /// The next value, left in place; `Ok(None)` when empty.
    pub fn peek(&self) -> Result<Option<V>> {
        self.target.check(0, size_of::<V>())?;
        let mut value = MaybeUninit::<V>::uninit();
        // SAFETY: sizes checked; queues take no key; `value` has room.
        let found = unsafe {
            self.target
                .lookup(std::ptr::null(), value.as_mut_ptr().cast())?
        };
        // SAFETY: the kernel wrote a whole V.
        Ok(found.then(|| unsafe { value.assume_init() }))
    }
}

/// A typed handle that can stand for an inner map of a [`MapOfMaps`].
pub trait InnerMap: Sized {
    #[doc(hidden)]
    fn from_fd(fd: RawFd, key_size: usize, value_size: usize) -> Self;
}

/// An inner map taken out of a [`MapOfMaps`]: it owns a file descriptor of
/// the map and derefs to its typed handle `H`.
pub struct Owned<H> {
    handle: H,
    _fd: OwnedFd,
}

impl<H: InnerMap> Owned<H> {
    /// Wraps `fd`, reading the map's key and value sizes once.
    fn new(fd: OwnedFd) -> std::io::Result<Self> {
        // SAFETY: all-zero is a valid bpf_map_info.
        let mut info: libbpf_sys::bpf_map_info = unsafe { std::mem::zeroed() };
        let mut len = size_of::<libbpf_sys::bpf_map_info>() as u32;
        // SAFETY: `info` has `len` writable bytes.
        let ret = unsafe {
            libbpf_sys::bpf_map_get_info_by_fd(fd.as_raw_fd(), (&raw mut info).cast(), &mut len)
        };
        if ret != 0 {
            return Err(std::io::Error::from_raw_os_error(-ret));
        }
        Ok(Owned {
            handle: H::from_fd(
                fd.as_raw_fd(),
                info.key_size as usize,
                info.value_size as usize,
            ),
            _fd: fd,
        })
    }
}

impl<H> std::ops::Deref for Owned<H> {
    type Target = H;

    fn deref(&self) -> &H {
        &self.handle
    }
}

impl<H: fmt::Debug> fmt::Debug for Owned<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.handle.fmt(f)
    }
}

handle! {
    /// An array or hash of maps, keyed by `K` (`u32` for arrays), whose
    /// inner maps are typed handles `I` (e.g. `Hash<'static, K2, V2>`).
    /// Inner maps are set by file descriptor and read back by id.
    MapOfMaps<K, I>
}

impl<K: Plain, I: InnerMap> MapOfMaps<'_, K, I> {
    /// The inner map at `key`, if set, with a file descriptor of its own.
    pub fn get(&self, key: &K) -> Result<Option<Owned<I>>> {
        self.target.check(size_of::<K>(), 4)?;
        let mut id = 0u32;
        // SAFETY: sizes checked; the kernel writes a u32 map id.
        let found = unsafe {
            self.target
                .lookup((key as *const K).cast(), (&raw mut id).cast())?
        };
        if !found {
            return Ok(None);
        }
        // SAFETY: no preconditions.
        let fd = unsafe { libbpf_sys::bpf_map_get_fd_by_id(id) };
        if fd < 0 {
            return Err(self.target.failed("open inner map", fd));
        }
        // SAFETY: a new fd we own.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Owned::new(fd).map(Some).map_err(|source| Error::MapOp {
            map: self.target.name(),
            op: "read inner map info",
            source,
        })
    }

    /// Sets `key` to the map whose file descriptor is `inner`.
    pub fn set(&self, key: &K, inner: &impl AsRawFd) -> Result<()> {
        self.target.check(size_of::<K>(), 4)?;
        let fd: u32 = inner.as_raw_fd() as u32;
        // SAFETY: sizes checked; values are u32 file descriptors.
        unsafe {
            self.target.update(
                (key as *const K).cast(),
                (&fd as *const u32).cast(),
                MapFlags::ANY,
            )
        }
    }

    /// Deletes `key`; `Ok(false)` if it was not there.
    pub fn delete(&self, key: &K) -> Result<bool> {
        self.target.delete_key(key, 4)
    }
}

impl<I> AsRawFd for Owned<I> {
    fn as_raw_fd(&self) -> RawFd {
        self._fd.as_raw_fd()
    }
}
