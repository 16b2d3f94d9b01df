//! The compatibility half of the guest program: the scheduler of
//! `bpf-vm/scx_compat.bpf.c`, written as sched_ext's own schedulers are,
//! loaded through the skeleton's compatibility calls.
//!
//! - Its `.rodata` holds 44 of sched_ext's enum constants (`__SCX_*`):
//!   `fill_kernel_consts()` fills them from the guest kernel, each checked
//!   against the guest's BTF and, for four, against the `vmlinux.h` the
//!   scheduler was built with; those the kernel lacks are reported and stay
//!   0; the program uses what was filled (it would fail at run time with
//!   zero dispatch-queue ids).
//! - Its ops are a newer kernel's (`sched_ext_ops___next`, with a callback
//!   no kernel has): `load()` refuses them, naming the member, until
//!   `clear_scx_compat_ops_missing()` clears it on purpose; the program in
//!   that slot is then not loaded.
//! - Its exit-dump buffer (`.data.uei_dump`) is resized to the ops'
//!   `exit_dump_len` before load; an error exit fills it with the kernel's
//!   dump.

use std::time::Duration;

use skel_runtime::{Error, KernelBtf, KernelConstOutcome, ObjectStorage};
use skel_tests::scx_compat_skel::{OpenScxCompatSkel, ScxCompatSkelBuilder};

use super::{Checks, run_under_sched_ext, sysfs, wait_state};

/// The ops' `exit_dump_len`, and the length the dump buffer is resized to.
const DUMP_LEN: u32 = 16_384;
/// How many kernel constants the scheduler declares (`bpf/scx_enums.h`).
const CONSTANTS: usize = 44;

/// Name, flags (`SCX_OPS_SWITCH_PARTIAL`, the guest kernel's value) and
/// the exit-dump length, with the buffer resized to match.
fn configure(
    open: &mut OpenScxCompatSkel<'_>,
    name: &str,
    kernel: &KernelBtf,
) -> Result<(), String> {
    let partial = kernel
        .enum_value("scx_ops_flags", "SCX_OPS_SWITCH_PARTIAL")
        .ok_or("the guest kernel has no SCX_OPS_SWITCH_PARTIAL")?;
    let ops = open.struct_ops_mut().scx_compat_ops();
    ops.name.set(name).map_err(|e| e.to_string())?;
    ops.flags |= partial.as_u64();
    ops.exit_dump_len = DUMP_LEN;
    open.maps_mut()
        .data_uei_dump()
        .resize(DUMP_LEN as usize)
        .map_err(|e| e.to_string())?;
    open.maps_mut().rodata().uei_dump_len = DUMP_LEN;
    Ok(())
}

/// Opens and configures the scheduler, or records why not.
fn open<'obj>(
    checks: &mut Checks,
    storage: &'obj mut ObjectStorage,
    name: &str,
    kernel: &KernelBtf,
) -> Option<OpenScxCompatSkel<'obj>> {
    let mut open = match ScxCompatSkelBuilder::default().open(storage) {
        Ok(open) => open,
        Err(e) => {
            checks.check(false, "compat: open", e);
            return None;
        }
    };
    if let Err(e) = configure(&mut open, name, kernel) {
        checks.check(false, "compat: configure", e);
        return None;
    }
    Some(open)
}

