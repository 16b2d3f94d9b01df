//! Batch operations: many entries of a map per `bpf()` call.
//!
//! The kernel's batch commands (`BPF_MAP_LOOKUP_BATCH`,
//! `BPF_MAP_UPDATE_BATCH`, `BPF_MAP_DELETE_BATCH`, Linux 5.6) take arrays
//! of keys and values: keys packed at the key size, values at the value
//! size, and per-CPU values as one 8-byte-aligned slot per possible CPU,
//! key after key. A lookup batch walks the map from a position the kernel
//! hands back (a bucket index for hash maps, the last key for others);
//! [`BatchCursor`] keeps it.
//!
//! Map types without batch commands (stack trace maps, for example), and
//! kernels before 5.6, refuse the first call (`EINVAL`, `ENOTSUPP`,
//! `EOPNOTSUPP`); every operation here then does the same work with one
//! call per entry (`bpf_map_get_next_key` and lookup, update, delete), so
//! the result is the same, only slower.
//!
//! Other errors name the operation and carry the kernel's errno
//! ([`Error::MapOp`]). Entries are processed in order; an update or delete
//! that fails has done the entries before the failing one.

use std::fmt;
use std::iter::FusedIterator;
use std::mem::size_of;
use std::ptr;

use super::{
    Array, ENOENT, Hash, MapFlags, PerCpuArray, PerCpuHash, Target, per_cpu_stride, possible_cpus,
};
use crate::errno::ENOTSUPP;
use crate::error::{Error, Result};
use crate::plain::Plain;

/// Where a walk over a map's entries stands, for `lookup_batch`: start
/// with [`BatchCursor::new`], call `lookup_batch` until it returns 0 (then
/// [`BatchCursor::is_done`] is true). One cursor serves one walk of one map.
///
/// ```no_run
/// # fn f(counts: skel_runtime::maps::Hash<'_, u32, u64>) -> skel_runtime::Result<()> {
/// use skel_runtime::maps::BatchCursor;
///
/// let mut cursor = BatchCursor::new();
/// let (mut keys, mut values) = (Vec::new(), Vec::new());
/// while counts.lookup_batch(&mut cursor, &mut keys, &mut values, 4096)? > 0 {}
/// // keys[i] had values[i]
/// # Ok(()) }
/// ```
///
/// # Batch operations
///
/// `lookup_batch`, `update_batch`, `delete_batch` and `iter()` of the
/// typed handles move many entries per `bpf()` call with the kernel's
/// batch commands (`BPF_MAP_LOOKUP_BATCH`, `BPF_MAP_UPDATE_BATCH`,
/// `BPF_MAP_DELETE_BATCH`, Linux 5.6). Map types without them (stack trace
/// maps, for example), and older kernels, refuse the first call (`ENOTSUPP`,
/// `EINVAL`, `EOPNOTSUPP`); the operation then does the same work with one
/// call per entry (`bpf_map_get_next_key` and a lookup, an update or a
/// delete), with the same result, only slower
/// ([`BatchCursor::is_key_walk`] tells for lookups). Other errors name the
/// operation and carry the kernel's errno ([`Error::MapOp`]). Entries are
/// processed in order: an update or delete that fails has done the
/// entries before the failing one.
///
/// # Concurrent changes
///
/// A walk sees the map as it changes: entries added or deleted while it
/// runs may be seen or not, and a key walk that loses its place because
/// its last key was deleted starts over, repeating keys, as every
/// `bpf_map_get_next_key` walk does. Hash maps are read a bucket at a time
/// (a batch never splits a bucket), each bucket as it was at one moment.
#[derive(Clone, Default)]
pub struct BatchCursor {
    state: State,
    /// Whether this walk went key by key (kept once it is done).
    key_walk: bool,
    /// The position: the kernel's token (batch commands), or the last key
    /// read (key walk), in 8-byte words so any key fits, aligned.
    token: Vec<u64>,
    /// Where the kernel writes the next token; swapped with `token` once a
    /// call succeeds, so a failed call leaves the position as it was.
    next: Vec<u64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    /// Nothing read yet.
    #[default]
    Start,
    /// Batch commands; `token` holds the kernel's position.
    Batch,
    /// Key walk; `token` holds the last key read once `read`.
    Walk { read: bool },
    /// The walk reached the end.
    Done,
}

