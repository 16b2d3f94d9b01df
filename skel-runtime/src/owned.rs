//! The owned form of a skeleton: no lifetime parameter, `Send`, kept in a
//! struct field or moved into another thread or task; it closes its object
//! when dropped.
//!
//! ```ignore
//! let mut open = FooSkelBuilder::default().open_owned()?; // OwnedOpenFooSkel
//! open.with(|open| {
//!     let test_3 = open.progs().test_3();
//!     let ops = open.struct_ops_mut().testmap();
//!     ops.foo = 13;
//!     ops.test_2 = Some(test_3);
//!     open.maps_mut().rodata().verbose = 1;
//! });
//! let mut skel = open.load()?;                             // OwnedFooSkel
//! skel.attach()?;
//! let counter = skel.get().maps().bss().counter();        // read through `get`
//! ```
//!
//! An owned skeleton is the borrowed one ([`SkelBuilder::Open`],
//! [`SkelBuilder::Loaded`]) together with the storage it borrows. The
//! borrowed skeleton is reached two ways:
//! - [`Owned::get`] lends `&Skel<'_>`, for reading: nothing borrowed from
//!   it outlives the owned skeleton.
//! - [`Owned::with`] lends `&'a mut Skel<'a>` to a closure for a lifetime
//!   `'a` of its own, for changing it. A skeleton's `'obj` is invariant, so
//!   inside `with` nothing of another skeleton fits it: a program token of
//!   another object does not fit a slot, a link of another object does not
//!   fit `links`, and two skeletons' containers cannot be swapped. Those
//!   are compile errors, not run-time ones.

use std::fmt;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;

use crate::error::Result;
use crate::storage::ObjectStorage;

