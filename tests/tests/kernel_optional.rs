//! Optional programs on the running kernel (`bpf/optional.bpf.c`):
//! programs whose targets the kernel lacks (a kprobe's function, a
//! tracepoint, an fentry's function, a kfunc) are skipped at load when the
//! build script marks them optional, and reported with what they lack,
//! while the rest loads, attaches and runs; the same programs required fail
//! the load, each named with what it lacks, before libbpf sees them.

use skel_runtime::{Error, KernelTarget, ObjectStorage, SkippedProgram};
use skel_tests::kernel::exclusive;
use skel_tests::optional_required_skel::OptionalRequiredSkelBuilder;
use skel_tests::optional_skel::OptionalSkelBuilder;

const NO_FUNCTION: &str = "skel_no_such_function_for_tests";

fn missing_targets() -> Vec<(&'static str, &'static str, Vec<KernelTarget>)> {
    vec![
        (
            "on_missing_function",
            "kprobe/skel_no_such_function_for_tests",
            vec![KernelTarget::Function(NO_FUNCTION.to_owned())],
        ),
        (
            "on_missing_tracepoint",
            "tp/skel_no_such_category/skel_no_such_event",
            vec![KernelTarget::Tracepoint {
                category: "skel_no_such_category".to_owned(),
                name: "skel_no_such_event".to_owned(),
            }],
        ),
        (
            "on_missing_btf_function",
            "fentry/skel_no_such_function_for_tests",
            vec![KernelTarget::BtfFunction(NO_FUNCTION.to_owned())],
        ),
        (
            "calls_missing_kfunc",
            "syscall",
            vec![KernelTarget::Kfunc("bpf_skel_no_such_kfunc".to_owned())],
        ),
    ]
}

fn getpid() {
    // SAFETY: a syscall without arguments (not glibc's getpid, which
    // could be served without entering the kernel).
    unsafe { libc::syscall(libc::SYS_getpid) };
}

fn getppid() {
    // SAFETY: as above.
    unsafe { libc::syscall(libc::SYS_getppid) };
}

#[test]
fn optional_programs_the_kernel_cannot_run_are_skipped_and_the_rest_runs() {
    let Some(_kernel) = exclusive("optional_programs_the_kernel_cannot_run_are_skipped") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let open = OptionalSkelBuilder::default().open(&mut storage).unwrap();
    let mut skel = open.load().expect("the optional programs are skipped");

    let skipped: Vec<(&str, &str, Vec<KernelTarget>)> = skel
        .skipped_programs()
        .iter()
        .map(|s| (s.name, s.section.as_str(), s.missing.clone()))
        .collect();
    assert_eq!(skipped, missing_targets());
    let lines: Vec<String> = skel
        .skipped_programs()
        .iter()
        .map(SkippedProgram::to_string)
        .collect();
    assert_eq!(
        lines[0],
        "program `on_missing_function` (section `kprobe/skel_no_such_function_for_tests`) \
         skipped: the running kernel has no function `skel_no_such_function_for_tests`"
    );
    assert_eq!(
        lines[3],
        "program `calls_missing_kfunc` (section `syscall`) skipped: the running kernel has no \
         kfunc `bpf_skel_no_such_kfunc`"
    );

    // Skipped programs are not loaded; the required one and the optional
    // one whose target exists are.
    let progs = skel.progs();
    assert!(progs.on_getpid().is_loaded());
    assert!(
        progs.on_getppid().is_loaded(),
        "optional, and its target exists"
    );
    for p in [
        progs.on_missing_function(),
        progs.on_missing_tracepoint(),
        progs.on_missing_btf_function(),
        progs.calls_missing_kfunc(),
    ] {
        assert!(!p.is_loaded(), "{} was skipped", p.name());
    }

    // attach() leaves the skipped programs alone.
    skel.attach().unwrap();
    assert!(skel.links.on_getpid.is_some() && skel.links.on_getppid.is_some());
    assert!(skel.links.on_missing_function.is_none());
    assert!(skel.links.on_missing_tracepoint.is_none());
    assert!(skel.links.on_missing_btf_function.is_none());
    let err = skel.attach_on_missing_function().unwrap_err();
    assert!(err.to_string().contains("skipped_programs()"), "{err}");

    for _ in 0..3 {
        getpid();
        getppid();
    }
    let bss = skel.maps().bss();
    assert!(bss.getpid_calls() >= 3, "{}", bss.getpid_calls());
    assert!(bss.getppid_calls() >= 3, "{}", bss.getppid_calls());
    assert_eq!(bss.missing_calls(), 0);
    // The required program needs no kernel kfunc: its `__weak` one is
    // absent, and it saw so.
    assert_eq!(skel.maps().data().weak_kfunc_found(), 0);
}

