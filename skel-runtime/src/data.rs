//! Data sections: the resizable ones before load ([`Section`],
//! [`SectionMut`]), and every writable one after load, live ([`Live`],
//! [`LiveSlice`]).
//!
//! # Before load
//!
//! A fixed data section (`.bss`, `.data`, `.rodata`, ...) is a plain `&T` /
//! `&mut T` over libbpf's copy of its initial values: its size was checked
//! at open and cannot change. A *resizable* section (its last variable is
//! an array, which `bpf_map__set_value_size` resizes, as sched_ext
//! schedulers do for their exit-dump buffer and per-CPU arrays) is a
//! [`Section`]: resizing moves libbpf's memory, so its views are taken
//! again on every access and checked against the current size; a section
//! resized below its declared size cannot hold its typed view any more,
//! which is an error value saying what to do, never a panic.
//!
//! # After load
//!
//! `.rodata` is frozen at load and stays a `&T`. Every other section
//! libbpf maps is memory the BPF programs write while user space reads it,
//! so no `&T` may point into it (the compiler would be entitled to assume
//! the value does not change while the reference lives, and keep a read
//! out of a polling loop). Generated skeletons hand out a live view per
//! section instead: each variable is read and written with a volatile
//! access, as a copy (`skel.maps().bss().counter()`,
//! `.set_counter(0)`), the whole section is copied with `read()`, and a
//! resizable section's array is a [`LiveSlice`]. A volatile access is not
//! atomic: a value a BPF program changes while user space reads it may be
//! torn (wider than 8 bytes, or misaligned), and a read-modify-write from
//! user space races with the program's own writes, as in C. Views of one
//! skeleton are neither `Send` nor `Sync`, so user-space threads never race
//! on them.

use std::marker::PhantomData;
use std::mem::{MaybeUninit, align_of, size_of};
use std::ptr::NonNull;

use libbpf_sys::bpf_map;

use crate::contract::SkelSpec;
use crate::errno::Errno;
use crate::error::{Error, Result, ViewProblem};
use crate::libbpf::{initial_value, object_loaded};
use crate::libbpf_log::capture;
use crate::plain::Plain;

/// A resizable data section of an open skeleton: `T` is its variables'
/// type (the last array at its declared length), `E` the element of that
/// array. Reached through `open.maps().<section>()` (and, for a frozen
/// `.rodata` section, `skel.maps().<section>()` after load).
///
/// Neither `Send` nor `Sync`: it is a shared borrow of the skeleton, which
/// is not `Sync`.
pub struct Section<'a, T, E> {
    at: Place,
    _borrow: Marker<&'a (), (T, E)>,
}

/// What a view borrows (`B`: `&'a ()` or `&'a mut ()`) and the types it
/// gives (`fn() -> T`: covariant, and no claim to own a `T`). A raw pointer
/// would make it neither `Send` nor `Sync`; `Place` and `Live` hold one
/// anyway.
type Marker<B, T> = PhantomData<(B, fn() -> T)>;

/// [`Section`], to change and resize: `open.maps_mut().<section>()`.
///
/// Neither `Send` nor `Sync`: it stays on the thread that borrowed the
/// skeleton exclusively.
pub struct SectionMut<'a, T, E> {
    at: Place,
    _borrow: Marker<&'a mut (), (T, E)>,
}

/// Where a resizable section is.
#[derive(Clone, Copy)]
struct Place {
    spec: &'static SkelSpec,
    index: usize,
    map: NonNull<bpf_map>,
    /// The last variable, the array.
    var: &'static str,
    offset: usize,
}

impl Place {
    fn error(&self, type_name: &'static str, problem: ViewProblem) -> Error {
        Error::View {
            skeleton: self.spec.skeleton,
            map: self.spec.maps[self.index].lookup.to_owned(),
            type_name,
            problem,
        }
    }

