//! Following the running kernel: struct_ops shadows checked against the
//! kernel's struct before load, and `.rodata` constants filled from the
//! kernel's enums.
//!
//! # Shadows
//!
//! libbpf matches a struct_ops map's members to the kernel struct's by
//! name, and fails the load (EOPNOTSUPP, one line in its log) when a member
//! the kernel lacks is not zero. Before libbpf sees the shadows, `load()`
//! finds those members itself, for every struct_ops map that will be
//! created, and fails with [`Error::KernelLacksMembers`] naming map,
//! members and kernel struct; a kernel without the struct_ops type at all
//! gets [`Error::NoStructOpsType`]. The generated
//! `struct_ops_mut().clear_<map>_missing()` clears such members on purpose.
//!
//! # Kernel constants
//!
//! A BPF program declares a constant whose value the running kernel
//! decides as a `.rodata` global named `__` + the name of a kernel enum
//! constant (sched_ext's convention):
//!
//! ```c
//! const volatile u64 __SCX_DSQ_LOCAL __weak;
//! #define SCX_DSQ_LOCAL __SCX_DSQ_LOCAL
//! ```
//!
//! The rule: a variable of a `.rodata` or `.rodata.*` section, of an
//! integer (or enum) type of 1 to 8 bytes, whose name is `__` followed by
//! an upper-case letter (`__SCX_DSQ_LOCAL`: constant `SCX_DSQ_LOCAL`).
//! `__weak` or not, initialised or not. The generated
//! `fill_kernel_consts()` looks each one up among the running kernel's
//! enum constants (vmlinux BTF, then module BTF) and writes its value;
//! constants the kernel lacks are left as they were (zero unless set), and
//! the returned [`KernelConsts`] says which.

use std::fmt;
use std::ptr::NonNull;

use libbpf_sys::{bpf_map, bpf_object};
use skel_btf::{Btf, BtfTypeId, Kind};

use crate::contract::{MemberSpec, SkelSpec, StructOpsSpec};
use crate::errno::last_errno;
use crate::error::{Error, MissingMembers, Result};
use crate::kernel_btf::{KernelBtf, KernelEnumValue, StructRef};
use crate::libbpf::initial_value;

/// What the kernel lacks, for messages about struct_ops types it lacks
/// entirely.
fn no_struct_ops_hint(kernel_struct: &str) -> &'static str {
    match kernel_struct {
        "sched_ext_ops" => {
            "; the running kernel has no sched_ext (it needs Linux 6.12 or later built with \
             CONFIG_SCHED_CLASS_EXT)"
        }
        "tcp_congestion_ops" => {
            "; the running kernel has no BPF TCP congestion control (CONFIG_BPF_JIT and \
             CONFIG_BPF_SYSCALL)"
        }
        "hid_bpf_ops" => "; the running kernel has no HID-BPF (CONFIG_HID_BPF, Linux 6.11+)",
        _ => "",
    }
}

/// The kernel's struct for struct_ops `s` (map `index`), or the error that
/// says the kernel has no such struct_ops type.
fn kernel_struct<'k>(
    kernel: &'k KernelBtf,
    spec: &SkelSpec,
    index: usize,
    s: &StructOpsSpec,
) -> Result<StructRef<'k>> {
    match kernel.struct_ops(s.kernel_struct) {
        Some(ops) => Ok(ops.data),
        None => Err(Error::NoStructOpsType {
            skeleton: spec.skeleton,
            map: spec.maps[index].name.to_owned(),
            kernel_struct: s.kernel_struct.to_owned(),
            hint: no_struct_ops_hint(s.kernel_struct),
        }),
    }
}

/// Does member `m` of shadow buffer `shadow` hold something: a non-zero
/// byte, or a program in its slot?
fn is_set(s: &StructOpsSpec, shadow: NonNull<u8>, m: &MemberSpec) -> bool {
    if m.offset
        .checked_add(m.size)
        .is_none_or(|end| end > s.shadow.size)
    {
        return false;
    }
    // SAFETY: the member lies inside the shadow buffer, which holds
    // `s.shadow.size` bytes (checked at open) and lives as long as the
    // object; the caller has the open skeleton, so nothing writes it now.
    let bytes = unsafe { std::slice::from_raw_parts(shadow.as_ptr().add(m.offset), m.size) };
    bytes.iter().any(|&b| b != 0)
}

