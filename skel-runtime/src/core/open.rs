//! The open stage: opening the embedded object, checking it against the
//! skeleton, the views generated code hands out before load, and load.

use std::ffi::CString;
use std::marker::PhantomData;
use std::ptr::NonNull;

use libbpf_sys::{bpf_map, bpf_object, bpf_program};

use super::{LoadedCore, Object, autoattach, initial_value, set_autoattach};
use crate::contract::{MapSpecKind, SkelSpec, TypeSpec};
use crate::data::{Section, SectionMut};
use crate::errno::{ENOTSUPP, Errno, last_errno};
use crate::error::{Error, Result};
use crate::libbpf_log::{LibbpfLog, capture};
use crate::map::{OpenMap, OpenMapMut};
use crate::open_options::OpenOptions;
use crate::plain::{Plain, Shadow};
use crate::program::{OpenProgramMut, Program};
use crate::storage::ObjectStorage;

/// A skeleton's object between open and load.
pub struct OpenCore<'obj> {
    object: Object,
    /// libbpf's buffer of each map whose memory the skeleton lays a type
    /// over at a fixed size (fixed data sections, struct_ops shadows), by
    /// map index; taken once, at open, after checking its size and
    /// alignment. Nothing in safe code can resize those maps (see
    /// [`OpenMapMut::set_value_size`]), and libbpf never moves them.
    fixed: Vec<Option<NonNull<u8>>>,
    autoload_at_open: Vec<bool>,
    _storage: PhantomData<(&'obj mut ObjectStorage, crate::Brand<'obj>)>,
}

impl<'obj> OpenCore<'obj> {
    /// Opens `spec`'s object into `storage` (closing what it held) with
    /// `options`, and checks that every map and program of the spec is
    /// there and that libbpf's memory has each generated type's size and
    /// alignment.
    pub fn open(
        storage: &'obj mut ObjectStorage,
        spec: &'static SkelSpec,
        options: &OpenOptions,
    ) -> Result<Self> {
        storage.close();
        let (opened, log) = options.with_raw(spec.name, |opts| {
            capture(|| {
                // SAFETY: the object bytes outlive the call (libbpf copies
                // them); opts and the strings it points to live for the
                // call (libbpf copies what it keeps).
                let ptr = unsafe {
                    libbpf_sys::bpf_object__open_mem(
                        spec.object.as_ptr().cast(),
                        spec.object.len() as libbpf_sys::size_t,
                        opts,
                    )
                };
                NonNull::new(ptr).ok_or_else(last_errno)
            })
        })?;
        let obj = opened.map_err(|errno| Error::Open {
            skeleton: spec.skeleton,
            errno,
            log,
        })?;
        // From here on the storage owns the object and closes it, also if
        // a check below fails.
        storage.set(obj);

        let missing = |what, name: &str| Error::Missing {
            skeleton: spec.skeleton,
            what,
            name: name.to_owned(),
        };
        let mut maps = Vec::with_capacity(spec.maps.len());
        let mut fixed = Vec::with_capacity(spec.maps.len());
        for m in spec.maps {
            let name = CString::new(m.lookup).map_err(|_| missing("map", m.lookup))?;
            // SAFETY: obj is a live, open object.
            let ptr =
                unsafe { libbpf_sys::bpf_object__find_map_by_name(obj.as_ptr(), name.as_ptr()) };
            let ptr = NonNull::new(ptr).ok_or_else(|| missing("map", m.name))?;
            let laid = match &m.kind {
                MapSpecKind::Plain => None,
                MapSpecKind::Data { view, resizable } => {
                    let p = check_layout(spec, m.lookup, view, ptr)?;
                    (!resizable).then_some(p)
                }
                MapSpecKind::StructOps(s) => Some(check_layout(spec, m.lookup, &s.shadow, ptr)?),
            };
            maps.push(ptr);
            fixed.push(laid);
        }
        let mut progs = Vec::with_capacity(spec.progs.len());
        let mut autoload = Vec::with_capacity(spec.progs.len());
        for p in spec.progs {
            let name = CString::new(p.name).map_err(|_| missing("program", p.name))?;
            // SAFETY: obj is a live, open object.
            let ptr = unsafe {
                libbpf_sys::bpf_object__find_program_by_name(obj.as_ptr(), name.as_ptr())
            };
            let ptr = NonNull::new(ptr).ok_or_else(|| missing("program", p.name))?;
            // SAFETY: ptr is a program of obj.
            autoload.push(unsafe { libbpf_sys::bpf_program__autoload(ptr.as_ptr()) });
            progs.push(ptr);
        }
        Ok(OpenCore {
            object: Object {
                obj,
                spec,
                maps,
                progs,
            },
            fixed,
            autoload_at_open: autoload,
            _storage: PhantomData,
        })
    }

