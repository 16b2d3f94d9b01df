//! What libbpf itself reads from fixture objects, to check skel's view
//! against. (Objects written by hand come from `skel_builder::testing`.)

/// Byte offsets of the members of struct `struct_name`, read by libbpf
/// from the BTF of the object file at `object`.
pub fn member_offsets(
    object: &std::path::Path,
    struct_name: &str,
) -> std::collections::HashMap<String, usize> {
    use libbpf_rs::btf::Btf;
    use libbpf_rs::btf::types::{MemberAttr, Struct};
    let btf = Btf::from_path(object).unwrap();
    let s: Struct<'_> = btf.type_by_name(struct_name).unwrap();
    s.iter()
        .filter_map(|m| {
            let MemberAttr::Normal { offset } = m.attr else {
                return None;
            };
            Some((m.name?.to_string_lossy().into_owned(), offset as usize / 8))
        })
        .collect()
}

/// Variable offsets of data section `section` (`.data`, `.bss`, ...), from
/// libbpf's own BTF of an open object, where libbpf has fixed them up.
///
/// # Safety
///
/// `obj` must be an open object that outlives the call.
pub unsafe fn var_offsets(
    obj: *mut libbpf_sys::bpf_object,
    section: &str,
) -> std::collections::HashMap<String, usize> {
    use libbpf_rs::btf::Btf;
    use libbpf_rs::btf::types::{DataSec, Var};
    // SAFETY: the caller passes an open object that outlives this call.
    let btf = Btf::from_bpf_object(unsafe { &*obj }).unwrap().unwrap();
    let ds: DataSec<'_> = btf.type_by_name(section).unwrap();
    ds.iter()
        .filter_map(|v| {
            let var: Var<'_> = btf.type_by_id(v.ty)?;
            Some((
                var.name()?.to_string_lossy().into_owned(),
                v.offset as usize,
            ))
        })
        .collect()
}
