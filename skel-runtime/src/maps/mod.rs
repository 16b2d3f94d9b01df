//! Typed map handles: the generated Rust types of a map's key and value,
//! bound to the map.
//!
//! A skeleton hands out one for every BTF-defined map whose key and value
//! types BTF states (`__type(key, ...)`, `__type(value, ...)`), after load
//! (`skel.maps().<map>()`): lookups, updates, deletes and iteration take
//! and return those types, with no bytes and no `unsafe` in user code.
//! Every operation first checks that the map's key and value sizes are the
//! types' sizes (a map resized through its raw handle gets an error, never
//! a wrong read), then makes one `bpf()` call straight into the value, with
//! no allocation.
//!
//! Many entries at once: `lookup_batch`, `update_batch` and
//! `delete_batch` (and `iter()`, built on `lookup_batch`) move whole
//! slices of keys and values per `bpf()` call with the kernel's batch
//! commands (`BPF_MAP_*_BATCH`, Linux 5.6), and fall back to one call per
//! entry for map types (or kernels) without them; see [`BatchCursor`].
//!
//! | map type | handle |
//! |---|---|
//! | hash, LRU hash, LPM trie, and other keyed maps | [`Hash`](struct@Hash) |
//! | array | [`Array`] (indexed by `u32`) |
//! | per-CPU hash, LRU per-CPU hash | [`PerCpuHash`] (one value per possible CPU) |
//! | per-CPU array | [`PerCpuArray`] |
//! | queue, stack | [`Queue`] (push, pop, peek) |
//! | array and hash of maps | [`MapOfMaps`] (inner maps as owned typed handles) |

use std::fmt;
use std::marker::PhantomData;
use std::mem::{MaybeUninit, size_of};
use std::ops::Deref;
use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd};

use crate::errno::Errno;
use crate::error::{Error, Result};
use crate::map::MapHandle;
use crate::plain::Plain;

mod batch;
mod flags;

pub use batch::{BatchCursor, Iter, PerCpuIter};
pub use flags::MapFlags;

const ENOENT: i32 = libc::ENOENT;

/// A typed handle's map, with whether its key and value sizes are the
/// types' (checked once, when the handle is made: a loaded map's sizes do
/// not change).
#[derive(Clone)]
struct Target<'a> {
    map: MapHandle<'a>,
    /// `Err((what, expected, actual))` when a size disagrees.
    fit: std::result::Result<(), (&'static str, usize, usize)>,
    /// Whether batch operations try the kernel's batch commands (off only
    /// through the test switch `__without_batch`: one call per entry).
    batch: bool,
}

impl<'a> Target<'a> {
    fn new(map: MapHandle<'a>, key: usize, value: usize) -> Self {
        let info = map.info();
        let mut fit = Ok(());
        for (what, expected, actual) in [
            ("key", key, info.key_size as usize),
            ("value", value, info.value_size as usize),
        ] {
            if fit.is_ok() && expected != actual {
                fit = Err((what, expected, actual));
            }
        }
        Target {
            map,
            fit,
            batch: true,
        }
    }

    fn name(&self) -> &str {
        self.map.name()
    }

    /// Ready for `op`: created, and the sizes agree with the types.
    fn check(&self, op: &'static str) -> Result<()> {
        self.map.ready(op)?;
        match self.fit {
            Ok(()) => Ok(()),
            Err((what, expected, actual)) => Err(Error::MapTypeSize {
                map: self.name().to_owned(),
                what,
                expected,
                actual,
            }),
        }
    }

    fn failed(&self, op: &'static str, ret: i32) -> Error {
        self.map.op_error(op, Errno::new(ret))
    }

    /// `bpf_map_lookup_elem` into `value`; `Ok(false)` when the key is
    /// absent.
    ///
    /// # Safety
    ///
    /// `key` must point to a key of the map's key size (or be null for
    /// maps without keys), `value` to as many writable bytes as the kernel
    /// writes for one lookup.
    unsafe fn lookup(&self, key: *const u8, value: *mut u8) -> Result<bool> {
        // SAFETY: per the caller.
        let ret =
            unsafe { libbpf_sys::bpf_map_lookup_elem(self.map.raw_fd(), key.cast(), value.cast()) };
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
            libbpf_sys::bpf_map_update_elem(
                self.map.raw_fd(),
                key.cast(),
                value.cast(),
                flags.bits(),
            )
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
        let ret = unsafe { libbpf_sys::bpf_map_delete_elem(self.map.raw_fd(), key.cast()) };
        match ret {
            0 => Ok(true),
            r if -r == ENOENT => Ok(false),
            r => Err(self.failed("delete", r)),
        }
    }