/// The members of shadow `s` that hold something and that the kernel's
/// struct lacks.
fn set_but_missing(
    s: &'static StructOpsSpec,
    shadow: NonNull<u8>,
    kernel: StructRef<'_>,
) -> Vec<&'static MemberSpec> {
    s.members
        .iter()
        .filter(|m| is_set(s, shadow, m) && !kernel.has_member(m.name))
        .collect()
}

/// Before load: every struct_ops map that will be created (`shadows`: map
/// index and shadow buffer) must set only members the running kernel's
/// struct has. Without readable kernel BTF the check is left to libbpf,
/// which needs that BTF too and says so.
pub(crate) fn check_shadows(
    spec: &'static SkelSpec,
    shadows: impl Iterator<Item = (usize, NonNull<u8>)>,
) -> Result<()> {
    let mut lacking = vec![];
    for (index, shadow) in shadows {
        let Some(s) = spec.maps[index].struct_ops_spec() else {
            continue;
        };
        let Ok(kernel) = KernelBtf::get() else {
            return Ok(());
        };
        let ks = kernel_struct(kernel, spec, index, s)?;
        let missing = set_but_missing(s, shadow, ks);
        if !missing.is_empty() {
            lacking.push(MissingMembers {
                map: spec.maps[index].name.to_owned(),
                kernel_struct: s.kernel_struct.to_owned(),
                members: missing.iter().map(|m| m.name.to_owned()).collect(),
            });
        }
    }
    if lacking.is_empty() {
        Ok(())
    } else {
        Err(Error::KernelLacksMembers {
            skeleton: spec.skeleton,
            maps: lacking,
        })
    }
}

/// Zeroes the members of struct_ops map `index`'s shadow `s` that the
/// running kernel's struct lacks; returns those that held something.
///
/// # Safety
///
/// `shadow` is the map's shadow buffer, of `s.shadow.size` bytes, and the
/// caller holds it exclusively.
pub(crate) unsafe fn clear_missing(
    spec: &'static SkelSpec,
    index: usize,
    s: &'static StructOpsSpec,
    shadow: NonNull<u8>,
) -> Result<Vec<&'static str>> {
    let kernel = KernelBtf::get()?;
    let ks = kernel_struct(kernel, spec, index, s)?;
    let missing = set_but_missing(s, shadow, ks);
    for m in &missing {
        // SAFETY: set_but_missing only returns members inside the buffer;
        // the caller holds it exclusively. Zero is valid for plain data and
        // an empty slot.
        unsafe { std::ptr::write_bytes(shadow.as_ptr().add(m.offset), 0, m.size) };
    }
    Ok(missing.iter().map(|m| m.name).collect())
}

/// What [`fill_kernel_consts`](crate::KernelConsts) did with each kernel
/// constant of a skeleton's `.rodata` sections. `Send` and `Sync`: owned
/// data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct KernelConsts {
    /// Every kernel constant, in section and offset order.
    pub consts: Vec<KernelConst>,
}

/// One `.rodata` variable `__<NAME>` filled from kernel enum constant
/// `<NAME>`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KernelConst {
    /// The data section (`.rodata`).
    pub section: String,
    /// The variable (`__SCX_DSQ_LOCAL`).
    pub var: String,
    /// The kernel's enum constant (`SCX_DSQ_LOCAL`).
    pub name: String,
    /// What was done with it.
    pub outcome: KernelConstOutcome,
}

/// What happened to one kernel constant.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KernelConstOutcome {
    /// Written with the kernel's value.
    Filled(i128),
    /// The running kernel has no enum constant of that name: left as it
    /// was (zero unless set).
    Missing,
    /// Several kernel enums define the name, with different values: left
    /// as it was. Each definition is listed.
    Ambiguous(Vec<KernelEnumValue>),
    /// The kernel's value does not fit the variable's type: left as it was.
    TooWide {
        /// The kernel's value.
        value: i128,
        /// The variable's size, in bytes.
        size: usize,
    },
}

