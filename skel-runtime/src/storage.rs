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

use libbpf_rs::{AsRawLibbpf, Map, MapMut, OpenMap, OpenMapMut, OpenProgramMut, ProgramMut};
use libbpf_sys::{bpf_map, bpf_object, bpf_program};

use crate::errno::{ENOTSUPP, Errno};
use crate::error::{Error, Result};
use crate::libbpf_log::capture;
use crate::plain::Shadow;
use crate::program::Program;

/// What generated code tells the runtime about its object.
#[doc(hidden)]
#[derive(Debug)]
pub struct SkelSpec {
    /// The skeleton's name (`foo` for `FooSkel`), for messages.
    pub skeleton: &'static str,
    /// The name handed to libbpf (prefix of internal map names), at most
    /// 15 bytes.
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
    /// The shadow's members (`Shadow::MEMBERS`).
    pub members: &'static [MemberSpec],
    /// The kernel struct libbpf fills (`Shadow::KERNEL_STRUCT`).
    pub kernel_struct: &'static str,
}

/// One C member of a shadow, from the type's own facts.
#[doc(hidden)]
#[derive(Debug)]
pub struct MemberSpec {
    /// The C member's name.
    pub name: &'static str,
    pub offset: usize,
    pub size: usize,
    /// A program slot.
    pub slot: bool,
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
            members: T::MEMBERS,
            kernel_struct: T::KERNEL_STRUCT,
        }
    }

    /// The program slots among the members.
    pub(crate) fn slots(&self) -> impl Iterator<Item = &'static MemberSpec> {
        self.members.iter().filter(|m| m.slot)
    }
}

impl MemberSpec {
    pub const fn new(name: &'static str, offset: usize, size: usize, slot: bool) -> Self {
        MemberSpec {
            name,
            offset,
            size,
            slot,
        }
    }
}

