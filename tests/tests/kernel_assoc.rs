//! Associating programs with a struct_ops map (`BPF_PROG_ASSOC_STRUCT_OPS`)
//! on the running kernel (`bpf/struct_ops_assoc.bpf.c`, one struct_ops
//! map): `load()` associates every loaded program that is not a struct_ops
//! program, as sched_ext's `SCX_OPS_LOAD` does, where the kernel can, and
//! says what it did; `LoadedProgram::assoc_struct_ops` does it for one
//! program. On kernels without the command (Linux 6.18 has none; the 7.2
//! of the sched_ext VM test has it) both do nothing and say so, never an
//! error.

use skel_runtime::{AssocOutcome, Error, KernelBtf, ObjectStorage};
use skel_tests::kernel::exclusive;
use skel_tests::struct_ops_assoc_skel::StructOpsAssocSkelBuilder;

/// Does the running kernel have the command? Asked of its BTF here, as the
/// runtime asks.
fn kernel_can_associate() -> bool {
    KernelBtf::get()
        .unwrap()
        .enum_value("bpf_cmd", "BPF_PROG_ASSOC_STRUCT_OPS")
        .is_some()
}

#[test]
fn load_associates_the_programs_with_the_one_struct_ops_map_where_it_can() {
    let Some(_kernel) = exclusive("load_associates_the_programs") else {
        return;
    };
    let supported = kernel_can_associate();
    let mut storage = ObjectStorage::new();
    let open = StructOpsAssocSkelBuilder::default()
        .open(&mut storage)
        .unwrap();
    let skel = open.load().unwrap();
    let assoc = skel.struct_ops_association();
    assert_eq!(assoc.map, "assoc_ca");
    assert!(assoc.map_created);
    assert_eq!(assoc.supported, supported);
    assert!(assoc.failed.is_empty(), "{assoc}");
    if supported {
        // Loaded and not struct_ops programs: `assoc_unloaded` is not.
        assert_eq!(assoc.associated, ["assoc_syscall", "assoc_getpid"]);
        assert_eq!(
            assoc.to_string(),
            "programs `assoc_syscall`, `assoc_getpid` associated with struct_ops map `assoc_ca`"
        );
        assert!(assoc.is_complete());
    } else {
        eprintln!("note: this kernel cannot associate programs with struct_ops maps: {assoc}");
        assert!(assoc.associated.is_empty());
        assert!(
            assoc
                .to_string()
                .contains("has no BPF_PROG_ASSOC_STRUCT_OPS"),
            "{assoc}"
        );
        assert!(!assoc.is_complete());
    }

    // Once more by hand: the same map again is no change.
    let outcome = skel
        .progs()
        .assoc_syscall()
        .assoc_struct_ops(&skel.maps().assoc_ca())
        .unwrap();
    let want = if supported {
        AssocOutcome::Associated
    } else {
        AssocOutcome::Unsupported
    };
    assert_eq!(outcome, want);
}

#[test]
fn what_cannot_be_associated_is_an_error_naming_program_and_map() {
    let Some(_kernel) = exclusive("what_cannot_be_associated_is_an_error") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let skel = StructOpsAssocSkelBuilder::default()
        .open(&mut storage)
        .unwrap()
        .load()
        .unwrap();
    let progs = skel.progs();
    let maps = skel.maps();
    let cases = [
        // The kernel associates struct_ops programs with their map itself.
        (
            progs.as_ssthresh().assoc_struct_ops(&maps.assoc_ca()),
            libc::EINVAL,
            "it is a struct_ops program",
        ),
        // Only struct_ops maps.
        (
            progs.assoc_syscall().assoc_struct_ops(&maps.bss_map()),
            libc::EINVAL,
            "not a struct_ops map",
        ),
        // A program that was not loaded.
        (
            progs.assoc_unloaded().assoc_struct_ops(&maps.assoc_ca()),
            libc::ENOENT,
            "was not loaded",
        ),
    ];
    for (result, errno, hint) in cases {
        let err = result.unwrap_err();
        assert!(matches!(err, Error::Associate { .. }), "{err}");
        assert_eq!(err.raw_os_error(), Some(errno), "{err}");
        assert!(err.to_string().contains(hint), "`{hint}` in: {err}");
    }
    let err = progs
        .assoc_syscall()
        .assoc_struct_ops(&maps.bss_map())
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "program `assoc_syscall`: cannot associate it with struct_ops map `struct_o.bss`"
        ),
        "{err}"
    );
}

#[test]
fn a_program_keeps_the_first_map_it_was_associated_with() {
    let Some(_kernel) = exclusive("a_program_keeps_the_first_map") else {
        return;
    };
    if !kernel_can_associate() {
        eprintln!(
            "SKIPPED a_program_keeps_the_first_map: the running kernel has no \
             BPF_PROG_ASSOC_STRUCT_OPS (the sched_ext VM's kernel has)"
        );
        return;
    }
    // Two skeletons: the first's program is associated with its own map at
    // load, and the kernel refuses another.
    let mut first = ObjectStorage::new();
    let one = StructOpsAssocSkelBuilder::default()
        .open(&mut first)
        .unwrap()
        .load()
        .unwrap();
    let mut second = ObjectStorage::new();
    let two = StructOpsAssocSkelBuilder::default()
        .open(&mut second)
        .unwrap()
        .load()
        .unwrap();
    let err = one
        .progs()
        .assoc_syscall()
        .assoc_struct_ops(&two.maps().assoc_ca())
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EBUSY), "{err}");
    assert!(err.to_string().contains("already associated"), "{err}");
}
