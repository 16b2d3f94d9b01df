//! Reading back what the kernel holds for a registered struct_ops map.
//!
//! A lookup on a struct_ops map returns the kernel's value struct
//! (`bpf_struct_ops_<name>`): a common header (refcount, state) and then
//! the data as user space sent it, with function pointers replaced by the
//! ids of the programs in them. Member offsets come from the kernel's BTF,
//! which is parsed once per process and kept (a few MB) with the layouts
//! worked out from it.

use std::collections::HashMap;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};

use libbpf_rs::AsRawLibbpf;
use libbpf_rs::btf::types::{MemberAttr, Struct};
use libbpf_rs::btf::{Btf, BtfType, HasSize};
use libbpf_sys::bpf_map;

use crate::Error;
use crate::errno::Errno;
use crate::storage::{Shadows, last_errno, map_created};

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
///
/// Read it through the skeleton (`skel.struct_ops.<map>_kernel()`), which
/// knows the map's kernel struct and names the programs in its slots.
#[derive(Clone, Debug)]
pub struct KernelStructOps {
    pub state: StructOpsState,
    /// The kernel's struct (`tcp_congestion_ops`, ...), as bytes.
    pub data: Vec<u8>,
    /// Its members, in BTF order.
    pub members: Vec<KernelMember>,
    layout: Arc<ValueLayout>,
    /// The skeleton's programs by kernel id (empty from [`Self::read`]).
    programs: Vec<(u32, &'static str)>,
}

/// Where the parts of `bpf_struct_ops_<name>` are, from the kernel's BTF.
#[derive(Debug)]
struct ValueLayout {
    state_offset: Option<usize>,
    data_offset: usize,
    data_size: usize,
    members: Vec<KernelMember>,
    by_name: HashMap<String, usize>,
}

/// The running kernel's BTF, parsed once, and the layouts read from it.
struct Vmlinux {
    btf: Btf<'static>,
    layouts: HashMap<String, Arc<ValueLayout>>,
}

// SAFETY: libbpf's `struct btf` has no thread affinity; it is only used
// under the mutex below.
unsafe impl Send for Vmlinux {}

static VMLINUX: Mutex<Option<Vmlinux>> = Mutex::new(None);

/// The layout of `bpf_struct_ops_<struct_name>` in the running kernel.
fn layout(map: &str, struct_name: &str) -> Result<Arc<ValueLayout>, Error> {
    let mut cache = VMLINUX.lock().unwrap_or_else(|e| e.into_inner());
    let mut vmlinux = match cache.take() {
        Some(vmlinux) => vmlinux,
        None => Vmlinux {
            btf: Btf::from_vmlinux().map_err(|e| Error::ReadBack {
                map: map.to_owned(),
                structure: struct_name.to_owned(),
                what: format!("cannot parse the running kernel's BTF: {e}"),
                errno: None,
            })?,
            layouts: HashMap::new(),
        },
    };
    let layout = match vmlinux.layouts.get(struct_name) {
        Some(layout) => Ok(layout.clone()),
        None => value_layout(&vmlinux.btf, struct_name).map(|layout| {
            let layout = Arc::new(layout);
            vmlinux
                .layouts
                .insert(struct_name.to_owned(), layout.clone());
            layout
        }),
    };
    *cache = Some(vmlinux);
    layout.map_err(|what| Error::ReadBack {
        map: map.to_owned(),
        structure: struct_name.to_owned(),
        what,
        errno: None,
    })
}

fn value_layout(btf: &Btf<'static>, struct_name: &str) -> Result<ValueLayout, String> {
    let value_name = format!("bpf_struct_ops_{struct_name}");
    let value_ty: Struct<'_> = btf
        .type_by_name(&value_name)
        .ok_or_else(|| format!("kernel BTF has no `{value_name}`"))?;
    let mut state_offset = None;
    let mut data_offset = None;
    for m in value_ty.iter() {
        let name = m
            .name
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let MemberAttr::Normal { offset } = m.attr else {
            continue;
        };
        match name.as_str() {
            "data" => data_offset = Some(offset as usize / 8),
            "state" => state_offset = Some(offset as usize / 8),
            "common" => {
                // 6.9+: struct bpf_struct_ops_common_value { refcnt; state; }
                let common: Option<Struct<'_>> = btf
                    .type_by_id::<BtfType<'_>>(m.ty)
                    .map(|t| t.skip_mods_and_typedefs())
                    .and_then(|t| Struct::try_from(t).ok());
                for c in common.iter().flat_map(|c| c.iter()) {
                    if c.name.is_some_and(|n| n == "state") {
                        if let MemberAttr::Normal { offset: inner } = c.attr {
                            state_offset = Some((offset + inner) as usize / 8);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let data_offset = data_offset.ok_or_else(|| format!("`{value_name}` has no `data` member"))?;
    let data_ty: Struct<'_> = btf
        .type_by_name(struct_name)
        .ok_or_else(|| format!("kernel BTF has no `struct {struct_name}`"))?;
    let mut members = vec![];
    for m in data_ty.iter() {
        let MemberAttr::Normal { offset } = m.attr else {
            continue;
        };
        let Some(name) = m.name else { continue };
        // SAFETY: btf is live; btf__resolve_size only reads it.
        let size =
            unsafe { libbpf_sys::btf__resolve_size(btf.as_libbpf_object().as_ptr(), m.ty.into()) };
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
    let by_name = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.name.clone(), i))
        .collect();
    Ok(ValueLayout {
        state_offset,
        data_offset,
        data_size: HasSize::size(&data_ty),
        members,
        by_name,
    })
}

/// Looks up the value of struct_ops map `map` (fd `fd`, named `name`).
fn read_value(
    name: &str,
    fd: i32,
    value_size: usize,
    struct_name: &str,
    programs: Vec<(u32, &'static str)>,
) -> Result<KernelStructOps, Error> {
    let layout = layout(name, struct_name)?;
    let bad = |what: String, errno: Option<Errno>| Error::ReadBack {
        map: name.to_owned(),
        structure: struct_name.to_owned(),
        what,
        errno,
    };
    let mut value = vec![0u8; value_size.max(layout.data_offset + layout.data_size)];
    let key = 0u32;
    // SAFETY: fd is a map fd; the key is 4 bytes and the value buffer at
    // least the map's value size.
    let ret = unsafe {
        libbpf_sys::bpf_map_lookup_elem(fd, (&raw const key).cast(), value.as_mut_ptr().cast())
    };
    if ret != 0 {
        let errno = last_errno();
        let what = if errno.raw() == libc::ENOENT {
            format!("the kernel holds no value for it (not registered?): {errno}")
        } else {
            format!("lookup failed: {errno}")
        };
        return Err(bad(what, Some(errno)));
    }
    let state = layout
        .state_offset
        .and_then(|o| value.get(o..o + 4))
        .and_then(|b| b.try_into().ok())
        .map(u32::from_ne_bytes)
        .map(StructOpsState::from_raw)
        .unwrap_or(StructOpsState::Other(u32::MAX));
    let data = value
        .get(layout.data_offset..layout.data_offset + layout.data_size)
        .ok_or_else(|| bad("value shorter than the kernel struct".into(), None))?
        .to_vec();
    Ok(KernelStructOps {
        state,
        data,
        members: layout.members.clone(),
        layout,
        programs,
    })
}

/// fd and value size of a created map.
fn map_fd(map: NonNull<bpf_map>) -> (i32, usize) {
    // SAFETY: map is a live map.
    unsafe {
        (
            libbpf_sys::bpf_map__fd(map.as_ptr()),
            libbpf_sys::bpf_map__value_size(map.as_ptr()) as usize,
        )
    }
}

impl KernelStructOps {
    /// Looks up the value of struct_ops `map` (a loaded, registered map)
    /// whose kernel struct is `struct_name`. Prefer the skeleton's
    /// `struct_ops.<map>_kernel()`, which knows the struct and names the
    /// programs in the slots; this serves maps from elsewhere.
    pub fn read(map: &libbpf_rs::Map<'_>, struct_name: &str) -> Result<Self, Error> {
        use libbpf_rs::MapCore;
        let name = map.name().to_string_lossy().into_owned();
        let ptr = map.as_libbpf_object();
        let (fd, value_size) = map_fd(ptr);
        read_value(&name, fd, value_size, struct_name, vec![])
    }

    pub fn member(&self, name: &str) -> Option<&KernelMember> {
        self.layout.by_name.get(name).map(|&i| &self.members[i])
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

    /// The skeleton's name of the program in function-pointer member
    /// `name` (its C function name): `None` when the slot is empty, the
    /// member is not a function pointer, or the program is not one of the
    /// skeleton's ([`Self::prog_id`] still has its id).
    pub fn program(&self, name: &str) -> Option<&'static str> {
        let id = self.prog_id(name).filter(|&id| id != 0)?;
        self.programs
            .iter()
            .find(|(p, _)| *p == id)
            .map(|(_, name)| *name)
    }
}

impl Shadows<'_> {
    /// Reads back struct_ops map `index` (kernel struct `struct_name`) and
    /// names the skeleton's programs in its slots.
    pub fn read_back(&self, index: usize, struct_name: &str) -> Result<KernelStructOps, Error> {
        let spec = &self.spec.maps[self.spec.struct_ops[index].map];
        let map = self.maps[index];
        if !map_created(map) {
            return Err(Error::NotCreated {
                skeleton: self.spec.skeleton,
                map: spec.name.to_owned(),
                what: "read it back",
            });
        }
        let programs = self
            .progs
            .iter()
            .zip(self.spec.progs)
            .filter(|(_, p)| p.struct_ops)
            .filter_map(|(ptr, p)| {
                // SAFETY: a program of the loaded object.
                let program = unsafe { crate::Program::from_ptr(ptr.as_ptr()) };
                Some((program.id()?, p.name))
            })
            .collect();
        let (fd, value_size) = map_fd(map);
        read_value(spec.name, fd, value_size, struct_name, programs)
    }
}
