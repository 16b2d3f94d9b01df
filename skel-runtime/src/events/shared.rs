//! What ring and perf buffer consumers share: copying a sample into its
//! type, the first error or panic of a poll's callbacks, and the heap
//! values libbpf's callbacks get as `ctx`.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::c_int;
use std::mem::size_of;
use std::panic::resume_unwind;
use std::ptr::NonNull;

use crate::errno::Errno;
use crate::error::{Error, Result};
use crate::plain::Plain;

/// Copies a sample into a `T` (C type `c_type`), or says why it cannot.
pub(super) fn decode<T: Plain>(map: &str, c_type: &'static str, bytes: &[u8]) -> Result<T> {
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
pub(super) struct Outcome {
    pub(super) error: Option<Error>,
    pub(super) panic: Option<Box<dyn Any + Send>>,
}

impl Outcome {
    /// Keeps the first error or panic of a callback's `result`; whether
    /// it was fine.
    pub(super) fn record(cell: &RefCell<Outcome>, result: std::thread::Result<Result<()>>) -> bool {
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
    pub(super) fn finish(
        cell: &RefCell<Outcome>,
        ret: c_int,
        what: impl FnOnce() -> String,
    ) -> Result<usize> {
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
pub(super) struct Heap<T: ?Sized>(pub(super) NonNull<T>);

impl<T> Heap<T> {
    pub(super) fn new(value: T) -> Self {
        Heap(NonNull::from(Box::leak(Box::new(value))))
    }
}

impl<T: ?Sized> Heap<T> {
    /// The pointer libbpf gets.
    pub(super) fn ptr(&self) -> *mut T {
        self.0.as_ptr()
    }

    /// The value, between callbacks.
    pub(super) fn get(&self) -> &T {
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
