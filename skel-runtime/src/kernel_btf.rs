//! [`KernelBtf`]: the running kernel's BTF, read once per process, and the
//! questions a program shipped to many kernels asks of it: does a struct
//! (or one of its members) exist, what is an enum constant's value, is a
//! kfunc there.
//!
//! vmlinux BTF is read from `/sys/kernel/btf/vmlinux` (or, where sysfs
//! lacks it, wherever libbpf finds the kernel's BTF), parsed once, and
//! kept for the life of the process. Module BTF (`/sys/kernel/btf/<module>`,
//! split BTF on top of vmlinux) is read the first time a question finds no
//! answer in vmlinux, as libbpf looks for struct_ops types and kfuncs in
//! modules after vmlinux.
//!
//! The reader is our own, in safe Rust (`kernel_btf/raw.rs`), rather than
//! libbpf's `struct btf` through FFI: libbpf-rs cannot open split (module)
//! BTF, and a parsed libbpf `btf` is neither `Send` nor `Sync`, so sharing
//! one cache between threads would need a lock around every question.
//! Parsing the kernel's BTF (a few MB) takes a few milliseconds.

mod raw;

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use raw::{MAX_CHAIN, Raw, Ty, kind};

use crate::error::{Error, Result};

/// Where the running kernel publishes its BTF.
const SYSFS_BTF: &str = "/sys/kernel/btf";

/// One member of a kernel struct or union, as BTF lays it out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelMember {
    pub name: String,
    /// Byte offset in the struct.
    pub offset: usize,
    /// Size in bytes (0 when BTF gives none, e.g. a flexible array).
    pub size: usize,
    /// A function pointer: in a struct_ops value read back, the id of the
    /// program in it (0: none).
    pub is_func_ptr: bool,
}

/// An enum constant of the running kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KernelEnumValue {
    /// The enum's name; empty for an anonymous enum.
    pub enum_name: String,
    /// The value, exactly: 64-bit values (`ENUM64`) and signed ones (the
    /// enum's BTF `kind_flag`) are both held without loss.
    pub value: i128,
    /// The enum's size in bytes.
    pub size: u32,
    /// Whether BTF marks the enum signed.
    pub signed: bool,
    /// The kernel module whose BTF defines it; `None` for vmlinux.
    pub module: Option<String>,
}

impl KernelEnumValue {
    /// The value as C stores it in a `u64` (what sched_ext's compat
    /// helpers return): negative values in two's complement.
    pub fn as_u64(&self) -> u64 {
        self.value as u64
    }
}

/// The running kernel's BTF: vmlinux, and module BTF on demand.
///
/// ```no_run
/// let kernel = skel_runtime::KernelBtf::get()?;
/// if kernel.member("sched_ext_ops", "dump").is_none() { /* older kernel */ }
/// let dsq = kernel.enum_value("scx_dsq_id_flags", "SCX_DSQ_LOCAL");
/// let has = kernel.has_kfunc("scx_bpf_dsq_insert");
/// # Ok::<(), skel_runtime::Error>(())
/// ```
pub struct KernelBtf {
    vmlinux: Blob,
    /// Where module BTF is read from; `None`: no modules.
    module_dir: Option<PathBuf>,
    modules: OnceLock<Vec<Module>>,
    /// The kernel marks its kfuncs with `bpf_kfunc` declaration tags
    /// (pahole 1.26 and later).
    tags_kfuncs: bool,
}

impl std::fmt::Debug for KernelBtf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KernelBtf")
            .field("vmlinux_types", &(self.vmlinux.raw.end_id() - 1))
            .field("modules", &self.modules.get().map(Vec::len))
            .finish_non_exhaustive()
    }
}

struct Module {
    name: String,
    blob: Blob,
}

/// One parsed BTF blob and its name index.
struct Blob {
    raw: Raw,
    /// Ids of the named structs, unions, enums, funcs and vars, sorted by
    /// name.
    by_name: Vec<u32>,
    /// Ids of the funcs carrying a `bpf_kfunc` declaration tag, sorted.
    kfuncs: Vec<u32>,
    /// Every enumerator as (enum id, index), sorted by name; built on the
    /// first enum question.
    enumerators: OnceLock<Vec<(u32, u32)>>,
}

