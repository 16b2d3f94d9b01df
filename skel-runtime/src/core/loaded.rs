//! The loaded stage: the views generated code hands out after load.

use std::marker::PhantomData;
use std::ptr::NonNull;

use libbpf_sys::bpf_object;

use super::{Object, autoattach, initial_value, map_created, set_autoattach};
use crate::contract::{MapSpecKind, TypeSpec};
use crate::data::{Live, Section};
use crate::error::{Error, Result};
use crate::map::MapHandle;
use crate::plain::{Plain, Shadow};
use crate::program::{LoadedProgram, LoadedProgramMut};
use crate::readback::KernelStructOps;
use crate::storage::ObjectStorage;
use crate::{SkippedProgram, StructOpsAssociation};

/// A skeleton's loaded object.
pub struct LoadedCore<'obj> {
    pub(super) object: Object,
    /// As in the open core, for what is still laid over after load:
    /// shadows (libbpf keeps their buffers, and never writes them again)
    /// and the data sections libbpf memory-maps (the kernel's map, mapped
    /// at the address the open view had).
    fixed: Vec<Option<NonNull<u8>>>,
    /// Optional programs load skipped.
    skipped: Vec<SkippedProgram>,
    /// What load did to associate programs with the object's one
    /// struct_ops map; `None` without exactly one.
    association: Option<StructOpsAssociation>,
    _storage: PhantomData<(&'obj mut ObjectStorage, crate::Brand<'obj>)>,
}

