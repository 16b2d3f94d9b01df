//! Typed events: ring buffers and perf event arrays whose samples are a
//! generated Rust type.
//!
//! BTF does not say what a ring buffer or perf event array carries, so the
//! build script names it (`SkeletonBuilder::event_type("events", "struct
//! event")`); the skeleton then hands out `skel.maps().events()`, a
//! [`RingBuf<T>`] or [`PerfEvents<T>`]. Consumers call back with `&T`:
//! each sample is copied out of the kernel's memory into an aligned `T`
//! first (samples are never referenced in place: perf samples are not even
//! 8-byte aligned), and a sample shorter than `T` ends the poll with
//! [`Error::ShortEvent`], never a read past its end. A sample longer than
//! `T` (trailing variable-length data) gives its first `size_of::<T>()`
//! bytes.
//!
//! A callback that panics makes the poll resume the panic once libbpf has
//! returned, instead of aborting the process.
//!
//! A consumer owns what it reads from: a duplicate of each map's file
//! descriptor and libbpf's ring or perf buffer. It borrows nothing of the
//! skeleton, so it can be kept beside an owned skeleton, used while the
//! skeleton changes (globals written, links attached), and moved into
//! another thread or task: callbacks must be `Send` for that, and are.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{c_int, c_void};
use std::fmt;
use std::marker::PhantomData;
use std::mem::size_of;
use std::ops::Deref;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::ptr::NonNull;
use std::time::Duration;

use libbpf_sys::{perf_buffer, ring_buffer};

use crate::errno::{Errno, last_errno};
use crate::error::{Error, Result};
use crate::map::MapHandle;
use crate::plain::Plain;

/// Copies a sample into a `T` (C type `c_type`), or says why it cannot.
fn decode<T: Plain>(map: &str, c_type: &'static str, bytes: &[u8]) -> Result<T> {
    if bytes.len() < size_of::<T>() {
        return Err(Error::ShortEvent {
            map: map.to_owned(),
            type_name: c_type,
            expected: size_of::<T>(),
            actual: bytes.len(),
        });
    }
    // SAFETY: `bytes` holds at least size_of::<T>() bytes; any bytes are a
    // T; the read copies and may be unaligned.
    Ok(unsafe { bytes.as_ptr().cast::<T>().read_unaligned() })
}

/// What a poll left behind: the first error or panic of a callback.
#[derive(Default)]
struct Outcome {
    error: Option<Error>,
    panic: Option<Box<dyn Any + Send>>,
}

impl Outcome {
    /// Keeps the first error or panic of a callback's `result`; whether
    /// it was fine.
    fn record(cell: &RefCell<Outcome>, result: std::thread::Result<Result<()>>) -> bool {
        let mut outcome = cell.borrow_mut();
        match result {
            Ok(Ok(())) => return true,
            Ok(Err(e)) => {
                outcome.error.get_or_insert(e);
            }
            Err(panic) => {
                outcome.panic.get_or_insert(panic);
            }
        }
        false
    }

    /// The poll's result: a callback's panic is resumed, its error
    /// returned, else libbpf's return value.
    fn finish(cell: &RefCell<Outcome>, ret: c_int, what: impl FnOnce() -> String) -> Result<usize> {
        let mut outcome = cell.borrow_mut();
        if let Some(panic) = outcome.panic.take() {
            drop(outcome);
            resume_unwind(panic);
        }
        if let Some(e) = outcome.error.take() {
            return Err(e);
        }
        if ret < 0 && -ret != libc::EINTR {
            return Err(Error::MapOp {
                map: what(),
                op: "poll",
                errno: Errno::new(ret),
            });
        }
        Ok(ret.max(0) as usize)
    }
}

/// A heap value libbpf keeps a pointer to (a callback's `ctx`), owned by
/// a consumer: a `Box` kept as a raw pointer. A `Box` field would claim
/// unique access to its value whenever its owner moves (into a thread, out
/// of a function), which invalidates the pointer libbpf holds (Miri's
/// Stacked Borrows reports the callback's access as undefined behaviour);
/// a raw pointer claims nothing.
struct Heap<T: ?Sized>(NonNull<T>);

impl<T> Heap<T> {
    fn new(value: T) -> Self {
        Heap(NonNull::from(Box::leak(Box::new(value))))
    }
}