/// A Rust field name as C spells it: a raw identifier without its `r#`.
#[doc(hidden)]
pub const fn strip_raw(field: &'static str) -> &'static str {
    match field.as_bytes() {
        // SAFETY: dropping an ASCII prefix leaves valid UTF-8.
        [b'r', b'#', rest @ ..] => unsafe { std::str::from_utf8_unchecked(rest) },
        _ => field,
    }
}

/// The size of a field's type, named by a function that reads it
/// (`|v: Self| v.field`, which also works for packed structs).
#[doc(hidden)]
pub const fn size_of_field<T, F>(_: fn(T) -> F) -> usize {
    size_of::<F>()
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
// SAFETY: a shared `&ObjectStorage` can do nothing (every method takes
// `&mut self`); values that borrow it (links, containers) are `Send` by
// their own impls.
unsafe impl Sync for ObjectStorage {}

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
        builder.name(spec.name)?;
        let opts = builder.as_libbpf_object().as_ptr();
        let (opened, log) = capture(|| {
            // SAFETY: the object bytes outlive the call (libbpf copies
            // them); opts is the builder's, valid for the call.
            let ptr = unsafe {
                libbpf_sys::bpf_object__open_mem(
                    spec.object.as_ptr().cast(),
                    spec.object.len() as libbpf_sys::size_t,
                    opts,
                )
            };
            NonNull::new(ptr).ok_or_else(last_errno)
        });
        let obj = opened.map_err(|errno| Error::Open {
            skeleton: spec.skeleton,
            errno,
            log,
        })?;
        self.obj = Some(obj);

        let missing = |what, name: &str| Error::Missing {
            skeleton: spec.skeleton,
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
                check_layout(spec, m.lookup, ty, ptr)?;
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
            let ptr = check_layout(spec, spec.maps[s.map].lookup, &s.shadow, map)?;
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

/// libbpf's buffer for `map` and its size: the data section's memory (moved
/// by a resize), or a struct_ops map's value. Null when libbpf keeps none.
pub(crate) fn initial_value(map: NonNull<bpf_map>) -> (*mut u8, usize) {
    let mut size: libbpf_sys::size_t = 0;
    // SAFETY: map is a live map; libbpf writes the size.
    let ptr = unsafe { libbpf_sys::bpf_map__initial_value(map.as_ptr(), &raw mut size) };
    (ptr.cast(), size as usize)
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
        Some(p) if size == ty.value_size && ty.tail_ok() && address % ty.align == 0 => Ok(p),
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

impl TypeSpec {
    /// The generated type is the C size, or that rounded up to its
    /// alignment (data-section views; libbpf backs them with whole pages).
    pub(crate) fn tail_ok(&self) -> bool {
        self.size == self.value_size
            || (self.size > self.value_size && self.size - self.value_size < self.align)
    }
}

/// The errno a failed libbpf call left.
pub(crate) fn last_errno() -> Errno {
    Errno::new(
        std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EINVAL),
    )
}

/// Has libbpf loaded (prepared) the map's object? Then `bpf_map__fd` is
/// valid, also for a map that was not created: libbpf gives every map a
/// placeholder fd at open and reports it from then on.
pub(crate) fn object_loaded(map: NonNull<bpf_map>) -> bool {
    // SAFETY: map is a live map.
    unsafe { libbpf_sys::bpf_map__fd(map.as_ptr()) >= 0 }
}

/// Does the map exist in the kernel: loaded, with its autocreate on?
/// (libbpf refuses to change autocreate after load.)
pub(crate) fn map_created(map: NonNull<bpf_map>) -> bool {
    // SAFETY: map is a live map.
    object_loaded(map) && unsafe { libbpf_sys::bpf_map__autocreate(map.as_ptr()) }
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
    _storage: PhantomData<(&'obj mut ObjectStorage, crate::Brand<'obj>)>,
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
            maps: struct_ops_maps(self.spec, &self.maps),
            _obj: PhantomData,
        }
    }

    /// The raw `bpf_object`, for libbpf calls the skeleton does not wrap.
    pub fn as_ptr(&self) -> *mut bpf_object {
        self.obj.as_ptr()
    }

    /// Fills the `.rodata` constants named after kernel enum constants
    /// (see [`crate::KernelConsts`]).
    pub fn fill_kernel_consts(&mut self) -> Result<crate::KernelConsts> {
        crate::kernel_compat::fill_kernel_consts(self.spec, self.obj, &self.maps)
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
            for slot in s.slots() {
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
                            in_slot[i] = Some((map_spec.name, slot.name));
                        }
                    }
                    _ => {
                        return Err(Error::ForeignProgram {
                            skeleton: self.spec.skeleton,
                            map: map_spec.name.to_owned(),
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
        crate::kernel_compat::check_shadows(self.spec, &self.maps, &self.shadows)?;
        for (i, prog) in self.progs.iter().enumerate() {
            if !self.spec.progs[i].struct_ops {
                continue;
            }
            // SAFETY: prog is a program of the open object.
            let now = unsafe { libbpf_sys::bpf_program__autoload(prog.as_ptr()) };
            if let Some((map, field)) = in_slot[i] {
                if self.autoload_at_open[i] && !now {
                    return Err(Error::SlotProgramNotLoaded {
                        skeleton: self.spec.skeleton,
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
        let (ret, log) = capture(|| unsafe { libbpf_sys::bpf_object__load(self.obj.as_ptr()) });
        if ret != 0 {
            let errno = Errno::new(ret);
            return Err(Error::Load {
                skeleton: self.spec.skeleton,
                hint: load_hint(errno, &log),
                errno,
                log,
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

/// The hint a load error gets, from its errno and what libbpf said.
fn load_hint(errno: Errno, log: &crate::LibbpfLog) -> &'static str {
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

/// A skeleton's loaded object.
#[doc(hidden)]
pub struct LoadedCore<'obj> {
    pub(crate) obj: NonNull<bpf_object>,
    pub(crate) spec: &'static SkelSpec,
    pub(crate) maps: Vec<NonNull<bpf_map>>,
    pub(crate) progs: Vec<NonNull<bpf_program>>,
    shadows: Vec<NonNull<u8>>,
    _storage: PhantomData<(&'obj mut ObjectStorage, crate::Brand<'obj>)>,
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
            maps: struct_ops_maps(self.spec, &self.maps),
            progs: self.progs.clone(),
            _obj: PhantomData,
        }
    }

    pub fn as_ptr(&self) -> *mut bpf_object {
        self.obj.as_ptr()
    }
}

/// The maps of the skeleton's struct_ops, in struct_ops order.
fn struct_ops_maps(spec: &SkelSpec, maps: &[NonNull<bpf_map>]) -> Vec<NonNull<bpf_map>> {
    spec.struct_ops.iter().map(|s| maps[s.map]).collect()
}

/// Open-phase maps of a skeleton.
#[doc(hidden)]
pub struct OpenMaps<'obj> {
    pub(crate) spec: &'static SkelSpec,
    pub(crate) maps: Vec<NonNull<bpf_map>>,
    _obj: PhantomData<(&'obj ObjectStorage, crate::Brand<'obj>)>,
}

impl<'obj> OpenMaps<'obj> {
    pub fn map(&self, index: usize) -> OpenMap<'_> {
        // SAFETY: the map lives as long as the storage, past 'obj.
        OpenMap::new(unsafe { self.maps[index].as_ref() })
    }

    pub fn map_mut(&mut self, index: usize) -> OpenMapMut<'_> {
        if object_loaded(self.maps[index]) {
            panic!(
                "skeleton `{}`: map `{}` was reached through an open skeleton after its object \
                 was loaded (were two skeletons' `maps` swapped?)",
                self.spec.skeleton, self.spec.maps[index].lookup
            );
        }
        // SAFETY: as above; `&mut self` makes the handle exclusive.
        OpenMapMut::new_mut(unsafe { self.maps[index].as_mut() })
    }
}

/// Loaded maps of a skeleton.
#[doc(hidden)]
pub struct Maps<'obj> {
    pub(crate) spec: &'static SkelSpec,
    pub(crate) maps: Vec<NonNull<bpf_map>>,
    _obj: PhantomData<(&'obj ObjectStorage, crate::Brand<'obj>)>,
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
                "skeleton `{}`: map `{}` was not created at load (its autocreate was off)",
                self.spec.skeleton, self.spec.maps[index].lookup
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
}

/// Programs of an open skeleton.
#[doc(hidden)]
pub struct OpenProgs<'obj> {
    progs: Vec<NonNull<bpf_program>>,
    _obj: PhantomData<(&'obj ObjectStorage, crate::Brand<'obj>)>,
}

impl<'obj> OpenProgs<'obj> {
    pub fn program(&self, index: usize) -> &'obj Program<'obj> {
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
    _obj: PhantomData<(&'obj ObjectStorage, crate::Brand<'obj>)>,
}

impl<'obj> Progs<'obj> {
    pub fn program(&self, index: usize) -> &'obj Program<'obj> {
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

/// libbpf's autoattach setting of struct_ops map `map`.
fn autoattach(map: NonNull<bpf_map>) -> bool {
    // SAFETY: map is a live map.
    unsafe { libbpf_sys::bpf_map__autoattach(map.as_ptr()) }
}

fn set_autoattach(map: NonNull<bpf_map>, on: bool) {
    // SAFETY: map is a live struct_ops map (the only kind libbpf accepts;
    // it returns -EINVAL for others, and changes nothing then).
    unsafe { libbpf_sys::bpf_map__set_autoattach(map.as_ptr(), on) };
}

/// Shadows of an open skeleton's struct_ops maps.
#[doc(hidden)]
pub struct OpenShadows<'obj> {
    spec: &'static SkelSpec,
    shadows: Vec<NonNull<u8>>,
    maps: Vec<NonNull<bpf_map>>,
    _obj: PhantomData<(&'obj ObjectStorage, crate::Brand<'obj>)>,
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

    pub fn autoattach(&self, index: usize) -> bool {
        autoattach(self.maps[index])
    }

    pub fn set_autoattach(&mut self, index: usize, on: bool) {
        set_autoattach(self.maps[index], on);
    }

    /// Clears the members of shadow `index` that the running kernel's
    /// struct lacks; returns those that held something.
    pub fn clear_missing(&mut self, index: usize) -> Result<Vec<&'static str>> {
        // SAFETY: the shadow buffer of map `index`; `&mut self` makes it
        // exclusive (as in `get_mut`).
        unsafe { crate::kernel_compat::clear_missing(self.spec, index, self.shadows[index]) }
    }
}

/// Shadows of a loaded skeleton: read-only.
#[doc(hidden)]
pub struct Shadows<'obj> {
    pub(crate) spec: &'static SkelSpec,
    shadows: Vec<NonNull<u8>>,
    pub(crate) maps: Vec<NonNull<bpf_map>>,
    pub(crate) progs: Vec<NonNull<bpf_program>>,
    _obj: PhantomData<(&'obj ObjectStorage, crate::Brand<'obj>)>,
}

impl<'obj> Shadows<'obj> {
    pub fn get<T: Shadow>(&self, index: usize) -> &T {
        // SAFETY: as in OpenShadows::get; the pointer was taken at open and
        // libbpf keeps the buffer (never written after load) until close.
        unsafe { shadow::<T>(self.spec, &self.shadows, index).as_ref() }
    }

    pub fn autoattach(&self, index: usize) -> bool {
        autoattach(self.maps[index])
    }

    pub fn set_autoattach(&mut self, index: usize, on: bool) {
        set_autoattach(self.maps[index], on);
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
