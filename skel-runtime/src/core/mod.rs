//! A skeleton's object between open and close: [`OpenCore`] before load,
//! [`LoadedCore`] after. Generated skeletons keep one of them private and
//! hand out views that borrow it; everything a view returns (typed globals,
//! shadows, map and program handles) borrows the skeleton in turn, so the
//! borrow checker decides who may read and who may write libbpf's memory.
//!
//! - `&self` of a core reads libbpf's state and the kernel's (lookups,
//!   program ids) and, after load, reads and writes data sections shared
//!   with BPF programs through volatile accesses (see [`crate::Live`]);
//! - `&mut self` changes libbpf's state (settings, shadows before load,
//!   links); load consumes the open core.
//!
//! Cores are `Send` (a libbpf object has no thread affinity) and not `Sync`
//! (libbpf's setters are not synchronized, and the volatile writes of a
//! shared view are not atomic).

mod attach;
mod loaded;
mod open;
mod optional;

use std::ptr::NonNull;

use libbpf_sys::{bpf_map, bpf_object, bpf_program};

pub use attach::AttachTarget;
pub use loaded::LoadedCore;
pub use open::OpenCore;

use crate::contract::SkelSpec;

/// What both stages hold: the object, its spec, and its maps and programs
/// in spec order.
struct Object {
    obj: NonNull<bpf_object>,
    spec: &'static SkelSpec,
    maps: Vec<NonNull<bpf_map>>,
    progs: Vec<NonNull<bpf_program>>,
}

impl Object {
    /// Map `index` and its spec.
    fn map(&self, index: usize) -> NonNull<bpf_map> {
        self.maps[index]
    }

    fn map_name(&self, index: usize) -> &'static str {
        self.spec.maps[index].name
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

/// Has the map's object been loaded? Every map of a loaded object has an
/// fd, also a map that was not created: libbpf gives every map a
/// placeholder fd at load and reports it from then on.
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

/// libbpf's autoattach setting of struct_ops map `map`.
pub(crate) fn autoattach(map: NonNull<bpf_map>) -> bool {
    // SAFETY: map is a live map.
    unsafe { libbpf_sys::bpf_map__autoattach(map.as_ptr()) }
}

fn set_autoattach(map: NonNull<bpf_map>, on: bool) {
    // SAFETY: map is a live struct_ops map (the only kind libbpf accepts;
    // it returns -EINVAL for others, and changes nothing then); the caller
    // holds the core exclusively.
    unsafe { libbpf_sys::bpf_map__set_autoattach(map.as_ptr(), on) };
}

// SAFETY: a libbpf object has no thread affinity; the cores hold pointers
// into an object that the storage keeps alive for 'obj, and every change
// to libbpf's state goes through `&mut self`. (Not Sync: see the module
// docs.)
unsafe impl Send for OpenCore<'_> {}
// SAFETY: as above.
unsafe impl Send for LoadedCore<'_> {}