impl<T: ?Sized> Heap<T> {
    /// The pointer libbpf gets.
    fn ptr(&self) -> *mut T {
        self.0.as_ptr()
    }

    /// The value, between callbacks.
    fn get(&self) -> &T {
        // SAFETY: a live allocation of ours; callbacks, the only other
        // users of the pointer, run inside the owner's `&mut self` poll and
        // are done when the owner takes this borrow.
        unsafe { self.0.as_ref() }
    }
}

impl<T: ?Sized> Drop for Heap<T> {
    fn drop(&mut self) {
        // SAFETY: allocated by a `Box` (`Heap::new`, `RingBufConsumer::
        // keep`) and freed once, here; its owner frees libbpf's buffer, the
        // only other holder of the pointer, before its fields drop.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

macro_rules! event_handle {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// It borrows the skeleton for `'a`; `into_owned()` gives one that
        /// owns a duplicate file descriptor. Consumers made from it own
        /// theirs either way. It derefs to its [`MapHandle`].
        ///
        /// `Send` and `Sync`, as its [`MapHandle`]: it only makes consumers,
        /// which own what they read from.
        pub struct $name<'a, T> {
            map: MapHandle<'a>,
            /// The event's C type, for messages.
            c_type: &'static str,
            _types: PhantomData<fn() -> T>,
        }

        impl<'a, T: Plain> $name<'a, T> {
            #[doc(hidden)]
            pub fn __new(map: MapHandle<'a>, c_type: &'static str) -> Self {
                $name {
                    map,
                    c_type,
                    _types: PhantomData,
                }
            }

            /// This handle, owning a duplicate of the map's file
            /// descriptor.
            pub fn into_owned(self) -> Result<$name<'static, T>> {
                Ok($name {
                    map: self.map.into_owned()?,
                    c_type: self.c_type,
                    _types: PhantomData,
                })
            }

            /// A duplicate of the map's fd for a consumer, checked ready.
            fn consumer_fd(&self, what: &'static str) -> Result<OwnedFd> {
                self.map.ready(what)?;
                self.map.as_fd().try_clone_to_owned().map_err(|e| {
                    self.map.op_error(
                        what,
                        Errno::new(e.raw_os_error().unwrap_or(libc::EMFILE)),
                    )
                })
            }
        }

        impl<T> Clone for $name<'_, T> {
            fn clone(&self) -> Self {
                $name {
                    map: self.map.clone(),
                    c_type: self.c_type,
                    _types: PhantomData,
                }
            }
        }

        impl<'a, T> Deref for $name<'a, T> {
            type Target = MapHandle<'a>;

            fn deref(&self) -> &MapHandle<'a> {
                &self.map
            }
        }

        impl<T> AsFd for $name<'_, T> {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.map.as_fd()
            }
        }

        impl<T> fmt::Debug for $name<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("map", &self.map.name())
                    .field("event", &self.c_type)
                    .finish()
            }
        }
    };
}

event_handle! {
    /// A ring buffer map whose samples are `T`: `skel.maps().<map>()`.
    RingBuf
}

event_handle! {
    /// A perf event array whose samples are `T`: `skel.maps().<map>()`.
    PerfEvents
}

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
struct RingSlot<F> {
    callback: F,
    map: String,
    c_type: &'static str,
    outcome: *const RefCell<Outcome>,
}

/// What the consumer keeps of a slot: only that it must free it. `Send`:
/// a consumer moves to another thread with its callbacks.
trait Slot: Send {}
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
unsafe extern "C" fn ring_sample<T: Plain, F: FnMut(&T)>(
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
    outcome: Heap<RefCell<Outcome>>,
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
    fn keep<F: Send + 'cb>(&mut self, slot: RingSlot<F>) -> *mut c_void {
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

type PerfCallback<'a> = Box<dyn FnMut(i32, &[u8]) -> Result<()> + Send + 'a>;

struct PerfSlot<'a> {
    sample: PerfCallback<'a>,
    lost: Box<dyn FnMut(i32, u64) + Send + 'a>,
    outcome: RefCell<Outcome>,
}