impl BatchCursor {
    /// A cursor at the start of a map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Has the walk reached the end of the map?
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Does the walk go key by key (`bpf_map_get_next_key` and a lookup
    /// per entry) because the map type or the kernel has no batch
    /// commands? Known after the first `lookup_batch`.
    pub fn is_key_walk(&self) -> bool {
        self.key_walk
    }

    /// Back to the start, for a new walk.
    pub fn reset(&mut self) {
        self.state = State::Start;
        self.key_walk = false;
    }

    /// Goes key by key from the start.
    fn start_key_walk(&mut self) {
        self.state = State::Walk { read: false };
        self.key_walk = true;
    }

    /// Room for tokens of `words` words.
    fn fit(&mut self, words: usize) {
        for buf in [&mut self.token, &mut self.next] {
            if buf.len() < words {
                buf.resize(words, 0);
            }
        }
    }
}

impl fmt::Debug for BatchCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchCursor")
            .field("state", &self.state)
            .field("key_walk", &self.key_walk)
            .finish_non_exhaustive()
    }
}

/// Bytes per entry in batch buffers: the key size, and the value size
/// (per-CPU maps: one 8-byte-aligned slot per possible CPU).
#[derive(Clone, Copy)]
struct Strides {
    key: usize,
    value: usize,
}

impl Strides {
    /// For keys `K` and values `V`, `cpus` slots of them per key when
    /// given (per-CPU maps).
    fn of<K, V>(per_cpu: Option<usize>) -> Self {
        Strides {
            key: size_of::<K>(),
            value: per_cpu.map_or(size_of::<V>(), |cpus| per_cpu_stride::<V>() * cpus),
        }
    }
}

/// Does a first batch call's error mean "no batch commands here"?
/// `ENOTSUPP`: the map type has none; `EINVAL`: the kernel does not know
/// the command (before 5.6); `EOPNOTSUPP`, for good measure.
fn unsupported(ret: i32) -> bool {
    let errno = -ret;
    errno == libc::EINVAL || errno == ENOTSUPP || errno == libc::EOPNOTSUPP
}

fn no_memory(target: &Target<'_>, op: &'static str) -> Error {
    target.failed(op, -libc::ENOMEM)
}

