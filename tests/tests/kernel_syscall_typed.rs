//! Typed calls of `SEC("syscall")` programs on the running kernel:
//! `skel.progs().scale()` is a `SyscallProgram<scale_args>` (its parameter
//! from BTF, through a typedef), whose `run(&mut args)` passes the context
//! in and reads it back; `ping` (a `void *` context) stays untyped.

use skel_runtime::ObjectStorage;
use skel_tests::kernel::exclusive;
use skel_tests::syscall_typed_skel::SyscallTypedSkelBuilder;
use skel_tests::syscall_typed_skel::types::scale_args;

#[test]
fn syscall_program_runs_with_its_typed_context() {
    let Some(_kernel) = exclusive("syscall_program_runs_with_its_typed_context") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let skel = SyscallTypedSkelBuilder::default()
        .open(&mut storage)
        .unwrap()
        .load()
        .unwrap();
    let scale = skel.progs().scale();
    assert_eq!(scale.name(), "scale", "derefs to the LoadedProgram");

    let mut args = scale_args {
        value: 21,
        factor: 2,
        ..scale_args::default()
    };
    assert_eq!(scale.run(&mut args).unwrap(), 0);
    assert_eq!(args.result, 42, "written back by the program");
    assert_eq!(args.calls, 1);
    assert_eq!((args.value, args.factor), (21, 2), "inputs stay");
    assert_eq!(skel.maps().bss().scale_calls(), 1, "a global it changed");
    assert_eq!(skel.maps().bss().last_result(), 42);

    args.value = 1000;
    assert_eq!(scale.run(&mut args).unwrap(), 0);
    assert_eq!((args.result, args.calls), (2000, 2));
    assert_eq!(skel.maps().bss().scale_calls(), 2);

    // The program's negative return value comes back as such.
    let mut bad = scale_args::default();
    assert_eq!(scale.run(&mut bad).unwrap(), -22);
    assert_eq!(bad.result, 0);
    assert_eq!(skel.maps().bss().scale_calls(), 2);

    // A void-pointer context: untyped, called with bytes or no context.
    let ping = skel.progs().ping();
    assert_eq!(ping.run_syscall(&mut [0u8; 8]).unwrap(), 1);
    let out = ping.test_run().unwrap().run().unwrap();
    assert_eq!(out.retval, 2);
    assert_eq!(skel.maps().bss().pings(), 2);
}

#[test]
fn typed_run_of_a_program_not_loaded_is_an_error() {
    let Some(_kernel) = exclusive("typed_run_of_a_program_not_loaded_is_an_error") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = SyscallTypedSkelBuilder::default()
        .open(&mut storage)
        .unwrap();
    open.progs_mut().scale().set_autoload(false).unwrap();
    let skel = open.load().unwrap();
    let e = skel
        .progs()
        .scale()
        .run(&mut scale_args::default())
        .unwrap_err();
    assert!(e.to_string().contains("scale"), "{e}");
}