    /// Deletes `key`; `Ok(false)` if it was not there.
    fn delete_key<K: Plain>(&self, key: &K) -> Result<bool> {
        self.check("delete")?;
        // SAFETY: sizes checked.
        unsafe { self.delete((key as *const K).cast()) }
    }

    /// Every key (none if the handle is not ready).
    fn keys<K: Plain>(&self) -> Keys<'_, K> {
        Keys {
            target: self,
            last: None,
            done: false,
            unready: self.check("iterate keys").err(),
        }
    }

    /// The key after `key` (the first key when `key` is `None`).
    fn next_key<K: Plain>(&self, key: Option<&K>) -> Result<Option<K>> {
        let mut next = MaybeUninit::<K>::uninit();
        let key = key.map_or(std::ptr::null(), |k| (k as *const K).cast::<u8>());
        // SAFETY: keys are K-sized (checked by callers); `next` has room.
        let ret = unsafe {
            libbpf_sys::bpf_map_get_next_key(
                self.map.raw_fd(),
                key.cast(),
                next.as_mut_ptr().cast(),
            )
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
/// `bpf_map_get_next_key` walk. A handle that cannot iterate (a map not
/// created, sizes that disagree) yields that error once, then nothing.
/// `Send` and `Sync`, as the handle it borrows: each step is a `bpf()`
/// call.
pub struct Keys<'t, K> {
    target: &'t Target<'t>,
    last: Option<K>,
    done: bool,
    /// Why the handle cannot iterate: the first item.
    unready: Option<Error>,
}

impl<K: Plain> Iterator for Keys<'_, K> {
    type Item = Result<K>;

    fn next(&mut self) -> Option<Result<K>> {
        if let Some(e) = self.unready.take() {
            self.done = true;
            return Some(Err(e));
        }
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
    ($(#[$doc:meta])* $name:ident<$($p:ident),*> key $key:expr, value $value:expr) => {
        $(#[$doc])*
        ///
        /// It borrows the skeleton for `'a` and costs nothing to make;
        /// `into_owned()` gives one that owns a duplicate file descriptor,
        /// with no lifetime, to keep in a struct or move into another
        /// thread or task. It derefs to its [`MapHandle`] (name, fd, info,
        /// pinning, with the `libbpf-rs` feature libbpf-rs's handle). `Send` and `Sync`: every operation
        /// is a `bpf()` call on the map's file descriptor.
        pub struct $name<'a, $($p),*> {
            target: Target<'a>,
            _types: PhantomData<fn($($p,)*) -> ($($p,)*)>,
        }

        impl<'a, $($p),*> $name<'a, $($p),*> {
            #[doc(hidden)]
            pub fn __new(map: MapHandle<'a>) -> Self {
                $name {
                    target: Target::new(map, $key, $value),
                    _types: PhantomData,
                }
            }

            /// This handle, owning a duplicate of the map's file
            /// descriptor (see the type's docs).
            pub fn into_owned(self) -> Result<$name<'static, $($p),*>> {
                Ok($name {
                    target: Target {
                        map: self.target.map.into_owned()?,
                        fit: self.target.fit,
                        batch: self.target.batch,
                    },
                    _types: PhantomData,
                })
            }

            /// Test switch: this handle with its batch operations (and
            /// `iter()`) made of one `bpf()` call per entry, what they fall
            /// back to on kernels and map types without batch commands.
            #[doc(hidden)]
            pub fn __without_batch(mut self) -> Self {
                self.target.batch = false;
                self
            }
        }

        impl<'a, $($p),*> Clone for $name<'a, $($p),*> {
            fn clone(&self) -> Self {
                $name {
                    target: self.target.clone(),
                    _types: PhantomData,
                }
            }
        }

        impl<'a, $($p),*> Deref for $name<'a, $($p),*> {
            type Target = MapHandle<'a>;

            fn deref(&self) -> &MapHandle<'a> {
                &self.target.map
            }
        }

        impl<$($p),*> AsFd for $name<'_, $($p),*> {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.target.map.as_fd()
            }
        }

        impl<$($p),*> fmt::Debug for $name<'_, $($p),*> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name))
                    .field(&self.target.map)
                    .finish()
            }
        }

        impl<$($p),*> InnerMap for $name<'static, $($p),*> {
            fn __from_handle(map: MapHandle<'static>) -> Self {
                $name::__new(map)
            }
        }
    };
}

handle! {
    /// A map of keys `K` to values `V`: hash, LRU hash, LPM trie, and other
    /// keyed maps.
    Hash<K, V> key size_of::<K>(), value size_of::<V>()
}