    /// The fixed buffer of map `index`, which generated code asks for as a
    /// `T` of `spec`'s facts.
    fn fixed<T>(&self, index: usize, spec: Option<&TypeSpec>) -> NonNull<T> {
        match (self.fixed[index], spec) {
            (Some(p), Some(ty)) if ty.is::<T>() => p.cast(),
            _ => panic!(
                "bug: skeleton `{}` asks for `{}` over map `{}`, which its spec does not lay \
                 there",
                self.object.spec.skeleton,
                std::any::type_name::<T>(),
                self.object.map_name(index),
            ),
        }
    }

    /// Map `index`'s settings.
    pub fn map(&self, index: usize) -> OpenMap<'_> {
        // SAFETY: a map of the open object, which lives as long as `self`
        // is borrowed; the handle only reads.
        unsafe { OpenMap::new(self.object.map(index), &self.object.spec.maps[index]) }
    }

    /// Map `index`'s settings, to change.
    pub fn map_mut(&mut self, index: usize) -> OpenMapMut<'_> {
        // SAFETY: as in `map`; `&mut self` makes the handle exclusive.
        unsafe { OpenMapMut::new(self.object.map(index), &self.object.spec.maps[index]) }
    }

    /// The typed view of fixed data section `index`.
    pub fn data<T: Plain>(&self, index: usize) -> &T {
        let p = self.fixed::<T>(index, self.object.spec.maps[index].view());
        // SAFETY: libbpf's buffer for the section, of T's size and
        // alignment (checked at open), which nothing can resize or move
        // before load and which lives until the object closes; T is plain;
        // `&self` keeps writers out.
        unsafe { p.as_ref() }
    }

    /// [`Self::data`], writable.
    pub fn data_mut<T: Plain>(&mut self, index: usize) -> &mut T {
        let mut p = self.fixed::<T>(index, self.object.spec.maps[index].view());
        // SAFETY: as in `data`, and `&mut self` makes it exclusive; no BPF
        // program sees the buffer before load.
        unsafe { p.as_mut() }
    }

    /// Resizable data section `index`, whose last variable `var`, an array
    /// of `E`, starts at `offset`.
    pub fn section<T: Plain, E: Plain>(
        &self,
        index: usize,
        var: &'static str,
        offset: usize,
    ) -> Section<'_, T, E> {
        Section::new(self.object.spec, index, self.object.map(index), var, offset)
    }

    /// [`Self::section`], to change and resize.
    pub fn section_mut<T: Plain, E: Plain>(
        &mut self,
        index: usize,
        var: &'static str,
        offset: usize,
    ) -> SectionMut<'_, T, E> {
        SectionMut::new(self.object.spec, index, self.object.map(index), var, offset)
    }

    /// Program `index`'s token, for struct_ops slots.
    pub fn program(&self, index: usize) -> &'obj Program<'obj> {
        // SAFETY: a program of the object, which the storage keeps alive
        // past 'obj.
        unsafe { Program::from_ptr(self.object.progs[index].as_ptr()) }
    }

    /// Program `index`'s settings, to change.
    pub fn program_mut(&mut self, index: usize) -> OpenProgramMut<'_> {
        // SAFETY: a program of the open object; `&mut self` makes the
        // handle exclusive for its lifetime.
        unsafe { OpenProgramMut::new(self.object.progs[index], self.object.spec.progs[index].name) }
    }

    /// The shadow of struct_ops map `index`.
    pub fn shadow<T: Shadow>(&self, index: usize) -> &T {
        let spec = self.object.spec.maps[index].struct_ops_spec();
        let p = self.fixed::<T>(index, spec.map(|s| &s.shadow));
        // SAFETY: libbpf's buffer for the map's value, of T's size and
        // alignment (checked at open), alive until the object closes;
        // libbpf wrote null or a program of the object into each slot, and
        // safe code can only store tokens of this skeleton's lifetime
        // there; `&self` keeps writers out.
        unsafe { p.as_ref() }
    }

    /// [`Self::shadow`], writable.
    pub fn shadow_mut<T: Shadow>(&mut self, index: usize) -> &mut T {
        let spec = self.object.spec.maps[index].struct_ops_spec();
        let mut p = self.fixed::<T>(index, spec.map(|s| &s.shadow));
        // SAFETY: as in `shadow`, and `&mut self` makes it exclusive;
        // libbpf reads the buffer only in load, which consumes the core.
        unsafe { p.as_mut() }
    }

    /// Struct_ops map `index`'s autoattach setting.
    pub fn autoattach(&self, index: usize) -> bool {
        autoattach(self.object.map(index))
    }

    /// Turns the auto-attach of program `index` (in the skeleton's order) on or off.
    pub fn set_autoattach(&mut self, index: usize, on: bool) {
        set_autoattach(self.object.map(index), on);
    }

    /// Clears the members of struct_ops map `index`'s shadow that the
    /// running kernel's struct lacks; returns those that held something.
    pub fn clear_missing(&mut self, index: usize) -> Result<Vec<&'static str>> {
        let spec = self.object.spec;
        let (Some(s), Some(shadow)) = (spec.maps[index].struct_ops_spec(), self.fixed[index])
        else {
            return Ok(vec![]);
        };
        // SAFETY: the shadow buffer of map `index`, of `s.shadow.size`
        // bytes (checked at open); `&mut self` makes it exclusive (as in
        // `shadow_mut`).
        unsafe { crate::kernel_compat::clear_missing(spec, index, s, shadow) }
    }

    /// Fills the `.rodata` constants named after kernel enum constants
    /// (see [`crate::KernelConsts`]).
    pub fn fill_kernel_consts(&mut self) -> Result<crate::KernelConsts> {
        crate::kernel_compat::fill_kernel_consts(
            self.object.spec,
            self.object.obj,
            &self.object.maps,
        )
    }

    /// The raw `bpf_object`, for libbpf calls the skeleton does not wrap.
    pub fn as_ptr(&self) -> *mut bpf_object {
        self.object.obj.as_ptr()
    }

    fn program_name(&self, ptr: *mut bpf_program) -> Option<&'static str> {
        self.object
            .progs
            .iter()
            .position(|p| p.as_ptr() == ptr)
            .map(|i| self.object.spec.progs[i].name)
    }

    /// The shadows of the struct_ops maps that will be created, by map
    /// index.
    pub(crate) fn created_shadows(&self) -> impl Iterator<Item = (usize, NonNull<u8>)> + '_ {
        self.fixed.iter().enumerate().filter_map(|(i, p)| {
            let map = self.object.map(i);
            self.object.spec.maps[i].struct_ops_spec()?;
            // SAFETY: a live map of the open object.
            let created = unsafe { libbpf_sys::bpf_map__autocreate(map.as_ptr()) };
            created.then_some((i, (*p)?))
        })
    }

    /// Checks every program slot, sets each struct_ops program's autoload
    /// from the slots, then loads the object.
    pub fn load(self) -> Result<LoadedCore<'obj>> {
        let spec = self.object.spec;
        let mut in_slot: Vec<Option<(&'static str, &'static str)>> =
            vec![None; self.object.progs.len()];
        for (i, m) in spec.maps.iter().enumerate() {
            let (Some(s), Some(shadow)) = (m.struct_ops_spec(), self.fixed[i]) else {
                continue;
            };
            // SAFETY: a live map of the open object.
            let created = unsafe { libbpf_sys::bpf_map__autocreate(self.object.map(i).as_ptr()) };
            for slot in s.slots() {
                // SAFETY: the slot lies inside the shadow (checked at open:
                // the buffer has the generated type's size, and `MEMBERS`
                // lists members inside the type); it may be unaligned in a
                // packed shadow.
                let ptr = unsafe {
                    shadow
                        .as_ptr()
                        .add(slot.offset)
                        .cast::<*mut bpf_program>()
                        .read_unaligned()
                };
                if ptr.is_null() {
                    continue;
                }
                let index = self.object.progs.iter().position(|p| p.as_ptr() == ptr);
                match index {
                    Some(p) if spec.progs[p].struct_ops => {
                        if created && in_slot[p].is_none() {
                            in_slot[p] = Some((m.name, slot.name));
                        }
                    }
                    _ => {
                        return Err(Error::ForeignProgram {
                            skeleton: spec.skeleton,
                            map: m.name.to_owned(),
                            field: slot.name.to_owned(),
                            program: self
                                .program_name(ptr)
                                .map(str::to_owned)
                                .unwrap_or_else(|| "a program of another object".to_owned()),
                        });
                    }
                }
            }
        }
        crate::kernel_compat::check_shadows(spec, self.created_shadows())?;
        for (i, prog) in self.object.progs.iter().enumerate() {
            if !spec.progs[i].struct_ops {
                continue;
            }
            // SAFETY: prog is a program of the open object.
            let now = unsafe { libbpf_sys::bpf_program__autoload(prog.as_ptr()) };
            if let Some((map, field)) = in_slot[i]
                && self.autoload_at_open[i]
                && !now
            {
                return Err(Error::SlotProgramNotLoaded {
                    skeleton: spec.skeleton,
                    map: map.to_owned(),
                    field: field.to_owned(),
                    program: spec.progs[i].name.to_owned(),
                });
            }
            // SAFETY: as above; the object is not loaded yet.
            unsafe { libbpf_sys::bpf_program__set_autoload(prog.as_ptr(), in_slot[i].is_some()) };
        }

        let skipped = super::optional::check_programs(&self.object)?;

        // SAFETY: obj is a live, open object.
        let (ret, log) =
            capture(|| unsafe { libbpf_sys::bpf_object__load(self.object.obj.as_ptr()) });
        if ret != 0 {
            let errno = Errno::new(ret);
            return Err(Error::Load {
                skeleton: spec.skeleton,
                hint: load_hint(errno, &log),
                errno,
                log,
            });
        }
        let association = default_association(&self.object);
        Ok(LoadedCore::new(
            self.object,
            self.fixed,
            skipped,
            association,
        ))
    }
}

