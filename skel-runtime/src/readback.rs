//! Reading back what the kernel holds for a registered struct_ops map.
//!
//! A lookup on a struct_ops map returns the kernel's value struct
//! (`bpf_struct_ops_<name>`): a common header (refcount, state) and then
//! the data as user space sent it, with function pointers replaced by the
//! ids of the programs in them. Member offsets come from the running
//! kernel's BTF ([`KernelBtf`], parsed once per process).

use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd};
use std::ptr::NonNull;
use std::sync::Arc;

use libbpf_sys::bpf_map;

use crate::Error;
use crate::errno::{Errno, last_errno};
use crate::kernel_btf::{KernelBtf, KernelMember};

/// State of a struct_ops map in the kernel (`enum bpf_struct_ops_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StructOpsState {
    /// `BPF_STRUCT_OPS_STATE_INIT`: created, not registered.
    Init,
    /// `BPF_STRUCT_OPS_STATE_INUSE`: registered and in use.
    InUse,
    /// `BPF_STRUCT_OPS_STATE_TOBEFREE`: unregistered, being freed.
    ToBeFree,
    /// `BPF_STRUCT_OPS_STATE_READY`: ready to be attached as a link.
    Ready,
    /// A state this crate does not know, by value.
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

/// The kernel's copy of a struct_ops map's value.
///
/// Read it through the skeleton
/// (`skel.struct_ops().read_<map>_from_kernel()`), which knows the map's
/// kernel struct and names the programs in its slots. `Send` and `Sync`:
/// a copy, owned.
#[derive(Clone, Debug)]
pub struct KernelStructOps {
    /// The map's state in the kernel.
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

/// The layout of `bpf_struct_ops_<struct_name>` in the running kernel.
fn layout(map: &str, struct_name: &str) -> Result<Arc<ValueLayout>, Error> {
    let bad = |what: String| Error::ReadBack {
        map: map.to_owned(),
        structure: struct_name.to_owned(),
        what,
        errno: None,
    };
    let kernel = KernelBtf::get().map_err(|e| bad(e.to_string()))?;
    value_layout(kernel, struct_name).map(Arc::new).map_err(bad)
}

fn value_layout(kernel: &KernelBtf, struct_name: &str) -> Result<ValueLayout, String> {
    let value_name = format!("bpf_struct_ops_{struct_name}");
    let ops = kernel.struct_ops(struct_name).ok_or_else(|| {
        format!("the running kernel's BTF has no `struct {struct_name}` with a `{value_name}`")
    })?;
    let data_offset = ops
        .value
        .offset_of("data")
        .ok_or_else(|| format!("`{value_name}` has no `data` member"))?;
    // 6.9+: struct bpf_struct_ops_common_value common { refcnt; state; }
    let state_offset = ops.value.offset_of("state").or_else(|| {
        let (at, common) = ops.value.member_struct("common")?;
        Some(at + common.offset_of("state")?)
    });
    let members = ops.data.members();
    let by_name = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.name.clone(), i))
        .collect();
    Ok(ValueLayout {
        state_offset,
        data_offset,
        data_size: ops.data.size(),
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
    /// Looks up the value of struct_ops map `map` (a loaded, registered
    /// map: a [`MapHandle`](crate::MapHandle), a libbpf-rs map, any map's
    /// file descriptor) whose kernel struct is `struct_name`. Prefer the
    /// skeleton's `struct_ops.<map>_kernel()`, which knows the struct and
    /// names the programs in the slots; this serves maps from elsewhere.
    pub fn read(map: impl AsFd, struct_name: &str) -> Result<Self, Error> {
        let fd = map.as_fd().as_raw_fd();
        let (name, info) = crate::map::kernel_map_info(fd).map_err(|errno| Error::ReadBack {
            map: format!("fd {fd}"),
            structure: struct_name.to_owned(),
            what: format!("the kernel says nothing of the map: {errno}"),
            errno: Some(errno),
        })?;
        read_value(&name, fd, info.value_size as usize, struct_name, vec![])
    }

    /// The member `name` of the kernel struct, as the kernel's BTF lays it out.
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
        // The kernel's memory, in the machine's byte order.
        Some(match b.len() {
            1 => u64::from(b[0]),
            2 => u64::from(u16::from_ne_bytes([b[0], b[1]])),
            4 => u64::from(u32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
            8 => u64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
            _ => {
                let mut full = [0u8; 8];
                if cfg!(target_endian = "big") {
                    full[8 - b.len()..].copy_from_slice(b);
                } else {
                    full[..b.len()].copy_from_slice(b);
                }
                u64::from_ne_bytes(full)
            }
        })
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

/// Reads back struct_ops map `map` (named `name`, filling kernel struct
/// `struct_name`) of a loaded object, with the skeleton's programs by id.
pub(crate) fn read_map(
    name: &str,
    map: NonNull<bpf_map>,
    struct_name: &str,
    programs: Vec<(u32, &'static str)>,
) -> Result<KernelStructOps, Error> {
    let (fd, value_size) = map_fd(map);
    read_value(name, fd, value_size, struct_name, programs)
}
