//! Safe wrappers of the libbpf getters and setters of a map that the
//! runtime's modules share (a leaf module: it uses nothing of the crate).

use std::ptr::NonNull;

use libbpf_sys::bpf_map;

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

pub(crate) fn set_autoattach(map: NonNull<bpf_map>, on: bool) {
    // SAFETY: map is a live struct_ops map (the only kind libbpf accepts;
    // it returns -EINVAL for others, and changes nothing then); the caller
    // holds the core exclusively.
    unsafe { libbpf_sys::bpf_map__set_autoattach(map.as_ptr(), on) };
}
