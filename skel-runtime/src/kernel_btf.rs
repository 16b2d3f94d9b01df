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
//! The reader is skel-btf (safe Rust, the one skel-builder uses), rather
//! than libbpf's `struct btf` through FFI: libbpf-rs cannot open split
//! (module) BTF, and a parsed libbpf `btf` is neither `Send` nor `Sync`, so
//! sharing one cache between threads would need a lock around every
//! question. Parsing the kernel's BTF (a few MB) takes a few milliseconds;
//! the name indexes here are built once per blob.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use skel_btf::{Btf, BtfTypeId, Composite, EnumValue, Kind, Type};

use crate::errno::Errno;
use crate::error::{Error, Result};
use crate::members::members_of;

/// Where the running kernel publishes its BTF.
const SYSFS_BTF: &str = "/sys/kernel/btf";

/// One member of a kernel struct or union, as BTF lays it out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelMember {
    /// The member's name (empty for an anonymous member).
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
///
/// `Send` and `Sync`: it owns the bytes it read; module BTF is loaded
/// once, behind a `OnceLock`, whichever thread asks first.
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
            .field("vmlinux_types", &(self.vmlinux.btf.len() - 1))
            .field("modules", &self.modules.get().map(Vec::len))
            .finish_non_exhaustive()
    }
}

struct Module {
    name: String,
    blob: Blob,
}

/// One parsed BTF blob (a module's on top of vmlinux) and its indexes of
/// its own types.
struct Blob {
    btf: Arc<Btf>,
    /// Ids of the named structs, unions, enums, funcs, vars and typedefs,
    /// sorted by name.
    by_name: Vec<BtfTypeId>,
    /// Ids of the funcs carrying a `bpf_kfunc` declaration tag, sorted.
    kfuncs: Vec<BtfTypeId>,
    /// Every enumerator as (enum id, index), sorted by name; built on the
    /// first enum question.
    enumerators: OnceLock<Vec<(BtfTypeId, u32)>>,
}

/// Is a type of this kind found by name?
fn indexed(kind: &Kind<'_>) -> bool {
    matches!(
        kind,
        Kind::Struct(_)
            | Kind::Union(_)
            | Kind::Enum { .. }
            | Kind::Func { .. }
            | Kind::Var { .. }
            | Kind::Typedef { .. }
    )
}

impl Blob {
    /// Indexes the own types of `btf`.
    fn new(btf: Arc<Btf>) -> Blob {
        let mut by_name = vec![];
        let mut kfuncs = vec![];
        for t in btf.own_types() {
            let kind = t.kind();
            if indexed(&kind) {
                if let Some(name) = t.name().filter(|n| !n.is_empty()) {
                    by_name.push((name, t.id()));
                }
            } else if let Kind::DeclTag {
                target,
                component_idx: -1,
            } = kind
                && t.name() == Some("bpf_kfunc")
            {
                kfuncs.push(target);
            }
        }
        by_name.sort_unstable();
        kfuncs.sort_unstable();
        let by_name = by_name.into_iter().map(|(_, id)| id).collect();
        Blob {
            btf,
            by_name,
            kfuncs,
            enumerators: OnceLock::new(),
        }
    }

    /// The types named `name` (any indexed kind).
    fn named(&self, name: &str) -> impl Iterator<Item = Type<'_>> + '_ {
        let key = |id: &BtfTypeId| self.btf.name(*id);
        let start = self.by_name.partition_point(|id| key(id) < name);
        let len = self.by_name[start..].partition_point(|id| key(id) == name);
        self.by_name[start..start + len]
            .iter()
            .map(|&id| self.btf.get(id))
    }

    /// Every enumerator named `name`, as (enum, enumerator).
    fn enumerators(&self, name: &str) -> impl Iterator<Item = (Type<'_>, EnumValue<'_>)> + '_ {
        let btf = &*self.btf;
        let enumerator = move |&(id, i): &(BtfTypeId, u32)| {
            let t = btf.get(id);
            match t.kind() {
                Kind::Enum { values, .. } => Some((t, values.get(i as usize)?)),
                _ => None,
            }
        };
        let all = self.enumerators.get_or_init(|| {
            let mut all = vec![];
            for t in btf.own_types() {
                if let Kind::Enum { values, .. } = t.kind() {
                    all.extend(
                        values
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (v.name(), t.id(), i as u32)),
                    );
                }
            }
            all.sort_unstable();
            all.into_iter().map(|(_, id, i)| (id, i)).collect()
        });
        let key = move |e: &(BtfTypeId, u32)| enumerator(e).map_or("", |(_, v)| v.name());
        let start = all.partition_point(|e| key(e).cmp(name) == Ordering::Less);
        let len = all[start..].partition_point(|e| key(e) == name);
        all[start..start + len].iter().filter_map(enumerator)
    }
}

