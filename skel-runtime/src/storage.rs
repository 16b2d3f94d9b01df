//! The object's lifetime and everything that points into it.
//!
//! [`ObjectStorage`] owns the `bpf_object` and closes it when dropped. A
//! skeleton borrows the storage for `'obj`, so the object outlives every
//! handle, program token and typed view the skeleton hands out, however
//! they are copied, moved or swapped. (A `MaybeUninit<OpenObject>`, as
//! libbpf-cargo uses, is never dropped, so there the skeleton itself must
//! close the object, and anything carrying `'obj` can outlive it.)

use std::ffi::CString;
use std::marker::PhantomData;
use std::mem::{align_of, size_of};
use std::ptr::NonNull;

use libbpf_rs::{Map, MapMut, OpenMap, OpenMapMut, OpenProgramMut, ProgramMut};
use libbpf_sys::{bpf_map, bpf_object, bpf_program};

use crate::error::{Error, Result};
use crate::link::Link;
use crate::plain::{Plain, Shadow};
use crate::program::Program;

/// What generated code tells the runtime about its object.
#[doc(hidden)]
#[derive(Debug)]
pub struct SkelSpec {
    /// The name handed to libbpf (prefix of internal map names).
    pub name: &'static str,
    pub object: &'static [u8],
    pub maps: &'static [MapSpec],
    pub progs: &'static [ProgSpec],
    pub struct_ops: &'static [StructOpsSpec],
}

#[doc(hidden)]
#[derive(Debug)]
pub struct MapSpec {
    /// `bpf_map__name`, for messages.
    pub name: &'static str,
    /// The name looked up (`.bss` for internal maps).
    pub lookup: &'static str,
    /// The typed view of a data section: checked at open.
    pub data: Option<TypeSpec>,
}

#[doc(hidden)]
#[derive(Debug)]
pub struct TypeSpec {
    pub type_name: &'static str,
    /// `size_of` the generated type.
    pub size: usize,
    pub align: usize,
    /// The bytes libbpf keeps (the C size). Data-section views may round
    /// this up to their alignment; libbpf backs those with whole pages.
    pub value_size: usize,
}

#[doc(hidden)]
#[derive(Debug)]
pub struct ProgSpec {
    pub name: &'static str,
    pub struct_ops: bool,
}

#[doc(hidden)]
#[derive(Debug)]
pub struct StructOpsSpec {
    /// Index in `SkelSpec::maps`.
    pub map: usize,
    pub shadow: TypeSpec,
    pub slots: &'static [SlotSpec],
}

#[doc(hidden)]
#[derive(Debug)]
pub struct SlotSpec {
    pub field: &'static str,
    pub offset: usize,
}

impl MapSpec {
    /// A map without a typed view.
    pub const fn new(name: &'static str, lookup: &'static str) -> Self {
        MapSpec {
            name,
            lookup,
            data: None,
        }
    }

    /// A data-section map with a typed view `data`.
    pub const fn data(name: &'static str, lookup: &'static str, data: TypeSpec) -> Self {
        MapSpec {
            name,
            lookup,
            data: Some(data),
        }
    }
}

impl TypeSpec {
    /// The facts of generated type `T`, which libbpf keeps in
    /// `value_size` bytes.
    pub const fn of<T>(type_name: &'static str, value_size: usize) -> Self {
        TypeSpec {
            type_name,
            size: size_of::<T>(),
            align: align_of::<T>(),
            value_size,
        }
    }
}

impl ProgSpec {
    pub const fn new(name: &'static str, struct_ops: bool) -> Self {
        ProgSpec { name, struct_ops }
    }
}

impl StructOpsSpec {
    /// Struct_ops map `map` (an index in `SkelSpec::maps`) with shadow `T`.
    pub const fn of<T: Shadow>(map: usize) -> Self {
        StructOpsSpec {
            map,
            shadow: TypeSpec::of::<T>(T::NAME, size_of::<T>()),
            slots: T::SLOTS,
        }
    }
}