/// Types of a base blob plus, for a module, its split blob.
#[derive(Clone, Copy)]
struct View<'a> {
    base: &'a Raw,
    split: Option<&'a Raw>,
}

impl<'a> View<'a> {
    fn ty(self, id: u32) -> Option<Ty<'a>> {
        match self.split {
            Some(s) if id >= s.first_id => s.ty(id),
            _ => self.base.ty(id),
        }
    }

    fn str(self, off: u32) -> &'a str {
        let found = match self.split {
            Some(s) if off >= s.str_base => s.own_str(off - s.str_base),
            _ => self.base.own_str(off),
        };
        found.unwrap_or("")
    }

    /// The id after skipping typedefs and modifiers.
    fn skip_mods(self, mut id: u32) -> Option<(u32, Ty<'a>)> {
        for _ in 0..MAX_CHAIN {
            let t = self.ty(id)?;
            match t.kind {
                kind::TYPEDEF | kind::VOLATILE | kind::CONST | kind::RESTRICT | kind::TYPE_TAG => {
                    id = t.size_or_type
                }
                _ => return Some((id, t)),
            }
        }
        None
    }

    /// The size of type `id` in bytes, as `btf__resolve_size` gives it.
    fn size(self, id: u32) -> Option<u64> {
        let mut id = id;
        let mut count: u64 = 1;
        for _ in 0..MAX_CHAIN {
            let t = self.ty(id)?;
            match t.kind {
                kind::INT
                | kind::STRUCT
                | kind::UNION
                | kind::ENUM
                | kind::ENUM64
                | kind::FLOAT
                | kind::DATASEC => return count.checked_mul(t.size_or_type.into()),
                kind::PTR => return count.checked_mul(std::mem::size_of::<usize>() as u64),
                kind::TYPEDEF
                | kind::VOLATILE
                | kind::CONST
                | kind::RESTRICT
                | kind::TYPE_TAG
                | kind::VAR
                | kind::DECL_TAG => id = t.size_or_type,
                kind::ARRAY => {
                    // struct btf_array { type; index_type; nelems; }
                    let [elem, _, n] = t.words(0, 12)?;
                    count = count.checked_mul(n.into())?;
                    id = elem;
                }
                _ => return None,
            }
        }
        None
    }

    fn is_func_ptr(self, id: u32) -> bool {
        match self.skip_mods(id) {
            Some((_, t)) if t.kind == kind::PTR => self
                .skip_mods(t.size_or_type)
                .is_some_and(|(_, p)| p.kind == kind::FUNC_PROTO),
            _ => false,
        }
    }

    /// Every member of struct or union `t`: (name, type, bit offset, bitfield).
    fn members(self, t: Ty<'a>) -> impl Iterator<Item = (&'a str, u32, u32, bool)> + 'a {
        (0..usize::from(t.vlen)).filter_map(move |i| {
            let [name, ty, offset] = t.words(i, 12)?;
            let (bit_offset, bitfield) = if t.kflag {
                (offset & 0xff_ffff, offset >> 24 != 0)
            } else {
                (offset, false)
            };
            Some((self.str(name), ty, bit_offset, bitfield))
        })
    }

    /// Enumerator `i` of enum `t`: (name, value).
    fn enumerator(self, t: Ty<'a>, i: usize) -> Option<(&'a str, i128)> {
        if t.kind == kind::ENUM64 {
            let [name, lo, hi] = t.words(i, 12)?;
            let bits = u64::from(hi) << 32 | u64::from(lo);
            let value = if t.kflag {
                i128::from(bits as i64)
            } else {
                i128::from(bits)
            };
            Some((self.str(name), value))
        } else {
            let [name, val, _] = t.words(i, 8)?;
            let value = if t.kflag {
                i128::from(val as i32)
            } else {
                i128::from(val)
            };
            Some((self.str(name), value))
        }
    }
}

/// Is a type of this kind found by name?
fn indexed(kind: u8) -> bool {
    matches!(
        kind,
        kind::STRUCT | kind::UNION | kind::ENUM | kind::ENUM64 | kind::FUNC | kind::VAR
    )
}