impl Target<'_> {
    /// Reads up to `max` entries at `cursor` into `keys` and `values`
    /// (entry `i` at `keys + i * s.key`, `values + i * s.value`), moving
    /// the cursor past them; returns how many. Fewer than `max` (0 at the
    /// end) does not mean the end: [`BatchCursor::is_done`] says.
    ///
    /// # Safety
    ///
    /// `keys` must have room for `max` keys and `values` for `max` values,
    /// with `s` the map's strides (its key size; its value size, or for a
    /// per-CPU map an 8-byte-aligned slot per possible CPU).
    unsafe fn lookup_batch_raw(
        &self,
        cursor: &mut BatchCursor,
        keys: *mut u8,
        values: *mut u8,
        s: Strides,
        max: usize,
    ) -> Result<usize> {
        let max = u32::try_from(max).unwrap_or(u32::MAX);
        if max == 0 {
            return Ok(0);
        }
        // A hash map's token is a u32 bucket index; other maps' is a key.
        cursor.fit(s.key.max(4).div_ceil(8));
        loop {
            match cursor.state {
                State::Done => return Ok(0),
                State::Start if !self.batch => cursor.start_key_walk(),
                State::Walk { read } => {
                    // SAFETY: per the caller.
                    return unsafe { self.walk(cursor, read, keys, values, s, max as usize) };
                }
                State::Start | State::Batch => {
                    let first = cursor.state == State::Start;
                    let in_batch = if first {
                        ptr::null_mut()
                    } else {
                        cursor.token.as_mut_ptr().cast()
                    };
                    let mut count = max;
                    // SAFETY: `in_batch` is null (from the start) or the
                    // token the kernel wrote last time; `next` has room
                    // for a token (a key, or a u32); `keys` and `values`
                    // have room for `count` entries at the map's strides
                    // (per the caller), what the kernel writes at most;
                    // no options.
                    let ret = unsafe {
                        libbpf_sys::bpf_map_lookup_batch(
                            self.map.raw_fd(),
                            in_batch,
                            cursor.next.as_mut_ptr().cast(),
                            keys.cast(),
                            values.cast(),
                            &mut count,
                            ptr::null(),
                        )
                    };
                    // The kernel reports how many it wrote, never more
                    // than asked; clamped all the same.
                    let read = count.min(max) as usize;
                    match ret {
                        0 => {
                            std::mem::swap(&mut cursor.token, &mut cursor.next);
                            cursor.state = State::Batch;
                            return Ok(read);
                        }
                        // The end, with the last entries.
                        r if -r == ENOENT => {
                            cursor.state = State::Done;
                            return Ok(read);
                        }
                        r if first && unsupported(r) => cursor.start_key_walk(),
                        r => return Err(self.failed("lookup batch", r)),
                    }
                }
            }
        }
    }

    /// [`Target::lookup_batch_raw`] key by key: `bpf_map_get_next_key`
    /// from the last key read, then a lookup (keys deleted in between are
    /// skipped). A failure after some entries returns those; the cursor
    /// stays on the last one, so the next call meets the failure again.
    ///
    /// # Safety
    ///
    /// As for [`Target::lookup_batch_raw`]; `cursor.token` holds at least
    /// the key size.
    unsafe fn walk(
        &self,
        cursor: &mut BatchCursor,
        mut read: bool,
        keys: *mut u8,
        values: *mut u8,
        s: Strides,
        max: usize,
    ) -> Result<usize> {
        let fd = self.map.raw_fd();
        let mut n = 0;
        let give = |n: usize, op: &'static str, ret: i32| {
            if n > 0 {
                Ok(n)
            } else {
                Err(self.failed(op, ret))
            }
        };
        while n < max {
            // SAFETY: n < max: slot n lies inside the caller's buffers.
            let (key, value) = unsafe { (keys.add(n * s.key), values.add(n * s.value)) };
            let prev = if read {
                cursor.token.as_ptr().cast()
            } else {
                ptr::null()
            };
            // SAFETY: `prev` is null or the last key read (the token has
            // room for a key); `key` has room for one key.
            let ret = unsafe { libbpf_sys::bpf_map_get_next_key(fd, prev, key.cast()) };
            if ret == -ENOENT {
                cursor.state = State::Done;
                return Ok(n);
            }
            if ret != 0 {
                return give(n, "get next key", ret);
            }
            // SAFETY: `key` holds a key the kernel wrote; `value` has room
            // for one value of the map's stride, what a lookup writes.
            let ret = unsafe { libbpf_sys::bpf_map_lookup_elem(fd, key.cast(), value.cast()) };
            if ret != 0 && ret != -ENOENT {
                return give(n, "lookup", ret);
            }
            // SAFETY: `key` holds a whole key; the token (a buffer of the
            // cursor's own) has room for it.
            unsafe { ptr::copy_nonoverlapping(key, cursor.token.as_mut_ptr().cast(), s.key) };
            read = true;
            cursor.state = State::Walk { read };
            // A key deleted since get-next-key is skipped: its slot is
            // reused.
            if ret == 0 {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Sets `count` keys to their values, in batches where the kernel can.
    ///
    /// # Safety
    ///
    /// `keys` must hold `count` keys and `values` `count` values, with `s`
    /// the map's strides.
    unsafe fn update_batch_raw(
        &self,
        keys: *const u8,
        values: *const u8,
        s: Strides,
        count: usize,
    ) -> Result<()> {
        let mut done = 0;
        if self.batch {
            while done < count {
                let n = u32::try_from(count - done).unwrap_or(u32::MAX);
                let mut asked = n;
                // SAFETY: entries done..done + n lie inside the caller's
                // arrays; the kernel reads `asked` of each; no options.
                let ret = unsafe {
                    libbpf_sys::bpf_map_update_batch(
                        self.map.raw_fd(),
                        keys.add(done * s.key).cast(),
                        values.add(done * s.value).cast(),
                        &mut asked,
                        ptr::null(),
                    )
                };
                if ret == 0 {
                    done += n as usize;
                } else if done == 0 && unsupported(ret) {
                    break;
                } else {
                    return Err(self.failed("update batch", ret));
                }
            }
            if done == count {
                return Ok(());
            }
        }
        for i in done..count {
            // SAFETY: entry i lies inside the caller's arrays.
            unsafe {
                self.update(keys.add(i * s.key), values.add(i * s.value), MapFlags::ANY)?;
            }
        }
        Ok(())
    }

    /// Deletes `count` keys, in batches where the kernel can; returns how
    /// many were there.
    ///
    /// # Safety
    ///
    /// `keys` must hold `count` keys of the map's key size `key`.
    unsafe fn delete_batch_raw(&self, keys: *const u8, key: usize, count: usize) -> Result<usize> {
        let (mut done, mut deleted) = (0, 0);
        if self.batch {
            while done < count {
                let n = u32::try_from(count - done).unwrap_or(u32::MAX);
                let mut did = n;
                // SAFETY: keys done..done + n lie inside the caller's
                // array; the kernel reads `did` of them; no options.
                let ret = unsafe {
                    libbpf_sys::bpf_map_delete_batch(
                        self.map.raw_fd(),
                        keys.add(done * key).cast(),
                        &mut did,
                        ptr::null(),
                    )
                };
                match ret {
                    0 => {
                        done += n as usize;
                        deleted += n as usize;
                    }
                    // The kernel stops at the first absent key, having
                    // deleted the `did` before it: skip it, go on.
                    r if -r == ENOENT && did < n => {
                        deleted += did as usize;
                        done += did as usize + 1;
                    }
                    r if done == 0 && unsupported(r) => break,
                    r => return Err(self.failed("delete batch", r)),
                }
            }
            if done >= count {
                return Ok(deleted);
            }
        }
        for i in done..count {
            // SAFETY: key i lies inside the caller's array.
            if unsafe { self.delete(keys.add(i * key))? } {
                deleted += 1;
            }
        }
        Ok(deleted)
    }
}

/// `Vec::try_reserve`, failing as the operation `op` with `ENOMEM`.
fn reserve<T>(target: &Target<'_>, v: &mut Vec<T>, more: usize, op: &'static str) -> Result<()> {
    v.try_reserve(more).map_err(|_| no_memory(target, op))
}

/// Every handle's `lookup_batch`: appends up to `max` entries at `cursor`
/// to `keys` and `values` (per-CPU: `cpus` values per key).
fn lookup_into<K: Plain, V: Plain>(
    target: &Target<'_>,
    cursor: &mut BatchCursor,
    keys: &mut Vec<K>,
    values: &mut Vec<V>,
    max: usize,
    per_cpu: bool,
) -> Result<usize> {
    const OP: &str = "lookup batch";
    target.check(OP)?;
    if cursor.is_done() {
        return Ok(0);
    }
    let cpus = if per_cpu { possible_cpus()? } else { 1 };
    // One call never returns more entries than the map holds: no room is
    // reserved beyond.
    let max = max.min(target.map.info().max_entries.max(1) as usize);
    let s = Strides::of::<K, V>(per_cpu.then_some(cpus));
    let slots = max.checked_mul(cpus).ok_or_else(|| no_memory(target, OP))?;
    reserve(target, keys, max, OP)?;
    let key_buf = keys.spare_capacity_mut().as_mut_ptr().cast::<u8>();
    // A per-CPU value whose size is a multiple of 8 fills its slot: the
    // kernel's layout is then that of `[V]`, and it writes into `values`
    // directly; otherwise into a buffer of slots, unpacked after.
    let read = if !per_cpu || size_of::<V>().is_multiple_of(8) {
        reserve(target, values, slots, OP)?;
        let value_buf = values.spare_capacity_mut().as_mut_ptr().cast::<u8>();
        // SAFETY: both buffers have room for `max` entries at the map's
        // strides (the key and value sizes were checked; `max * cpus`
        // values of size 8k are `max` per-CPU strides).
        let read = unsafe { target.lookup_batch_raw(cursor, key_buf, value_buf, s, max)? };
        // SAFETY: the kernel wrote `read` whole values (`read * cpus`
        // per-CPU), within the capacity; any bytes are a V.
        unsafe { values.set_len(values.len() + read * cpus) };
        read
    } else {
        let bytes = max
            .checked_mul(s.value)
            .ok_or_else(|| no_memory(target, OP))?;
        let mut buf: Vec<u8> = Vec::new();
        reserve(target, &mut buf, bytes, OP)?;
        buf.resize(bytes, 0);
        // SAFETY: `key_buf` has room for `max` keys, `buf` for `max`
        // per-CPU strides.
        let read = unsafe { target.lookup_batch_raw(cursor, key_buf, buf.as_mut_ptr(), s, max)? };
        reserve(target, values, read * cpus, OP)?;
        let slot = per_cpu_stride::<V>();
        values.extend(
            buf.chunks_exact(slot)
                .take(read * cpus)
                // SAFETY: a slot holds at least size_of::<V>() initialised
                // bytes; any bytes are a V; the read may be unaligned.
                .map(|b| unsafe { b.as_ptr().cast::<V>().read_unaligned() }),
        );
        read
    };
    // SAFETY: the kernel wrote `read` whole keys into the capacity; any
    // bytes are a K.
    unsafe { keys.set_len(keys.len() + read) };
    Ok(read)
}

/// Every handle's `update_batch` (per-CPU: `cpus` values per key).
fn update_from<K: Plain, V: Plain>(
    target: &Target<'_>,
    keys: &[K],
    values: &[V],
    per_cpu: bool,
) -> Result<()> {
    const OP: &str = "update batch";
    target.check(OP)?;
    let cpus = if per_cpu { possible_cpus()? } else { 1 };
    if keys.len().checked_mul(cpus) != Some(values.len()) {
        return Err(Error::BatchLength {
            map: target.name().to_owned(),
            keys: keys.len(),
            values: values.len(),
            per_key: cpus,
        });
    }
    if keys.is_empty() {
        return Ok(());
    }
    let s = Strides::of::<K, V>(per_cpu.then_some(cpus));
    if !per_cpu || size_of::<V>().is_multiple_of(8) {
        // SAFETY: `keys.len()` keys and values at the map's strides (sizes
        // checked; per-CPU values of size 8k are their own slots).
        return unsafe {
            target.update_batch_raw(keys.as_ptr().cast(), values.as_ptr().cast(), s, keys.len())
        };
    }
    let slot = per_cpu_stride::<V>();
    let bytes = values
        .len()
        .checked_mul(slot)
        .ok_or_else(|| no_memory(target, OP))?;
    let mut buf: Vec<u8> = Vec::new();
    reserve(target, &mut buf, bytes, OP)?;
    buf.resize(bytes, 0);
    for (chunk, v) in buf.chunks_exact_mut(slot).zip(values) {
        // SAFETY: a slot has room for a V; the write may be unaligned.
        unsafe { chunk.as_mut_ptr().cast::<V>().write_unaligned(*v) };
    }
    // SAFETY: `keys.len()` keys, and as many per-CPU strides in `buf`.
    unsafe { target.update_batch_raw(keys.as_ptr().cast(), buf.as_ptr(), s, keys.len()) }
}

/// Every handle's `delete_batch`.
fn delete_from<K: Plain>(target: &Target<'_>, keys: &[K]) -> Result<usize> {
    target.check("delete batch")?;
    // SAFETY: `keys.len()` keys of the map's key size (checked).
    unsafe { target.delete_batch_raw(keys.as_ptr().cast(), size_of::<K>(), keys.len()) }
}

/// Bytes an iterator reads per call, about: large enough that the
/// system call costs little per entry, small enough to stay in cache.
const CHUNK_BYTES: usize = 64 << 10;

/// The entries of a map, a batch at a time, for [`Iter`] and
/// [`PerCpuIter`].
struct Chunks<'h, K, V> {
    target: &'h Target<'h>,
    per_cpu: bool,
    cursor: BatchCursor,
    keys: Vec<K>,
    values: Vec<V>,
    /// The next entry of `keys` to hand out.
    next: usize,
    /// Entries per call.
    chunk: usize,
    finished: bool,
}