    /// The map's current buffer and size, checked to hold `needed` bytes
    /// and to be aligned to `align` at `offset`.
    fn checked(
        &self,
        type_name: &'static str,
        needed: usize,
        offset: usize,
        align: usize,
    ) -> Result<(NonNull<u8>, usize)> {
        let (ptr, size) = initial_value(self.map);
        let problem = match NonNull::new(ptr) {
            None => ViewProblem::NotMapped,
            Some(_) if size < needed => ViewProblem::TooSmall {
                actual: size,
                needed,
            },
            Some(_) if !(ptr as usize).wrapping_add(offset).is_multiple_of(align) => {
                ViewProblem::Misaligned {
                    address: ptr as usize + offset,
                    align,
                }
            }
            Some(p) => return Ok((p, size)),
        };
        Err(self.error(type_name, problem))
    }

    /// `T` over the start of the section.
    fn view<T>(&self) -> Result<NonNull<T>> {
        let spec = self.spec.maps[self.index].view();
        let type_name = spec.map_or("?", |s| s.type_name);
        // The fixed part libbpf must hold: the C size. A view rounded up to
        // its alignment reads at most `align - 1` bytes past it, inside the
        // pages libbpf maps.
        let needed = match spec {
            Some(s) if s.is::<T>() => s.value_size,
            _ => {
                return Err(Error::LayoutMismatch {
                    skeleton: self.spec.skeleton,
                    map: self.spec.maps[self.index].lookup.to_owned(),
                    type_name: std::any::type_name::<T>(),
                    expected: size_of::<T>(),
                    align: align_of::<T>(),
                    actual: spec.map_or(0, |s| s.value_size),
                    address: 0,
                });
            }
        };
        let (p, _) = self.checked(type_name, needed, 0, align_of::<T>())?;
        Ok(p.cast())
    }

    /// The array of `E` from `offset` to the end of the current buffer.
    fn array<E>(&self) -> Result<(NonNull<E>, usize)> {
        let type_name = std::any::type_name::<[E]>();
        let (p, size) = self.checked(type_name, self.offset, self.offset, align_of::<E>())?;
        let len = (size - self.offset)
            .checked_div(size_of::<E>())
            .unwrap_or(0);
        // SAFETY: offset <= size: inside the buffer.
        let first = unsafe { p.add(self.offset) };
        Ok((first.cast(), len))
    }

    fn len<E>(&self) -> usize {
        let (_, size) = initial_value(self.map);
        size.saturating_sub(self.offset)
            .checked_div(size_of::<E>())
            .unwrap_or(0)
    }
}

macro_rules! section_reads {
    ($name:ident) => {
        impl<'a, T: Plain, E: Plain> $name<'a, T, E> {
            #[doc(hidden)]
            pub fn new(
                spec: &'static SkelSpec,
                index: usize,
                map: NonNull<bpf_map>,
                var: &'static str,
                offset: usize,
            ) -> Self {
                $name {
                    at: Place {
                        spec,
                        index,
                        map,
                        var,
                        offset,
                    },
                    _borrow: PhantomData,
                }
            }

            /// The elements the last array holds now.
            pub fn len(&self) -> usize {
                self.at.len::<E>()
            }

            /// Does the last array hold no element? (libbpf refuses a
            /// size of 0, so only a section resized to its array's offset.)
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }
    };
}
section_reads!(Section);
section_reads!(SectionMut);

impl<'a, T: Plain, E: Plain> Section<'a, T, E> {
    /// The section's variables: an error when it was resized below its
    /// declared size ([`ViewProblem::TooSmall`]).
    pub fn data(&self) -> Result<&'a T> {
        let p = self.at.view::<T>()?;
        // SAFETY: checked size and alignment; T is plain; the buffer lives
        // until the object closes or the section is resized, which needs
        // the exclusive borrow this view's `'a` excludes.
        Ok(unsafe { p.as_ref() })
    }

    /// The last array, of its current length.
    pub fn array(&self) -> Result<&'a [E]> {
        let (p, len) = self.at.array::<E>()?;
        // SAFETY: `len` elements of E fit between the offset and the end of
        // the buffer, aligned; E is plain; lifetime as in `data`.
        Ok(unsafe { std::slice::from_raw_parts(p.as_ptr(), len) })
    }
}