impl Blob {
    /// Indexes `raw`, whose names `view` resolves (a split blob needs its
    /// base for names).
    fn new(raw: Raw, base: Option<&Raw>) -> Blob {
        let (by_name, kfuncs) = {
            let view = match base {
                Some(base) => View {
                    base,
                    split: Some(&raw),
                },
                None => View {
                    base: &raw,
                    split: None,
                },
            };
            let mut by_name = vec![];
            let mut kfuncs = vec![];
            for (id, t) in raw.iter() {
                if indexed(t.kind) && t.name_off != 0 {
                    by_name.push((view.str(t.name_off), id));
                } else if t.kind == kind::DECL_TAG
                    && view.str(t.name_off) == "bpf_kfunc"
                    && t.words(0, 4).is_some_and(|[c, _, _]| c == u32::MAX)
                {
                    kfuncs.push(t.size_or_type);
                }
            }
            by_name.sort_unstable();
            kfuncs.sort_unstable();
            (by_name.into_iter().map(|(_, id)| id).collect(), kfuncs)
        };
        Blob {
            raw,
            by_name,
            kfuncs,
            enumerators: OnceLock::new(),
        }
    }

    /// The ids named `name` (any indexed kind).
    fn named<'s>(&'s self, view: View<'s>, name: &str) -> &'s [u32] {
        let key = |id: u32| view.ty(id).map(|t| view.str(t.name_off)).unwrap_or("");
        let start = self.by_name.partition_point(|&id| key(id) < name);
        let len = self.by_name[start..].partition_point(|&id| key(id) == name);
        &self.by_name[start..start + len]
    }

    /// Every enumerator named `name`, as (enum id, index).
    fn enumerators<'s>(&'s self, view: View<'s>, name: &str) -> &'s [(u32, u32)] {
        let all = self.enumerators.get_or_init(|| {
            let mut all = vec![];
            for (id, t) in self.raw.iter() {
                if matches!(t.kind, kind::ENUM | kind::ENUM64) {
                    all.extend((0..u32::from(t.vlen)).filter_map(|i| {
                        let (name, _) = view.enumerator(t, i as usize)?;
                        Some((name, id, i))
                    }));
                }
            }
            all.sort_unstable();
            all.into_iter().map(|(_, id, i)| (id, i)).collect()
        });
        let key = |e: &(u32, u32)| {
            view.ty(e.0)
                .and_then(|t| view.enumerator(t, e.1 as usize))
                .map(|(n, _)| n)
                .unwrap_or("")
        };
        let start = all.partition_point(|e| key(e).cmp(name) == Ordering::Less);
        let len = all[start..].partition_point(|e| key(e) == name);
        &all[start..start + len]
    }
}

/// A struct or union found in one blob.
#[derive(Clone, Copy)]
pub(crate) struct StructRef<'a> {
    view: View<'a>,
    ty: Ty<'a>,
}

impl<'a> StructRef<'a> {
    /// Whether it has a member named `name` (bitfields and anonymous
    /// members included; names of members inside anonymous members are
    /// not this struct's, as libbpf matches struct_ops members).
    pub(crate) fn has_member(&self, name: &str) -> bool {
        self.view.members(self.ty).any(|(n, ..)| n == name)
    }

    /// Its size in bytes.
    pub(crate) fn size(&self) -> usize {
        self.ty.size_or_type as usize
    }

    /// Its named members that are not bitfields, in BTF order.
    pub(crate) fn members(&self) -> Vec<KernelMember> {
        let view = self.view;
        view.members(self.ty)
            .filter(|(name, _, _, bitfield)| !name.is_empty() && !bitfield)
            .map(|(name, ty, bit_offset, _)| KernelMember {
                name: name.to_owned(),
                offset: bit_offset as usize / 8,
                size: view.size(ty).unwrap_or(0) as usize,
                is_func_ptr: view.is_func_ptr(ty),
            })
            .collect()
    }

    /// Member `name` and its type, for looking into it.
    pub(crate) fn member_struct(&self, name: &str) -> Option<(usize, StructRef<'a>)> {
        let (_, ty, bit_offset, _) = self.view.members(self.ty).find(|(n, ..)| *n == name)?;
        let (_, t) = self.view.skip_mods(ty)?;
        matches!(t.kind, kind::STRUCT | kind::UNION).then_some((
            bit_offset as usize / 8,
            StructRef {
                view: self.view,
                ty: t,
            },
        ))
    }