impl<'h, K: Plain, V: Plain> Chunks<'h, K, V> {
    fn new(target: &'h Target<'h>, per_cpu: bool) -> Self {
        let cpus = if per_cpu {
            possible_cpus().unwrap_or(1)
        } else {
            1
        };
        let s = Strides::of::<K, V>(per_cpu.then_some(cpus));
        Chunks {
            target,
            per_cpu,
            cursor: BatchCursor::new(),
            keys: Vec::new(),
            values: Vec::new(),
            next: 0,
            chunk: (CHUNK_BYTES / (s.key + s.value).max(1)).clamp(64, 8192),
            finished: false,
        }
    }

    /// The index of the next entry in `keys` (and its values in `values`,
    /// `values.len() / keys.len()` per key).
    fn next_index(&mut self) -> Option<Result<usize>> {
        while self.next >= self.keys.len() {
            if self.finished {
                return None;
            }
            self.keys.clear();
            self.values.clear();
            self.next = 0;
            match lookup_into(
                self.target,
                &mut self.cursor,
                &mut self.keys,
                &mut self.values,
                self.chunk,
                self.per_cpu,
            ) {
                // The kernel returns no entries only at the end.
                Ok(0) => self.finished = true,
                Ok(_) => {}
                // A hash map bucket holds more entries than a chunk: read
                // more at once (a chunk never needs more than the map's
                // capacity).
                Err(e)
                    if e.raw_os_error() == Some(libc::ENOSPC)
                        && self.chunk < self.target.map.info().max_entries as usize =>
                {
                    self.chunk = self.chunk.saturating_mul(2);
                }
                Err(e) => {
                    self.finished = true;
                    return Some(Err(e));
                }
            }
        }
        let i = self.next;
        self.next += 1;
        Some(Ok(i))
    }

