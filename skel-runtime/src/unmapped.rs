//! Data sections libbpf does not mmap: a `.data`, `.bss` or `.rodata`
//! holding only `static` variables (scx_simple's `vtime_now` in `.bss`).
//! libbpf sets `BPF_F_MMAPABLE` only on a section with a global (non-static)
//! variable, so such a section has no memory shared with the programs; it
//! is still a one-element array map. After load the skeleton reads and
//! writes its variables as a whole through that element: a copy, not a
//! reference. Before load, the initial values are the open skeleton's, as
//! for every section.

use crate::errno::Errno;
use crate::error::Result;
use crate::map::MapHandle;
use crate::maps::Array;
use crate::plain::Plain;

/// A loaded `.data` or `.bss` section libbpf did not mmap (it holds only
/// `static` variables), typed by its variables `T`:
/// `skel.maps().bss()`. Each call is one `bpf()` call on the section's map:
///
/// ```no_run
/// # #[derive(Clone, Copy, Default)] #[repr(C)] struct bss { vtime_now: u64 }
/// # unsafe impl skel_runtime::Plain for bss {}
/// # fn f(section: skel_runtime::UnmappedSection<'_, bss>) -> skel_runtime::Result<()> {
/// let mut vars = section.copy()?; // what the programs see now
/// vars.vtime_now += 1000;
/// section.write(&vars)?; // what they see from now on
/// # Ok(()) }
/// ```
///
/// A read-modify-write is not atomic: a program may change the section
/// between `copy()` and `write()`. `Send` and `Sync`, as typed map
/// handles are.
pub struct UnmappedSection<'a, T> {
    array: Array<'a, T>,
}

/// A loaded `.rodata` section libbpf did not mmap (it holds only `static
/// const` variables), typed by its variables `T`: frozen at load, so read
/// only (`skel.maps().rodata().copy()`). `Send` and `Sync`.
pub struct UnmappedRodata<'a, T> {
    array: Array<'a, T>,
}

/// The section's one element, as the kernel has it.
fn element<T: Plain>(array: &Array<'_, T>) -> Result<T> {
    match array.get(0)? {
        Some(value) => Ok(value),
        // An array map of one element always has element 0.
        None => Err(array.op_error("lookup", Errno::new(-libc::ENOENT))),
    }
}

impl<'a, T: Plain> UnmappedSection<'a, T> {
    #[doc(hidden)]
    #[inline]
    pub fn __new(map: MapHandle<'a>) -> Self {
        UnmappedSection {
            array: Array::__new(map),
        }
    }

    /// The section's variables as the programs see them now: a copy.
    pub fn copy(&self) -> Result<T> {
        element(&self.array)
    }

    /// Writes all of the section's variables (one update of its element):
    /// the programs see `value` from now on.
    pub fn write(&self, value: &T) -> Result<()> {
        self.array.set(0, value)
    }

    /// The section's map.
    #[inline]
    pub fn map(&self) -> &MapHandle<'a> {
        &self.array
    }
}

impl<'a, T: Plain> UnmappedRodata<'a, T> {
    #[doc(hidden)]
    #[inline]
    pub fn __new(map: MapHandle<'a>) -> Self {
        UnmappedRodata {
            array: Array::__new(map),
        }
    }

    /// The section's variables: a copy.
    pub fn copy(&self) -> Result<T> {
        element(&self.array)
    }

    /// The section's map.
    #[inline]
    pub fn map(&self) -> &MapHandle<'a> {
        &self.array
    }
}

impl<T> std::fmt::Debug for UnmappedSection<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnmappedSection")
            .field("type", &std::any::type_name::<T>())
            .finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for UnmappedRodata<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnmappedRodata")
            .field("type", &std::any::type_name::<T>())
            .finish_non_exhaustive()
    }
}
