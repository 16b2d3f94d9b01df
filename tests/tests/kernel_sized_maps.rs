//! Maps declared with key_size/value_size (no BTF key or value types),
//! typed by the build script (`.map_key_type`, `.map_value_type`; see
//! bpf/sized_maps.bpf.c): a per-CPU array of u64 read per CPU, a hash of
//! structs and a queue of u32, through their typed handles on the running
//! kernel.

use skel_runtime::ObjectStorage;
use skel_tests::kernel::exclusive;
use skel_tests::sized_maps_skel::SizedMapsSkelBuilder;
use skel_tests::sized_maps_skel::types::{count_args, flow, flow_stats};

#[test]
fn maps_typed_by_the_build_script_read_back_typed() {
    let Some(_kernel) = exclusive("maps_typed_by_the_build_script_read_back_typed") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let skel = SizedMapsSkelBuilder::default()
        .open(&mut storage)
        .unwrap()
        .load()
        .unwrap();
    let count = skel.progs().count();
    for (idx, bytes) in [(1, 100), (1, 20), (0, 3)] {
        let mut args = count_args { idx, bytes };
        assert_eq!(count.run(&mut args).unwrap(), 0);
    }

    // Per-CPU: one u64 per possible CPU, summing to the runs of each slot.
    let stats = skel.maps().stats();
    let slot1: Vec<u64> = stats.get(1).unwrap().expect("an array slot");
    assert_eq!(slot1.len(), skel_runtime::maps::possible_cpus().unwrap());
    assert_eq!(slot1.iter().sum::<u64>(), 2);
    assert_eq!(stats.get(0).unwrap().unwrap().iter().sum::<u64>(), 1);

    // Hash of structs, by struct key.
    let key = flow {
        saddr: 0x0a00_0001,
        sport: 1000,
        dport: 53,
    };
    let seen: flow_stats = skel.maps().flows().lookup(&key).unwrap().expect("the flow");
    assert_eq!((seen.packets, seen.bytes), (3, 123));

    // Queue of u32, in push order; user space pushes too.
    let q = skel.maps().events_q();
    assert_eq!(q.pop().unwrap(), Some(100));
    assert_eq!(q.pop().unwrap(), Some(20));
    q.push(&7, skel_runtime::maps::MapFlags::ANY).unwrap();
    assert_eq!(q.pop().unwrap(), Some(3));
    assert_eq!(q.pop().unwrap(), Some(7));
    assert_eq!(q.pop().unwrap(), None);
}