/// A struct or union found in one blob.
#[derive(Clone, Copy)]
pub(crate) struct StructRef<'a> {
    btf: &'a Btf,
    composite: Composite<'a>,
}

impl<'a> StructRef<'a> {
    fn new(btf: &'a Btf, t: Type<'a>) -> Option<StructRef<'a>> {
        match t.kind() {
            Kind::Struct(composite) | Kind::Union(composite) => Some(StructRef { btf, composite }),
            _ => None,
        }
    }

    /// Whether it has a member named `name` (bitfields and anonymous
    /// members included; names of members inside anonymous members are
    /// not this struct's, as libbpf matches struct_ops members).
    pub(crate) fn has_member(&self, name: &str) -> bool {
        self.composite
            .members
            .iter()
            .any(|m| m.name() == Some(name))
    }

    /// Its size in bytes.
    pub(crate) fn size(&self) -> usize {
        self.composite.size as usize
    }

    /// Its named members that are not bitfields, in BTF order.
    pub(crate) fn members(&self) -> Vec<KernelMember> {
        members_of(self.btf, self.composite)
    }

    /// Member `name` and its type, for looking into it.
    pub(crate) fn member_struct(&self, name: &str) -> Option<(usize, StructRef<'a>)> {
        let m = self
            .composite
            .members
            .iter()
            .find(|m| m.name() == Some(name))?;
        let ty = self.btf.skip_modifiers(m.ty).ok()?;
        let inner = StructRef::new(self.btf, self.btf.get(ty))?;
        Some((m.bit_offset as usize / 8, inner))
    }

    /// The byte offset of member `name`.
    pub(crate) fn offset_of(&self, name: &str) -> Option<usize> {
        self.composite
            .members
            .iter()
            .find(|m| m.name() == Some(name))
            .map(|m| m.bit_offset as usize / 8)
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

    fn parse(bytes: Vec<u8>, modules: Option<&Path>) -> Result<KernelBtf, skel_btf::BtfError> {
        let vmlinux = Blob::new(Arc::new(Btf::parse(bytes)?));
        let tags_kfuncs = !vmlinux.kfuncs.is_empty();
        Ok(KernelBtf {
            vmlinux,
            module_dir: modules.map(Path::to_owned),
            modules: OnceLock::new(),
            tags_kfuncs,
        })
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
            let mut modules: Vec<Module> = entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().into_string().ok()?;
                    if name == "vmlinux" {
                        return None;
                    }
                    let bytes = std::fs::read(e.path()).ok()?;
                    let btf = Btf::parse_split(Arc::clone(&self.vmlinux.btf), bytes).ok()?;
                    Some(Module {
                        name,
                        blob: Blob::new(Arc::new(btf)),
                    })
                })
                .collect();
            modules.sort_by(|a, b| a.name.cmp(&b.name));
            modules
        })
    }

    /// vmlinux, then (only if vmlinux had nothing) each module: the first
    /// non-empty answer.
    fn search<'s, T>(
        &'s self,
        mut ask: impl FnMut(&'s Blob, Option<&'s str>) -> Option<T>,
    ) -> Option<T> {
        if let Some(found) = ask(&self.vmlinux, None) {
            return Some(found);
        }
        self.modules()
            .iter()
            .find_map(|m| ask(&m.blob, Some(&m.name)))
    }

    /// The first struct (`union`: union) named `name`, vmlinux first.
    fn find_composite(&self, name: &str, union: bool) -> Option<StructRef<'_>> {
        self.search(|blob, _| {
            blob.named(name)
                .find(|t| matches!(t.kind(), Kind::Union(_)) == union && t.kind().is_composite())
                .and_then(|t| StructRef::new(&blob.btf, t))
        })
    }

    /// Struct or union `name` (structs first).
    pub(crate) fn composite(&self, name: &str) -> Option<StructRef<'_>> {
        self.find_composite(name, false)
            .or_else(|| self.find_composite(name, true))
    }

    /// Does the kernel have `struct name` (a definition, not a forward
    /// declaration)?
    pub fn has_struct(&self, name: &str) -> bool {
        self.find_composite(name, false).is_some()
    }

    /// Does the kernel have `union name`?
    pub fn has_union(&self, name: &str) -> bool {
        self.find_composite(name, true).is_some()
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
        self.search(|blob, _| {
            let find = |name: &str| {
                blob.named(name)
                    .find(|t| matches!(t.kind(), Kind::Struct(_)))
                    .and_then(|t| StructRef::new(&blob.btf, t))
            };
            Some(StructOps {
                data: find(kernel_struct)?,
                value: find(&value)?,
            })
        })
    }

    /// Constant `constant` of enum `enum_name` (`scx_dsq_id_flags`, no
    /// `enum` keyword), vmlinux first.
    pub fn enum_value(&self, enum_name: &str, constant: &str) -> Option<KernelEnumValue> {
        self.search(|blob, module| {
            blob.named(enum_name).find_map(|t| match t.kind() {
                Kind::Enum { values, .. } => values
                    .iter()
                    .find(|v| v.name() == constant)
                    .map(|v| enum_value(t, v, module)),
                _ => None,
            })
        })
    }

    /// Every enum constant named `constant`, whatever its enum (anonymous
    /// ones included), from vmlinux, or from modules if vmlinux has none.
    /// Usually one; several enums may define the same name, with
    /// different values.
    pub fn enumerators(&self, constant: &str) -> Vec<KernelEnumValue> {
        self.search(|blob, module| {
            let found: Vec<KernelEnumValue> = blob
                .enumerators(constant)
                .map(|(t, v)| enum_value(t, v, module))
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
        self.search(|blob, _| {
            blob.named(name)
                .find(|t| {
                    matches!(t.kind(), Kind::Func { .. })
                        && (!self.tags_kfuncs || blob.kfuncs.binary_search(&t.id()).is_ok())
                })
                .map(|_| ())
        })
        .is_some()
    }

    /// Does the kernel's BTF have function `name` (vmlinux or a module)?
    /// What fentry, fexit and fmod_ret programs attach to (LSM programs to
    /// `bpf_lsm_<hook>`, iterators to `bpf_iter_<name>`), and what most
    /// functions a kprobe can attach to have; BTF leaves out a few that
    /// `/proc/kallsyms` lists.
    pub fn has_function(&self, name: &str) -> bool {
        self.search(|blob, _| {
            blob.named(name)
                .find(|t| matches!(t.kind(), Kind::Func { .. }))
                .map(|_| ())
        })
        .is_some()
    }

    /// Does the kernel have raw tracepoint `name` (`sched_switch`, what
    /// `raw_tp/` and `tp_btf/` programs attach to)? Its BTF has the
    /// typedef `btf_trace_<name>` for each (vmlinux or a module), which
    /// libbpf looks up for `tp_btf/` programs.
    pub fn has_raw_tracepoint(&self, name: &str) -> bool {
        let typedef = format!("btf_trace_{name}");
        self.search(|blob, _| {
            blob.named(&typedef)
                .find(|t| matches!(t.kind(), Kind::Typedef { .. }))
                .map(|_| ())
        })
        .is_some()
    }

    /// Does the kernel's BTF know symbol `name`, as a function or a
    /// variable (what libbpf resolves typed `__ksym` externs against)?
    pub fn has_ksym(&self, name: &str) -> bool {
        self.search(|blob, _| {
            blob.named(name)
                .find(|t| matches!(t.kind(), Kind::Func { .. } | Kind::Var { .. }))
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

fn enum_value(t: Type<'_>, v: EnumValue<'_>, module: Option<&str>) -> KernelEnumValue {
    let (size, signed) = match t.kind() {
        Kind::Enum { size, signed, .. } => (size, signed),
        _ => (0, v.signed),
    };
    KernelEnumValue {
        enum_name: t.name().unwrap_or("").to_owned(),
        value: v.exact(),
        size,
        signed,
        module: module.map(str::to_owned),
    }
}

/// The errno of the last failed call.
fn last_errno() -> Errno {
    Errno::new(
        std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EINVAL),
    )
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
                    last_errno()
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
    use skel_btf::BtfWriter;

    use super::*;

    fn sample_writer() -> BtfWriter {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true); // 1
        let u64_ = w.int("u64", 8, false); // 2
        let proto = w.func_proto(int, &[]); // 3
        let ptr = w.ptr(proto); // 4
        let cptr = w.const_(ptr); // 5
        let arr = w.array(u64_, int, 2); // 6: u64[2]
        // The last a 3-bit bitfield at bit 288.
        let ops = w.struct_(
            "my_ops",
            40,
            &[
                ("fn", cptr, 0, 0),
                ("count", u64_, 64, 0),
                ("arr", arr, 128, 0),
                ("bits", int, 288, 3),
            ],
        ); // 7
        w.struct_("bpf_struct_ops_my_ops", 40, &[("data", ops, 64, 0)]); // 8
        w.enum_("signed_e", 4, true, &[("NEG", -5)]);
        w.enum_("", 8, false, &[("BIG", 0xffff_ffff_ffff_ffe0_u64 as i64)]);
        w.enum_("a", 4, false, &[("DUP", 1)]);
        w.enum_("b", 4, false, &[("DUP", 2)]);
        let kf = w.func("my_kfunc", proto);
        w.decl_tag("bpf_kfunc", kf, -1);
        w.func("plain_fn", proto);
        w.var("per_cpu_var", int);
        let tp = w.ptr(proto);
        w.typedef("btf_trace_sched_switch", tp);
        w
    }

    fn sample() -> KernelBtf {
        KernelBtf::from_bytes(sample_writer().bytes(), None).unwrap()
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
        assert_eq!(s.data.size(), 40);
        let (at, inner) = s.value.member_struct("data").unwrap();
        assert_eq!((at, inner.offset_of("count")), (8, Some(8)));
        // The same members from a table read some other way.
        let btf = Btf::parse(sample_writer().bytes()).unwrap();
        assert_eq!(KernelMember::of_struct(&btf, "my_ops"), Some(m));
        assert_eq!(KernelMember::of_struct(&btf, "nope"), None);
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
        assert!(k.has_function("plain_fn") && k.has_function("my_kfunc"));
        assert!(!k.has_function("per_cpu_var") && !k.has_function("none"));
        assert!(k.has_raw_tracepoint("sched_switch"));
        assert!(!k.has_raw_tracepoint("btf_trace_sched_switch") && !k.has_raw_tracepoint("none"));
    }

    #[test]
    fn modules_are_split_btf_read_on_demand() {
        let base = sample_writer();
        let dir = std::env::temp_dir().join(format!("skel-kbtf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Split BTF: ids continue after the base's, strings after its
        // string section.
        let mut w = BtfWriter::split_of(&base);
        let u64_ = BtfTypeId(2);
        let proto = BtfTypeId(3);
        w.struct_("mod_ops", 8, &[("count", u64_, 0, 0)]);
        let kf = w.func("mod_kfunc", proto);
        w.decl_tag("bpf_kfunc", kf, -1);
        w.enum_("mod_e", 4, false, &[("MOD_ONLY", 7)]);
        std::fs::write(dir.join("my_mod"), w.bytes()).unwrap();
        std::fs::write(dir.join("garbage"), b"not btf").unwrap();
        let k = KernelBtf::from_bytes(base.bytes(), Some(&dir)).unwrap();
        assert!(
            k.modules.get().is_none(),
            "not read before a question needs it"
        );
        assert!(k.has_struct("my_ops"));
        assert!(k.modules.get().is_none(), "vmlinux answered");
        let m = k.struct_members("mod_ops").unwrap();
        assert_eq!((m[0].name.as_str(), m[0].size), ("count", 8));
        assert!(k.has_kfunc("mod_kfunc"));
        let e = &k.enumerators("MOD_ONLY")[0];
        assert_eq!((e.value, e.module.as_deref()), (7, Some("my_mod")));
        assert_eq!(k.modules().len(), 1, "the file that is no BTF is left out");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn malformed_btf_is_an_error_not_a_panic() {
        let good = sample_writer().bytes();
        for cut in [0, 3, 10, 23, 30, good.len() - 1] {
            assert!(KernelBtf::from_bytes(good[..cut].to_vec(), None).is_err());
        }
        let mut bad_kind = good.clone();
        bad_kind[24 + 7] = 0x1f; // the first type's kind: 31
        let err = KernelBtf::from_bytes(bad_kind, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown kind 31"), "{err}");
        let mut no_magic = good.clone();
        no_magic[0] = 0;
        let err = KernelBtf::from_bytes(no_magic, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad magic"), "{err}");
    }
}