    fn per_key(&self) -> usize {
        self.values.len() / self.keys.len().max(1)
    }
}

/// Every entry of a hash map with its value, in the kernel's order, read
/// a batch at a time ([`Hash::iter`]). Under concurrent updates it may
/// skip or repeat keys (see [`BatchCursor`]). After an error it ends.
pub struct Iter<'h, K, V> {
    chunks: Chunks<'h, K, V>,
}

impl<K: Plain, V: Plain> Iterator for Iter<'_, K, V> {
    type Item = Result<(K, V)>;

    fn next(&mut self) -> Option<Result<(K, V)>> {
        let i = match self.chunks.next_index()? {
            Ok(i) => i,
            Err(e) => return Some(Err(e)),
        };
        let c = &self.chunks;
        c.keys
            .get(i)
            .zip(c.values.get(i))
            .map(|(k, v)| Ok((*k, *v)))
    }
}

impl<K: Plain, V: Plain> FusedIterator for Iter<'_, K, V> {}

impl<K, V> fmt::Debug for Iter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("map", &self.chunks.target.name())
            .field("cursor", &self.chunks.cursor)
            .finish_non_exhaustive()
    }
}

/// Every entry of a per-CPU hash map with its values (one per possible
/// CPU), in the kernel's order, read a batch at a time
/// ([`PerCpuHash::iter`]). Under concurrent updates it may skip or repeat
/// keys (see [`BatchCursor`]). After an error it ends.
pub struct PerCpuIter<'h, K, V> {
    chunks: Chunks<'h, K, V>,
}

