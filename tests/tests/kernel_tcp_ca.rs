//! struct_ops shadows on the running kernel, with tcp_congestion_ops: every
//! change made through the shadow is checked where the kernel shows it.

use skel_runtime::{Error, ObjectStorage, StructOpsState};
use skel_tests::kernel::{cc_list, exclusive, tcp_transfer, unique_name};
use skel_tests::tcp_ca_skel::TcpCaSkelBuilder;

const TCP_CONG_NON_RESTRICTED: u32 = 0x1;

#[test]
fn shadow_changes_reach_the_kernel() {
    let Some(_kernel) = exclusive("shadow_changes_reach_the_kernel") else {
        return;
    };
    let name = unique_name("skca");
    let mut storage = ObjectStorage::new();
    let mut open = TcpCaSkelBuilder::default().open(&mut storage).unwrap();
    {
        let aggressive = open.progs().ca_cong_avoid_aggressive();
        let ops = open.struct_ops_mut().skel_ca();
        ops.name.set(&name).unwrap();
        ops.flags = TCP_CONG_NON_RESTRICTED;
        // Swap in the alternative that no initialiser references, and clear
        // an optional callback: neither needs a set_autoload call.
        ops.cong_avoid = Some(aggressive);
        ops.cwnd_event = None;
    }
    let before = program_ids();
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();
    assert!(skel.links.skel_ca.is_some());

    assert!(
        cc_list("available").contains(&name),
        "{:?}",
        cc_list("available")
    );
    assert!(
        cc_list("allowed").contains(&name),
        "non-restricted: {:?}",
        cc_list("allowed")
    );

    tcp_transfer(&name, 8 << 20).unwrap();
    let bss = skel.maps().bss().read();
    assert!(
        bss.calls_aggressive > 0,
        "the swapped-in program ran: {bss:?}"
    );
    assert_eq!(
        bss.calls_reno, 0,
        "the replaced program did not run: {bss:?}"
    );
    assert_eq!(
        bss.calls_cwnd_event, 0,
        "the cleared callback did not run: {bss:?}"
    );
    assert!(bss.calls_init > 0, "{bss:?}");

    // The kernel's copy of the map value: the skeleton knows its struct.
    let kernel = skel.struct_ops().read_skel_ca_from_kernel().unwrap();
    assert_eq!(kernel.state, StructOpsState::InUse);
    assert_eq!(kernel.string("name").unwrap(), name);
    assert_eq!(
        kernel.uint("flags").unwrap() as u32 & TCP_CONG_NON_RESTRICTED,
        TCP_CONG_NON_RESTRICTED
    );
    let aggressive = skel.progs().ca_cong_avoid_aggressive();
    assert_eq!(kernel.prog_id("cong_avoid"), aggressive.id());
    assert_eq!(kernel.prog_id("cwnd_event"), Some(0));
    // Program ids come back as the skeleton's program names.
    assert_eq!(
        kernel.program("cong_avoid"),
        Some("ca_cong_avoid_aggressive")
    );
    assert_eq!(kernel.program("ssthresh"), Some("ca_ssthresh"));
    assert_eq!(kernel.program("cwnd_event"), None, "cleared");
    assert_eq!(kernel.program("name"), None, "not a slot");

    // Loaded exactly what sits in a slot.
    assert!(aggressive.fd().is_some());
    assert!(
        skel.progs().ca_cong_avoid_reno().fd().is_none(),
        "replaced program not loaded"
    );
    assert!(
        skel.progs().ca_cwnd_event().fd().is_none(),
        "cleared program not loaded"
    );
    let loaded = new_programs(&before);
    assert!(loaded.iter().any(|n| n == "ca_cong_avoid_a"), "{loaded:?}");
    assert!(
        !loaded
            .iter()
            .any(|n| n == "ca_cong_avoid_r" || n == "ca_cwnd_event"),
        "the kernel got no replaced or cleared program: {loaded:?}"
    );

    // After load the shadow is read-only and shows what was sent.
    assert_eq!(skel.struct_ops().skel_ca().name.to_str().unwrap(), name);

    drop(skel);
    assert!(
        !cc_list("available").contains(&name),
        "unregistered on drop"
    );
}

