//! Typed views of data sections, the resizable array at a section's end,
//! and resizing it.
//!
//! libbpf keeps a data section in memory it maps itself; resizing the
//! section (`bpf_map__set_value_size`, before load) moves that memory, and
//! load maps the kernel's map at the same address. So a view's pointer is
//! taken again on every access, and the map's size is checked each time:
//! the view's fixed part must fit (a resized section is larger, and its
//! typed view still covers the start), and a section too small for it
//! (resized below its declared size, or not mapped at all) is an error
//! value saying what to do, never a panic.

use std::mem::{align_of, size_of};
use std::ptr::NonNull;

use libbpf_sys::bpf_map;

use crate::errno::Errno;
use crate::error::{Error, Result, ViewProblem};
use crate::libbpf_log::capture;
use crate::plain::Plain;
use crate::storage::{MapSpec, Maps, OpenMaps, SkelSpec, initial_value, object_loaded};

/// The map's current buffer, checked to hold `needed` bytes from its start
/// and to be aligned to `align` at `offset`.
fn checked(
    skel: &SkelSpec,
    spec: &MapSpec,
    map: NonNull<bpf_map>,
    type_name: &'static str,
    needed: usize,
    offset: usize,
    align: usize,
) -> Result<(NonNull<u8>, usize)> {
    let (ptr, size) = initial_value(map);
    let problem = match NonNull::new(ptr) {
        None => ViewProblem::NotMapped,
        Some(_) if size < needed => ViewProblem::TooSmall {
            actual: size,
            needed,
        },
        Some(_) if (ptr as usize + offset) % align != 0 => ViewProblem::Misaligned {
            address: ptr as usize + offset,
            align,
        },
        Some(p) => return Ok((p, size)),
    };
    Err(Error::View {
        skeleton: skel.skeleton,
        map: spec.lookup.to_owned(),
        type_name,
        problem,
    })
}

/// `T` over the start of data map `index`.
fn view<T: Plain>(skel: &SkelSpec, index: usize, map: NonNull<bpf_map>) -> Result<NonNull<T>> {
    let spec = &skel.maps[index];
    // Generated code asks only for the view its spec describes; anything
    // else is a generator bug, reported rather than laid over the map.
    let ty = spec
        .data
        .as_ref()
        .filter(|ty| size_of::<T>() == ty.size && align_of::<T>() == ty.align && ty.tail_ok());
    let Some(ty) = ty else {
        return Err(Error::LayoutMismatch {
            skeleton: skel.skeleton,
            map: spec.lookup.to_owned(),
            type_name: std::any::type_name::<T>(),
            expected: size_of::<T>(),
            align: align_of::<T>(),
            actual: spec.data.as_ref().map_or(0, |d| d.value_size),
            address: 0,
        });
    };
    // The fixed part libbpf must hold: the C size. A view rounded up to its
    // alignment reads at most `align - 1` bytes past it, inside the pages
    // libbpf maps.
    let (p, _) = checked(skel, spec, map, ty.type_name, ty.value_size, 0, ty.align)?;
    Ok(p.cast())
}

/// The array of `T` that starts at `offset` of data map `index` and runs
/// to the end of the map's current buffer.
fn array<T: Plain>(
    skel: &SkelSpec,
    index: usize,
    map: NonNull<bpf_map>,
    offset: usize,
) -> Result<(NonNull<T>, usize)> {
    let spec = &skel.maps[index];
    let type_name = std::any::type_name::<[T]>();
    let (p, size) = checked(skel, spec, map, type_name, offset, offset, align_of::<T>())?;
    let len = (size - offset).checked_div(size_of::<T>()).unwrap_or(0);
    // SAFETY: offset <= size, inside the buffer.
    let first = unsafe { p.add(offset) };
    Ok((first.cast(), len))
}

fn loaded_error(skel: &SkelSpec, index: usize, type_name: &'static str) -> Error {
    Error::View {
        skeleton: skel.skeleton,
        map: skel.maps[index].lookup.to_owned(),
        type_name,
        problem: ViewProblem::Loaded,
    }
}

