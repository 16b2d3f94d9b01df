//! The `kinds` fixture: map-in-map, a per-CPU hash, .kconfig externs, custom
//! data sections, an autoload-off program, several program types, and
//! globals of 128-bit, floating-point, bitfield, anonymous and pointer types.

use libbpf_rs::MapCore as _;
use skel_runtime::ObjectStorage;
use skel_tests::kernel::exclusive;
use skel_tests::kinds_skel::{KindsSkelBuilder, types};
use skel_tests::objects::var_offsets;

#[test]
fn initial_values_read_through_typed_views() {
    let mut storage = ObjectStorage::new();
    let open = KindsSkelBuilder::default().open(&mut storage).unwrap();
    let data = open.maps().data();
    let d = data.data().unwrap();
    let gbf = &d.gbf;
    assert_eq!((gbf.a(), gbf.b(), gbf.c(), gbf.d()), (5, 17, -3, 12345));
    assert_eq!(d.ge, types::tiny::TINY_B);
    assert_eq!(std::mem::size_of_val(&d.ge), 1, "a packed enum is one byte");
    assert_eq!(d.gi128, -7);
    assert_eq!(d.gfl, 1.5);
    assert_eq!(d.gdb, [1.0, 2.0, 3.0]);
    assert!(d.gb.get());
    assert_eq!(d.gstr.to_str().unwrap(), "hi");
    let ro = open.maps().rodata();
    assert_eq!(ro.roname.to_str().unwrap(), "ro");
    assert_eq!(ro.robf.a(), 1);
    let custom = open.maps().data_custom();
    assert_eq!(custom.garr.n, 1);
    assert_eq!(custom.garr.arr[3], [7, 8]);
    assert_eq!(open.maps().rodata_extra().rosec, 9);
    assert_eq!(open.maps().data_second().gsec2, 0);
    let bss = open.maps().bss();
    assert!(bss.gptr.is_null() && bss.gfn.is_null());
    assert_eq!(bss.gnest.l2.l3.deep, 0);
}

#[test]
fn writes_land_at_the_variable_offsets() {
    let mut storage = ObjectStorage::new();
    let mut open = KindsSkelBuilder::default().open(&mut storage).unwrap();
    let obj = open.as_libbpf_object();
    {
        let b = open.maps_mut().bss();
        b.gu.__anon_lo_mut().hi = 0xaabb_ccdd;
        b.gu128 = 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10;
        b.gnest.l2.l3.deep = -9;
        b.gtd.x = 41;
        let mut data = open.maps_mut().data();
        let d = data.data_mut().unwrap();
        d.gbf.set_d(0xff_ffff_ffff);
        d.gi128 = i128::MIN;
        open.maps_mut().data_custom().garr.arr[2][1] = 0x55;
    }
    // SAFETY: the object stays open (`open` is alive).
    let off = unsafe { var_offsets(obj, ".bss") };
    let bss = open
        .maps()
        .bss_map()
        .libbpf()
        .initial_value()
        .unwrap()
        .to_vec();
    let at = |name: &str, len: usize| bss[off[name]..off[name] + len].to_vec();
    assert_eq!(at("gu", 8)[4..], 0xaabb_ccddu32.to_le_bytes());
    assert_eq!(
        at("gu128", 16),
        0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10u128.to_le_bytes()
    );
    assert_eq!(at("gnest", 4), (-9i32).to_le_bytes());
    assert_eq!(at("gtd", 4), 41i32.to_le_bytes());
    // SAFETY: the object stays open (`open` is alive).
    let off = unsafe { var_offsets(obj, ".data") };
    let data = open
        .maps()
        .data_map()
        .libbpf()
        .initial_value()
        .unwrap()
        .to_vec();
    let gbf = u64::from_le_bytes(data[off["gbf"]..][..8].try_into().unwrap());
    assert_eq!(
        (gbf >> 15) & 0xff_ffff_ffff,
        0xff_ffff_ffff,
        "d: 40 bits at 15"
    );
    assert_eq!(data[off["gi128"]..][..16], i128::MIN.to_le_bytes());
    let custom = open
        .maps()
        .data_custom_map()
        .libbpf()
        .initial_value()
        .unwrap()
        .to_vec();
    // garr.arr starts at byte 4; [2][1] is the sixth int.
    assert_eq!(custom[4 + 5 * 4..][..4], 0x55i32.to_le_bytes());
}

fn getpid() {
    // SAFETY: no preconditions.
    unsafe { libc::syscall(libc::SYS_getpid) };
}

#[test]
fn loads_with_kconfig_map_in_map_and_an_autoload_off_program() {
    let Some(_kernel) = exclusive("loads_with_kconfig_map_in_map_and_an_autoload_off_program")
    else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = KindsSkelBuilder::default().open(&mut storage).unwrap();
    assert!(
        !open.progs_mut().tp_off().autoload(),
        "`?tp/` is autoload off"
    );
    let mut skel = open.load().unwrap();
    let link = skel.progs_mut().tp_getpid().libbpf().attach().unwrap();
    getpid();
    let cnt = skel.maps().bss().cnt();
    // sub(1) + robf.a (1) + rosec (9) + CONFIG_BPF_SYSCALL (1) + 'r' (114).
    assert!(cnt >= 126 && cnt % 126 == 0, "cnt {cnt}");
    drop(link);
    assert!(
        skel.progs().tp_off().fd().is_none(),
        "an autoload-off program is not loaded"
    );
    // The map-in-map was created with `inner` in slot 0: a lookup from user
    // space gives the inner map's id.
    assert_eq!(
        skel.maps().outer().libbpf().unwrap().map_type(),
        libbpf_rs::MapType::ArrayOfMaps
    );
    let slot = skel
        .maps()
        .outer()
        .libbpf()
        .unwrap()
        .lookup(&0u32.to_ne_bytes(), libbpf_rs::MapFlags::ANY)
        .unwrap()
        .expect("slot 0 holds the inner map");
    let inner_id = skel.maps().inner().id().unwrap();
    assert_eq!(slot, inner_id.to_ne_bytes());
    // The .kconfig map holds the two externs the program uses: a u32 and a
    // bool.
    let kconfig = skel.maps().kconfig_map().info();
    assert_eq!(kconfig.map_type, libbpf_sys::BPF_MAP_TYPE_ARRAY);
    assert_eq!(kconfig.value_size, 5);
    // Their values, as libbpf filled them at load.
    assert!(skel.maps().kconfig().LINUX_KERNEL_VERSION >= 5 << 16);
    assert!(bool::from(skel.maps().kconfig().CONFIG_BPF_SYSCALL));
}
