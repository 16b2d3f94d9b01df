//! Ring buffers: the consumer of one or more `BPF_MAP_TYPE_RINGBUF` maps,
//! each with its typed callback, and the trampoline libbpf calls.

use std::cell::RefCell;
use std::ffi::{c_int, c_void};
use std::fmt;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::time::Duration;

use libbpf_sys::ring_buffer;

use crate::errno::{Errno, last_errno};
use crate::error::{Error, Result};
use crate::plain::Plain;

use super::RingBuf;
use super::shared::{Heap, Outcome, decode};

impl<T: Plain> RingBuf<'_, T> {
    /// A consumer that calls `callback` with each sample of this map. Add
    /// more ring buffers to it with [`RingBufConsumer::add`].
    pub fn consumer<'cb, F: FnMut(&T) + Send + 'cb>(
        &self,
        callback: F,
    ) -> Result<RingBufConsumer<'cb>> {
        let mut consumer = RingBufConsumer::new();
        consumer.add(self, callback)?;
        Ok(consumer)
    }
}

/// One map's callback and what its errors name, as libbpf's `ctx`. Generic
/// over the sample type and the callback, so libbpf calls a trampoline
/// made for them: no dynamic call per sample.
pub(super) struct RingSlot<F> {
    pub(super) callback: F,
    pub(super) map: String,
    pub(super) c_type: &'static str,
    pub(super) outcome: *const RefCell<Outcome>,
}

/// What the consumer keeps of a slot: only that it must free it. `Send`:
/// a consumer moves to another thread with its callbacks.
pub(super) trait Slot: Send {}
impl<F: Send> Slot for RingSlot<F> {}

// SAFETY: `outcome` points to the outcome cell of the consumer that owns
// this slot (on the heap, moving with it); it is only dereferenced during that
// consumer's poll/consume (`&mut self`). The callback is `Send`.
unsafe impl<F: Send> Send for RingSlot<F> {}

// SAFETY (callback): libbpf calls it only as `RingBufConsumer::add`
// registers it, with that `RingSlot<F>` (of this very `T` and `F`) as
// `ctx` and a sample of `size` readable bytes, from `ring_buffer__poll` or
// `__consume`: inside `poll`/`consume`, on the thread that holds the
// consumer exclusively, while the slot lives. It never unwinds into C: the
// user's callback runs under `catch_unwind`, and nothing else here panics
// (a short sample is an error value; the outcome cell is borrowed by
// nothing else during a poll).
pub(super) unsafe extern "C" fn ring_sample<T: Plain, F: FnMut(&T)>(
    ctx: *mut c_void,
    data: *mut c_void,
    size: libbpf_sys::size_t,
) -> c_int {
    // SAFETY: ctx is the RingSlot<F> registered with this trampoline,
    // alive as long as the consumer; libbpf calls back only from
    // poll/consume, which take `&mut self`, so nothing else touches it
    // meanwhile.
    let slot = unsafe { &mut *ctx.cast::<RingSlot<F>>() };
    // SAFETY: libbpf passes `size` readable bytes at `data`.
    let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), size as usize) };
    let result = match decode::<T>(&slot.map, slot.c_type, bytes) {
        Ok(value) => catch_unwind(AssertUnwindSafe(|| (slot.callback)(&value))).map(Ok),
        Err(e) => Ok(Err(e)),
    };
    if let Ok(Ok(())) = result {
        return 0;
    }
    // SAFETY: the consumer owns the outcome cell and outlives the call.
    Outcome::record(unsafe { &*slot.outcome }, result);
    -1
}

/// Consumes one or more ring buffers, calling each map's callback with its
/// typed samples. `'cb` is its callbacks' lifetime (`'static` for a
/// consumer kept in a struct or moved into a thread).
///
/// `Send` (its callbacks are), not `Sync`: polling calls the callbacks.
pub struct RingBufConsumer<'cb> {
    rb: Option<NonNull<ring_buffer>>,
    // On the heap: libbpf holds a pointer to each slot, which must stay
    // put and valid however the consumer moves.
    slots: Vec<Heap<dyn Slot + 'cb>>,
    /// A duplicate of each map's fd, open as long as libbpf polls it.
    fds: Vec<OwnedFd>,
    pub(super) outcome: Heap<RefCell<Outcome>>,
    names: Vec<String>,
}

// SAFETY: the ring buffer and the slots it points to are owned by the
// consumer and move with it; every slot is `Send` (`Slot: Send`); the
// outcome cell is only touched by poll/consume, which take `&mut self`.
unsafe impl Send for RingBufConsumer<'_> {}

