// A typed syscall run needs the loaded skeleton: the open skeleton's
// programs are tokens without `run`.
use skel_runtime::ObjectStorage;
use skel_tests::syscall_typed_skel::SyscallTypedSkelBuilder;
use skel_tests::syscall_typed_skel::types::scale_args;

fn main() {
    let mut storage = ObjectStorage::new();
    let open = SyscallTypedSkelBuilder::default().open(&mut storage).unwrap();
    let _ = open.progs().scale().run(&mut scale_args::default());
}