#[test]
fn required_programs_the_kernel_cannot_run_fail_the_load_naming_each() {
    let Some(_kernel) = exclusive("required_programs_the_kernel_cannot_run_fail_the_load") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let open = OptionalRequiredSkelBuilder::default()
        .open(&mut storage)
        .unwrap();
    let err = open
        .load()
        .expect_err("required programs lack their targets");
    let Error::KernelLacksTargets { skeleton, programs } = &err else {
        panic!("not KernelLacksTargets: {err}");
    };
    assert_eq!(*skeleton, "optional_required");
    let got: Vec<(&str, &str, Vec<KernelTarget>)> = programs
        .iter()
        .map(|p| (p.program, p.section.as_str(), p.missing.clone()))
        .collect();
    assert_eq!(got, missing_targets());
    let text = err.to_string();
    for needle in [
        "program `on_missing_function` (section `kprobe/skel_no_such_function_for_tests`) needs \
         function `skel_no_such_function_for_tests`",
        "program `on_missing_tracepoint` (section `tp/skel_no_such_category/skel_no_such_event`) \
         needs tracepoint `skel_no_such_category/skel_no_such_event`",
        "needs kfunc `bpf_skel_no_such_kfunc`",
        "SkeletonBuilder::optional_programs",
    ] {
        assert!(text.contains(needle), "`{needle}` in: {text}");
    }
    assert_eq!(err.raw_os_error(), None, "found before libbpf: no errno");
}

#[test]
fn attach_targets_are_not_checked_for_programs_attached_by_hand() {
    let Some(_kernel) = exclusive("attach_targets_are_not_checked_for_programs_attached_by_hand")
    else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = OptionalSkelBuilder::default().open(&mut storage).unwrap();
    // A kprobe and a tracepoint program whose autoattach is off may be
    // attached elsewhere by hand: their sections' targets do not count.
    // An fentry's function is needed to load it at all.
    open.progs_mut().on_missing_function().set_autoattach(false);
    open.progs_mut()
        .on_missing_tracepoint()
        .set_autoattach(false);
    let skel = open.load().unwrap();
    let skipped: Vec<&str> = skel.skipped_programs().iter().map(|s| s.name).collect();
    assert_eq!(skipped, ["on_missing_btf_function", "calls_missing_kfunc"]);
    assert!(skel.progs().on_missing_function().is_loaded());
    assert!(skel.progs().on_missing_tracepoint().is_loaded());
}

#[test]
fn programs_whose_autoload_is_off_are_not_checked() {
    let Some(_kernel) = exclusive("programs_whose_autoload_is_off_are_not_checked") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = OptionalSkelBuilder::default().open(&mut storage).unwrap();
    open.progs_mut()
        .on_missing_function()
        .set_autoload(false)
        .unwrap();
    open.progs_mut()
        .on_missing_tracepoint()
        .set_autoload(false)
        .unwrap();
    open.progs_mut()
        .on_missing_btf_function()
        .set_autoload(false)
        .unwrap();
    let skel = open.load().unwrap();
    let skipped: Vec<&str> = skel.skipped_programs().iter().map(|s| s.name).collect();
    assert_eq!(
        skipped,
        ["calls_missing_kfunc"],
        "the others were never to load"
    );
}

#[test]
fn libbpf_needs_every_strong_kfunc_so_only_optional_ones_are_made_weak() {
    let Some(_kernel) = exclusive("libbpf_needs_every_strong_kfunc") else {
        return;
    };
    // Required skeleton, the kfunc's only caller not loaded: libbpf still
    // resolves the kfunc (every extern of the object) and fails the load.
    let mut storage = ObjectStorage::new();
    let mut open = OptionalRequiredSkelBuilder::default()
        .open(&mut storage)
        .unwrap();
    open.progs_mut()
        .on_missing_function()
        .set_autoload(false)
        .unwrap();
    open.progs_mut()
        .on_missing_tracepoint()
        .set_autoload(false)
        .unwrap();
    open.progs_mut()
        .on_missing_btf_function()
        .set_autoload(false)
        .unwrap();
    open.progs_mut()
        .calls_missing_kfunc()
        .set_autoload(false)
        .unwrap();
    let err = open.load().expect_err("libbpf resolves the strong kfunc");
    assert!(matches!(err, Error::Load { .. }), "{err}");
    assert!(err.to_string().contains("bpf_skel_no_such_kfunc"), "{err}");

    // The optional skeleton embeds the kfunc weak (only an optional
    // program calls it): the same settings load.
    let mut storage = ObjectStorage::new();
    let mut open = OptionalSkelBuilder::default().open(&mut storage).unwrap();
    open.progs_mut()
        .calls_missing_kfunc()
        .set_autoload(false)
        .unwrap();
    let skel = open.load().unwrap();
    assert!(skel.progs().on_getpid().is_loaded());
    assert!(!skel.progs().calls_missing_kfunc().is_loaded());
}