impl<K: Plain, V: Plain> Iterator for PerCpuIter<'_, K, V> {
    type Item = Result<(K, Vec<V>)>;

    fn next(&mut self) -> Option<Result<(K, Vec<V>)>> {
        let i = match self.chunks.next_index()? {
            Ok(i) => i,
            Err(e) => return Some(Err(e)),
        };
        let c = &self.chunks;
        let per_key = c.per_key();
        let values = c.values.get(i * per_key..(i + 1) * per_key)?;
        c.keys.get(i).map(|k| Ok((*k, values.to_vec())))
    }
}

impl<K: Plain, V: Plain> FusedIterator for PerCpuIter<'_, K, V> {}

impl<K, V> fmt::Debug for PerCpuIter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerCpuIter")
            .field("map", &self.chunks.target.name())
            .field("cursor", &self.chunks.cursor)
            .finish_non_exhaustive()
    }
}

impl<K: Plain, V: Plain> Hash<'_, K, V> {
    /// Appends up to `max` entries, from where `cursor` stands, to `keys`
    /// and `values` (`keys[i]` has `values[i]`) and moves the cursor past
    /// them; returns how many. 0 means the end ([`BatchCursor::is_done`]).
    ///
    /// One `BPF_MAP_LOOKUP_BATCH` call, or a key walk where the map type
    /// or kernel has none (see [`BatchCursor`]). A hash
    /// map's batch holds whole buckets: a `max` smaller than a bucket's
    /// entries fails with `ENOSPC` (retry with a larger `max`; buckets
    /// rarely hold more than a handful).
    pub fn lookup_batch(
        &self,
        cursor: &mut BatchCursor,
        keys: &mut Vec<K>,
        values: &mut Vec<V>,
        max: usize,
    ) -> Result<usize> {
        lookup_into(&self.target, cursor, keys, values, max, false)
    }

    /// Sets each key of `keys` to the value at the same index of `values`
    /// (as [`Hash::insert`] does), in one `BPF_MAP_UPDATE_BATCH` call (or
    /// one update per key where the map type has no batch commands).
    /// `keys` and `values` must have the same length
    /// ([`Error::BatchLength`]). On an error, the keys before the failing
    /// one are set.
    pub fn update_batch(&self, keys: &[K], values: &[V]) -> Result<()> {
        update_from(&self.target, keys, values, false)
    }

    /// Deletes `keys` (`BPF_MAP_DELETE_BATCH`, or one delete per key where
    /// the map type has no batch commands); returns how many were there.
    pub fn delete_batch(&self, keys: &[K]) -> Result<usize> {
        delete_from(&self.target, keys)
    }

    /// Every key with its value, read a batch at a time with
    /// `BPF_MAP_LOOKUP_BATCH` (a key walk, `bpf_map_get_next_key` and a
    /// lookup per key, where the map type or kernel has no batch
    /// commands). Under concurrent updates it may skip or repeat keys, as
    /// a key walk may.
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter {
            chunks: Chunks::new(&self.target, false),
        }
    }
}