impl<'cb> RingBufConsumer<'cb> {
    /// A consumer of no ring buffer yet.
    pub fn new() -> Self {
        RingBufConsumer {
            rb: None,
            slots: vec![],
            fds: vec![],
            outcome: Heap::new(RefCell::default()),
            names: vec![],
        }
    }

    /// Adds ring buffer `map`, whose samples go to `callback`.
    pub fn add<T: Plain, F: FnMut(&T) + Send + 'cb>(
        &mut self,
        map: &RingBuf<'_, T>,
        callback: F,
    ) -> Result<&mut Self> {
        let name = map.name().to_owned();
        let owned = map.consumer_fd("set up ring buffer consumer")?;
        let fd = owned.as_raw_fd();
        let ctx = self.keep(RingSlot {
            callback,
            map: name.clone(),
            c_type: map.c_type,
            outcome: self.outcome.ptr(),
        });
        let failed = |ret: c_int| Error::MapOp {
            map: name.clone(),
            op: "set up ring buffer consumer",
            errno: Errno::new(ret),
        };
        match self.rb {
            None => {
                // SAFETY: ctx stays valid while the ring buffer lives (the
                // slot is kept in `self.slots` and freed after it).
                let rb = unsafe {
                    libbpf_sys::ring_buffer__new(
                        fd,
                        Some(ring_sample::<T, F>),
                        ctx,
                        std::ptr::null(),
                    )
                };
                match NonNull::new(rb) {
                    Some(rb) => self.rb = Some(rb),
                    // libbpf 1.0+ returns NULL and sets errno.
                    None => {
                        let errno = last_errno().raw();
                        self.slots.pop();
                        return Err(failed(errno));
                    }
                }
            }
            Some(rb) => {
                // SAFETY: as above.
                let ret = unsafe {
                    libbpf_sys::ring_buffer__add(rb.as_ptr(), fd, Some(ring_sample::<T, F>), ctx)
                };
                if ret < 0 {
                    self.slots.pop();
                    return Err(failed(ret));
                }
            }
        }
        self.fds.push(owned);
        self.names.push(name);
        Ok(self)
    }

    /// Keeps `slot` as long as the consumer lives (or until `add` drops it
    /// again), and returns the `ctx` libbpf calls its trampoline with.
    pub(super) fn keep<F: Send + 'cb>(&mut self, slot: RingSlot<F>) -> *mut c_void {
        let slot = NonNull::from(Box::leak(Box::new(slot)));
        // Owned from here on by the `Heap` (unsized: `dyn Slot`).
        self.slots.push(Heap(slot));
        slot.as_ptr().cast()
    }

    pub(crate) fn what(&self) -> String {
        self.names.join(", ")
    }

    /// Waits up to `timeout` for samples and hands every available one to
    /// its callback; returns how many were consumed.
    pub fn poll(&mut self, timeout: Duration) -> Result<usize> {
        let Some(rb) = self.rb else { return Ok(0) };
        let ms = c_int::try_from(timeout.as_millis()).unwrap_or(c_int::MAX);
        // SAFETY: a live ring buffer; callbacks run now, on this thread.
        let ret = unsafe { libbpf_sys::ring_buffer__poll(rb.as_ptr(), ms) };
        Outcome::finish(self.outcome.get(), ret, || self.what())
    }

    /// Hands every available sample to its callback without waiting.
    pub fn consume(&mut self) -> Result<usize> {
        let Some(rb) = self.rb else { return Ok(0) };
        // SAFETY: as in `poll`.
        let ret = unsafe { libbpf_sys::ring_buffer__consume(rb.as_ptr()) };
        Outcome::finish(self.outcome.get(), ret, || self.what())
    }

    /// The epoll file descriptor that becomes readable when samples wait
    /// (for an event loop of your own); `None` before a map is added.
    pub fn epoll_fd(&self) -> Option<RawFd> {
        // SAFETY: a live ring buffer.
        self.rb
            .map(|rb| unsafe { libbpf_sys::ring_buffer__epoll_fd(rb.as_ptr()) })
    }
}

impl Default for RingBufConsumer<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for RingBufConsumer<'_> {
    fn drop(&mut self) {
        if let Some(rb) = self.rb.take() {
            // SAFETY: ours; the slots it points to and the fds it polls are
            // freed after it (fields drop after this).
            unsafe { libbpf_sys::ring_buffer__free(rb.as_ptr()) };
        }
    }
}

impl fmt::Debug for RingBufConsumer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RingBufConsumer")
            .field("maps", &self.names)
            .finish()
    }
}