impl<'obj> LoadedCore<'obj> {
    /// The loaded object, keeping the fixed buffers that are still libbpf's
    /// at the same address and size (a data section libbpf does not map
    /// after load, one holding only static variables, drops out).
    pub(super) fn new(
        object: Object,
        fixed: Vec<Option<NonNull<u8>>>,
        skipped: Vec<SkippedProgram>,
        association: Option<StructOpsAssociation>,
    ) -> Self {
        let fixed = fixed
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let p = p?;
                match &object.spec.maps[i].kind {
                    MapSpecKind::StructOps(_) => Some(p),
                    MapSpecKind::Data { view, .. } => {
                        let (now, size) = initial_value(object.map(i));
                        (now == p.as_ptr() && size == view.value_size).then_some(p)
                    }
                    MapSpecKind::Plain => None,
                }
            })
            .collect();
        LoadedCore {
            object,
            fixed,
            skipped,
            association,
            _storage: PhantomData,
        }
    }

    /// The optional programs load skipped because the running kernel
    /// lacks what they need, in program order.
    pub fn skipped_programs(&self) -> &[SkippedProgram] {
        &self.skipped
    }

    /// What load did to associate the programs with the object's one
    /// struct_ops map.
    pub fn struct_ops_association(&self) -> &StructOpsAssociation {
        match &self.association {
            Some(a) => a,
            None => panic!(
                "bug: skeleton `{}` asks for its struct_ops association, but its object does \
                 not have exactly one struct_ops map",
                self.object.spec.skeleton
            ),
        }
    }

    /// Checks that libbpf maps every data section in `live` (map indexes):
    /// the sections whose views the skeleton hands out after load. On a
    /// kernel that cannot memory-map BPF arrays (before Linux 5.5) libbpf
    /// maps none, and the load is refused rather than a view made to fail
    /// later.
    pub fn require_mapped(self, live: &[usize]) -> Result<Self> {
        let mapped = |i: usize| match &self.object.spec.maps[i].kind {
            MapSpecKind::Data {
                resizable: true, ..
            } => !initial_value(self.object.map(i)).0.is_null(),
            _ => self.fixed.get(i).is_some_and(Option::is_some),
        };
        let unmapped: Vec<&'static str> = live
            .iter()
            .filter(|&&i| !mapped(i))
            .map(|&i| self.object.spec.maps[i].lookup)
            .collect();
        if unmapped.is_empty() {
            return Ok(self);
        }
        Err(Error::NotMapped {
            skeleton: self.object.spec.skeleton,
            sections: unmapped,
        })
    }

    fn fixed<T>(&self, index: usize, spec: Option<&TypeSpec>) -> NonNull<T> {
        match (self.fixed[index], spec) {
            (Some(p), Some(ty)) if ty.is::<T>() => p.cast(),
            _ => panic!(
                "bug: skeleton `{}` asks for `{}` over map `{}` after load, which its spec \
                 does not lay there or libbpf does not map",
                self.object.spec.skeleton,
                std::any::type_name::<T>(),
                self.object.map_name(index),
            ),
        }
    }

    /// Map `index`.
    pub fn map(&self, index: usize) -> MapHandle<'_> {
        // SAFETY: a map of the loaded object, alive while `self` is
        // borrowed.
        unsafe { MapHandle::of_object(self.object.map(index), self.object.map_name(index)) }
    }

    /// The typed view of `.rodata` section `index`: frozen at load (libbpf
    /// freezes it and maps it read-only; BPF programs cannot write it).
    pub fn rodata<T: Plain>(&self, index: usize) -> &T {
        let p = self.fixed::<T>(index, self.object.spec.maps[index].view());
        // SAFETY: the kernel's map, mapped read-only by libbpf at this
        // address, of T's size and alignment (checked at open and at
        // load), frozen: nothing writes it while the object lives.
        unsafe { p.as_ref() }
    }

    /// The live view of writable data section `index`, which BPF programs
    /// share.
    pub fn live<T: Plain>(&self, index: usize) -> Live<'_, T> {
        let spec = self.object.spec.maps[index].view();
        let p = self.fixed::<T>(index, spec);
        let len = spec.map_or(0, |s| s.value_size);
        // SAFETY: the kernel's map, mapped by libbpf at this address with
        // at least `len` bytes (checked at open and at load), alive while
        // `self` is borrowed; T's alignment checked.
        unsafe { Live::new(p.cast(), len) }
    }

    /// The live view of resizable data section `index`, of its current
    /// size (fixed at load).
    pub fn live_section<T: Plain>(&self, index: usize) -> Live<'_, T> {
        let map = self.object.map(index);
        let (p, len) = initial_value(map);
        let aligned = (p as usize).is_multiple_of(std::mem::align_of::<T>());
        match NonNull::new(p) {
            // SAFETY: the kernel's map as libbpf maps it after load, of
            // `len` bytes; its size cannot change any more.
            Some(p) if aligned => unsafe { Live::new(p, len) },
            _ => Live::empty(),
        }
    }

    /// Resizable `.rodata` section `index` (frozen: read-only), whose
    /// last variable `var`, an array of `E`, starts at `offset`.
    pub fn rodata_section<T: Plain, E: Plain>(
        &self,
        index: usize,
        var: &'static str,
        offset: usize,
    ) -> Section<'_, T, E> {
        Section::new(self.object.spec, index, self.object.map(index), var, offset)
    }

    /// Program `index`.
    pub fn program(&self, index: usize) -> LoadedProgram<'_> {
        // SAFETY: a program of the loaded object, alive while `self` is
        // borrowed.
        unsafe { LoadedProgram::new(self.object.progs[index], self.object.spec.progs[index].name) }
    }

    /// Program `index`, exclusively.
    pub fn program_mut(&mut self, index: usize) -> LoadedProgramMut<'_> {
        // SAFETY: as in `program`; `&mut self` makes it exclusive.
        unsafe {
            LoadedProgramMut::new(self.object.progs[index], self.object.spec.progs[index].name)
        }
    }

    /// The shadow of struct_ops map `index`: what load sent.
    pub fn shadow<T: Shadow>(&self, index: usize) -> &T {
        let spec = self.object.spec.maps[index].struct_ops_spec();
        let p = self.fixed::<T>(index, spec.map(|s| &s.shadow));
        // SAFETY: libbpf's buffer for the map's value, of T's size and
        // alignment (checked at open), which libbpf never writes after
        // load and keeps until close; its slots hold null or programs of
        // the object (checked at load).
        unsafe { p.as_ref() }
    }

    /// Reads struct_ops map `index` back from the kernel, naming the
    /// skeleton's programs in its slots.
    pub fn read_back(&self, index: usize) -> Result<KernelStructOps> {
        let spec = self.object.spec;
        let map = self.object.map(index);
        let Some(s) = spec.maps[index].struct_ops_spec() else {
            return Err(Error::ReadBack {
                map: spec.maps[index].name.to_owned(),
                structure: String::new(),
                what: "it is not a struct_ops map".to_owned(),
                errno: None,
            });
        };
        if !map_created(map) {
            return Err(Error::NotCreated {
                map: spec.maps[index].name.to_owned(),
                what: "read it back",
            });
        }
        let programs = self
            .object
            .progs
            .iter()
            .zip(spec.progs)
            .filter(|(_, p)| p.struct_ops)
            .filter_map(|(&ptr, p)| {
                // SAFETY: a program of the loaded object, alive for the call.
                let program = unsafe { LoadedProgram::new(ptr, p.name) };
                Some((program.id()?, p.name))
            })
            .collect();
        crate::readback::read_map(spec.maps[index].name, map, s.kernel_struct, programs)
    }

    /// Struct_ops map `index`'s autoattach setting.
    pub fn autoattach(&self, index: usize) -> bool {
        autoattach(self.object.map(index))
    }

    /// Turns the auto-attach of program `index` (in the skeleton's order) on or off.
    pub fn set_autoattach(&mut self, index: usize, on: bool) {
        set_autoattach(self.object.map(index), on);
    }

    /// The raw `bpf_object`, for libbpf calls the skeleton does not wrap.
    pub fn as_ptr(&self) -> *mut bpf_object {
        self.object.obj.as_ptr()
    }
}