impl<K: Plain, V: Plain> Hash<'_, K, V> {
    /// The value of `key`, if present.
    pub fn lookup(&self, key: &K) -> Result<Option<V>> {
        self.target.check("lookup")?;
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
        self.target.check("update")?;
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
        self.target.delete_key(key)
    }

    /// Every key, in the kernel's order.
    pub fn keys(&self) -> Keys<'_, K> {
        self.target.keys()
    }
}

handle! {
    /// An array map of values `V`, indexed by `u32`.
    Array<V> key 4, value size_of::<V>()
}

impl<V: Plain> Array<'_, V> {
    /// The value at `index`; `Ok(None)` past the end.
    pub fn get(&self, index: u32) -> Result<Option<V>> {
        self.target.check("get")?;
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
        self.target.check("set")?;
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
        errno: Errno::new(n),
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
            map: map.name().to_owned(),
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
    PerCpuHash<K, V> key size_of::<K>(), value size_of::<V>()
}

impl<K: Plain, V: Plain> PerCpuHash<'_, K, V> {
    /// The values of `key`, one per possible CPU, if present.
    pub fn lookup(&self, key: &K) -> Result<Option<Vec<V>>> {
        self.target.check("lookup")?;
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
        self.target.check("update")?;
        let buf = per_cpu_write(values, possible_cpus()?, &self.target)?;
        // SAFETY: sizes checked; `buf` holds one stride per CPU.
        unsafe {
            self.target
                .update((key as *const K).cast(), buf.as_ptr(), flags)
        }
    }

    /// Deletes `key`; `Ok(false)` if it was not there.
    pub fn delete(&self, key: &K) -> Result<bool> {
        self.target.delete_key(key)
    }

    /// Every key, in the kernel's order.
    pub fn keys(&self) -> Keys<'_, K> {
        self.target.keys()
    }
}

handle! {
    /// A per-CPU array of values `V`, indexed by `u32`: one value per
    /// possible CPU ([`possible_cpus`]).
    PerCpuArray<V> key 4, value size_of::<V>()
}

impl<V: Plain> PerCpuArray<'_, V> {
    /// The values at `index`, one per possible CPU; `Ok(None)` past the end.
    pub fn get(&self, index: u32) -> Result<Option<Vec<V>>> {
        self.target.check("get")?;
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
        self.target.check("set")?;
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
    Queue<V> key 0, value size_of::<V>()
}

impl<V: Plain> Queue<'_, V> {
    /// Pushes `value` (`MapFlags::EXIST` replaces the oldest value of a full
    /// queue or stack).
    pub fn push(&self, value: &V, flags: MapFlags) -> Result<()> {
        self.target.check("push")?;
        // SAFETY: sizes checked; queues take no key.
        unsafe {
            self.target
                .update(std::ptr::null(), (value as *const V).cast(), flags)
        }
    }

    /// Takes the next value (the oldest for a queue, the newest for a
    /// stack); `Ok(None)` when empty.
    pub fn pop(&self) -> Result<Option<V>> {
        self.target.check("pop")?;
        let mut value = MaybeUninit::<V>::uninit();
        // SAFETY: sizes checked; queues take no key; `value` has room.
        let ret = unsafe {
            libbpf_sys::bpf_map_lookup_and_delete_elem(
                self.target.map.raw_fd(),
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
        self.target.check("peek")?;
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

/// A typed handle that can stand for an inner map of a [`MapOfMaps`]:
/// every typed map handle of `'static` lifetime.
pub trait InnerMap: Sized {
    #[doc(hidden)]
    fn __from_handle(map: MapHandle<'static>) -> Self;
}

handle! {
    /// An array or hash of maps, keyed by `K` (`u32` for arrays), whose
    /// inner maps are typed handles `I` (e.g. `Hash<'static, K2, V2>`).
    /// Inner maps are set by file descriptor and read back by id.
    MapOfMaps<K, I> key size_of::<K>(), value 4
}

impl<K: Plain, I: InnerMap> MapOfMaps<'_, K, I> {
    /// The inner map at `key`, if set, as a typed handle owning a file
    /// descriptor of its own.
    pub fn get(&self, key: &K) -> Result<Option<I>> {
        self.target.check("get")?;
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
        let map = MapHandle::from_owned_fd(fd)
            .map_err(|errno| self.target.map.op_error("read inner map info", errno))?;
        Ok(Some(I::__from_handle(map)))
    }

    /// Sets `key` to the map whose file descriptor is `inner`.
    pub fn set(&self, key: &K, inner: &impl AsFd) -> Result<()> {
        self.target.check("set")?;
        let fd: u32 = std::os::fd::AsRawFd::as_raw_fd(&inner.as_fd()) as u32;
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
        self.target.delete_key(key)
    }
}
