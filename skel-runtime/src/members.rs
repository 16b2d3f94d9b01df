//! The members of a struct in BTF, as libbpf reads them: what
//! [`KernelStructOps`](crate::KernelStructOps) reads back by, and what
//! tests compare generated layouts with.

use libbpf_rs::AsRawLibbpf;
use libbpf_rs::btf::types::{MemberAttr, Struct};
use libbpf_rs::btf::{Btf, BtfKind, BtfType};

use crate::KernelMember;

impl KernelMember {
    /// The named members of struct `struct_name` in `btf`, in BTF order,
    /// with their byte offsets and sizes (bitfields are left out); `None`
    /// when `btf` has no such struct.
    pub fn of_struct(btf: &Btf<'_>, struct_name: &str) -> Option<Vec<KernelMember>> {
        let ty: Struct<'_> = btf.type_by_name(struct_name)?;
        let mut members = vec![];
        for m in ty.iter() {
            let MemberAttr::Normal { offset } = m.attr else {
                continue;
            };
            let Some(name) = m.name else { continue };
            // SAFETY: btf is live; btf__resolve_size only reads it.
            let size = unsafe {
                libbpf_sys::btf__resolve_size(btf.as_libbpf_object().as_ptr(), m.ty.into())
            };
            let is_func_ptr = btf
                .type_by_id::<BtfType<'_>>(m.ty)
                .map(|t| t.skip_mods_and_typedefs())
                .is_some_and(|t| {
                    t.kind() == BtfKind::Ptr
                        && t.next_type()
                            .map(|n| n.skip_mods_and_typedefs())
                            .is_some_and(|n| n.kind() == BtfKind::FuncProto)
                });
            members.push(KernelMember {
                name: name.to_string_lossy().into_owned(),
                offset: offset as usize / 8,
                size: usize::try_from(size).unwrap_or(0),
                is_func_ptr,
            });
        }
        Some(members)
    }
}