impl SlotSpec {
    /// Slot `field` (a Rust field name; a raw identifier's `r#` is
    /// dropped, leaving the C member's name) at byte `offset`.
    pub const fn new(field: &'static str, offset: usize) -> Self {
        let field = match field.as_bytes() {
            // SAFETY: dropping an ASCII prefix leaves valid UTF-8.
            [b'r', b'#', rest @ ..] => unsafe { std::str::from_utf8_unchecked(rest) },
            _ => field,
        };
        SlotSpec { field, offset }
    }
}

/// Storage that owns a skeleton's BPF object and closes it when dropped.
///
/// ```ignore
/// let mut storage = ObjectStorage::new();
/// let open = FooSkelBuilder::default().open(&mut storage)?;
/// ```
///
/// Opening again through the same storage closes the previous object
/// first (the borrow checker makes sure nothing of it is still in use).
#[derive(Debug, Default)]
pub struct ObjectStorage {
    obj: Option<NonNull<bpf_object>>,
}

// SAFETY: the storage only owns the object; libbpf objects may move
// between threads.
unsafe impl Send for ObjectStorage {}

impl ObjectStorage {
    pub const fn new() -> Self {
        ObjectStorage { obj: None }
    }

    fn close(&mut self) {
        if let Some(obj) = self.obj.take() {
            // SAFETY: we own the object; nothing borrows the storage.
            unsafe { libbpf_sys::bpf_object__close(obj.as_ptr()) };
        }
    }

    /// Opens the skeleton's object; generated code calls this.
    #[doc(hidden)]
    pub fn open<'obj>(
        &'obj mut self,
        spec: &'static SkelSpec,
        builder: &mut libbpf_rs::ObjectBuilder,
    ) -> Result<OpenCore<'obj>> {
        self.close();
        let open = builder
            .name(spec.name)
            .and_then(|b| b.open_memory(spec.object))
            .map_err(|source| Error::Open {
                object: spec.name.to_owned(),
                source,
            })?;
        let obj = open.take_ptr();
        self.obj = Some(obj);

        let missing = |what, name: &str| Error::Missing {
            object: spec.name.to_owned(),
            what,
            name: name.to_owned(),
        };
        let mut maps = Vec::with_capacity(spec.maps.len());
        for m in spec.maps {
            let name = CString::new(m.lookup).map_err(|_| missing("map", m.lookup))?;
            // SAFETY: obj is a live, open object.
            let ptr =
                unsafe { libbpf_sys::bpf_object__find_map_by_name(obj.as_ptr(), name.as_ptr()) };
            let ptr = NonNull::new(ptr).ok_or_else(|| missing("map", m.name))?;
            if let Some(ty) = &m.data {
                check_layout(m.name, ty, ptr)?;
            }
            maps.push(ptr);
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
        let mut shadows = Vec::with_capacity(spec.struct_ops.len());
        for s in spec.struct_ops {
            let map = maps[s.map];
            let ptr = check_layout(spec.maps[s.map].name, &s.shadow, map)?;
            shadows.push(ptr);
        }
        Ok(OpenCore {
            obj,
            spec,
            maps,
            progs,
            shadows,
            autoload_at_open: autoload,
            _storage: PhantomData,
        })
    }
}

impl Drop for ObjectStorage {
    fn drop(&mut self) {
        self.close();
    }
}

/// Checks that libbpf's buffer for `map` has exactly the generated type's
/// size and is aligned for it, and returns it.
fn check_layout(map_name: &str, ty: &TypeSpec, map: NonNull<bpf_map>) -> Result<NonNull<u8>> {
    let mut size: usize = 0;
    // SAFETY: map is a live map; libbpf writes the size.
    let ptr = unsafe { libbpf_sys::bpf_map__initial_value(map.as_ptr(), (&raw mut size).cast()) };
    let address = ptr as usize;
    let tail_ok =
        ty.size == ty.value_size || (ty.size > ty.value_size && ty.size - ty.value_size < ty.align);
    match NonNull::new(ptr.cast::<u8>()) {
        Some(p) if size == ty.value_size && tail_ok && address % ty.align == 0 => Ok(p),
        _ => Err(Error::LayoutMismatch {
            map: map_name.to_owned(),
            type_name: ty.type_name,
            expected: ty.size,
            align: ty.align,
            actual: size,
            address,
        }),
    }
}