impl<K: Plain, V: Plain> PerCpuHash<'_, K, V> {
    /// Appends up to `max` entries, from where `cursor` stands: their keys
    /// to `keys`, their values to `values`, [`possible_cpus`] values per
    /// key (the values of `keys[i]` are `values[i * cpus..(i + 1) *
    /// cpus]`); returns how many entries. 0 means the end. As
    /// [`Hash::lookup_batch`] otherwise.
    pub fn lookup_batch(
        &self,
        cursor: &mut BatchCursor,
        keys: &mut Vec<K>,
        values: &mut Vec<V>,
        max: usize,
    ) -> Result<usize> {
        lookup_into(&self.target, cursor, keys, values, max, true)
    }

    /// Sets each key of `keys` to its values in `values`, [`possible_cpus`]
    /// per key, key after key ([`Error::BatchLength`] for another count).
    /// As [`Hash::update_batch`] otherwise.
    pub fn update_batch(&self, keys: &[K], values: &[V]) -> Result<()> {
        update_from(&self.target, keys, values, true)
    }

    /// Deletes `keys`; returns how many were there. As
    /// [`Hash::delete_batch`].
    pub fn delete_batch(&self, keys: &[K]) -> Result<usize> {
        delete_from(&self.target, keys)
    }

    /// Every key with its values, one per possible CPU, read a batch at a
    /// time. As [`Hash::iter`].
    pub fn iter(&self) -> PerCpuIter<'_, K, V> {
        PerCpuIter {
            chunks: Chunks::new(&self.target, true),
        }
    }
}