impl KernelConsts {
    /// The constants the running kernel lacks (left as they were).
    pub fn missing(&self) -> impl Iterator<Item = &KernelConst> {
        self.consts
            .iter()
            .filter(|c| c.outcome == KernelConstOutcome::Missing)
    }

    /// The constants written, with their values.
    pub fn filled(&self) -> impl Iterator<Item = (&KernelConst, i128)> {
        self.consts.iter().filter_map(|c| match c.outcome {
            KernelConstOutcome::Filled(v) => Some((c, v)),
            _ => None,
        })
    }

    /// The value written for kernel constant `name` (`SCX_DSQ_LOCAL`).
    pub fn value(&self, name: &str) -> Option<i128> {
        self.filled().find(|(c, _)| c.name == name).map(|(_, v)| v)
    }

    /// The constants not written for a reason other than the kernel
    /// lacking them: ambiguous or too wide.
    pub fn problems(&self) -> impl Iterator<Item = &KernelConst> {
        self.consts.iter().filter(|c| {
            !matches!(
                c.outcome,
                KernelConstOutcome::Filled(_) | KernelConstOutcome::Missing
            )
        })
    }
}

impl fmt::Display for KernelConsts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} kernel constants filled",
            self.filled().count(),
            self.consts.len()
        )?;
        let missing: Vec<&str> = self.missing().map(|c| c.name.as_str()).collect();
        if !missing.is_empty() {
            write!(f, "; the running kernel lacks {}", missing.join(", "))?;
        }
        for c in self.problems() {
            match &c.outcome {
                KernelConstOutcome::Ambiguous(defs) => {
                    let values: Vec<String> = defs
                        .iter()
                        .map(|d| match d.enum_name.as_str() {
                            "" => format!("{} in an anonymous enum", d.value),
                            e => format!("{} in enum {e}", d.value),
                        })
                        .collect();
                    write!(f, "; {} is ambiguous ({})", c.name, values.join(", "))?
                }
                KernelConstOutcome::TooWide { value, size } => write!(
                    f,
                    "; {} = {value} does not fit `{}` ({size} bytes)",
                    c.name, c.var
                )?,
                _ => {}
            }
        }
        Ok(())
    }
}