/// The view of `T` over a map's current buffer, re-derived on every use:
/// resizing a map (`set_value_size`) moves libbpf's buffer.
fn view<T: Plain>(spec: &MapSpec, map: NonNull<bpf_map>) -> NonNull<T> {
    let ty = TypeSpec {
        type_name: std::any::type_name::<T>(),
        size: size_of::<T>(),
        align: align_of::<T>(),
        value_size: spec.data.as_ref().map_or(size_of::<T>(), |d| d.value_size),
    };
    match check_layout(spec.name, &ty, map) {
        Ok(p) => p.cast(),
        Err(e) => panic!("{e} (was the map resized, or not mapped after load?)"),
    }
}

fn map_created(map: NonNull<bpf_map>) -> bool {
    // SAFETY: map is a live map.
    unsafe { libbpf_sys::bpf_map__fd(map.as_ptr()) >= 0 }
}

/// A skeleton's object between open and load.
#[doc(hidden)]
pub struct OpenCore<'obj> {
    obj: NonNull<bpf_object>,
    spec: &'static SkelSpec,
    maps: Vec<NonNull<bpf_map>>,
    progs: Vec<NonNull<bpf_program>>,
    shadows: Vec<NonNull<u8>>,
    autoload_at_open: Vec<bool>,
    _storage: PhantomData<&'obj mut ObjectStorage>,
}

impl<'obj> OpenCore<'obj> {
    pub fn maps(&self) -> OpenMaps<'obj> {
        OpenMaps {
            spec: self.spec,
            maps: self.maps.clone(),
            _obj: PhantomData,
        }
    }

    pub fn progs(&self) -> OpenProgs<'obj> {
        OpenProgs {
            progs: self.progs.clone(),
            _obj: PhantomData,
        }
    }

    pub fn struct_ops(&self) -> OpenShadows<'obj> {
        OpenShadows {
            spec: self.spec,
            shadows: self.shadows.clone(),
            _obj: PhantomData,
        }
    }

    /// The raw `bpf_object`, for libbpf calls the skeleton does not wrap.
    pub fn as_ptr(&self) -> *mut bpf_object {
        self.obj.as_ptr()
    }

    fn program_name(&self, ptr: *mut bpf_program) -> Option<&'static str> {
        self.progs
            .iter()
            .position(|p| p.as_ptr() == ptr)
            .map(|i| self.spec.progs[i].name)
    }

    /// Checks every program slot, sets each struct_ops program's autoload
    /// from the slots, then loads the object.
    pub fn load(self) -> Result<LoadedCore<'obj>> {
        let mut in_slot: Vec<Option<(&'static str, &'static str)>> = vec![None; self.progs.len()];
        for (s, shadow) in self.spec.struct_ops.iter().zip(&self.shadows) {
            let map_spec = &self.spec.maps[s.map];
            let map = self.maps[s.map];
            // SAFETY: map is a live map.
            let created = unsafe { libbpf_sys::bpf_map__autocreate(map.as_ptr()) };
            for slot in s.slots {
                // SAFETY: the slot lies inside the shadow (checked at open:
                // the buffer has the generated type's size).
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
                let index = self.progs.iter().position(|p| p.as_ptr() == ptr);
                match index {
                    Some(i) if self.spec.progs[i].struct_ops => {
                        if created && in_slot[i].is_none() {
                            in_slot[i] = Some((map_spec.name, slot.field));
                        }
                    }
                    _ => {
                        return Err(Error::ForeignProgram {
                            map: map_spec.name.to_owned(),
                            field: slot.field.to_owned(),
                            program: self
                                .program_name(ptr)
                                .map(str::to_owned)
                                .unwrap_or_else(|| "a program of another object".to_owned()),
                        });
                    }
                }
            }
        }
        for (i, prog) in self.progs.iter().enumerate() {
            if !self.spec.progs[i].struct_ops {
                continue;
            }
            // SAFETY: prog is a program of the open object.
            let now = unsafe { libbpf_sys::bpf_program__autoload(prog.as_ptr()) };
            if let Some((map, field)) = in_slot[i] {
                if self.autoload_at_open[i] && !now {
                    return Err(Error::SlotProgramNotLoaded {
                        map: map.to_owned(),
                        field: field.to_owned(),
                        program: self.spec.progs[i].name.to_owned(),
                    });
                }
            }
            // SAFETY: as above; the object is not loaded yet.
            unsafe { libbpf_sys::bpf_program__set_autoload(prog.as_ptr(), in_slot[i].is_some()) };
        }

        // SAFETY: obj is a live, open object.
        let ret = unsafe { libbpf_sys::bpf_object__load(self.obj.as_ptr()) };
        if ret != 0 {
            let source = std::io::Error::from_raw_os_error(-ret);
            let hint = if -ret == 1 {
                "\nhint: loading BPF needs root, or CAP_BPF and CAP_PERFMON (CAP_NET_ADMIN for networking programs)"
            } else {
                "\nhint: libbpf printed the details (and any verifier log) above"
            };
            return Err(Error::Load {
                object: self.spec.name.to_owned(),
                hint,
                source,
            });
        }
        Ok(LoadedCore {
            obj: self.obj,
            spec: self.spec,
            maps: self.maps,
            progs: self.progs,
            shadows: self.shadows,
            _storage: PhantomData,
        })
    }
}