/// After load, in an object with exactly one struct_ops map: every loaded
/// program that is not a struct_ops program associated with it, as
/// sched_ext's `SCX_OPS_LOAD` does (see [`crate::StructOpsAssociation`]).
fn default_association(object: &Object) -> Option<crate::StructOpsAssociation> {
    let spec = object.spec;
    let mut struct_ops = spec
        .maps
        .iter()
        .enumerate()
        .filter(|(_, m)| m.struct_ops_spec().is_some());
    let (index, map) = match (struct_ops.next(), struct_ops.next()) {
        (Some(one), None) => one,
        _ => return None,
    };
    let progs = spec
        .progs
        .iter()
        .zip(&object.progs)
        .map(|(p, &ptr)| (p.name, ptr));
    Some(crate::assoc::associate_all(
        map.name,
        object.map(index),
        progs,
    ))
}

/// Checks that libbpf's buffer for `map` has exactly the generated type's
/// size and is aligned for it, and returns it.
fn check_layout(
    spec: &SkelSpec,
    map_name: &str,
    ty: &TypeSpec,
    map: NonNull<bpf_map>,
) -> Result<NonNull<u8>> {
    let (ptr, size) = initial_value(map);
    let address = ptr as usize;
    match NonNull::new(ptr) {
        Some(p) if size == ty.value_size && ty.tail_ok() && address.is_multiple_of(ty.align) => {
            Ok(p)
        }
        _ => Err(Error::LayoutMismatch {
            skeleton: spec.skeleton,
            map: map_name.to_owned(),
            type_name: ty.type_name,
            expected: ty.size,
            align: ty.align,
            actual: size,
            address,
        }),
    }
}

/// The hint a load error gets, from its errno and what libbpf said.
fn load_hint(errno: Errno, log: &LibbpfLog) -> &'static str {
    match errno.raw() {
        libc::EPERM => {
            "\nhint: loading BPF needs root, or CAP_BPF and CAP_PERFMON (CAP_NET_ADMIN for \
             networking programs)"
        }
        ENOTSUPP => {
            "\nhint: the running kernel lacks something the object uses: a kfunc, a program \
             type, or support for a BPF program in a struct_ops member (clear that slot \
             through the shadow)"
        }
        _ if log.is_empty() => "\nhint: libbpf logged nothing at warning level for this step",
        _ => "",
    }
}
