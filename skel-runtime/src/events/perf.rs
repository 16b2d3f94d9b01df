//! Perf event arrays: the consumer of one `BPF_MAP_TYPE_PERF_EVENT_ARRAY`,
//! its typed sample and lost-sample callbacks, and their trampolines.

use std::cell::RefCell;
use std::ffi::{c_int, c_void};
use std::fmt;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::time::Duration;

use libbpf_sys::perf_buffer;

use crate::errno::last_errno;
use crate::error::{Error, Result};
use crate::plain::Plain;

use super::PerfEvents;
use super::shared::{Heap, Outcome, decode};

pub(super) type PerfCallback<'a> = Box<dyn FnMut(i32, &[u8]) -> Result<()> + Send + 'a>;

pub(super) struct PerfSlot<'a> {
    pub(super) sample: PerfCallback<'a>,
    pub(super) lost: Box<dyn FnMut(i32, u64) + Send + 'a>,
    pub(super) outcome: RefCell<Outcome>,
}

impl<'a> PerfSlot<'a> {
    /// The slot of a consumer of map `name`, whose samples are `T`s (C
    /// type `c_type`), on the heap for libbpf.
    pub(super) fn new<T: Plain + 'a>(
        name: String,
        c_type: &'static str,
        mut on_sample: impl FnMut(i32, &T) + Send + 'a,
        on_lost: impl FnMut(i32, u64) + Send + 'a,
    ) -> Heap<Self> {
        Heap::new(PerfSlot {
            sample: Box::new(move |cpu, bytes| {
                let value = decode::<T>(&name, c_type, bytes)?;
                on_sample(cpu, &value);
                Ok(())
            }),
            lost: Box::new(on_lost),
            outcome: RefCell::default(),
        })
    }
}

// SAFETY (callback): libbpf calls it only from `perf_buffer__poll` or
// `__consume`, inside `PerfConsumer::poll`/`consume` (the thread holds the
// consumer exclusively), with the consumer's boxed `PerfSlot` as `ctx`
// (registered in `PerfEvents::consumer`, freed after the perf buffer) and a
// sample of `size` readable bytes. It never unwinds into C: the decoding
// and user callback run under `catch_unwind`.
pub(super) unsafe extern "C" fn perf_sample(
    ctx: *mut c_void,
    cpu: c_int,
    data: *mut c_void,
    size: u32,
) {
    // SAFETY: ctx is the consumer's PerfSlot; callbacks run only inside
    // poll/consume, which take `&mut self`.
    let slot = unsafe { &mut *ctx.cast::<PerfSlot<'_>>() };
    // SAFETY: libbpf passes `size` readable bytes at `data`.
    let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), size as usize) };
    let result = catch_unwind(AssertUnwindSafe(|| (slot.sample)(cpu, bytes)));
    Outcome::record(&slot.outcome, result);
}

// SAFETY (callback): as for `perf_sample`; the user's `on_lost` runs under
// `catch_unwind`.
pub(super) unsafe extern "C" fn perf_lost(ctx: *mut c_void, cpu: c_int, count: u64) {
    // SAFETY: as in `perf_sample`.
    let slot = unsafe { &mut *ctx.cast::<PerfSlot<'_>>() };
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| (slot.lost)(cpu, count))) {
        slot.outcome.borrow_mut().panic.get_or_insert(panic);
    }
}

impl<T: Plain> PerfEvents<'_, T> {
    /// A consumer with `pages` pages of buffer per CPU (a power of two;
    /// 8 or 64 are usual) that calls `on_sample(cpu, &event)` for each
    /// sample and `on_lost(cpu, count)` when the kernel dropped `count`
    /// samples on `cpu` because the buffer was full.
    pub fn consumer<'cb>(
        &self,
        pages: usize,
        on_sample: impl FnMut(i32, &T) + Send + 'cb,
        on_lost: impl FnMut(i32, u64) + Send + 'cb,
    ) -> Result<PerfConsumer<'cb>>
    where
        T: 'cb,
    {
        let name = self.map.name().to_owned();
        let fd = self.consumer_fd("set up perf buffer consumer")?;
        let slot = PerfSlot::new(name.clone(), self.c_type, on_sample, on_lost);
        // SAFETY: the slot outlives the perf buffer (freed after it), and
        // so does the fd.
        let pb = unsafe {
            libbpf_sys::perf_buffer__new(
                fd.as_raw_fd(),
                pages as libbpf_sys::size_t,
                Some(perf_sample),
                Some(perf_lost),
                slot.ptr().cast(),
                std::ptr::null(),
            )
        };
        let Some(pb) = NonNull::new(pb) else {
            return Err(Error::MapOp {
                map: name,
                op: "set up perf buffer consumer",
                errno: last_errno(),
            });
        };
        Ok(PerfConsumer {
            pb,
            slot,
            _fd: fd,
            name,
        })
    }
}

/// Consumes a perf event array, calling back with typed samples.
///
/// `Send` (its callbacks are), not `Sync`.
pub struct PerfConsumer<'cb> {
    pb: NonNull<perf_buffer>,
    slot: Heap<PerfSlot<'cb>>,
    /// The map's fd, open as long as libbpf polls it (dropped after `pb`
    /// is freed).
    _fd: OwnedFd,
    name: String,
}

// SAFETY: the perf buffer and the slot it points to are owned by the
// consumer and move with it; its callbacks are `Send`; the outcome cell
// is only touched by poll/consume (`&mut self`).
unsafe impl Send for PerfConsumer<'_> {}

impl PerfConsumer<'_> {
    /// Waits up to `timeout` for samples and hands every available one to
    /// the callback.
    pub fn poll(&mut self, timeout: Duration) -> Result<usize> {
        let ms = c_int::try_from(timeout.as_millis()).unwrap_or(c_int::MAX);
        // SAFETY: a live perf buffer; callbacks run now, on this thread.
        let ret = unsafe { libbpf_sys::perf_buffer__poll(self.pb.as_ptr(), ms) };
        Outcome::finish(&self.slot.get().outcome, ret, || self.name.clone())
    }

    /// Hands every available sample to the callback without waiting.
    pub fn consume(&mut self) -> Result<usize> {
        // SAFETY: as in `poll`.
        let ret = unsafe { libbpf_sys::perf_buffer__consume(self.pb.as_ptr()) };
        Outcome::finish(&self.slot.get().outcome, ret, || self.name.clone())
    }

    /// The epoll file descriptor that becomes readable when samples wait.
    pub fn epoll_fd(&self) -> RawFd {
        // SAFETY: a live perf buffer.
        unsafe { libbpf_sys::perf_buffer__epoll_fd(self.pb.as_ptr()) }
    }
}

impl Drop for PerfConsumer<'_> {
    fn drop(&mut self) {
        // SAFETY: ours; the slot it points to is freed after it.
        unsafe { libbpf_sys::perf_buffer__free(self.pb.as_ptr()) };
    }
}

impl fmt::Debug for PerfConsumer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerfConsumer")
            .field("map", &self.name)
            .finish()
    }
}