impl OpenMaps<'_> {
    /// The open map `index`, unless its object was loaded since (a view
    /// of the open skeleton must not write to a loaded map, which may be
    /// mapped read-only).
    fn open_map(&self, index: usize, type_name: &'static str) -> Result<NonNull<bpf_map>> {
        let map = self.maps[index];
        if object_loaded(map) {
            return Err(loaded_error(self.spec, index, type_name));
        }
        Ok(map)
    }

    pub fn data<T: Plain>(&self, index: usize) -> Result<&T> {
        let p = view::<T>(self.spec, index, self.maps[index])?;
        // SAFETY: checked size and alignment; T is plain; the buffer lives
        // until the object closes or the map is resized, which needs
        // `&mut self`; `&self` keeps writers out.
        Ok(unsafe { p.as_ref() })
    }

    pub fn data_mut<T: Plain>(&mut self, index: usize) -> Result<&mut T> {
        let map = self.open_map(index, std::any::type_name::<T>())?;
        let mut p = view::<T>(self.spec, index, map)?;
        // SAFETY: as in `data`, and `&mut self` makes it exclusive.
        Ok(unsafe { p.as_mut() })
    }

    pub fn array<T: Plain>(&self, index: usize, offset: usize) -> Result<&[T]> {
        let (p, len) = array::<T>(self.spec, index, self.maps[index], offset)?;
        // SAFETY: `len` elements of T fit between offset and the end of the
        // buffer, aligned; T is plain; lifetime as in `data`.
        Ok(unsafe { std::slice::from_raw_parts(p.as_ptr(), len) })
    }

    pub fn array_mut<T: Plain>(&mut self, index: usize, offset: usize) -> Result<&mut [T]> {
        let map = self.open_map(index, std::any::type_name::<[T]>())?;
        let (p, len) = array::<T>(self.spec, index, map, offset)?;
        // SAFETY: as in `array`, and `&mut self` makes it exclusive.
        Ok(unsafe { std::slice::from_raw_parts_mut(p.as_ptr(), len) })
    }

    /// Resizes data map `index` so that its last variable, `var`, an array
    /// of `T` at `offset`, holds `len` elements (libbpf's
    /// `bpf_map__set_value_size`, which also resizes the array in the
    /// object's BTF).
    pub fn resize<T: Plain>(
        &mut self,
        index: usize,
        offset: usize,
        var: &'static str,
        len: usize,
    ) -> Result<()> {
        let spec = &self.spec.maps[index];
        let elem_size = size_of::<T>();
        let fail = |reason: String, errno: Option<Errno>, log| Error::Resize {
            skeleton: self.spec.skeleton,
            map: spec.lookup.to_owned(),
            var,
            len,
            elem_size,
            reason,
            errno,
            log,
        };
        let map = self.maps[index];
        if object_loaded(map) {
            return Err(fail(
                "its object is already loaded; resize before load".to_owned(),
                Some(Errno::new(libc::EBUSY)),
                Default::default(),
            ));
        }
        let size = len
            .checked_mul(elem_size)
            .and_then(|bytes| bytes.checked_add(offset))
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
                         `{var}` starts at byte {offset})"
                    ),
                    Some(Errno::new(libc::E2BIG)),
                    Default::default(),
                ));
            }
        };
        // SAFETY: map is a map of the open object; nothing borrows its
        // memory (`&mut self`), which libbpf may move.
        let (ret, log) =
            capture(|| unsafe { libbpf_sys::bpf_map__set_value_size(map.as_ptr(), size) });
        if ret != 0 {
            let errno = Errno::new(ret);
            return Err(fail(format!("libbpf refused: {errno}"), Some(errno), log));
        }
        Ok(())
    }
}

impl Maps<'_> {
    pub fn data<T: Plain>(&self, index: usize) -> Result<&T> {
        let p = view::<T>(self.spec, index, self.maps[index])?;
        // SAFETY: as in OpenMaps::data; after load libbpf maps the map's
        // memory at the same address, and no resize is possible.
        Ok(unsafe { p.as_ref() })
    }

    pub fn data_mut<T: Plain>(&mut self, index: usize) -> Result<&mut T> {
        let mut p = view::<T>(self.spec, index, self.maps[index])?;
        // SAFETY: as in `data`; only generated for writable sections.
        Ok(unsafe { p.as_mut() })
    }

    pub fn array<T: Plain>(&self, index: usize, offset: usize) -> Result<&[T]> {
        let (p, len) = array::<T>(self.spec, index, self.maps[index], offset)?;
        // SAFETY: as in OpenMaps::array.
        Ok(unsafe { std::slice::from_raw_parts(p.as_ptr(), len) })
    }

    pub fn array_mut<T: Plain>(&mut self, index: usize, offset: usize) -> Result<&mut [T]> {
        let (p, len) = array::<T>(self.spec, index, self.maps[index], offset)?;
        // SAFETY: as in `array`; only generated for writable sections.
        Ok(unsafe { std::slice::from_raw_parts_mut(p.as_ptr(), len) })
    }
}
