//! [`ObjectStorage`]: who owns a skeleton's `bpf_object`.
//!
//! A skeleton borrows the storage for `'obj`, so the object outlives every
//! handle, program token, typed view and link the skeleton hands out,
//! however they are copied or moved. (A `MaybeUninit<OpenObject>`, as
//! libbpf-cargo uses, is never dropped, so there the skeleton itself must
//! close the object, and anything carrying `'obj` can outlive it.)

use std::ptr::NonNull;

use libbpf_sys::bpf_object;

/// Storage that owns a skeleton's BPF object and closes it when dropped.
///
/// ```ignore
/// let mut storage = ObjectStorage::new();
/// let open = FooSkelBuilder::default().open(&mut storage)?;
/// ```
///
/// Opening again through the same storage closes the previous object
/// first (the borrow checker makes sure nothing of it is still in use).
///
/// `Send` and `Sync`: it only owns the object, and a shared
/// `&ObjectStorage` can do nothing (every method takes `&mut self`).
#[derive(Debug, Default)]
pub struct ObjectStorage {
    obj: Option<NonNull<bpf_object>>,
}

// SAFETY: the storage only owns the object; libbpf objects may move
// between threads.
unsafe impl Send for ObjectStorage {}
// SAFETY: a shared `&ObjectStorage` can do nothing (every method takes
// `&mut self`); what borrows it decides its own Send and Sync.
unsafe impl Sync for ObjectStorage {}

impl ObjectStorage {
    /// Empty storage, for a skeleton's `open`.
    pub const fn new() -> Self {
        ObjectStorage { obj: None }
    }

    /// Closes the object it holds, if any.
    pub(crate) fn close(&mut self) {
        if let Some(obj) = self.obj.take() {
            // SAFETY: we own the object; nothing borrows the storage.
            unsafe { libbpf_sys::bpf_object__close(obj.as_ptr()) };
        }
    }

    /// Takes ownership of a newly opened object (after `close`).
    pub(crate) fn set(&mut self, obj: NonNull<bpf_object>) {
        self.close();
        self.obj = Some(obj);
    }
}

impl Drop for ObjectStorage {
    fn drop(&mut self) {
        self.close();
    }
}