#[test]
fn restricted_by_default_and_reno_runs() {
    let Some(_kernel) = exclusive("restricted_by_default_and_reno_runs") else {
        return;
    };
    let name = unique_name("skcr");
    let mut storage = ObjectStorage::new();
    let mut open = TcpCaSkelBuilder::default().open(&mut storage).unwrap();
    open.struct_ops_mut().skel_ca().name.set(&name).unwrap();
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();
    assert!(cc_list("available").contains(&name));
    assert!(
        !cc_list("allowed").contains(&name),
        "restricted algorithms are not allowed by default"
    );
    // As root the restriction does not apply to setsockopt.
    tcp_transfer(&name, 4 << 20).unwrap();
    let bss = skel.maps().bss().read();
    assert!(bss.calls_reno > 0, "{bss:?}");
    assert_eq!(bss.calls_aggressive, 0, "{bss:?}");
    assert!(skel.progs().ca_cong_avoid_aggressive().fd().is_none());
}

#[test]
fn turning_off_a_slot_program_is_an_error() {
    let Some(_kernel) = exclusive("turning_off_a_slot_program_is_an_error") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = TcpCaSkelBuilder::default().open(&mut storage).unwrap();
    open.progs_mut().ca_ssthresh().set_autoload(false).unwrap();
    let err = open.load().unwrap_err();
    assert!(
        matches!(&err, Error::SlotProgramNotLoaded { map, field, program, .. }
            if map == "skel_ca" && field == "ssthresh" && program == "ca_ssthresh"),
        "{err:?}"
    );
    let err = err.to_string();
    assert!(
        err.contains("skel_ca") && err.contains("ssthresh") && err.contains("ca_ssthresh"),
        "{err}"
    );
}

#[test]
fn an_optional_map_turned_on_loads_its_programs() {
    let Some(_kernel) = exclusive("an_optional_map_turned_on_loads_its_programs") else {
        return;
    };
    let (main, optional) = (unique_name("skcm"), unique_name("skco"));
    let mut storage = ObjectStorage::new();
    let mut open = TcpCaSkelBuilder::default().open(&mut storage).unwrap();
    open.struct_ops_mut().skel_ca().name.set(&main).unwrap();
    open.struct_ops_mut()
        .skel_ca_optional()
        .name
        .set(&optional)
        .unwrap();
    open.maps_mut()
        .skel_ca_optional()
        .set_autocreate(true)
        .unwrap();
    assert!(open.maps().skel_ca_optional().autocreate());
    let before = program_ids();
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();
    let loaded = new_programs(&before);
    assert!(loaded.iter().any(|n| n == "ca_cong_avoid_o"), "{loaded:?}");
    assert!(skel.links.skel_ca_optional.is_some());
    assert!(cc_list("available").contains(&optional));
    tcp_transfer(&optional, 4 << 20).unwrap();
    let bss = skel.maps().bss().read();
    assert!(bss.calls_optional > 0, "{bss:?}");
    assert_eq!((bss.calls_reno, bss.calls_aggressive), (0, 0), "{bss:?}");
}

/// Ids of the programs in the kernel.
fn program_ids() -> std::collections::HashSet<u32> {
    libbpf_rs::query::ProgInfoIter::default()
        .map(|p| p.id)
        .collect()
}

/// Names (15 bytes, as the kernel keeps them) of programs loaded since
/// `before` was taken. Kernel tests are serialized, so they are ours.
fn new_programs(before: &std::collections::HashSet<u32>) -> Vec<String> {
    libbpf_rs::query::ProgInfoIter::default()
        .filter(|p| !before.contains(&p.id))
        .map(|p| p.name.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_map_left_uncreated_cannot_be_attached_or_read_back() {
    let Some(_kernel) = exclusive("a_map_left_uncreated_cannot_be_attached_or_read_back") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let mut open = TcpCaSkelBuilder::default().open(&mut storage).unwrap();
    open.struct_ops_mut()
        .skel_ca()
        .name
        .set(&unique_name("skcu"))
        .unwrap();
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();
    assert!(skel.links.skel_ca_optional.is_none(), "attach() skips it");
    for (err, what) in [
        (skel.attach_skel_ca_optional().unwrap_err(), "attach it"),
        (
            skel.struct_ops()
                .read_skel_ca_optional_from_kernel()
                .unwrap_err(),
            "read it back",
        ),
    ] {
        let text = err.to_string();
        assert!(
            matches!(&err, Error::NotCreated { map, what: w } if map == "skel_ca_optional" && *w == what),
            "{err:?}"
        );
        assert!(
            text.starts_with("map `skel_ca_optional` was not created at load"),
            "{text}"
        );
        assert!(text.contains("set_autocreate(true)"), "{text}");
        assert!(text.ends_with(what), "{text}");
    }
    assert!(skel.links.skel_ca_optional.is_none(), "nothing attached");
}