/// A generated skeleton builder (`FooSkelBuilder`): what the owned forms
/// need to know of its skeleton. Implemented by generated code only.
///
/// # Safety
///
/// The owned forms keep the skeleton as `Open<'static>` / `Loaded<'static>`
/// beside the storage it borrows, lend it out with `'static` shortened
/// ([`OwnedOpen::get`], [`Owned::get`]) or replaced by a lifetime of a
/// closure's own ([`OwnedOpen::with`], [`Owned::with`]), and drop it
/// before the storage. That is sound only if an implementation promises:
///
/// 1. `Open<'obj>` and `Loaded<'obj>` borrow, for `'obj`, nothing but the
///    storage `__open` was given, and hold no value of lifetime `'obj`
///    other than what that skeleton itself handed out for its own object
///    (program tokens, links), which are valid as long as the storage;
/// 2. they are invariant in `'obj`, so inside `with` nothing of another
///    skeleton or of a shorter life can be stored in them;
/// 3. nothing can be stored in them through a shared reference (no
///    interior mutability over values whose type mentions `'obj`), so
///    `get` cannot be used to store a shorter-lived value;
/// 4. `__load` and `__attach` keep 1 to 3 for what they return or change.
///
/// Generated skeletons keep all four by construction: their fields are a
/// private core over the storage, links, and nothing else.
pub unsafe trait SkelBuilder: Sized + 'static {
    /// The open skeleton, `OpenFooSkel<'obj>`.
    type Open<'obj>;
    /// The loaded skeleton, `FooSkel<'obj>`.
    type Loaded<'obj>;

    #[doc(hidden)]
    fn __open(self, storage: &mut ObjectStorage) -> Result<Self::Open<'_>>;
    #[doc(hidden)]
    fn __load(open: Self::Open<'_>) -> Result<Self::Loaded<'_>>;
    #[doc(hidden)]
    fn __attach(skel: &mut Self::Loaded<'_>) -> Result<()>;
}

/// The storage an owned skeleton borrows, on the heap so it stays put when
/// the owned skeleton moves; freed by whoever holds it last.
struct Storage(NonNull<ObjectStorage>);

impl Storage {
    fn new() -> Storage {
        Storage(NonNull::from(Box::leak(Box::new(ObjectStorage::new()))))
    }

    /// The storage for as long as the caller keeps it.
    ///
    /// # Safety
    ///
    /// Whatever borrows it must be dropped before `self`.
    unsafe fn borrow(&self) -> &'static mut ObjectStorage {
        // SAFETY: a live heap allocation, borrowed once (per the caller).
        unsafe { &mut *self.0.as_ptr() }
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        // SAFETY: allocated by `Storage::new`; nothing borrows it any more.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

/// An owned open skeleton: `OwnedOpenFooSkel`, from
/// `FooSkelBuilder::open_owned()`. See the [module docs](self).
///
/// `Send` (with its storage, it is the skeleton, which is `Send`), not
/// `Sync` (the skeleton is not).
pub struct OwnedOpen<B: SkelBuilder> {
    /// Borrows `storage`; dropped first.
    skel: ManuallyDrop<B::Open<'static>>,
    storage: Storage,
}

impl<B: SkelBuilder> OwnedOpen<B> {
    /// Opens the skeleton of `builder` into storage of its own.
    pub fn new(builder: B) -> Result<Self> {
        let storage = Storage::new();
        // SAFETY: `skel` is dropped before `storage` (Drop below), and
        // `'static` never leaves this type: `get` and `with` shorten it
        // (sound per `SkelBuilder`'s safety contract).
        let skel = builder.__open(unsafe { storage.borrow() })?;
        Ok(OwnedOpen {
            skel: ManuallyDrop::new(skel),
            storage,
        })
    }

    /// The open skeleton, to read.
    pub fn get(&self) -> &B::Open<'_> {
        // SAFETY: a shared borrow for as long as `self` is borrowed, during
        // which the storage lives; nothing can be stored through it (3. of
        // `SkelBuilder`'s contract).
        unsafe { &*(&*self.skel as *const B::Open<'static>).cast::<B::Open<'_>>() }
    }

    /// Runs `f` on the open skeleton, to change it (shadows, globals,
    /// map settings, autoload), and returns what `f` returns.
    pub fn with<R>(&mut self, f: impl for<'a> FnOnce(&'a mut B::Open<'a>) -> R) -> R {
        let skel: *mut B::Open<'static> = &mut *self.skel;
        // SAFETY: `'a` is `f`'s own: nothing borrowed for it leaves `f`,
        // and since `'obj` is invariant (2. of `SkelBuilder`'s contract)
        // nothing of another lifetime can be stored in the skeleton.
        f(unsafe { &mut *skel.cast() })
    }

    /// Loads the object (see the open skeleton's `load`).
    pub fn load(self) -> Result<Owned<B>> {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again; the storage moves
        // out whole below.
        let open = unsafe { ManuallyDrop::take(&mut this.skel) };
        // SAFETY: as above: read once, and `this` is forgotten.
        let storage = unsafe { std::ptr::read(&this.storage) };
        // On an error `open` is gone, and `storage` is freed after it.
        let loaded = B::__load(open)?;
        Ok(Owned {
            skel: ManuallyDrop::new(loaded),
            _storage: storage,
        })
    }
}

impl<B: SkelBuilder> Drop for OwnedOpen<B> {
    fn drop(&mut self) {
        // SAFETY: dropped once, before the storage it borrows.
        unsafe { ManuallyDrop::drop(&mut self.skel) }
    }
}

/// An owned loaded skeleton: `OwnedFooSkel`, from `OwnedOpenFooSkel::load`.
/// Dropping it detaches everything and closes the object. See the
/// [module docs](self). `Send`, not `Sync`, as [`OwnedOpen`].
pub struct Owned<B: SkelBuilder> {
    /// Borrows `_storage`; dropped first (links first of all).
    skel: ManuallyDrop<B::Loaded<'static>>,
    _storage: Storage,
}

impl<B: SkelBuilder> Owned<B> {
    /// The loaded skeleton, to read (maps, typed views and handles,
    /// programs, shadows, links, read-back).
    pub fn get(&self) -> &B::Loaded<'_> {
        // SAFETY: as in `OwnedOpen::get`.
        unsafe { &*(&*self.skel as *const B::Loaded<'static>).cast::<B::Loaded<'_>>() }
    }

    /// Runs `f` on the loaded skeleton, to change it (writable globals,
    /// links, `attach_<map>`), and returns what `f` returns.
    pub fn with<R>(&mut self, f: impl for<'a> FnOnce(&'a mut B::Loaded<'a>) -> R) -> R {
        let skel: *mut B::Loaded<'static> = &mut *self.skel;
        // SAFETY: as in `OwnedOpen::with`.
        f(unsafe { &mut *skel.cast() })
    }

    /// Attaches programs and registers struct_ops maps, as the loaded
    /// skeleton's `attach`.
    pub fn attach(&mut self) -> Result<()> {
        self.with(|skel| B::__attach(skel))
    }
}

impl<B: SkelBuilder> Drop for Owned<B> {
    fn drop(&mut self) {
        // SAFETY: dropped once, before the storage it borrows.
        unsafe { ManuallyDrop::drop(&mut self.skel) }
    }
}

impl<B: SkelBuilder> fmt::Debug for OwnedOpen<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedOpen")
            .field("skeleton", &std::any::type_name::<B>())
            .finish_non_exhaustive()
    }
}

impl<B: SkelBuilder> fmt::Debug for Owned<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Owned")
            .field("skeleton", &std::any::type_name::<B>())
            .finish_non_exhaustive()
    }
}

// SAFETY: an owned skeleton is its skeleton and the storage that skeleton
// borrows; moving both to another thread together is moving the skeleton
// (which must be `Send`) and an `ObjectStorage` (which is). Not Sync: a
// skeleton is not (the raw storage pointer keeps it so).
unsafe impl<B: SkelBuilder> Send for OwnedOpen<B> where B::Open<'static>: Send {}
// SAFETY: as above.
unsafe impl<B: SkelBuilder> Send for Owned<B> where B::Loaded<'static>: Send {}