/// A skeleton's loaded object.
#[doc(hidden)]
pub struct LoadedCore<'obj> {
    obj: NonNull<bpf_object>,
    spec: &'static SkelSpec,
    maps: Vec<NonNull<bpf_map>>,
    progs: Vec<NonNull<bpf_program>>,
    shadows: Vec<NonNull<u8>>,
    _storage: PhantomData<&'obj mut ObjectStorage>,
}

impl<'obj> LoadedCore<'obj> {
    pub fn maps(&self) -> Maps<'obj> {
        Maps {
            spec: self.spec,
            maps: self.maps.clone(),
            _obj: PhantomData,
        }
    }

    pub fn progs(&self) -> Progs<'obj> {
        Progs {
            progs: self.progs.clone(),
            _obj: PhantomData,
        }
    }

    pub fn struct_ops(&self) -> Shadows<'obj> {
        Shadows {
            spec: self.spec,
            shadows: self.shadows.clone(),
            _obj: PhantomData,
        }
    }

    pub fn as_ptr(&self) -> *mut bpf_object {
        self.obj.as_ptr()
    }

    /// Attaches program `index` the way its section says, as libbpf's
    /// skeleton attach does: programs not loaded, with auto-attach off, or
    /// whose section gives no attach target are skipped (`Ok(None)`).
    pub fn attach_program(&self, index: usize) -> Result<Option<Link<'obj>>> {
        let prog = self.progs[index].as_ptr();
        // SAFETY: prog is a program of the loaded object.
        let skip = unsafe {
            !libbpf_sys::bpf_program__autoload(prog) || !libbpf_sys::bpf_program__autoattach(prog)
        };
        if skip || self.spec.progs[index].struct_ops {
            return Ok(None);
        }
        // SAFETY: as above.
        let link = unsafe { libbpf_sys::bpf_program__attach(prog) };
        self.link(link, "program", self.spec.progs[index].name)
    }

    /// Registers struct_ops map `index` with the kernel (for
    /// `.struct_ops.link` maps, through a BPF link). Maps not created at
    /// load are skipped.
    pub fn attach_struct_ops(&self, index: usize) -> Result<Option<Link<'obj>>> {
        let map = self.maps[index].as_ptr();
        // SAFETY: map is a map of the loaded object.
        let skip = unsafe {
            !libbpf_sys::bpf_map__autocreate(map) || !libbpf_sys::bpf_map__autoattach(map)
        };
        if skip {
            return Ok(None);
        }
        // SAFETY: as above.
        let link = unsafe { libbpf_sys::bpf_map__attach_struct_ops(map) };
        match self.link(link, "struct_ops map", self.spec.maps[index].name)? {
            Some(link) => Ok(Some(link)),
            None => Err(Error::Attach {
                what: "struct_ops map",
                name: self.spec.maps[index].name.to_owned(),
                source: std::io::Error::from_raw_os_error(95),
            }),
        }
    }

    fn link(
        &self,
        link: *mut libbpf_sys::bpf_link,
        what: &'static str,
        name: &str,
    ) -> Result<Option<Link<'obj>>> {
        // SAFETY: libbpf_get_error only inspects the pointer value.
        let err = unsafe { libbpf_sys::libbpf_get_error(link.cast()) } as i32;
        if err == -95 {
            // EOPNOTSUPP: no auto-attach for this section.
            return Ok(None);
        }
        match NonNull::new(link) {
            Some(link) if err == 0 => {
                // SAFETY: a new link we own.
                Ok(Some(Link::new(unsafe { libbpf_rs::Link::from_ptr(link) })))
            }
            _ => Err(Error::Attach {
                what,
                name: name.to_owned(),
                source: std::io::Error::from_raw_os_error(-err),
            }),
        }
    }
}

