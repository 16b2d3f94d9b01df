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
use crate::libbpf::{autoattach, initial_value, map_created, set_autoattach};

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

// SAFETY: a libbpf object has no thread affinity; the cores hold pointers
// into an object that the storage keeps alive for 'obj, and every change
// to libbpf's state goes through `&mut self`. (Not Sync: see the module
// docs.)
unsafe impl Send for OpenCore<'_> {}
// SAFETY: as above.
unsafe impl Send for LoadedCore<'_> {}
