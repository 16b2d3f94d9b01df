//! `.kconfig` externs read back after load (bpf/kconfig.bpf.c): the typed
//! read-only `skel.maps().kconfig()`, laid out as libbpf's `.kconfig` map,
//! holds what libbpf filled from the running kernel: the version (checked
//! against uname(2)), a bool, a weak tristate and an int, each equal to
//! what the program saw.

use skel_runtime::ObjectStorage;
use skel_tests::kconfig_skel::KconfigSkelBuilder;
use skel_tests::kconfig_skel::types::libbpf_tristate;
use skel_tests::kernel::exclusive;

/// `KERNEL_VERSION(a, b, c)` of the running kernel's release, as libbpf
/// computes it from uname(2) (the patch level capped at 255).
fn kernel_version_from_uname() -> u32 {
    // SAFETY: utsname is plain C data; uname(2) fills it.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `uts` is a valid, writable utsname.
    assert_eq!(unsafe { libc::uname(&mut uts) }, 0);
    let release: String = uts
        .release
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8 as char)
        .collect();
    let mut parts = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().unwrap_or(0));
    let (a, b, c) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    (a << 16) + (b << 8) + c.min(255)
}

#[test]
fn kconfig_externs_read_back_typed_after_load() {
    let Some(_kernel) = exclusive("kconfig_externs_read_back_typed_after_load") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let skel = KconfigSkelBuilder::default()
        .open(&mut storage)
        .unwrap()
        .load()
        .unwrap();
    let ret = skel
        .progs()
        .read_config()
        .test_run()
        .unwrap()
        .run()
        .unwrap()
        .retval;

    let kconfig = skel.maps().kconfig();
    assert_eq!(kconfig.LINUX_KERNEL_VERSION, kernel_version_from_uname());
    assert!(bool::from(kconfig.CONFIG_BPF_SYSCALL));
    assert!(kconfig.CONFIG_HZ >= 100, "CONFIG_HZ {}", kconfig.CONFIG_HZ);
    assert!(
        [
            libbpf_tristate::TRI_NO,
            libbpf_tristate::TRI_YES,
            libbpf_tristate::TRI_MODULE
        ]
        .contains(&kconfig.CONFIG_TCP_CONG_DCTCP),
        "{:?}",
        kconfig.CONFIG_TCP_CONG_DCTCP
    );

    // The same values the program saw: the view's layout is libbpf's.
    let seen = skel.maps().bss();
    assert_eq!(seen.seen_version(), kconfig.LINUX_KERNEL_VERSION);
    assert_eq!(seen.seen_hz(), kconfig.CONFIG_HZ as u32);
    let dctcp = u32::from(kconfig.CONFIG_TCP_CONG_DCTCP == libbpf_tristate::TRI_YES) * 2;
    assert_eq!(ret, 1 + dctcp);
    assert_eq!(skel.maps().kconfig_map().info().value_size, 13);
}

/// `OpenOptions::kconfig`: lines libbpf resolves `__kconfig` externs from
/// before the running kernel's config, which fills the rest.
#[test]
fn kconfig_open_option_overrides_the_kernels_config() {
    let Some(_kernel) = exclusive("kconfig_open_option_overrides_the_kernels_config") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut builder = KconfigSkelBuilder::default();
    builder
        .open_options
        .kconfig("CONFIG_HZ=123\nCONFIG_TCP_CONG_DCTCP=m\n");
    let skel = builder.open(&mut storage).unwrap().load().unwrap();
    let kconfig = skel.maps().kconfig();
    assert_eq!(kconfig.CONFIG_HZ, 123);
    assert_eq!(kconfig.CONFIG_TCP_CONG_DCTCP, libbpf_tristate::TRI_MODULE);
    assert!(bool::from(kconfig.CONFIG_BPF_SYSCALL), "from the kernel");
    assert_eq!(kconfig.LINUX_KERNEL_VERSION, kernel_version_from_uname());
}
