//! Guest checks of the sched_ext VM test (`vm/run.sh` runs this after
//! `scx_guest`) for what the host kernel cannot show: associating programs
//! with a struct_ops map (`BPF_PROG_ASSOC_STRUCT_OPS`, which Linux 6.18
//! lacks), and optional programs on another kernel.
//!
//! - `bpf/struct_ops_assoc.bpf.c` (one struct_ops map): `load()`
//!   associates its loaded programs that are not struct_ops programs with
//!   the map, as sched_ext's `SCX_OPS_LOAD` does; associating one again
//!   with the same map is no change, and with another skeleton's map the
//!   kernel refuses (`EBUSY`): it keeps the association load made.
//! - `bpf/optional.bpf.c`: the optional programs whose targets no kernel
//!   has are skipped, each with what it lacks; the rest loads and runs.
//!
//! Each check prints one `skel-vm: PASS ...` or `skel-vm: FAIL ...` line;
//! the last line is `skel-vm: DONE <passed> <failed>`. The exit status is
//! 0 only if every check passed.

use skel_runtime::{AssocOutcome, KernelBtf, KernelTarget, ObjectStorage};
use skel_tests::optional_skel::OptionalSkelBuilder;
use skel_tests::struct_ops_assoc_skel::StructOpsAssocSkelBuilder;

/// The checks run so far.
#[derive(Default)]
struct Checks {
    passed: u32,
    failed: u32,
}

impl Checks {
    fn check(&mut self, ok: bool, what: &str, detail: impl std::fmt::Display) -> bool {
        let verdict = if ok { "PASS" } else { "FAIL" };
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
        println!("skel-vm: {verdict} {what} ({detail})");
        ok
    }

    fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, expected: T, got: T) -> bool {
        let detail = format!("expected {expected:?}, got {got:?}");
        self.check(expected == got, what, detail)
    }

    fn done(&self) -> ! {
        println!("skel-vm: DONE {} {}", self.passed, self.failed);
        std::process::exit(if self.failed == 0 { 0 } else { 1 })
    }
}

fn association(checks: &mut Checks) {
    let supported = KernelBtf::get()
        .map(|k| {
            k.enum_value("bpf_cmd", "BPF_PROG_ASSOC_STRUCT_OPS")
                .is_some()
        })
        .unwrap_or(false);
    checks.check(
        supported,
        "assoc: the kernel has BPF_PROG_ASSOC_STRUCT_OPS",
        "enum bpf_cmd in its BTF",
    );
    let mut storage = ObjectStorage::new();
    let skel = match StructOpsAssocSkelBuilder::default()
        .open(&mut storage)
        .and_then(|open| open.load())
    {
        Ok(skel) => skel,
        Err(e) => {
            checks.check(false, "assoc: load", e);
            return;
        }
    };
    let assoc = skel.struct_ops_association();
    checks.check(
        assoc.is_complete(),
        "assoc: load associated every program",
        assoc,
    );
    checks.eq(
        "assoc: the programs load associated",
        vec!["assoc_syscall", "assoc_getpid"],
        assoc.associated.clone(),
    );
    let again = skel
        .progs()
        .assoc_syscall()
        .assoc_struct_ops(&skel.maps().assoc_ca());
    checks.eq(
        "assoc: the same map again is no change",
        Some(AssocOutcome::Associated),
        again.as_ref().ok().copied(),
    );

    let mut other_storage = ObjectStorage::new();
    let other = match StructOpsAssocSkelBuilder::default()
        .open(&mut other_storage)
        .and_then(|open| open.load())
    {
        Ok(skel) => skel,
        Err(e) => {
            checks.check(false, "assoc: load a second skeleton", e);
            return;
        }
    };
    let refused = skel
        .progs()
        .assoc_syscall()
        .assoc_struct_ops(&other.maps().assoc_ca());
    checks.eq(
        "assoc: another map is refused (the kernel kept load's)",
        Some(libc::EBUSY),
        refused.as_ref().err().and_then(|e| e.raw_os_error()),
    );
}

/// Tracepoints are checked through tracefs, which the guest's init does
/// not mount.
fn mount_tracefs() {
    // SAFETY: plain C strings; mount only reads them.
    unsafe {
        libc::mount(
            c"tracefs".as_ptr(),
            c"/sys/kernel/tracing".as_ptr(),
            c"tracefs".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
}

fn optional(checks: &mut Checks) {
    mount_tracefs();
    let mut storage = ObjectStorage::new();
    let skel = match OptionalSkelBuilder::default()
        .open(&mut storage)
        .and_then(|open| open.load())
    {
        Ok(skel) => skel,
        Err(e) => {
            checks.check(false, "optional: load", e);
            return;
        }
    };
    let skipped: Vec<(&str, Vec<KernelTarget>)> = skel
        .skipped_programs()
        .iter()
        .map(|s| (s.name, s.missing.clone()))
        .collect();
    let f = "skel_no_such_function_for_tests".to_owned();
    checks.eq(
        "optional: the programs lacking their targets were skipped",
        vec![
            (
                "on_missing_function",
                vec![KernelTarget::Function(f.clone())],
            ),
            (
                "on_missing_tracepoint",
                vec![KernelTarget::Tracepoint {
                    category: "skel_no_such_category".to_owned(),
                    name: "skel_no_such_event".to_owned(),
                }],
            ),
            (
                "on_missing_btf_function",
                vec![KernelTarget::BtfFunction(f)],
            ),
            (
                "calls_missing_kfunc",
                vec![KernelTarget::Kfunc("bpf_skel_no_such_kfunc".to_owned())],
            ),
        ],
        skipped,
    );
    checks.check(
        skel.progs().on_getpid().is_loaded() && skel.progs().on_getppid().is_loaded(),
        "optional: the others loaded",
        "on_getpid, on_getppid",
    );
}

fn main() {
    let mut checks = Checks::default();
    association(&mut checks);
    optional(&mut checks);
    checks.done();
}
