// A typed syscall program takes its own context type: another struct of
// the skeleton (or bytes) does not compile.
use skel_runtime::ObjectStorage;
use skel_tests::syscall_typed_skel::SyscallTypedSkelBuilder;
use skel_tests::test_run_call_skel::types::weight_args;

fn main() {
    let mut storage = ObjectStorage::new();
    let open = SyscallTypedSkelBuilder::default().open(&mut storage).unwrap();
    let skel = open.load().unwrap();
    let _ = skel.progs().scale().run(&mut weight_args::default());
    let _ = skel.progs().scale().run(&mut [0u8; 24]);
}