    /// The byte offset of member `name`.
    pub(crate) fn offset_of(&self, name: &str) -> Option<usize> {
        self.view
            .members(self.ty)
            .find(|(n, ..)| *n == name)
            .map(|(_, _, bit_offset, _)| bit_offset as usize / 8)
    }
}

static KERNEL: OnceLock<KernelBtf> = OnceLock::new();
static LOADING: Mutex<()> = Mutex::new(());

impl KernelBtf {
    /// The running kernel's BTF, parsed on the first call and kept for the
    /// life of the process. An error (no BTF, unreadable) is not kept: the
    /// next call tries again.
    pub fn get() -> Result<&'static KernelBtf> {
        if let Some(kernel) = KERNEL.get() {
            return Ok(kernel);
        }
        let _one_at_a_time = LOADING.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(kernel) = KERNEL.get() {
            return Ok(kernel);
        }
        let (bytes, source) = vmlinux_bytes()?;
        let kernel = KernelBtf::parse(bytes, Some(Path::new(SYSFS_BTF))).map_err(|what| {
            Error::KernelBtf {
                what: format!("{source}: {what}"),
            }
        })?;
        Ok(KERNEL.get_or_init(|| kernel))
    }

    /// Parses vmlinux BTF from `bytes` (a BTF file such as
    /// `/sys/kernel/btf/vmlinux`, or the `.BTF` section of a vmlinux),
    /// with module BTF read on demand from the directory `modules` (files
    /// named after their module, as in `/sys/kernel/btf`), or none.
    pub fn from_bytes(bytes: Vec<u8>, modules: Option<&Path>) -> Result<KernelBtf> {
        KernelBtf::parse(bytes, modules).map_err(|what| Error::KernelBtf {
            what: format!("BTF given as bytes: {what}"),
        })
    }

    fn parse(bytes: Vec<u8>, modules: Option<&Path>) -> Result<KernelBtf, String> {
        let vmlinux = Blob::new(Raw::parse(bytes, None)?, None);
        let tags_kfuncs = !vmlinux.kfuncs.is_empty();
        Ok(KernelBtf {
            vmlinux,
            module_dir: modules.map(Path::to_owned),
            modules: OnceLock::new(),
            tags_kfuncs,
        })
    }

    fn vmlinux_view(&self) -> View<'_> {
        View {
            base: &self.vmlinux.raw,
            split: None,
        }
    }

    /// Module BTF, read on the first call. Files that do not parse as
    /// split BTF on this vmlinux are left out.
    fn modules(&self) -> &[Module] {
        self.modules.get_or_init(|| {
            let Some(dir) = &self.module_dir else {
                return vec![];
            };
            let Ok(entries) = std::fs::read_dir(dir) else {
                return vec![];
            };
            let base = (self.vmlinux.raw.end_id() - 1, self.vmlinux.raw.str_len());
            let mut modules: Vec<Module> = entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().into_string().ok()?;
                    if name == "vmlinux" {
                        return None;
                    }
                    let raw = Raw::parse(std::fs::read(e.path()).ok()?, Some(base)).ok()?;
                    Some(Module {
                        name,
                        blob: Blob::new(raw, Some(&self.vmlinux.raw)),
                    })
                })
                .collect();
            modules.sort_by(|a, b| a.name.cmp(&b.name));
            modules
        })
    }

    /// vmlinux, then (only if `found` says vmlinux had nothing) each
    /// module: the first non-empty answer.
    fn search<'s, T>(
        &'s self,
        mut ask: impl FnMut(View<'s>, &'s Blob, Option<&'s str>) -> Option<T>,
    ) -> Option<T> {
        if let Some(found) = ask(self.vmlinux_view(), &self.vmlinux, None) {
            return Some(found);
        }
        self.modules().iter().find_map(|m| {
            let view = View {
                base: &self.vmlinux.raw,
                split: Some(&m.blob.raw),
            };
            ask(view, &m.blob, Some(&m.name))
        })
    }

    /// The first type named `name` of kind `k` (vmlinux first).
    fn find(&self, name: &str, k: u8) -> Option<(View<'_>, Ty<'_>, Option<&str>)> {
        self.search(|view, blob, module| {
            blob.named(view, name)
                .iter()
                .filter_map(|&id| view.ty(id))
                .find(|t| t.kind == k)
                .map(|t| (view, t, module))
        })
    }

    /// Struct or union `name` (structs first).
    pub(crate) fn composite(&self, name: &str) -> Option<StructRef<'_>> {
        self.find(name, kind::STRUCT)
            .or_else(|| self.find(name, kind::UNION))
            .map(|(view, ty, _)| StructRef { view, ty })
    }

    /// Does the kernel have `struct name` (a definition, not a forward
    /// declaration)?
    pub fn has_struct(&self, name: &str) -> bool {
        self.find(name, kind::STRUCT).is_some()
    }

    /// Does the kernel have `union name`?
    pub fn has_union(&self, name: &str) -> bool {
        self.find(name, kind::UNION).is_some()
    }

    /// The named members of struct (or union) `name`, in BTF order, with
    /// byte offsets and sizes; bitfields are left out. `None` when the
    /// kernel has no such type.
    pub fn struct_members(&self, name: &str) -> Option<Vec<KernelMember>> {
        self.composite(name).map(|s| s.members())
    }

    /// Member `member` of struct (or union) `name`: its offset and size.
    /// `None` when the type or the member is missing (or is a bitfield).
    pub fn member(&self, name: &str, member: &str) -> Option<KernelMember> {
        self.struct_members(name)?
            .into_iter()
            .find(|m| m.name == member)
    }

    /// Is `kernel_struct` a struct_ops type of the running kernel: does it
    /// have `struct kernel_struct` and the value type
    /// `struct bpf_struct_ops_<kernel_struct>` libbpf registers it by?
    pub fn has_struct_ops(&self, kernel_struct: &str) -> bool {
        self.struct_ops(kernel_struct).is_some()
    }

    /// Struct_ops type `kernel_struct`: the struct, in the blob that also
    /// holds its `bpf_struct_ops_` value type (as libbpf finds it).
    pub(crate) fn struct_ops(&self, kernel_struct: &str) -> Option<StructOps<'_>> {
        let value = format!("bpf_struct_ops_{kernel_struct}");
        self.search(|view, blob, _| {
            let find = |name: &str| {
                blob.named(view, name)
                    .iter()
                    .filter_map(|&id| view.ty(id))
                    .find(|t| t.kind == kind::STRUCT)
            };
            Some(StructOps {
                data: StructRef {
                    view,
                    ty: find(kernel_struct)?,
                },
                value: StructRef {
                    view,
                    ty: find(&value)?,
                },
            })
        })
    }

    /// Constant `constant` of enum `enum_name` (`scx_dsq_id_flags`, no
    /// `enum` keyword), vmlinux first.
    pub fn enum_value(&self, enum_name: &str, constant: &str) -> Option<KernelEnumValue> {
        self.search(|view, blob, module| {
            blob.named(view, enum_name)
                .iter()
                .filter_map(|&id| view.ty(id))
                .filter(|t| matches!(t.kind, kind::ENUM | kind::ENUM64))
                .find_map(|t| {
                    (0..usize::from(t.vlen))
                        .filter_map(|i| view.enumerator(t, i))
                        .find(|(n, _)| *n == constant)
                        .map(|(_, value)| enum_value(view, t, value, module))
                })
        })
    }

    /// Every enum constant named `constant`, whatever its enum (anonymous
    /// ones included), from vmlinux, or from modules if vmlinux has none.
    /// Usually one; several enums may define the same name, with
    /// different values.
    pub fn enumerators(&self, constant: &str) -> Vec<KernelEnumValue> {
        self.search(|view, blob, module| {
            let found: Vec<KernelEnumValue> = blob
                .enumerators(view, constant)
                .iter()
                .filter_map(|&(id, i)| {
                    let t = view.ty(id)?;
                    let (_, value) = view.enumerator(t, i as usize)?;
                    Some(enum_value(view, t, value, module))
                })
                .collect();
            (!found.is_empty()).then_some(found)
        })
        .unwrap_or_default()
    }

    /// Does the kernel offer kfunc `name`? A function in its BTF (vmlinux
    /// or a module: what libbpf resolves a `__ksym` function against),
    /// and, on kernels whose BTF marks kfuncs (a `bpf_kfunc` declaration
    /// tag, pahole 1.26 and later), one marked so. Whether a given program
    /// type may call it is the verifier's decision.
    pub fn has_kfunc(&self, name: &str) -> bool {
        self.search(|view, blob, _| {
            blob.named(view, name)
                .iter()
                .find(|&&id| {
                    view.ty(id).is_some_and(|t| t.kind == kind::FUNC)
                        && (!self.tags_kfuncs || blob.kfuncs.binary_search(&id).is_ok())
                })
                .map(|_| ())
        })
        .is_some()
    }

    /// Does the kernel's BTF know symbol `name`, as a function or a
    /// variable (what libbpf resolves typed `__ksym` externs against)?
    pub fn has_ksym(&self, name: &str) -> bool {
        self.search(|view, blob, _| {
            blob.named(view, name)
                .iter()
                .find(|&&id| {
                    view.ty(id)
                        .is_some_and(|t| matches!(t.kind, kind::FUNC | kind::VAR))
                })
                .map(|_| ())
        })
        .is_some()
    }
}

