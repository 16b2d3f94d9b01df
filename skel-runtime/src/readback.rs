//! Reading back what the kernel holds for a registered struct_ops map.
//!
//! A lookup on a struct_ops map returns the kernel's value struct
//! (`bpf_struct_ops_<name>`): a common header (refcount, state) and then
//! the data as user space sent it, with function pointers replaced by the
//! ids of the programs in them. Member offsets come from the kernel's BTF.

use std::collections::HashMap;

use libbpf_rs::btf::types::{MemberAttr, Struct};
use libbpf_rs::btf::{Btf, BtfType, HasSize};
use libbpf_rs::{AsRawLibbpf, MapCore, MapFlags};

use crate::Error;

/// State of a struct_ops map in the kernel (`enum bpf_struct_ops_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StructOpsState {
    Init,
    InUse,
    ToBeFree,
    Ready,
    Other(u32),
}

impl StructOpsState {
    fn from_raw(raw: u32) -> Self {
        match raw {
            0 => StructOpsState::Init,
            1 => StructOpsState::InUse,
            2 => StructOpsState::ToBeFree,
            3 => StructOpsState::Ready,
            n => StructOpsState::Other(n),
        }
    }
}

/// One member of the kernel's struct, as read back.
#[derive(Clone, Debug)]
pub struct KernelMember {
    pub name: String,
    pub offset: usize,
    pub size: usize,
    /// A function pointer: the value is the id of the program in it (0: none).
    pub is_func_ptr: bool,
}

/// The kernel's copy of a struct_ops map's value.
#[derive(Clone, Debug)]
pub struct KernelStructOps {
    pub state: StructOpsState,
    /// The kernel's struct (`tcp_congestion_ops`, ...), as bytes.
    pub data: Vec<u8>,
    /// Its members, in BTF order.
    pub members: Vec<KernelMember>,
    by_name: HashMap<String, usize>,
}

impl KernelStructOps {
    /// Looks up the value of struct_ops `map` (a loaded, registered map)
    /// whose kernel struct is `struct_name`.
    pub fn read(map: &libbpf_rs::Map<'_>, struct_name: &str) -> Result<Self, Error> {
        let btf = Btf::from_vmlinux()?;
        let bad = |what: String| Error::ReadBack {
            structure: struct_name.to_owned(),
            what,
        };
        let value_name = format!("bpf_struct_ops_{struct_name}");
        let value_ty: Struct<'_> = btf
            .type_by_name(&value_name)
            .ok_or_else(|| bad(format!("kernel BTF has no `{value_name}`")))?;
        let mut state_off = None;
        let mut data_off = None;
        for m in value_ty.iter() {
            let name = m
                .name
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let MemberAttr::Normal { offset } = m.attr else {
                continue;
            };
            match name.as_str() {
                "data" => data_off = Some(offset as usize / 8),
                "state" => state_off = Some(offset as usize / 8),
                "common" => {
                    // 6.9+: struct bpf_struct_ops_common_value { refcnt; state; }
                    let common: Option<Struct<'_>> = btf
                        .type_by_id::<BtfType<'_>>(m.ty)
                        .map(|t| t.skip_mods_and_typedefs())
                        .and_then(|t| Struct::try_from(t).ok());
                    if let Some(common) = common {
                        for c in common.iter() {
                            if c.name.is_some_and(|n| n == "state") {
                                if let MemberAttr::Normal { offset: inner } = c.attr {
                                    state_off = Some((offset + inner) as usize / 8);
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let data_off =
            data_off.ok_or_else(|| bad(format!("`{value_name}` has no `data` member")))?;
        let data_ty: Struct<'_> = btf
            .type_by_name(struct_name)
            .ok_or_else(|| bad(format!("kernel BTF has no `struct {struct_name}`")))?;
        let mut members = vec![];
        for m in data_ty.iter() {
            let MemberAttr::Normal { offset } = m.attr else {
                continue;
            };
            let Some(name) = m.name else { continue };
            // SAFETY: btf is live; btf__resolve_size only reads it.
            let size = unsafe {
                libbpf_sys::btf__resolve_size(btf.as_libbpf_object().as_ptr(), m.ty.into())
            };
            let ty = btf
                .type_by_id::<BtfType<'_>>(m.ty)
                .map(|t| t.skip_mods_and_typedefs());
            let is_func_ptr = ty.is_some_and(|t| {
                t.kind() == libbpf_rs::btf::BtfKind::Ptr
                    && t.next_type()
                        .map(|n| n.skip_mods_and_typedefs())
                        .is_some_and(|n| n.kind() == libbpf_rs::btf::BtfKind::FuncProto)
            });
            members.push(KernelMember {
                name: name.to_string_lossy().into_owned(),
                offset: offset as usize / 8,
                size: usize::try_from(size).unwrap_or(0),
                is_func_ptr,
            });
        }
        let value = map
            .lookup(&0u32.to_ne_bytes(), MapFlags::ANY)?
            .ok_or_else(|| bad("struct_ops map has no value (not registered?)".into()))?;
        let state = state_off
            .and_then(|o| value.get(o..o + 4))
            .map(|b| u32::from_ne_bytes(b.try_into().unwrap_or([0; 4])))
            .map(StructOpsState::from_raw)
            .unwrap_or(StructOpsState::Other(u32::MAX));
        let size = HasSize::size(&data_ty);
        let data = value
            .get(data_off..data_off + size)
            .ok_or_else(|| bad("value shorter than the kernel struct".into()))?
            .to_vec();
        let by_name = members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name.clone(), i))
            .collect();
        Ok(KernelStructOps {
            state,
            data,
            members,
            by_name,
        })
    }

    pub fn member(&self, name: &str) -> Option<&KernelMember> {
        self.by_name.get(name).map(|&i| &self.members[i])
    }

    /// The bytes of member `name`.
    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        let m = self.member(name)?;
        self.data.get(m.offset..m.offset + m.size)
    }

    /// Member `name` as an unsigned integer (1 to 8 bytes).
    pub fn uint(&self, name: &str) -> Option<u64> {
        let b = self.bytes(name)?;
        if b.is_empty() || b.len() > 8 {
            return None;
        }
        let mut full = [0u8; 8];
        full[..b.len()].copy_from_slice(b);
        Some(u64::from_le_bytes(full))
    }

    /// Member `name` as a C string.
    pub fn string(&self, name: &str) -> Option<String> {
        let b = self.bytes(name)?;
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        Some(String::from_utf8_lossy(&b[..end]).into_owned())
    }

    /// The id of the program in function-pointer member `name` (0: none).
    pub fn prog_id(&self, name: &str) -> Option<u32> {
        self.member(name).filter(|m| m.is_func_ptr)?;
        self.uint(name).map(|v| v as u32)
    }
}