impl<'a> PerfSlot<'a> {
    /// The slot of a consumer of map `name`, whose samples are `T`s (C
    /// type `c_type`), on the heap for libbpf.
    fn new<T: Plain + 'a>(
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
unsafe extern "C" fn perf_sample(ctx: *mut c_void, cpu: c_int, data: *mut c_void, size: u32) {
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
unsafe extern "C" fn perf_lost(ctx: *mut c_void, cpu: c_int, count: u64) {
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

#[cfg(feature = "tokio")]
pub use stream::EventStream;

#[cfg(feature = "tokio")]
mod stream {
    //! Ring buffer samples as an async stream, woken by tokio's reactor.

    use std::collections::VecDeque;
    use std::os::fd::{AsRawFd, RawFd};
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll};

    use tokio::io::unix::AsyncFd;

    use super::{RingBuf, RingBufConsumer};
    use crate::error::Result;
    use crate::plain::Plain;

    struct EpollFd(RawFd);

    impl AsRawFd for EpollFd {
        fn as_raw_fd(&self) -> RawFd {
            self.0
        }
    }

    /// The samples of one ring buffer as an async stream
    /// ([`futures_core::Stream`] of `Result<T>`, and [`EventStream::next`]).
    /// It consumes only when polled, so samples wait in the ring, not in
    /// memory, while nobody asks for them.
    ///
    /// It owns its consumer and borrows nothing: `Send` when `T` is.
    pub struct EventStream<T> {
        // Dropped before the consumer, which owns the epoll fd.
        fd: AsyncFd<EpollFd>,
        consumer: RingBufConsumer<'static>,
        ready: Arc<Mutex<VecDeque<T>>>,
    }

    impl<T: Plain + Send + 'static> RingBuf<'_, T> {
        /// The map's samples as an async stream (feature `tokio`). Call it
        /// inside a tokio runtime with IO enabled (outside one, it is an
        /// error, `EINVAL`).
        pub fn stream(&self) -> Result<EventStream<T>> {
            if tokio::runtime::Handle::try_current().is_err() {
                return Err(crate::Error::MapOp {
                    map: self.name().to_owned(),
                    op: "set up an event stream (call `stream()` inside a tokio runtime)",
                    errno: crate::Errno::new(libc::EINVAL),
                });
            }
            let ready: Arc<Mutex<VecDeque<T>>> = Arc::default();
            let sink = Arc::clone(&ready);
            let consumer = self.consumer(move |event: &T| {
                sink.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_back(*event)
            })?;
            let fd = consumer
                .epoll_fd()
                .expect("bug: a consumer of one map has a ring buffer");
            // SAFETY: the epoll fd belongs to `consumer`, which the stream
            // owns and drops after `fd` (field order).
            let fd =
                unsafe { AsyncFd::register(EpollFd(fd)) }.map_err(|e| crate::Error::MapOp {
                    map: self.name().to_owned(),
                    op: "register with the tokio reactor",
                    errno: crate::Errno::new(
                        std::io::Error::from(e).raw_os_error().unwrap_or(libc::EIO),
                    ),
                })?;
            Ok(EventStream {
                consumer,
                ready,
                fd,
            })
        }
    }

    impl<T: Plain> EventStream<T> {
        /// The next sample, waiting for one.
        pub async fn next(&mut self) -> Result<T> {
            std::future::poll_fn(|cx| self.poll_event(cx)).await
        }

        fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Result<T>> {
            loop {
                if let Some(event) = self
                    .ready
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .pop_front()
                {
                    return Poll::Ready(Ok(event));
                }
                let mut guard = match self.fd.poll_read_ready(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(guard)) => guard,
                    Poll::Ready(Err(e)) => {
                        return Poll::Ready(Err(crate::Error::MapOp {
                            map: self.consumer.what(),
                            op: "wait for events",
                            errno: crate::Errno::new(e.raw_os_error().unwrap_or(libc::EIO)),
                        }));
                    }
                };
                if let Err(e) = self.consumer.consume() {
                    return Poll::Ready(Err(e));
                }
                guard.clear_ready();
            }
        }
    }

    impl<T> std::fmt::Debug for EventStream<T> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("EventStream")
                .field("consumer", &self.consumer)
                .finish_non_exhaustive()
        }
    }

    impl<T: Plain> futures_core::Stream for EventStream<T> {
        type Item = Result<T>;

        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
            self.get_mut().poll_event(cx).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Event {
        a: u64,
        b: u32,
        c: u32,
    }
    // SAFETY: plain integers.
    unsafe impl Plain for Event {}

    #[test]
    fn short_samples_are_errors_and_others_are_copied_from_any_alignment() {
        let mut bytes = [0u8; 1 + 16 + 3];
        bytes[1..9].copy_from_slice(&7u64.to_ne_bytes());
        bytes[9..13].copy_from_slice(&8u32.to_ne_bytes());
        bytes[13..17].copy_from_slice(&9u32.to_ne_bytes());
        // Unaligned, and with trailing bytes.
        let e: Event = decode("m", "struct event", &bytes[1..]).unwrap();
        assert_eq!(e, Event { a: 7, b: 8, c: 9 });
        let err = decode::<Event>("ring", "struct event", &bytes[1..16]).unwrap_err();
        assert!(matches!(
            err,
            Error::ShortEvent {
                expected: 16,
                actual: 15,
                ..
            }
        ));
        assert!(err.to_string().contains("`ring`"), "{err}");
        assert!(err.to_string().contains("`struct event`"), "{err}");
    }

    /// Calls the ring buffer trampoline as libbpf would, with `bytes`.
    fn deliver<F: FnMut(&Event)>(slot: &mut RingSlot<F>, bytes: &mut [u8]) -> c_int {
        // SAFETY: ctx is a live RingSlot<F>; `bytes` is readable.
        unsafe {
            ring_sample::<Event, F>(
                (slot as *mut RingSlot<F>).cast(),
                bytes.as_mut_ptr().cast(),
                bytes.len() as libbpf_sys::size_t,
            )
        }
    }

    #[test]
    fn the_ring_trampoline_stops_the_poll_on_a_short_sample_or_a_panic() {
        let outcome = RefCell::new(Outcome::default());
        let mut seen = vec![];
        let mut slot = RingSlot {
            callback: |e: &Event| seen.push(e.a),
            map: "events".into(),
            c_type: "struct event",
            outcome: &outcome,
        };
        let mut sample = [0u8; 16];
        sample[..8].copy_from_slice(&5u64.to_ne_bytes());
        assert_eq!(deliver(&mut slot, &mut sample), 0);
        assert_eq!(deliver(&mut slot, &mut sample[..12]), -1);
        let err = Outcome::finish(&outcome, -1, || unreachable!()).unwrap_err();
        assert!(matches!(err, Error::ShortEvent { actual: 12, .. }), "{err}");
        drop(slot);
        assert_eq!(seen, [5]);

        let mut slot = RingSlot {
            callback: |_: &Event| panic!("callback failed"),
            map: "events".into(),
            c_type: "struct event",
            outcome: &outcome,
        };
        assert_eq!(deliver(&mut slot, &mut sample), -1);
        let resumed = catch_unwind(AssertUnwindSafe(|| {
            Outcome::finish(&outcome, -1, String::new)
        }));
        let panic = resumed.unwrap_err();
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"callback failed"));
        // The outcome is clear for the next poll.
        assert_eq!(Outcome::finish(&outcome, 3, String::new).unwrap(), 3);
    }

    /// A `ctx` pointer, handed to another thread as libbpf's is.
    #[derive(Clone, Copy)]
    struct Ctx(*mut c_void);
    // SAFETY: a test's stand-in for libbpf, which calls back on the thread
    // that polls.
    unsafe impl Send for Ctx {}

    /// What libbpf calls: the trampoline for `F`.
    type Trampoline = unsafe extern "C" fn(*mut c_void, *mut c_void, libbpf_sys::size_t) -> c_int;

    /// `RingBufConsumer::add` without libbpf: the slot kept, its `ctx`, and
    /// the trampoline `add` registers with it.
    fn keep<'cb, F: FnMut(&Event) + Send + 'cb>(
        consumer: &mut RingBufConsumer<'cb>,
        map: &str,
        callback: F,
    ) -> (Ctx, Trampoline) {
        let ctx = consumer.keep(RingSlot {
            callback,
            map: map.into(),
            c_type: "struct event",
            outcome: consumer.outcome.ptr(),
        });
        (Ctx(ctx), ring_sample::<Event, F>)
    }

    /// A sample of `Event` starting at an odd address (samples need not be
    /// aligned), with `len` of its bytes.
    fn sample(a: u64, len: usize) -> Vec<u8> {
        let mut bytes = vec![0; 1 + 16];
        bytes[1..9].copy_from_slice(&a.to_ne_bytes());
        bytes.truncate(1 + len);
        bytes
    }

    /// Calls `f` with `ctx` and `bytes` as libbpf does.
    fn call(f: Trampoline, ctx: Ctx, bytes: &mut [u8]) -> c_int {
        // SAFETY: `ctx` is the slot `f` was made for, kept by a live
        // consumer; the sample is readable.
        unsafe {
            f(
                ctx.0,
                bytes[1..].as_mut_ptr().cast(),
                (bytes.len() - 1) as _,
            )
        }
    }

    #[test]
    fn a_consumers_slots_stay_valid_wherever_it_moves() {
        let (mut a, mut b) = (vec![], vec![]);
        let mut consumer = RingBufConsumer::new();
        let (ctx_a, fa) = keep(&mut consumer, "a", |e: &Event| a.push(e.a));
        let (ctx_b, fb) = keep(&mut consumer, "b", |e: &Event| b.push(e.a));
        // Moved out of a function and into another thread, as consumers
        // are: libbpf's pointers to the slots and the outcome stay valid.
        fn moved<T>(value: T) -> T {
            std::hint::black_box(value)
        }
        let consumer = moved(consumer);
        let consumer = std::thread::scope(|s| {
            s.spawn(move || {
                assert_eq!(call(fa, ctx_a, &mut sample(1, 16)), 0);
                assert_eq!(call(fb, ctx_b, &mut sample(2, 16)), 0);
                assert_eq!(
                    Outcome::finish(consumer.outcome.get(), 2, String::new).unwrap(),
                    2
                );
                assert_eq!(call(fb, ctx_b, &mut sample(3, 15)), -1);
                let err = Outcome::finish(consumer.outcome.get(), -1, String::new).unwrap_err();
                assert!(matches!(err, Error::ShortEvent { ref map, actual: 15, .. } if map == "b"));
                consumer
            })
            .join()
            .unwrap()
        });
        drop(consumer);
        assert_eq!((a, b), (vec![1], vec![2]));
    }

    #[test]
    fn perf_slots_decode_count_losses_and_keep_panics() {
        let (mut got, mut lost) = (vec![], vec![]);
        let slot = PerfSlot::new(
            "perf".into(),
            "struct event",
            |cpu, e: &Event| got.push((cpu, e.a)),
            |cpu, n| lost.push((cpu, n)),
        );
        let slot = std::hint::black_box(slot);
        let ctx = slot.ptr().cast::<c_void>();
        let mut bytes = sample(9, 16);
        // SAFETY: `ctx` is a live PerfSlot; the sample is readable.
        unsafe { perf_sample(ctx, 3, bytes[1..].as_mut_ptr().cast(), 16) };
        // SAFETY: as above.
        unsafe { perf_lost(ctx, 1, 42) };
        assert_eq!(
            Outcome::finish(&slot.get().outcome, 0, String::new).unwrap(),
            0
        );
        // SAFETY: as above, 12 readable bytes of the sample.
        unsafe { perf_sample(ctx, 0, bytes[1..].as_mut_ptr().cast(), 12) };
        let err = Outcome::finish(&slot.get().outcome, 0, String::new).unwrap_err();
        assert!(matches!(err, Error::ShortEvent { actual: 12, .. }), "{err}");
        drop(slot);
        assert_eq!((got, lost), (vec![(3, 9)], vec![(1, 42)]));

        let slot = PerfSlot::new(
            "perf".into(),
            "struct event",
            |_, _: &Event| {},
            |_, _| panic!("lost"),
        );
        // SAFETY: a live PerfSlot.
        unsafe { perf_lost(slot.ptr().cast(), 0, 1) };
        let resumed = catch_unwind(AssertUnwindSafe(|| {
            Outcome::finish(&slot.get().outcome, 0, String::new)
        }));
        assert_eq!(resumed.unwrap_err().downcast_ref::<&str>(), Some(&"lost"));
    }
}