impl<T: Plain, E: Plain> SectionMut<'_, T, E> {
    /// The section's variables, as [`Section::data`].
    pub fn data(&self) -> Result<&T> {
        let p = self.at.view::<T>()?;
        // SAFETY: as in `Section::data`; the borrow of `self` keeps
        // `resize` out.
        Ok(unsafe { p.as_ref() })
    }

    /// [`Self::data`], writable.
    pub fn data_mut(&mut self) -> Result<&mut T> {
        let mut p = self.at.view::<T>()?;
        // SAFETY: as in `data`; `&mut self` makes it exclusive.
        Ok(unsafe { p.as_mut() })
    }

    /// The last array, of its current length.
    pub fn array(&self) -> Result<&[E]> {
        let (p, len) = self.at.array::<E>()?;
        // SAFETY: as in `Section::array`.
        Ok(unsafe { std::slice::from_raw_parts(p.as_ptr(), len) })
    }

    /// [`Self::array`], writable.
    pub fn array_mut(&mut self) -> Result<&mut [E]> {
        let (p, len) = self.at.array::<E>()?;
        // SAFETY: as in `array`; `&mut self` makes it exclusive.
        Ok(unsafe { std::slice::from_raw_parts_mut(p.as_ptr(), len) })
    }

    /// Resizes the section so that its last array holds `len` elements
    /// (libbpf's `bpf_map__set_value_size`, which moves the section's
    /// memory and rewrites the array's length in the object's BTF). New
    /// elements are zero.
    pub fn resize(&mut self, len: usize) -> Result<()> {
        let at = &self.at;
        let elem_size = size_of::<E>();
        let fail = |reason: String, errno: Option<Errno>, log| Error::Resize {
            skeleton: at.spec.skeleton,
            map: at.spec.maps[at.index].lookup.to_owned(),
            var: at.var,
            len,
            elem_size,
            reason,
            errno,
            log,
        };
        if object_loaded(at.map) {
            return Err(fail(
                "its object is already loaded; resize before load".to_owned(),
                Some(Errno::new(libc::EBUSY)),
                Default::default(),
            ));
        }
        let size = len
            .checked_mul(elem_size)
            .and_then(|bytes| bytes.checked_add(at.offset))
            .and_then(|size| u32::try_from(size).ok());
        let size = match size {
            Some(0) => {
                return Err(fail(
                    "a map value cannot be 0 bytes; keep at least one element".to_owned(),
                    Some(Errno::new(libc::EINVAL)),
                    Default::default(),
                ));
            }
            Some(size) => size,
            None => {
                return Err(fail(
                    format!(
                        "the section would be larger than 4 GiB (a map value's size is a u32; \
                         `{}` starts at byte {})",
                        at.var, at.offset
                    ),
                    Some(Errno::new(libc::E2BIG)),
                    Default::default(),
                ));
            }
        };
        // SAFETY: a map of the open object; nothing borrows its memory
        // (`&mut self`), which libbpf may move.
        let (ret, log) =
            capture(|| unsafe { libbpf_sys::bpf_map__set_value_size(at.map.as_ptr(), size) });
        if ret != 0 {
            let errno = Errno::new(ret);
            return Err(fail(format!("libbpf refused: {errno}"), Some(errno), log));
        }
        Ok(())
    }
}

/// A data section after load, shared with the BPF programs: `len` bytes
/// of the kernel's map, read and written with volatile accesses only.
/// Generated skeletons wrap it in a type with one getter and setter per
/// variable (`skel.maps().bss().counter()`, `.set_counter(0)`). A volatile
/// access is not atomic: a value a BPF program changes while user space
/// reads it may be torn (wider than 8 bytes, or misaligned), and a
/// read-modify-write races with the program's own writes, as in C.
///
/// Neither `Send` nor `Sync`: volatile accesses are not atomic, so two
/// threads writing one section through it would race (a data race, which
/// Rust does not allow even for volatile accesses). Read a copy
/// ([`Live::read`]) to hand values to another thread.
pub struct Live<'a, T> {
    ptr: NonNull<u8>,
    len: usize,
    // Not Send, not Sync (the raw pointers): two threads writing one
    // section would race.
    _borrow: Marker<&'a (), T>,
}