/// A struct_ops type: the kernel struct and its `bpf_struct_ops_` value.
pub(crate) struct StructOps<'a> {
    pub data: StructRef<'a>,
    pub value: StructRef<'a>,
}

fn enum_value(view: View<'_>, t: Ty<'_>, value: i128, module: Option<&str>) -> KernelEnumValue {
    KernelEnumValue {
        enum_name: view.str(t.name_off).to_owned(),
        value,
        size: t.size_or_type,
        signed: t.kflag,
        module: module.map(str::to_owned),
    }
}

/// vmlinux BTF bytes and where they came from: sysfs, else wherever
/// libbpf finds the kernel's BTF (`/boot/vmlinux-<release>`, ...).
fn vmlinux_bytes() -> Result<(Vec<u8>, String)> {
    let path = Path::new(SYSFS_BTF).join("vmlinux");
    match std::fs::read(&path) {
        Ok(bytes) => return Ok((bytes, path.display().to_string())),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(Error::KernelBtf {
                what: format!("cannot read {}: {e}", path.display()),
            });
        }
        Err(_) => {}
    }
    // SAFETY: libbpf allocates a btf (or returns null and sets errno); we
    // copy its raw data and free it.
    unsafe {
        let btf = libbpf_sys::btf__load_vmlinux_btf();
        if btf.is_null() {
            return Err(Error::KernelBtf {
                what: format!(
                    "the running kernel has no BTF: no {} and libbpf found none elsewhere \
                     ({}); kernels need CONFIG_DEBUG_INFO_BTF",
                    path.display(),
                    crate::errno::last_errno()
                ),
            });
        }
        let mut size = 0u32;
        let data = libbpf_sys::btf__raw_data(btf, &raw mut size);
        let bytes = if data.is_null() {
            vec![]
        } else {
            std::slice::from_raw_parts(data.cast::<u8>(), size as usize).to_vec()
        };
        libbpf_sys::btf__free(btf);
        Ok((bytes, "the kernel BTF libbpf found".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small BTF writer: types as (kind, name, vlen, kflag, size_or_type,
    /// extra words).
    #[derive(Default)]
    struct Writer {
        strs: Vec<u8>,
        types: Vec<u8>,
        count: u32,
    }

    impl Writer {
        fn new() -> Writer {
            Writer {
                strs: vec![0],
                ..Writer::default()
            }
        }

        fn str(&mut self, s: &str) -> u32 {
            if s.is_empty() {
                return 0;
            }
            let off = self.strs.len() as u32;
            self.strs.extend_from_slice(s.as_bytes());
            self.strs.push(0);
            off
        }

        fn ty(&mut self, k: u8, name: &str, kflag: bool, sz: u32, extra: &[u32]) -> u32 {
            self.ty_vlen(k, name, 0, kflag, sz, extra)
        }

        fn ty_vlen(
            &mut self,
            k: u8,
            name: &str,
            vlen: u16,
            kflag: bool,
            sz: u32,
            extra: &[u32],
        ) -> u32 {
            let name = self.str(name);
            let info = u32::from(kflag) << 31 | u32::from(k) << 24 | u32::from(vlen);
            for w in [name, info, sz].iter().chain(extra) {
                self.types.extend_from_slice(&w.to_ne_bytes());
            }
            self.count += 1;
            self.count
        }

        fn bytes(&self) -> Vec<u8> {
            let mut out = vec![];
            out.extend_from_slice(&0xeb9fu16.to_ne_bytes());
            out.extend_from_slice(&[1, 0]);
            for w in [
                24u32,
                0,
                self.types.len() as u32,
                self.types.len() as u32,
                self.strs.len() as u32,
            ] {
                out.extend_from_slice(&w.to_ne_bytes());
            }
            out.extend_from_slice(&self.types);
            out.extend_from_slice(&self.strs);
            out
        }
    }

    fn sample() -> KernelBtf {
        let mut w = Writer::new();
        let int = w.ty(kind::INT, "int", false, 4, &[32]); // 1
        let u64_ = w.ty(kind::INT, "u64", false, 8, &[64]); // 2
        let proto = w.ty_vlen(kind::FUNC_PROTO, "", 0, false, int, &[]); // 3
        let ptr = w.ty(kind::PTR, "", false, proto, &[]); // 4
        let cptr = w.ty(kind::CONST, "", false, ptr, &[]); // 5
        let arr = w.ty(kind::ARRAY, "", false, 0, &[u64_, int, 2]); // 6: u64[2]
        let (f, c, a, b, d) = (
            w.str("fn"),
            w.str("count"),
            w.str("arr"),
            w.str("bits"),
            w.str("data"),
        );
        // (name, type, offset): the last a 3-bit bitfield at bit 288.
        let members = [
            [f, cptr, 0],
            [c, u64_, 64],
            [a, arr, 128],
            [b, int, (3 << 24) | 288],
        ]
        .concat();
        let ops = w.ty_vlen(kind::STRUCT, "my_ops", 4, true, 40, &members); // 7
        let _ = w.ty_vlen(
            kind::STRUCT,
            "bpf_struct_ops_my_ops",
            1,
            false,
            40,
            &[d, ops, 64],
        ); // 8
        let (e1, e2) = (w.str("NEG"), w.str("BIG"));
        w.ty_vlen(kind::ENUM, "signed_e", 1, true, 4, &[e1, (-5i32) as u32]);
        w.ty_vlen(
            kind::ENUM64,
            "",
            1,
            false,
            8,
            &[e2, 0xffff_ffe0, 0xffff_ffff],
        );
        let dup = w.str("DUP");
        w.ty_vlen(kind::ENUM, "a", 1, false, 4, &[dup, 1]);
        w.ty_vlen(kind::ENUM, "b", 1, false, 4, &[dup, 2]);
        let kf = w.ty(kind::FUNC, "my_kfunc", false, proto, &[]);
        w.ty(kind::DECL_TAG, "bpf_kfunc", false, kf, &[u32::MAX]);
        w.ty(kind::FUNC, "plain_fn", false, proto, &[]);
        w.ty(kind::VAR, "per_cpu_var", false, int, &[1]);
        KernelBtf::from_bytes(w.bytes(), None).unwrap()
    }

    #[test]
    fn structs_members_and_struct_ops() {
        let k = sample();
        assert!(k.has_struct("my_ops") && !k.has_union("my_ops") && !k.has_struct("nope"));
        assert!(k.has_struct_ops("my_ops"));
        assert!(!k.has_struct_ops("bpf_struct_ops_my_ops"));
        let m = k.struct_members("my_ops").unwrap();
        let got: Vec<_> = m
            .iter()
            .map(|m| (m.name.as_str(), m.offset, m.size, m.is_func_ptr))
            .collect();
        assert_eq!(
            got,
            [
                ("fn", 0, 8, true),
                ("count", 8, 8, false),
                ("arr", 16, 16, false)
            ]
        );
        assert_eq!(k.member("my_ops", "arr").unwrap().size, 16);
        assert!(
            k.member("my_ops", "bits").is_none(),
            "bitfields are left out"
        );
        let s = k.struct_ops("my_ops").unwrap();
        assert!(s.data.has_member("bits") && !s.data.has_member("other"));
        assert_eq!(s.value.offset_of("data"), Some(8));
    }

    #[test]
    fn enum_values_keep_sign_and_width() {
        let k = sample();
        let neg = k.enum_value("signed_e", "NEG").unwrap();
        assert_eq!((neg.value, neg.signed, neg.size), (-5, true, 4));
        let big = &k.enumerators("BIG")[0];
        assert_eq!(big.value, 0xffff_ffff_ffff_ffe0);
        assert_eq!(big.enum_name, "");
        assert_eq!(big.as_u64(), 0xffff_ffff_ffff_ffe0);
        assert_eq!(neg.as_u64(), (-5i64) as u64);
        let dups: Vec<i128> = k.enumerators("DUP").iter().map(|e| e.value).collect();
        assert_eq!(dups, [1, 2]);
        assert!(k.enumerators("NONE").is_empty());
        assert!(k.enum_value("signed_e", "BIG").is_none());
    }

    #[test]
    fn kfuncs_and_ksyms() {
        let k = sample();
        assert!(k.has_kfunc("my_kfunc"));
        assert!(
            !k.has_kfunc("plain_fn"),
            "this BTF tags kfuncs; plain_fn has no tag"
        );
        assert!(k.has_ksym("plain_fn") && k.has_ksym("per_cpu_var") && !k.has_ksym("none"));
    }

    #[test]
    fn modules_are_split_btf_read_on_demand() {
        let base = sample();
        let dir = std::env::temp_dir().join(format!("skel-kbtf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Split BTF: ids continue after the base's, strings after its
        // string section.
        let base_types = base.vmlinux.raw.end_id() - 1;
        let base_strs = base.vmlinux.raw.str_len();
        let mut w = Writer::new();
        w.strs.clear();
        let w_str = |w: &mut Writer, s: &str| w.str(s) + base_strs;
        let name = w_str(&mut w, "mod_ops");
        let member = w_str(&mut w, "count");
        let info = u32::from(kind::STRUCT) << 24 | 1;
        for word in [name, info, 8, member, 2, 0] {
            w.types.extend_from_slice(&word.to_ne_bytes());
        }
        let kf = w_str(&mut w, "mod_kfunc");
        let tag = w_str(&mut w, "bpf_kfunc");
        let first = base_types + 1;
        for word in [kf, u32::from(kind::FUNC) << 24, 3] {
            w.types.extend_from_slice(&word.to_ne_bytes());
        }
        for word in [tag, u32::from(kind::DECL_TAG) << 24, first + 1, u32::MAX] {
            w.types.extend_from_slice(&word.to_ne_bytes());
        }
        std::fs::write(dir.join("my_mod"), w.bytes()).unwrap();
        std::fs::write(dir.join("garbage"), b"not btf").unwrap();
        let mut bytes = vec![];
        bytes.extend_from_slice(&base.vmlinux.raw_bytes());
        let k = KernelBtf::from_bytes(bytes, Some(&dir)).unwrap();
        assert!(
            k.modules.get().is_none(),
            "not read before a question needs it"
        );
        assert!(k.has_struct("my_ops"));
        assert!(k.modules.get().is_none(), "vmlinux answered");
        let m = k.struct_members("mod_ops").unwrap();
        assert_eq!((m[0].name.as_str(), m[0].size), ("count", 8));
        assert!(k.has_kfunc("mod_kfunc"));
        assert_eq!(k.modules().len(), 1, "the file that is no BTF is left out");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn malformed_btf_is_an_error_not_a_panic() {
        let good = sample().vmlinux.raw_bytes();
        for cut in [0, 3, 10, 23, 30, good.len() - 1] {
            let _ = KernelBtf::from_bytes(good[..cut].to_vec(), None);
        }
        let mut bad_kind = good.clone();
        bad_kind[24 + 7] = 0x1f; // the first type's kind: 31
        let err = KernelBtf::from_bytes(bad_kind, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown kind 31"), "{err}");
        let mut swapped = good.clone();
        swapped.swap(0, 1);
        let err = KernelBtf::from_bytes(swapped, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("other byte order"), "{err}");
    }

    impl Blob {
        fn raw_bytes(&self) -> Vec<u8> {
            self.raw.bytes().to_vec()
        }
    }
}