pub fn run(checks: &mut Checks, name: &str) {
    let kernel = match KernelBtf::get() {
        Ok(kernel) => kernel,
        Err(e) => {
            checks.check(false, "compat: the guest kernel's BTF", e);
            return;
        }
    };

    // A member the kernel lacks, set (a program in its slot): refused.
    let mut storage = ObjectStorage::new();
    let Some(open1) = open(checks, &mut storage, name, kernel) else {
        return;
    };
    match open1.load() {
        Err(Error::KernelLacksMembers { maps, .. }) => {
            let named: Vec<(&str, &str, Vec<&str>)> = maps
                .iter()
                .map(|m| {
                    let members = m.members.iter().map(String::as_str).collect();
                    (m.map.as_str(), m.kernel_struct.as_str(), members)
                })
                .collect();
            checks.eq(
                "compat: load names the member the kernel lacks",
                vec![("scx_compat_ops", "sched_ext_ops", vec!["skel_next_op"])],
                named,
            );
        }
        Err(e) => {
            checks.check(false, "compat: load names the member the kernel lacks", e);
        }
        Ok(_) => {
            checks.check(
                false,
                "compat: load names the member the kernel lacks",
                "it loaded",
            );
        }
    }
    drop(storage);

    let mut storage = ObjectStorage::new();
    let Some(mut open) = open(checks, &mut storage, name, kernel) else {
        return;
    };

    // Kernel constants: one call, checked against the guest's BTF.
    let report = match open.fill_kernel_consts() {
        Ok(report) => report,
        Err(e) => {
            checks.check(false, "compat: fill_kernel_consts", e);
            return;
        }
    };
    println!("skel-vm: compat: {report}");
    checks.eq(
        "compat: every kernel constant is reported",
        CONSTANTS,
        report.consts.len(),
    );
    let mut wrong = vec![];
    for c in &report.consts {
        let btf: Vec<i128> = kernel
            .enumerators(&c.name)
            .iter()
            .map(|e| e.value)
            .collect();
        let agrees = match &c.outcome {
            KernelConstOutcome::Filled(v) => btf.first() == Some(v),
            KernelConstOutcome::Missing => btf.is_empty(),
            _ => false,
        };
        if !agrees {
            wrong.push(format!("{}: {:?}, BTF has {btf:?}", c.name, c.outcome));
        }
    }
    checks.check(
        wrong.is_empty(),
        "compat: each constant filled with the guest BTF's value, or reported missing",
        if wrong.is_empty() {
            format!(
                "{} filled, missing: {:?}",
                report.filled().count(),
                report
                    .missing()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
            )
        } else {
            wrong.join("; ")
        },
    );
    let filled = |n: &str| report.value(n).unwrap_or(0);
    let (dsq_local, slice_dfl, enq_preempt, task_cursor) = (
        filled("SCX_DSQ_LOCAL"),
        filled("SCX_SLICE_DFL"),
        filled("SCX_ENQ_PREEMPT"),
        filled("SCX_TASK_CURSOR"),
    );
    let ro = open.maps().rodata();
    checks.eq(
        "compat: filled = vmlinux.h at build time (64-bit SCX_DSQ_LOCAL, SCX_SLICE_DFL, SCX_ENQ_PREEMPT; negative SCX_TASK_CURSOR)",
        (
            i128::from(ro.built_dsq_local),
            i128::from(ro.built_slice_dfl),
            i128::from(ro.built_enq_preempt),
            i128::from(ro.built_task_cursor),
        ),
        (dsq_local, slice_dfl, enq_preempt, task_cursor),
    );
    checks.eq(
        "compat: .rodata holds them (SCX_TASK_CURSOR in two's complement)",
        (dsq_local as u64, task_cursor as u64),
        (ro.__SCX_DSQ_LOCAL, ro.__SCX_TASK_CURSOR),
    );

    // The member the kernel lacks, cleared on purpose.
    match open.struct_ops_mut().clear_scx_compat_ops_missing() {
        Ok(cleared) => {
            checks.eq(
                "compat: clear_missing clears skel_next_op",
                vec!["skel_next_op"],
                cleared,
            );
        }
        Err(e) => {
            checks.check(false, "compat: clear_missing", e);
        }
    }
    let mut skel = match open.load() {
        Ok(skel) => skel,
        Err(e) => {
            checks.check(false, "compat: load after clear_missing", e);
            return;
        }
    };
    let next_op = skel.progs().next_op();
    checks.check(
        !next_op.is_loaded(),
        "compat: the cleared slot's program is not loaded",
        format!("autoload {}", next_op.libbpf().autoload()),
    );
    if let Err(e) = skel.attach() {
        checks.check(false, "compat: attach", e);
        return;
    }
    checks.eq(
        "compat: state is enabled",
        "enabled",
        wait_state("enabled", Duration::from_secs(5)).as_str(),
    );
    checks.eq(
        "compat: root/ops shows the name",
        name,
        sysfs("root/ops").as_str(),
    );

    let work = run_under_sched_ext();
    checks.check(
        work.set_policy.is_ok(),
        "compat: a thread runs under SCHED_EXT",
        format!("{:?}", work.set_policy),
    );
    checks.eq(
        "compat: still enabled after the workload (dispatch-queue ids and slice were right)",
        "enabled",
        sysfs("state").as_str(),
    );
    // .bss is live: each getter is one volatile read of what the programs
    // wrote, each setter one volatile write they see.
    let bss = skel.maps().bss();
    let calls = bss.calls_enqueue();
    checks.check(calls > 0, "compat: enqueue ran", format!("{calls} calls"));
    checks.eq(
        "compat: the program read the filled constants",
        (dsq_local, slice_dfl, enq_preempt, task_cursor),
        (
            i128::from(bss.seen_dsq_local()),
            i128::from(bss.seen_slice_dfl()),
            i128::from(bss.seen_enq_preempt()),
            i128::from(bss.seen_task_cursor()),
        ),
    );
    checks.eq("compat: next_op never ran", 0, bss.calls_next_op());

    // An error exit: the kernel's dump lands in the resized buffer.
    bss.set_trigger_exit(1);
    run_under_sched_ext();
    checks.eq(
        "compat: scx_bpf_error disabled the scheduler",
        "disabled",
        wait_state("disabled", Duration::from_secs(10)).as_str(),
    );
    let error_bpf = kernel
        .enum_value("scx_exit_kind", "SCX_EXIT_ERROR_BPF")
        .map(|e| e.value);
    // One copy of the whole struct (the exit callback wrote it once).
    let exit_info = bss.exit_info();
    let msg = exit_info.msg.to_string_lossy();
    checks.eq(
        "compat: the exit callback saw SCX_EXIT_ERROR_BPF",
        error_bpf,
        Some(i128::from(exit_info.kind)),
    );
    checks.check(
        msg.contains("skel: exit requested"),
        "compat: the exit message",
        &msg,
    );
    // The resized section's last array: a live slice of the new length.
    let dump = skel.maps().data_uei_dump().uei_dump().to_vec();
    let text = c_str(&dump);
    checks.check(
        dump.len() == DUMP_LEN as usize && text.len() > 1,
        "compat: the kernel's dump fills the resized buffer",
        format!(
            "{} bytes of {}: {:?}",
            text.len(),
            dump.len(),
            text.lines().next().unwrap_or("")
        ),
    );
    drop(skel);
}

/// The text of a NUL-terminated buffer.
fn c_str(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}