impl<T> Clone for Live<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Live<'_, T> {}

impl<T> std::fmt::Debug for Live<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("type", &std::any::type_name::<T>())
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// Reads an `F` at `p`, volatile, whatever its alignment.
///
/// # Safety
///
/// `p` must be valid for reading `size_of::<F>()` bytes.
unsafe fn read_volatile<F: Plain>(p: *const u8) -> F {
    if (p as usize).is_multiple_of(align_of::<F>()) {
        // SAFETY: valid and aligned (per the caller and the check).
        return unsafe { p.cast::<F>().read_volatile() };
    }
    let mut out = MaybeUninit::<F>::uninit();
    let dst = out.as_mut_ptr().cast::<u8>();
    for i in 0..size_of::<F>() {
        // SAFETY: byte i of both, in bounds per the caller.
        unsafe { dst.add(i).write(p.add(i).read_volatile()) };
    }
    // SAFETY: every byte written; any bytes are an F (plain, no padding).
    unsafe { out.assume_init() }
}

/// Writes `value` at `p`, volatile, whatever its alignment.
///
/// # Safety
///
/// `p` must be valid for writing `size_of::<F>()` bytes, and nothing may
/// hold a reference to them.
unsafe fn write_volatile<F: Plain>(p: *mut u8, value: F) {
    if (p as usize).is_multiple_of(align_of::<F>()) {
        // SAFETY: valid and aligned (per the caller and the check).
        return unsafe { p.cast::<F>().write_volatile(value) };
    }
    let src = (&raw const value).cast::<u8>();
    for i in 0..size_of::<F>() {
        // SAFETY: byte i of both, in bounds per the caller; F has no
        // padding, so every source byte is initialised.
        unsafe { p.add(i).write_volatile(src.add(i).read()) };
    }
}

impl<'a, T: Plain> Live<'a, T> {
    /// # Safety
    ///
    /// `ptr` must point to `len` bytes of memory that stay mapped for `'a`,
    /// aligned for `T`, that no Rust reference points into while `'a`
    /// lasts.
    pub(crate) unsafe fn new(ptr: NonNull<u8>, len: usize) -> Self {
        Live {
            ptr,
            len,
            _borrow: PhantomData,
        }
    }

    /// A view of nothing (reads give zero, writes are dropped).
    pub(crate) fn empty() -> Self {
        Live {
            ptr: NonNull::dangling(),
            len: 0,
            _borrow: PhantomData,
        }
    }

    /// Is `size` bytes at `offset` inside the view?
    fn fits(&self, offset: usize, size: usize) -> bool {
        offset.checked_add(size).is_some_and(|end| end <= self.len)
    }

    /// A copy of the whole section (bytes past a section resized below
    /// its declared size read as zero).
    pub fn read(&self) -> T {
        if self.fits(0, size_of::<T>()) {
            // SAFETY: in bounds (checked), mapped for 'a.
            return unsafe { read_volatile(self.ptr.as_ptr()) };
        }
        let mut out = crate::plain::zeroed::<T>();
        let dst = (&raw mut out).cast::<u8>();
        for i in 0..self.len.min(size_of::<T>()) {
            // SAFETY: byte i is inside both.
            unsafe { dst.add(i).write(self.ptr.as_ptr().add(i).read_volatile()) };
        }
        out
    }