impl<V: Plain> Array<'_, V> {
    /// Appends up to `max` entries from where `cursor` stands: indexes to
    /// `indexes`, values to `values`; returns how many. 0 means the end.
    /// As [`Hash::lookup_batch`] (an array's batch never fails for size).
    pub fn lookup_batch(
        &self,
        cursor: &mut BatchCursor,
        indexes: &mut Vec<u32>,
        values: &mut Vec<V>,
        max: usize,
    ) -> Result<usize> {
        lookup_into(&self.target, cursor, indexes, values, max, false)
    }

    /// Sets the value at each of `indexes` to the value at the same place
    /// of `values`. As [`Hash::update_batch`].
    pub fn update_batch(&self, indexes: &[u32], values: &[V]) -> Result<()> {
        update_from(&self.target, indexes, values, false)
    }
}

impl<V: Plain> PerCpuArray<'_, V> {
    /// Appends up to `max` entries from where `cursor` stands: indexes to
    /// `indexes`, values to `values`, [`possible_cpus`] per index. As
    /// [`PerCpuHash::lookup_batch`].
    pub fn lookup_batch(
        &self,
        cursor: &mut BatchCursor,
        indexes: &mut Vec<u32>,
        values: &mut Vec<V>,
        max: usize,
    ) -> Result<usize> {
        lookup_into(&self.target, cursor, indexes, values, max, true)
    }

    /// Sets the values at each of `indexes`, [`possible_cpus`] per index,
    /// index after index. As [`PerCpuHash::update_batch`].
    pub fn update_batch(&self, indexes: &[u32], values: &[V]) -> Result<()> {
        update_from(&self.target, indexes, values, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_call_errors_that_mean_no_batch_commands() {
        for errno in [libc::EINVAL, ENOTSUPP, libc::EOPNOTSUPP] {
            assert!(unsupported(-errno), "{errno}");
        }
        for errno in [
            libc::ENOENT,
            libc::ENOSPC,
            libc::EPERM,
            libc::EFAULT,
            libc::E2BIG,
        ] {
            assert!(!unsupported(-errno), "{errno}");
        }
    }

    #[test]
    fn per_cpu_values_take_an_8_byte_slot_per_cpu() {
        let s = Strides::of::<[u8; 6], [u32; 3]>(None);
        assert_eq!((s.key, s.value), (6, 12));
        let s = Strides::of::<u32, [u32; 3]>(Some(3));
        assert_eq!((s.key, s.value), (4, 16 * 3));
        let s = Strides::of::<u32, u64>(Some(5));
        assert_eq!(s.value, 8 * 5);
        let s = Strides::of::<u32, [u64; 3]>(Some(2));
        assert_eq!(s.value, 24 * 2);
    }

    #[test]
    fn a_cursor_starts_ends_and_resets() {
        let mut cursor = BatchCursor::new();
        assert!(!cursor.is_done() && !cursor.is_key_walk());
        cursor.start_key_walk();
        assert!(cursor.is_key_walk() && !cursor.is_done());
        cursor.state = State::Done;
        assert!(cursor.is_done() && cursor.is_key_walk());
        cursor.fit(3);
        assert!(cursor.token.len() >= 3 && cursor.next.len() >= 3);
        cursor.reset();
        assert!(!cursor.is_done() && !cursor.is_key_walk());
        assert_eq!(cursor.state, State::Start);
        assert!(format!("{cursor:?}").starts_with("BatchCursor"));
    }
}
