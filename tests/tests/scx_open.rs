//! The sched_ext scheduler's shadow configuration, checked on the host at
//! open time (no sched_ext needed): each value the VM test sets lands at
//! the member's offset in libbpf's buffer, by libbpf's reading of the
//! object's BTF. The VM test (`vm/run.sh`) proves the kernel side.

use skel_runtime::ObjectStorage;
use skel_tests::objects::member_offsets;
use skel_tests::scx::{EXIT_DUMP_LEN, SCX_OPS_SWITCH_PARTIAL, TIMEOUT_MS, configure};
use skel_tests::scx_minimal_skel::ScxMinimalSkelBuilder;

#[test]
fn vm_configuration_lands_in_libbpfs_buffer() {
    let off = member_offsets(&skel_tests::fixture("scx_minimal"), "sched_ext_ops");
    let mut storage = ObjectStorage::new();
    let mut open = ScxMinimalSkelBuilder::default().open(&mut storage).unwrap();
    assert_eq!(
        open.struct_ops().skel_scx().enqueue,
        Some(open.progs().enqueue_local())
    );
    configure(&mut open, "skel_vm_host").unwrap();
    let global = open.progs().enqueue_global().as_ptr() as u64;
    let select_cpu = open.progs().select_cpu().as_ptr() as u64;
    let map = open.maps().skel_scx().libbpf();
    let buf = map.initial_value().unwrap();
    let at = |name: &str, len: usize| &buf[off[name]..off[name] + len];
    assert_eq!(at("name", 13), b"skel_vm_host\0");
    assert_eq!(at("timeout_ms", 4), TIMEOUT_MS.to_le_bytes());
    assert_eq!(at("flags", 8), SCX_OPS_SWITCH_PARTIAL.to_le_bytes());
    assert_eq!(at("exit_dump_len", 4), EXIT_DUMP_LEN.to_le_bytes());
    assert_eq!(at("hotplug_seq", 8), [0; 8]);
    assert_eq!(at("enqueue", 8), global.to_le_bytes());
    assert_eq!(at("running", 8), [0; 8]);
    assert_eq!(at("select_cpu", 8), select_cpu.to_le_bytes());
}