fn assert_open(spec: &MapSpec, map: NonNull<bpf_map>) {
    if map_created(map) {
        panic!(
            "map `{}` was reached through an open skeleton after its object was loaded \
             (were two skeletons' `maps` swapped?)",
            spec.name
        );
    }
}

/// Open-phase maps of a skeleton.
#[doc(hidden)]
pub struct OpenMaps<'obj> {
    spec: &'static SkelSpec,
    maps: Vec<NonNull<bpf_map>>,
    _obj: PhantomData<&'obj ObjectStorage>,
}

impl<'obj> OpenMaps<'obj> {
    pub fn map(&self, index: usize) -> OpenMap<'_> {
        // SAFETY: the map lives as long as the storage, past 'obj.
        OpenMap::new(unsafe { self.maps[index].as_ref() })
    }

    pub fn map_mut(&mut self, index: usize) -> OpenMapMut<'_> {
        assert_open(&self.spec.maps[index], self.maps[index]);
        // SAFETY: as above; `&mut self` makes the handle exclusive.
        OpenMapMut::new_mut(unsafe { self.maps[index].as_mut() })
    }

    pub fn data<T: Plain>(&self, index: usize) -> &T {
        let p = view::<T>(&self.spec.maps[index], self.maps[index]);
        // SAFETY: checked size and alignment; T is plain; the buffer lives
        // until the object closes; `&self` keeps writers out.
        unsafe { p.as_ref() }
    }

    pub fn data_mut<T: Plain>(&mut self, index: usize) -> &mut T {
        assert_open(&self.spec.maps[index], self.maps[index]);
        let mut p = view::<T>(&self.spec.maps[index], self.maps[index]);
        // SAFETY: as in `data`, and `&mut self` makes it exclusive.
        unsafe { p.as_mut() }
    }
}

/// Loaded maps of a skeleton.
#[doc(hidden)]
pub struct Maps<'obj> {
    spec: &'static SkelSpec,
    maps: Vec<NonNull<bpf_map>>,
    _obj: PhantomData<&'obj ObjectStorage>,
}

impl<'obj> Maps<'obj> {
    /// Map `index` of the loaded object, for typed handles.
    pub(crate) fn ptr(&self, index: usize) -> NonNull<bpf_map> {
        self.maps[index]
    }

    fn created(&self, index: usize) -> NonNull<bpf_map> {
        let map = self.maps[index];
        if !map_created(map) {
            panic!(
                "map `{}` was not created at load (its autocreate was off)",
                self.spec.maps[index].name
            );
        }
        map
    }

    pub fn map(&self, index: usize) -> Map<'_> {
        // SAFETY: the map lives as long as the storage.
        Map::new(unsafe { self.created(index).as_ref() })
    }

    pub fn map_mut(&mut self, index: usize) -> MapMut<'_> {
        let mut map = self.created(index);
        // SAFETY: as above; `&mut self` makes the handle exclusive.
        MapMut::new_mut(unsafe { map.as_mut() })
    }

    pub fn data<T: Plain>(&self, index: usize) -> &T {
        let p = view::<T>(&self.spec.maps[index], self.maps[index]);
        // SAFETY: as in OpenMaps::data; after load libbpf maps the map's
        // memory at the same address.
        unsafe { p.as_ref() }
    }

    pub fn data_mut<T: Plain>(&mut self, index: usize) -> &mut T {
        let mut p = view::<T>(&self.spec.maps[index], self.maps[index]);
        // SAFETY: as in `data`; only generated for writable sections.
        unsafe { p.as_mut() }
    }
}