    /// Writes the whole section. Every variable is written, so values the
    /// programs changed since a [`Self::read`] are overwritten: prefer the
    /// per-variable setters. Bytes of `T` past the section's end (the tail
    /// padding of a section whose size is no multiple of its alignment, or
    /// a section resized below its declared size) are not written.
    pub fn write(&self, value: &T) {
        if self.fits(0, size_of::<T>()) {
            // SAFETY: in bounds (checked), mapped for 'a, and nothing in
            // Rust references the memory (type invariant).
            return unsafe { write_volatile(self.ptr.as_ptr(), *value) };
        }
        let src = (value as *const T).cast::<u8>();
        for i in 0..self.len.min(size_of::<T>()) {
            // SAFETY: byte i is inside both; T has no padding, so every
            // byte of `value` is initialised; nothing in Rust references
            // the section's memory (type invariant).
            unsafe { self.ptr.as_ptr().add(i).write_volatile(src.add(i).read()) };
        }
    }

    /// The `F` at byte `offset` (generated getters pass a field's offset
    /// and type). Out of bounds, a zero `F`.
    #[doc(hidden)]
    pub fn get<F: Plain>(&self, offset: usize) -> F {
        if !self.fits(offset, size_of::<F>()) {
            return crate::plain::zeroed();
        }
        // SAFETY: in bounds (checked), mapped for 'a.
        unsafe { read_volatile(self.ptr.as_ptr().add(offset)) }
    }

    /// Writes `value` at byte `offset`; out of bounds, nothing.
    #[doc(hidden)]
    pub fn set<F: Plain>(&self, offset: usize, value: F) {
        if self.fits(offset, size_of::<F>()) {
            // SAFETY: in bounds (checked), mapped for 'a, unreferenced.
            unsafe { write_volatile(self.ptr.as_ptr().add(offset), value) }
        }
    }

    /// The array of `E` from byte `offset` to the end of the section.
    #[doc(hidden)]
    pub fn slice<E: Plain>(&self, offset: usize) -> LiveSlice<'a, E> {
        let len = self
            .len
            .checked_sub(offset)
            .and_then(|bytes| bytes.checked_div(size_of::<E>()))
            .unwrap_or(0);
        LiveSlice {
            // SAFETY: offset <= self.len when len > 0; otherwise never read.
            ptr: if len > 0 {
                unsafe { self.ptr.add(offset) }
            } else {
                NonNull::dangling()
            },
            len,
            _borrow: PhantomData,
        }
    }
}

/// An array in a live data section (a resizable section's last array):
/// elements are read and written one at a time, volatile. Neither `Send`
/// nor `Sync`, as [`Live`].
pub struct LiveSlice<'a, E> {
    ptr: NonNull<u8>,
    len: usize,
    _borrow: Marker<&'a (), E>,
}

impl<E> Clone for LiveSlice<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for LiveSlice<'_, E> {}

impl<E> std::fmt::Debug for LiveSlice<'_, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSlice")
            .field("element", &std::any::type_name::<E>())
            .field("len", &self.len)
            .finish()
    }
}

impl<'a, E: Plain> LiveSlice<'a, E> {
    /// The number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A copy of element `index`; `None` past the end.
    pub fn get(&self, index: usize) -> Option<E> {
        (index < self.len).then(|| {
            // SAFETY: element `index` lies inside the slice (len elements
            // from ptr, mapped for 'a).
            unsafe { read_volatile(self.ptr.as_ptr().add(index * size_of::<E>())) }
        })
    }

    /// Writes element `index`; `false` (and nothing written) past the end.
    #[must_use = "a write past the end does nothing"]
    pub fn set(&self, index: usize, value: E) -> bool {
        if index >= self.len {
            return false;
        }
        // SAFETY: as in `get`; nothing in Rust references the memory.
        unsafe { write_volatile(self.ptr.as_ptr().add(index * size_of::<E>()), value) };
        true
    }

    /// Every element, copied one at a time.
    pub fn iter(&self) -> impl Iterator<Item = E> + 'a
    where
        E: 'a,
    {
        let this = *self;
        (0..this.len).filter_map(move |i| this.get(i))
    }

    /// A copy of every element.
    pub fn to_vec(&self) -> Vec<E> {
        self.iter().collect()
    }
}

