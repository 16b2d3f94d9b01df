//! `__weak` globals overridden by a strong definition, linked in both
//! orders (`bpf/weak_then_strong/`, `bpf/strong_then_weak/`), on the
//! running kernel: what user space writes through the typed views before
//! load (and into `.data` after load) is what the programs of both files
//! read. With the weak copy first, libbpf's BTF offsets point at dead weak
//! copies; a view there would write where no program reads.

use skel_runtime::{LoadedProgram, ObjectStorage};
use skel_tests::kernel::exclusive;

/// Runs a `SEC("syscall")` program once; returns its return value.
fn run(prog: LoadedProgram<'_>) -> i32 {
    prog.test_run().unwrap().run().expect("test run").retval as i32
}

macro_rules! kernel_weak_test {
    ($test:ident, $skel:ident, $builder:ident) => {
        #[test]
        fn $test() {
            use skel_tests::$skel::{types, $builder};
            let Some(_kernel) = exclusive(stringify!($test)) else {
                return;
            };
            let mut storage = ObjectStorage::new();
            let mut open = $builder::default().open(&mut storage).unwrap();
            {
                let d = open.maps_mut().data();
                d.knob = 0x1234_5678_9abc;
                d.cfg.a = 0xc0ffee;
                d.cfg.b = 0xbeef;
            }
            open.maps_mut().rodata().limit = 77;
            open.maps_mut().bss().zeroed = 99;
            let skel = open.load().unwrap();

            assert_eq!(run(skel.progs().see_in_weak_file()), 0);
            assert_eq!(run(skel.progs().see_in_strong_file()), 0);
            let bss = skel.maps().bss().read();
            let expected = |s: &types::seen| (s.knob, s.limit, s.zeroed, s.cfg_a, s.cfg_b);
            let written = (0x1234_5678_9abc, 77, 99, 0xc0ffee, 0xbeef);
            assert_eq!(
                expected(&bss.seen_in_weak_file),
                written,
                "the weak file's program"
            );
            assert_eq!(
                expected(&bss.seen_in_strong_file),
                written,
                "the strong file's program"
            );

            // After load, `.data` is the kernel's map, mmapped: a write is
            // seen at the next run.
            skel.maps().data().set_knob(5);
            assert_eq!(run(skel.progs().see_in_weak_file()), 0);
            assert_eq!(skel.maps().bss().seen_in_weak_file().knob, 5);
        }
    };
}

kernel_weak_test!(
    weak_then_strong_programs_read_what_user_space_wrote,
    weak_then_strong_skel,
    WeakThenStrongSkelBuilder
);
kernel_weak_test!(
    strong_then_weak_programs_read_what_user_space_wrote,
    strong_then_weak_skel,
    StrongThenWeakSkelBuilder
);