/// Programs of an open skeleton.
#[doc(hidden)]
pub struct OpenProgs<'obj> {
    progs: Vec<NonNull<bpf_program>>,
    _obj: PhantomData<&'obj ObjectStorage>,
}

impl<'obj> OpenProgs<'obj> {
    pub fn program(&self, index: usize) -> &'obj Program {
        // SAFETY: the program lives as long as the storage, past 'obj.
        unsafe { Program::from_ptr(self.progs[index].as_ptr()) }
    }

    pub fn program_mut(&mut self, index: usize) -> OpenProgramMut<'_> {
        // SAFETY: as above; `&mut self` makes the handle exclusive.
        OpenProgramMut::new_mut(unsafe { self.progs[index].as_mut() })
    }
}

/// Programs of a loaded skeleton.
#[doc(hidden)]
pub struct Progs<'obj> {
    progs: Vec<NonNull<bpf_program>>,
    _obj: PhantomData<&'obj ObjectStorage>,
}

impl<'obj> Progs<'obj> {
    pub fn program(&self, index: usize) -> &'obj Program {
        // SAFETY: as in OpenProgs.
        unsafe { Program::from_ptr(self.progs[index].as_ptr()) }
    }

    pub fn program_mut(&mut self, index: usize) -> ProgramMut<'_> {
        // SAFETY: as in OpenProgs.
        ProgramMut::new_mut(unsafe { self.progs[index].as_mut() })
    }
}

fn shadow<T: Shadow>(spec: &'static SkelSpec, shadows: &[NonNull<u8>], index: usize) -> NonNull<T> {
    let s = &spec.struct_ops[index];
    assert!(
        size_of::<T>() == s.shadow.size && s.shadow.align % align_of::<T>() == 0,
        "bug: shadow type {} does not match its spec",
        std::any::type_name::<T>()
    );
    shadows[index].cast()
}

/// Shadows of an open skeleton's struct_ops maps.
#[doc(hidden)]
pub struct OpenShadows<'obj> {
    spec: &'static SkelSpec,
    shadows: Vec<NonNull<u8>>,
    _obj: PhantomData<&'obj ObjectStorage>,
}

impl<'obj> OpenShadows<'obj> {
    pub fn get<T: Shadow>(&self, index: usize) -> &T {
        // SAFETY: checked at open (size, alignment); libbpf keeps the buffer
        // until close; `&self` keeps writers out.
        unsafe { shadow::<T>(self.spec, &self.shadows, index).as_ref() }
    }

    pub fn get_mut<T: Shadow>(&mut self, index: usize) -> &mut T {
        // SAFETY: as in `get`; `&mut self` makes it exclusive. libbpf reads
        // the buffer only in load, which consumes the open skeleton.
        unsafe { shadow::<T>(self.spec, &self.shadows, index).as_mut() }
    }
}

/// Shadows of a loaded skeleton: read-only.
#[doc(hidden)]
pub struct Shadows<'obj> {
    spec: &'static SkelSpec,
    shadows: Vec<NonNull<u8>>,
    _obj: PhantomData<&'obj ObjectStorage>,
}

impl<'obj> Shadows<'obj> {
    pub fn get<T: Shadow>(&self, index: usize) -> &T {
        // SAFETY: as in OpenShadows::get; the pointer was taken at open and
        // libbpf keeps the buffer (never written after load) until close.
        unsafe { shadow::<T>(self.spec, &self.shadows, index).as_ref() }
    }
}

// SAFETY: libbpf objects have no thread affinity; these types only hold
// pointers into the object, which the storage keeps alive for 'obj, and
// every mutation goes through `&mut self`. (Not Sync: libbpf's setters are
// not synchronized.)
unsafe impl Send for OpenCore<'_> {}
// SAFETY: as above.
unsafe impl Send for LoadedCore<'_> {}
// SAFETY: as above.
unsafe impl Send for OpenMaps<'_> {}
// SAFETY: as above.
unsafe impl Send for Maps<'_> {}
// SAFETY: as above.
unsafe impl Send for OpenProgs<'_> {}
// SAFETY: as above.
unsafe impl Send for Progs<'_> {}
// SAFETY: as above.
unsafe impl Send for OpenShadows<'_> {}
// SAFETY: as above.
unsafe impl Send for Shadows<'_> {}