/// An array type whose elements are `E`: what a resizable section's last
/// variable is (generated code checks it with [`elements_of`]).
#[doc(hidden)]
pub trait ArrayOf<E> {}
impl<E, const N: usize> ArrayOf<E> for [E; N] {}
impl<const N: usize> ArrayOf<u8> for crate::plain::CharArray<N> {}

/// Compile-time check used by generated code: `_` is an array of `E`.
#[doc(hidden)]
pub const fn elements_of<E, A: ArrayOf<E>>(_: &A) {}

/// The live view type of a data section, with a volatile getter and
/// setter per variable (see the [`data`](crate::Live) docs). Generated
/// code invokes it once per section:
///
/// ```text
/// live!(fixed $(#[doc])* BssLive: types::bss;
///       $(#[doc])* counter: u64 => counter, set_counter; ...);
/// live!(resizable $(#[doc])* DataDumpLive: types::data_dump;
///       last $(#[doc])* dump: u8 => dump;
///       $(#[doc])* len: u32 => len, set_len; ...);
/// ```
///
/// Every variable's declared type is checked against its field's, so a
/// getter can only read the field's own type at its own offset.
#[doc(hidden)]
#[macro_export]
macro_rules! live {
    (fixed $(#[$attr:meta])* $name:ident: $ty:ty;
        $($(#[$vattr:meta])* $f:ident: $fty:ty => $get:ident, $set:ident);* $(;)?) => {
        $crate::live!(@type $(#[$attr])* $name: $ty; $($(#[$vattr])* $f: $fty => $get, $set);*);
        impl<'a> $name<'a> {
            /// A copy of every variable of the section, each read once
            /// (volatile).
            #[inline]
            pub fn read(&self) -> $ty {
                self.0.read()
            }

            /// Writes every variable of the section, overwriting what the
            /// programs changed since it was read; prefer the setters.
            #[inline]
            pub fn write(&self, value: &$ty) {
                self.0.write(value)
            }
        }
    };
    (resizable $(#[$attr:meta])* $name:ident: $ty:ty;
        last $(#[$sattr:meta])* $sf:ident: $ety:ty => $sget:ident;
        $($(#[$vattr:meta])* $f:ident: $fty:ty => $get:ident, $set:ident);* $(;)?) => {
        $crate::live!(@type $(#[$attr])* $name: $ty; $($(#[$vattr])* $f: $fty => $get, $set);*);
        impl<'a> $name<'a> {
            $(#[$sattr])*
            #[inline]
            pub fn $sget(&self) -> $crate::LiveSlice<'a, $ety> {
                self.0.slice(::core::mem::offset_of!($ty, $sf))
            }
        }
        const _: () = {
            fn _last(v: &$ty) {
                $crate::__private::elements_of::<$ety, _>(&{ v.$sf });
            }
        };
    };
    (@type $(#[$attr:meta])* $name:ident: $ty:ty;
        $($(#[$vattr:meta])* $f:ident: $fty:ty => $get:ident, $set:ident);*) => {
        $(#[$attr])*
        ///
        /// Neither `Send` nor `Sync`, as `skel_runtime::Live`: two threads'
        /// volatile writes would race.
        #[derive(Clone, Copy, Debug)]
        pub struct $name<'a>($crate::Live<'a, $ty>);
        impl<'a> $name<'a> {
            #[doc(hidden)]
            #[inline]
            pub fn __new(live: $crate::Live<'a, $ty>) -> Self {
                $name(live)
            }
            $(
                $(#[$vattr])*
                #[inline]
                pub fn $get(&self) -> $fty {
                    self.0.get(::core::mem::offset_of!($ty, $f))
                }
                #[doc = concat!("Writes [`Self::", stringify!($get), "`] (volatile).")]
                #[inline]
                pub fn $set(&self, value: $fty) {
                    self.0.set(::core::mem::offset_of!($ty, $f), value)
                }
            )*
        }
        const _: () = {
            fn _types(v: &$ty) {
                $(let _: $fty = { v.$f };)*
            }
        };
    };
}

/// The volatile accessors over memory of a test's own, so that Miri checks
/// them: every test buffer is an allocation of exactly the bytes a view
/// may reach, so a read or write one byte past it is reported.
#[cfg(test)]
mod tests {
    use std::alloc::Layout;
    use std::mem::offset_of;

    use super::*;

    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Vars {
        a: u32,
        b: u16,
        c: u16,
        d: u64,
    }
    crate::layout!(unsafe plain Vars: 16, 8; a 0, b 4, c 6, d 8;);

    /// `len` zeroed bytes at an address aligned to `align` and no further
    /// (one more byte only to offset the start when `at` is 1).
    struct Mem {
        ptr: NonNull<u8>,
        layout: Layout,
    }

    impl Mem {
        fn new(len: usize, align: usize) -> Mem {
            let layout = Layout::from_size_align(len, align).unwrap();
            assert!(len > 0);
            // SAFETY: a non-zero size.
            let ptr = NonNull::new(unsafe { std::alloc::alloc_zeroed(layout) }).unwrap();
            Mem { ptr, layout }
        }

        /// A live view of `len` bytes from byte `at`, borrowing the memory
        /// exclusively (as a view of a skeleton borrows its core).
        fn live<T: Plain>(&mut self, at: usize, len: usize) -> Live<'_, T> {
            assert!(at + len <= self.layout.size());
            // SAFETY: inside the allocation, which lives as long as the
            // borrow of `self`, during which no reference points into it;
            // callers pick `at` aligned for `T`.
            unsafe { Live::new(self.ptr.add(at), len) }
        }

        fn bytes(&self) -> &[u8] {
            // SAFETY: the allocation, initialised (zeroed, then written).
            unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.layout.size()) }
        }
    }

    impl Drop for Mem {
        fn drop(&mut self) {
            // SAFETY: allocated in `new` with this layout.
            unsafe { std::alloc::dealloc(self.ptr.as_ptr(), self.layout) }
        }
    }

    #[test]
    fn aligned_variables_are_read_and_written_in_place() {
        let mut mem = Mem::new(16, 8);
        let live = mem.live::<Vars>(0, 16);
        live.set(offset_of!(Vars, a), 0x0102_0304u32);
        live.set(offset_of!(Vars, c), 0xbeefu16);
        live.set(offset_of!(Vars, d), u64::MAX - 1);
        assert_eq!(live.get::<u32>(offset_of!(Vars, a)), 0x0102_0304);
        assert_eq!(live.get::<u16>(offset_of!(Vars, b)), 0, "untouched");
        let all = live.read();
        assert_eq!(
            (all.a, all.b, all.c, all.d),
            (0x0102_0304, 0, 0xbeef, u64::MAX - 1)
        );
        live.write(&Vars { b: 7, ..all });
        assert_eq!(live.get::<u16>(offset_of!(Vars, b)), 7);
        let mut want = [0u8; 16];
        want[..4].copy_from_slice(&0x0102_0304u32.to_ne_bytes());
        want[4..6].copy_from_slice(&7u16.to_ne_bytes());
        want[6..8].copy_from_slice(&0xbeefu16.to_ne_bytes());
        want[8..].copy_from_slice(&(u64::MAX - 1).to_ne_bytes());
        assert_eq!(mem.bytes(), want);
    }

    #[test]
    fn unaligned_variables_are_read_and_written_byte_by_byte() {
        // A packed section at an odd address: every wide access is
        // misaligned.
        let mut mem = Mem::new(1 + 28, 8);
        let live = mem.live::<[u8; 28]>(1, 28);
        live.set(3, 0x1122_3344_5566_7788u64);
        live.set(11, u128::MAX - 2);
        assert_eq!(live.get::<u64>(3), 0x1122_3344_5566_7788);
        assert_eq!(live.get::<u128>(11), u128::MAX - 2);
        assert_eq!(live.get::<u32>(7), 0x1122_3344, "the upper half of the u64");
        live.set(27, 0xabu8);
        let copy = live.read();
        assert_eq!(copy[27], 0xab);
        assert_eq!(copy[11..27], (u128::MAX - 2).to_ne_bytes());
        assert_eq!(copy[3..11], 0x1122_3344_5566_7788u64.to_ne_bytes());
        assert_eq!(mem.bytes()[0], 0, "nothing before the view");
        assert_eq!(mem.bytes()[4..12], 0x1122_3344_5566_7788u64.to_ne_bytes());
    }

    #[test]
    fn out_of_bounds_reads_are_zero_and_writes_nothing() {
        let mut mem = Mem::new(16, 8);
        let live = mem.live::<Vars>(0, 16);
        live.set(0, [0xffu8; 16]);
        assert_eq!(live.get::<u64>(9), 0, "one byte past the end");
        assert_eq!(live.get::<u8>(16), 0);
        assert_eq!(live.get::<u64>(usize::MAX), 0, "an offset that overflows");
        live.set(9, 0u64);
        live.set(16, 0u8);
        live.set(usize::MAX - 1, 0u32);
        assert_eq!(mem.bytes(), [0xff; 16]);
    }

    #[test]
    fn a_section_smaller_than_its_type_reads_zero_past_its_end() {
        // A resizable section shrunk below its declared type: 6 bytes.
        let mut mem = Mem::new(6, 8);
        let live = mem.live::<Vars>(0, 6);
        live.set(offset_of!(Vars, a), 9u32);
        live.set(offset_of!(Vars, b), 5u16);
        live.set(offset_of!(Vars, c), 1u16);
        let all = live.read();
        assert_eq!((all.a, all.b, all.c, all.d), (9, 5, 0, 0));
        assert_eq!(live.get::<u16>(offset_of!(Vars, c)), 0);
        live.write(&Vars {
            a: 1,
            b: 2,
            c: 3,
            d: 4,
        });
        // The bytes of the value inside the section are written, the rest
        // dropped (a section resized below its declared type).
        assert_eq!(live.get::<u32>(0), 1, "a whole write writes what fits");
        assert_eq!(live.get::<u16>(offset_of!(Vars, b)), 2);
        assert_eq!(mem.bytes()[..4], 1u32.to_ne_bytes());
    }

    #[test]
    fn the_last_array_is_a_slice_of_whole_elements() {
        // 8 bytes of header, then three u32 and two bytes of a fourth.
        let mut mem = Mem::new(8 + 3 * 4 + 2, 8);
        let live = mem.live::<u64>(0, 22);
        let slots = live.slice::<u32>(8);
        assert_eq!(slots.len(), 3);
        assert!(slots.set(0, 10) && slots.set(2, 12));
        assert!(!slots.set(3, 13), "past the end");
        assert_eq!(slots.get(2), Some(12));
        assert_eq!(slots.get(3), None);
        assert_eq!(slots.to_vec(), [10, 0, 12]);
        assert_eq!(slots.iter().sum::<u32>(), 22);
        // Misaligned elements, from an odd offset: 13 bytes, 3 elements.
        let odd = live.slice::<u32>(9);
        assert_eq!(odd.len(), 3);
        assert!(odd.set(2, 0xa0b0_c0d0));
        assert_eq!(odd.get(2), Some(0xa0b0_c0d0));
        // Nothing left, or nothing at all.
        assert!(live.slice::<u32>(22).is_empty());
        assert!(live.slice::<u32>(usize::MAX).is_empty());
        assert_eq!(live.slice::<u32>(40).get(0), None);
        assert!(live.slice::<crate::test_run::NoContext>(0).is_empty());
        assert_eq!(mem.bytes()[17..21], 0xa0b0_c0d0u32.to_ne_bytes());
        assert_eq!(mem.bytes()[8..12], 10u32.to_ne_bytes());
    }

    #[test]
    fn an_empty_view_reads_zero_and_drops_writes() {
        let live = Live::<Vars>::empty();
        assert_eq!(live.read().d, 0);
        assert_eq!(live.get::<u32>(0), 0);
        live.set(0, 1u32);
        live.write(&Vars::default());
        assert!(live.slice::<u8>(0).is_empty());
    }
}
