//! The `bpf/multi/` fixture: three `.bpf.c` files and a shared header,
//! linked into one object and one skeleton. On the running kernel, the
//! program of `writer.bpf.c` calls the function of `defs.bpf.c`, which
//! writes the map and global defined there; the program of
//! `reader.bpf.c` reads both. Userspace sees what each wrote.

use skel_runtime::{LoadedProgram, ObjectStorage};
use skel_tests::kernel::exclusive;
use skel_tests::multi_skel::MultiSkelBuilder;

/// Runs a `SEC("syscall")` program once; returns its return value.
fn run(prog: LoadedProgram<'_>) -> i32 {
    prog.test_run().unwrap().run().expect("test run").retval as i32
}

#[test]
fn programs_of_three_files_share_one_map_global_and_function() {
    let Some(_kernel) = exclusive("programs_of_three_files_share_one_map_global_and_function")
    else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = MultiSkelBuilder::default().open(&mut storage).unwrap();
    // One map and one .bss for the three files.
    open.maps_mut().rodata().write_slot = 2;
    open.maps_mut().rodata().write_by = 7;
    let skel = open.load().unwrap();

    assert_eq!(run(skel.progs().write_counts()), 0);
    assert_eq!(run(skel.progs().write_counts()), 0);
    let bss = skel.maps().bss().read();
    // bump() of defs.bpf.c returned the slot's new value to writer.bpf.c.
    assert_eq!(bss.last_bump, 14);
    assert_eq!(bss.total, 14, "the global defs.bpf.c defines");
    // The reader has not run yet.
    assert_eq!(bss.seen_total, 0);

    assert_eq!(run(skel.progs().read_counts()), 0);
    let bss = skel.maps().bss().read();
    assert_eq!(bss.seen_slots, [0, 0, 14, 0], "reader.bpf.c saw the map");
    assert_eq!(bss.seen_total, 14, "reader.bpf.c saw the global");

    // Userspace sees the same map.
    let value = skel.maps().counts().get(2).unwrap().expect("slot 2");
    assert_eq!(value, 14);
    // One map in the kernel, shared by both programs.
    let map_id = skel.maps().counts().id().unwrap();
    for prog in [skel.progs().write_counts(), skel.progs().read_counts()] {
        let id = prog.id().expect("loaded");
        let opts = libbpf_rs::query::ProgInfoQueryOptions::default().include_map_ids(true);
        let info = libbpf_rs::query::ProgInfoIter::with_query_opts(opts)
            .find(|p| p.id == id)
            .expect("the program is in the kernel's list");
        assert!(
            info.map_ids.contains(&map_id),
            "{}: maps {:?}, counts is {map_id}",
            info.name.to_string_lossy(),
            info.map_ids
        );
    }
}