/// The kernel constant a `.rodata` variable stands for, by the naming rule.
fn constant_name(var: &str) -> Option<&str> {
    let name = var.strip_prefix("__")?;
    let first = name.chars().next()?;
    (first.is_ascii_uppercase() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(name)
}

/// Size and signedness of an integer or enum type (through typedefs and
/// modifiers), when it can hold a kernel constant.
fn int_type(btf: &Btf, ty: BtfTypeId) -> Option<(usize, bool)> {
    let (size, signed) = match btf.get(btf.skip_modifiers(ty).ok()?).kind() {
        Kind::Int {
            bit_offset,
            bits,
            signed,
            ..
        } => {
            if bit_offset != 0 || bits % 8 != 0 {
                return None;
            }
            (bits as usize / 8, signed)
        }
        Kind::Enum { size, signed, .. } => (size as usize, signed),
        _ => return None,
    };
    (1..=8).contains(&size).then_some((size, signed))
}

/// The open object's BTF, as libbpf holds it after open (data sections'
/// sizes and variables' offsets fixed up), read with skel-btf; `None` for
/// an object without BTF.
fn object_btf(obj: NonNull<bpf_object>) -> Result<Option<Btf>> {
    // SAFETY: obj is a live, open object; the btf it returns lives as long
    // as the object, and its raw data (a buffer libbpf owns) is copied out
    // before this block ends.
    let bytes = unsafe {
        let btf = libbpf_sys::bpf_object__btf(obj.as_ptr());
        if btf.is_null() {
            return Ok(None);
        }
        let mut size = 0u32;
        let data = libbpf_sys::btf__raw_data(btf, &raw mut size);
        if data.is_null() {
            return Err(Error::Libbpf {
                what: "reading the object's BTF from libbpf".to_owned(),
                errno: Some(last_errno()),
            });
        }
        std::slice::from_raw_parts(data.cast::<u8>(), size as usize).to_vec()
    };
    Btf::parse(bytes).map(Some).map_err(|e| Error::Libbpf {
        what: format!("the object's BTF: {e}"),
        errno: None,
    })
}

/// Does `value` fit `size` bytes, read as signed or as unsigned (so that
/// `-1` fills a `u64` with all ones, as C's conversion does)?
fn fits(value: i128, size: usize) -> bool {
    let bits = 8 * size as u32;
    value >= -(1i128 << (bits - 1)) && value < (1i128 << bits)
}

/// Fills every kernel constant of the open object's `.rodata` sections.
pub(crate) fn fill_kernel_consts(
    spec: &SkelSpec,
    obj: NonNull<bpf_object>,
    maps: &[NonNull<bpf_map>],
) -> Result<KernelConsts> {
    let Some(btf) = object_btf(obj)? else {
        return Ok(KernelConsts::default());
    };
    let mut kernel = None;
    let mut out = KernelConsts::default();
    for (m, &map) in spec.maps.iter().zip(maps) {
        if !(m.lookup == ".rodata" || m.lookup.starts_with(".rodata.")) {
            continue;
        }
        let Some(sec) = btf.find(m.lookup, |k| matches!(k, Kind::Datasec { .. })) else {
            continue;
        };
        let Kind::Datasec { vars, .. } = btf.get(sec).kind() else {
            continue;
        };
        let (buf, len) = initial_value(map);
        for info in vars {
            let var = btf.get(info.ty);
            let Kind::Var { ty, .. } = var.kind() else {
                continue;
            };
            let Some(var_name) = var.name() else {
                continue;
            };
            let Some(name) = constant_name(var_name) else {
                continue;
            };
            let Some((size, _)) = int_type(&btf, ty) else {
                continue;
            };
            let kernel = match kernel {
                Some(k) => k,
                None => *kernel.insert(KernelBtf::get()?),
            };
            let defs = kernel.enumerators(name);
            let outcome = match defs.first() {
                None => KernelConstOutcome::Missing,
                Some(d) if defs.iter().any(|o| o.value != d.value) => {
                    KernelConstOutcome::Ambiguous(defs)
                }
                Some(d) if !fits(d.value, size) => KernelConstOutcome::TooWide {
                    value: d.value,
                    size,
                },
                Some(d) => {
                    let at = info.byte_offset as usize;
                    if buf.is_null() || at.checked_add(size).is_none_or(|end| end > len) {
                        return Err(Error::KernelBtf {
                            what: format!(
                                "`{var_name}` lies outside the {len} bytes libbpf keeps for \
                                 section `{}`",
                                m.lookup
                            ),
                        });
                    }
                    let bytes = (d.value as u64).to_ne_bytes();
                    #[cfg(target_endian = "little")]
                    let bytes = &bytes[..size];
                    #[cfg(target_endian = "big")]
                    let bytes = &bytes[8 - size..];
                    // SAFETY: in bounds (checked above) of libbpf's buffer
                    // for the section, which the caller holds exclusively
                    // (the open skeleton is borrowed mutably).
                    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.add(at), size) };
                    KernelConstOutcome::Filled(d.value)
                }
            };
            out.consts.push(KernelConst {
                section: m.lookup.to_owned(),
                var: var_name.to_owned(),
                name: name.to_owned(),
                outcome,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{constant_name, fits};

    #[test]
    fn the_naming_rule() {
        assert_eq!(constant_name("__SCX_DSQ_LOCAL"), Some("SCX_DSQ_LOCAL"));
        assert_eq!(constant_name("__X"), Some("X"));
        for not in [
            "SCX_DSQ_LOCAL",
            "__",
            "___X",
            "__scx",
            "__1X",
            "_X",
            "__X-Y",
        ] {
            assert_eq!(constant_name(not), None, "{not}");
        }
    }

    #[test]
    fn what_fits() {
        assert!(fits(u64::MAX.into(), 8) && fits(-1, 8) && fits(i64::MIN.into(), 8));
        assert!(!fits(1i128 << 64, 8));
        assert!(fits(u32::MAX.into(), 4) && fits(i32::MIN.into(), 4));
        assert!(!fits(1i128 << 32, 4) && !fits(i128::from(i32::MIN) - 1, 4));
        assert!(fits(255, 1) && !fits(256, 1) && fits(-128, 1));
    }
}
