//! The members of a struct in BTF, as libbpf reads them: what
//! [`KernelStructOps`](crate::KernelStructOps) reads back by, and what
//! tests compare generated layouts with. One rule for kernel BTF and any
//! other (an object's `.BTF`).

use skel_btf::{Btf, Composite, Kind};

use crate::KernelMember;

impl KernelMember {
    /// The named members of struct `struct_name` in `btf`, in BTF order,
    /// with their byte offsets and sizes (bitfields are left out); `None`
    /// when `btf` has no such struct. Read an object's BTF from its `.BTF`
    /// section (or a kernel's from `/sys/kernel/btf/vmlinux`) with
    /// [`skel_btf::Btf::parse`].
    pub fn of_struct(btf: &Btf, struct_name: &str) -> Option<Vec<KernelMember>> {
        let id = btf.find(struct_name, |k| matches!(k, Kind::Struct(_)))?;
        let Kind::Struct(c) = btf.get(id).kind() else {
            return None;
        };
        Some(members_of(btf, c))
    }
}

/// The named members of a struct or union that are not bitfields (sizes as
/// libbpf's `btf__resolve_size` gives them; 0 for none, as a flexible
/// array has).
pub(crate) fn members_of(btf: &Btf, c: Composite<'_>) -> Vec<KernelMember> {
    c.members
        .iter()
        .filter(|m| m.bitfield_size == 0)
        .filter_map(|m| {
            let name = m.name().filter(|n| !n.is_empty())?;
            Some(KernelMember {
                name: name.to_owned(),
                offset: m.bit_offset as usize / 8,
                size: usize::try_from(btf.size_of(m.ty).unwrap_or(0)).unwrap_or(0),
                is_func_ptr: btf.is_func_pointer(m.ty).unwrap_or(false),
            })
        })
        .collect()
}
