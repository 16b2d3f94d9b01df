//! Before load: what each program that will be loaded needs from the
//! running kernel (see [`crate::targets`]). Optional programs lacking
//! something are skipped (autoload off); required ones fail the load,
//! named with what they lack, before libbpf's own, vaguer error.

use std::ffi::CStr;
use std::ptr::NonNull;

use libbpf_sys::bpf_program;

use super::Object;
use crate::error::{Error, Result};
use crate::kernel_btf::KernelBtf;
use crate::targets::{Kernel, KernelTarget, MissingTargets, SkippedProgram, When, section_target};

/// The newest program type of Linux 5.4 (`BPF_PROG_TYPE_CGROUP_SOCKOPT`):
/// every kernel with BTF to ask knows the types up to it, so only newer
/// ones are looked up.
const OLD_PROG_TYPES: u32 = libbpf_sys::BPF_PROG_TYPE_CGROUP_SOCKOPT;
/// Likewise for attach types (`BPF_CGROUP_SETSOCKOPT`).
const OLD_ATTACH_TYPES: u32 = libbpf_sys::BPF_CGROUP_SETSOCKOPT;

/// What program `prog` (spec index `index`) needs from the kernel, given
/// that it will be loaded.
fn needs(object: &Object, index: usize, prog: NonNull<bpf_program>) -> Vec<KernelTarget> {
    let spec = &object.spec.progs[index];
    let p = prog.as_ptr();
    let mut needs = vec![];
    // SAFETY: a live program of the open object; getters only read.
    let (autoattach, prog_type, attach_type) = unsafe {
        (
            libbpf_sys::bpf_program__autoattach(p),
            libbpf_sys::bpf_program__type(p),
            libbpf_sys::bpf_program__expected_attach_type(p),
        )
    };
    if let Some((target, when)) = section_target(&section(prog))
        && (when == When::Load || autoattach)
    {
        needs.push(target);
    }
    needs.extend(
        spec.kfuncs
            .iter()
            .map(|k| KernelTarget::Kfunc((*k).to_owned())),
    );
    needs.extend(
        spec.ksyms
            .iter()
            .map(|k| KernelTarget::Ksym((*k).to_owned())),
    );
    if prog_type > OLD_PROG_TYPES {
        // SAFETY: returns a static string, or null for types libbpf does
        // not know.
        if let Some(name) = unsafe { static_str(libbpf_sys::libbpf_bpf_prog_type_str(prog_type)) } {
            needs.push(KernelTarget::ProgramType(name.to_owned()));
        }
    }
    if attach_type > OLD_ATTACH_TYPES {
        // SAFETY: as above.
        if let Some(name) =
            unsafe { static_str(libbpf_sys::libbpf_bpf_attach_type_str(attach_type)) }
        {
            needs.push(KernelTarget::AttachType(name.to_owned()));
        }
    }
    needs
}

/// A C string libbpf keeps for the process's life, or `None` for null.
///
/// # Safety
///
/// `ptr` is null or a NUL-terminated string that is never freed.
unsafe fn static_str(ptr: *const std::ffi::c_char) -> Option<&'static str> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: per the caller.
    unsafe { CStr::from_ptr(ptr) }.to_str().ok()
}

/// The program's section as libbpf keeps it.
fn section(prog: NonNull<bpf_program>) -> String {
    // SAFETY: a live program; libbpf keeps its section name for the
    // object's life, and it is copied here.
    let name = unsafe { CStr::from_ptr(libbpf_sys::bpf_program__section_name(prog.as_ptr())) };
    name.to_string_lossy().into_owned()
}

/// Checks every program that will be loaded against the running kernel:
/// turns autoload off for optional programs that lack something and
/// returns them; fails naming every required program that lacks
/// something. The kernel's BTF is read only if a program needs something
/// looked up.
pub(super) fn check_programs(object: &Object) -> Result<Vec<SkippedProgram>> {
    let mut kernel: Option<Kernel<'static>> = None;
    let mut skipped = vec![];
    let mut lacking = vec![];
    for (index, &prog) in object.progs.iter().enumerate() {
        // SAFETY: a live program of the open object.
        if !unsafe { libbpf_sys::bpf_program__autoload(prog.as_ptr()) } {
            continue;
        }
        let needs = needs(object, index, prog);
        if needs.is_empty() {
            continue;
        }
        let kernel = kernel.get_or_insert_with(|| Kernel::running(KernelBtf::get().ok()));
        let missing: Vec<KernelTarget> = needs
            .into_iter()
            .filter(|t| kernel.has(t) == Some(false))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let spec = &object.spec.progs[index];
        if spec.optional && !spec.struct_ops {
            // SAFETY: a live program of the open object, which the caller
            // holds exclusively; not loaded yet.
            unsafe { libbpf_sys::bpf_program__set_autoload(prog.as_ptr(), false) };
            skipped.push(SkippedProgram {
                name: spec.name,
                section: section(prog),
                missing,
            });
        } else {
            lacking.push(MissingTargets {
                program: spec.name,
                section: section(prog),
                missing,
            });
        }
    }
    if lacking.is_empty() {
        Ok(skipped)
    } else {
        Err(Error::KernelLacksTargets {
            skeleton: object.spec.skeleton,
            programs: lacking,
        })
    }
}
