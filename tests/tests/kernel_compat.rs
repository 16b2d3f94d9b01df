//! Kernel compatibility on this machine's kernel: shadows checked against
//! the kernel's struct before load (tcp_congestion_ops; sched_ext_ops, which
//! this kernel lacks), the opt-in that clears what the kernel lacks, kfuncs,
//! enum values read from the kernel's BTF (against `bpftool btf dump`), and
//! `.rodata` constants filled from them and seen by a BPF program.

use std::collections::HashMap;

use skel_runtime::{Error, KernelBtf, KernelConstOutcome, ObjectStorage};
use skel_tests::compat_skel::{CompatSkelBuilder, types::compat_cong_flags};
use skel_tests::kernel::{cc_list, exclusive, tcp_transfer, unique_name};

#[test]
fn a_set_member_the_kernel_lacks_fails_load_until_cleared_on_purpose() {
    let Some(_kernel) = exclusive("a_set_member_the_kernel_lacks_fails_load_until_cleared") else {
        return;
    };
    let name = unique_name("skcp");
    let mut storage = ObjectStorage::new();
    let mut open = CompatSkelBuilder::default().open(&mut storage).unwrap();
    open.struct_ops_mut().compat_ca().name.set(&name).unwrap();
    // The initialiser put a program in `future_callback`; set the scalar.
    open.struct_ops_mut().compat_ca().future_knob = 7;
    let err = open.load().unwrap_err();
    let text = err.to_string();
    eprintln!("{text}");
    let Error::KernelLacksMembers { skeleton, maps } = &err else {
        panic!("{text}");
    };
    assert_eq!(*skeleton, "compat");
    assert_eq!(maps.len(), 1, "{text}");
    assert_eq!(
        (maps[0].map.as_str(), maps[0].kernel_struct.as_str()),
        ("compat_ca", "tcp_congestion_ops")
    );
    assert_eq!(maps[0].members, ["future_callback", "future_knob"]);
    assert!(
        text.contains("map `compat_ca` sets members `future_callback`, `future_knob` that the running kernel's `struct tcp_congestion_ops` lacks"),
        "{text}"
    );
    assert!(!cc_list("available").contains(&name));

    // On purpose: clear what the kernel lacks; the map loads and registers.
    let mut storage = ObjectStorage::new();
    let mut open = CompatSkelBuilder::default().open(&mut storage).unwrap();
    open.struct_ops_mut().compat_ca().name.set(&name).unwrap();
    open.struct_ops_mut().compat_ca().future_knob = 7;
    let cleared = open.struct_ops_mut().clear_compat_ca_missing().unwrap();
    assert_eq!(cleared, ["future_callback", "future_knob"]);
    let ops = open.struct_ops().compat_ca();
    assert!(ops.future_callback.is_none() && ops.future_knob == 0);
    assert!(ops.cong_avoid.is_some(), "members the kernel has are kept");
    assert_eq!(
        open.struct_ops_mut().clear_compat_ca_missing().unwrap(),
        Vec::<&str>::new(),
        "nothing left to clear"
    );
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();
    assert!(cc_list("available").contains(&name));
    assert!(
        skel.progs().cp_future().fd().is_none(),
        "the cleared slot's program is not loaded"
    );
    tcp_transfer(&name, 2 << 20).unwrap();
    let bss = skel.maps().bss().read();
    assert!(bss.calls_cong_avoid > 0);
    assert_eq!(bss.calls_future, 0);
    drop(skel);
    assert!(!cc_list("available").contains(&name));
}

#[test]
fn a_kernel_without_the_struct_ops_type_says_so() {
    let Some(_kernel) = exclusive("a_kernel_without_the_struct_ops_type_says_so") else {
        return;
    };
    use skel_tests::scx_minimal_skel::ScxMinimalSkelBuilder;
    let kernel = KernelBtf::get().unwrap();
    let mut storage = ObjectStorage::new();
    let mut open = ScxMinimalSkelBuilder::default().open(&mut storage).unwrap();
    if kernel.has_struct_ops("sched_ext_ops") {
        // Not the case this test is for (this machine's kernel has no
        // sched_ext): the type is there, so the check finds it.
        let cleared = open.struct_ops_mut().clear_skel_scx_missing();
        assert!(cleared.is_ok(), "{cleared:?}");
        return;
    }
    let err = open.struct_ops_mut().clear_skel_scx_missing().unwrap_err();
    assert!(matches!(err, Error::NoStructOpsType { .. }), "{err}");
    let text = open.load().unwrap_err().to_string();
    assert_eq!(
        text,
        "skeleton `scx_minimal`, struct_ops map `skel_scx`: the running kernel has no \
         struct_ops type `sched_ext_ops` (its BTF has no `struct sched_ext_ops` with a \
         `struct bpf_struct_ops_sched_ext_ops`), so it cannot load this map at all; the \
         running kernel has no sched_ext (it needs Linux 6.12 or later built with \
         CONFIG_SCHED_CLASS_EXT)"
    );
}

#[test]
fn kfuncs_and_ksyms_of_this_kernel() {
    let Some(_kernel) = exclusive("kfuncs_and_ksyms_of_this_kernel") else {
        return;
    };
    let kernel = KernelBtf::get().unwrap();
    // Kfuncs of BPF congestion controls (net/ipv4/bpf_tcp_ca.c, 6.x).
    assert!(kernel.has_kfunc("tcp_reno_cong_avoid"));
    assert!(kernel.has_kfunc("tcp_slow_start"));
    assert!(!kernel.has_kfunc("skel_no_such_kfunc"));
    // dctcp's kfuncs exist only with CONFIG_TCP_CONG_DCTCP, which this
    // machine's kernel lacks (its struct is the witness).
    assert_eq!(
        kernel.has_kfunc("dctcp_cwnd_event"),
        kernel.has_struct("dctcp")
    );
    // A kernel function that is no kfunc is still a ksym.
    assert!(kernel.has_ksym("schedule") && !kernel.has_ksym("skel_no_such_ksym"));
    assert!(kernel.has_struct("tcp_congestion_ops") && kernel.has_struct_ops("tcp_congestion_ops"));
    assert!(kernel.has_union("bpf_attr") && !kernel.has_struct("bpf_attr"));
    let name = kernel.member("tcp_congestion_ops", "name").unwrap();
    assert_eq!(name.size, 16);
    assert!(
        kernel
            .member("tcp_congestion_ops", "ssthresh")
            .unwrap()
            .is_func_ptr
    );
    assert!(kernel.member("tcp_congestion_ops", "future_knob").is_none());
    // One parse per process: the same object every time.
    assert!(std::ptr::eq(kernel, KernelBtf::get().unwrap()));
}

/// Every enum constant of `bpftool btf dump file /sys/kernel/btf/vmlinux`:
/// name, enum (empty when anonymous) and value. `None` (printed why) when
/// bpftool is missing.
fn bpftool_enums() -> Option<Vec<(String, String, i128)>> {
    let out = match std::process::Command::new("bpftool")
        .args(["btf", "dump", "file", "/sys/kernel/btf/vmlinux"])
        .output()
    {
        Ok(out) if out.status.success() => out,
        Ok(out) => panic!("bpftool failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => {
            let why = format!("no bpftool ({e}); scripts/install-deps.sh installs it");
            if std::env::var("SKEL_REQUIRE_KERNEL").is_ok_and(|v| v == "1") {
                panic!("{why}");
            }
            eprintln!("SKIPPED the bpftool comparison: {why}");
            return None;
        }
    };
    let text = String::from_utf8(out.stdout).unwrap();
    let mut enums = vec![];
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with('[') {
            // [13580] ENUM64 'perf_callchain_context' encoding=UNSIGNED size=8 vlen=7
            let mut words = line.split_whitespace().skip(1);
            current = match (words.next(), words.next()) {
                (Some("ENUM" | "ENUM64"), Some(name)) => {
                    let name = name.trim_matches('\'');
                    Some(if name == "(anon)" { "" } else { name }.to_owned())
                }
                _ => None,
            };
        } else if let (Some(e), Some(rest)) = (&current, line.trim().strip_prefix('\'')) {
            // 'PERF_CONTEXT_HV' val=18446744073709551584ULL
            let (name, val) = rest.split_once("' val=").unwrap();
            let val = val.trim_end_matches(['U', 'L']);
            enums.push((name.to_owned(), e.clone(), val.parse().unwrap()));
        }
    }
    Some(enums)
}

#[test]
fn enum_values_match_bpftool() {
    let Some(_kernel) = exclusive("enum_values_match_bpftool") else {
        return;
    };
    let kernel = KernelBtf::get().unwrap();
    let Some(dump) = bpftool_enums() else {
        return;
    };
    assert!(dump.len() > 1000, "{} enum constants", dump.len());
    let mut by_name: HashMap<&str, Vec<i128>> = HashMap::new();
    for (name, _, value) in &dump {
        by_name.entry(name).or_default().push(*value);
    }
    // Every constant bpftool prints, with every value it has.
    for (name, values) in &by_name {
        let mut ours: Vec<i128> = kernel.enumerators(name).iter().map(|e| e.value).collect();
        let mut theirs = values.clone();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs, "enum constant {name}");
    }
    for (name, enum_name, value) in dump.iter().filter(|(_, e, _)| !e.is_empty()).take(5000) {
        let ours = kernel.enum_value(enum_name, name).unwrap();
        assert_eq!(ours.enum_name, *enum_name);
        // A named enum may repeat a name only in another enum of the same
        // name (none in practice); the first definition answers.
        assert_eq!(ours.value, *value, "enum {enum_name}::{name}");
    }
    // A 64-bit value and negative ones, as bpftool prints them.
    let hv = kernel
        .enum_value("perf_callchain_context", "PERF_CONTEXT_HV")
        .unwrap();
    assert_eq!(
        (hv.value, hv.size, hv.signed),
        (18446744073709551584, 8, false)
    );
    assert!(dump.contains(&(
        "PERF_CONTEXT_HV".into(),
        "perf_callchain_context".into(),
        hv.value
    )));
    let invalid = kernel.enum_value("cpuhp_state", "CPUHP_INVALID").unwrap();
    assert_eq!((invalid.value, invalid.signed), (-1, true));
    assert!(dump.contains(&("CPUHP_INVALID".into(), "cpuhp_state".into(), -1)));
    let min = kernel.enum_value("netdev_tx", "__NETDEV_TX_MIN").unwrap();
    assert_eq!(min.value, i128::from(i32::MIN));
    assert!(dump.contains(&("__NETDEV_TX_MIN".into(), "netdev_tx".into(), min.value)));
}

#[test]
fn kernel_constants_are_filled_and_seen_by_the_program() {
    let Some(_kernel) = exclusive("kernel_constants_are_filled_and_seen_by_the_program") else {
        return;
    };
    let kernel = KernelBtf::get().unwrap();
    let value = |enum_name: &str, name: &str| kernel.enum_value(enum_name, name).unwrap().value;
    let name = unique_name("skck");
    let mut storage = ObjectStorage::new();
    let mut open = CompatSkelBuilder::default().open(&mut storage).unwrap();
    open.struct_ops_mut().compat_ca().name.set(&name).unwrap();
    open.struct_ops_mut().clear_compat_ca_missing().unwrap();
    let report = open.fill_kernel_consts().unwrap();
    eprintln!("{report}");

    let outcome = |n: &str| {
        report
            .consts
            .iter()
            .find(|c| c.name == n)
            .unwrap_or_else(|| panic!("{n} not in {report:?}"))
            .outcome
            .clone()
    };
    let loss = value("tcp_ca_event", "CA_EVENT_LOSS");
    let hv = value("perf_callchain_context", "PERF_CONTEXT_HV");
    let invalid = value("cpuhp_state", "CPUHP_INVALID");
    let dead = value("perf_event_state", "PERF_EVENT_STATE_DEAD");
    assert_eq!(outcome("CA_EVENT_LOSS"), KernelConstOutcome::Filled(loss));
    assert_eq!(outcome("PERF_CONTEXT_HV"), KernelConstOutcome::Filled(hv));
    assert_eq!(outcome("CPUHP_INVALID"), KernelConstOutcome::Filled(-1));
    assert_eq!(
        outcome("PERF_EVENT_STATE_DEAD"),
        KernelConstOutcome::Filled(dead)
    );
    assert_eq!(
        outcome("SKEL_NO_SUCH_CONSTANT"),
        KernelConstOutcome::Missing
    );
    let user = value("perf_callchain_context", "PERF_CONTEXT_USER");
    assert_eq!(
        outcome("PERF_CONTEXT_USER"),
        KernelConstOutcome::TooWide {
            value: user,
            size: 4
        }
    );
    let res_limit: Vec<i128> = kernel
        .enumerators("RES_LIMIT")
        .iter()
        .map(|e| e.value)
        .collect();
    if res_limit.iter().any(|v| *v != res_limit[0]) {
        assert!(
            matches!(outcome("RES_LIMIT"), KernelConstOutcome::Ambiguous(d) if d.len() == res_limit.len())
        );
    }
    let missing: Vec<&str> = report.missing().map(|c| c.name.as_str()).collect();
    assert_eq!(missing, ["SKEL_NO_SUCH_CONSTANT"]);
    assert_eq!(
        report.consts.len(),
        7,
        "only the variables the rule names: {report:?}"
    );
    assert!(
        report
            .to_string()
            .contains("the running kernel lacks SKEL_NO_SUCH_CONSTANT"),
        "{report}"
    );

    let ro = open.maps().rodata();
    assert_eq!(i128::from(ro.__CA_EVENT_LOSS), loss);
    assert_eq!(i128::from(ro.__PERF_CONTEXT_HV), hv);
    assert_eq!(i128::from(ro.__CPUHP_INVALID), invalid);
    assert_eq!(
        (ro.__SKEL_NO_SUCH_CONSTANT, ro.__PERF_CONTEXT_USER),
        (0, 0),
        "left as they were"
    );
    assert_eq!(
        (ro.__lower_case, ro.plain_setting),
        (7, 9),
        "not kernel constants"
    );

    // The program reads them from .rodata after load.
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();
    tcp_transfer(&name, 1 << 20).unwrap();
    let bss = skel.maps().bss().read();
    assert_eq!(i128::from(bss.seen_loss), loss);
    assert_eq!(i128::from(bss.seen_hv), hv);
    assert_eq!(i128::from(bss.seen_invalid), invalid);
    assert_eq!(i128::from(bss.seen_dead), dead);
    // Initialised to 1 (in `.data`): the program wrote the 0 it read.
    assert_eq!(skel.maps().data().seen_missing(), 0);
    // Frozen at load, as filled.
    assert_eq!(i128::from(skel.maps().rodata().__CA_EVENT_LOSS), loss);
}

#[test]
fn enum_flags_fill_an_integer_member_without_casts() {
    let Some(_kernel) = exclusive("enum_flags_fill_an_integer_member_without_casts") else {
        return;
    };
    let name = unique_name("skcf");
    let mut storage = ObjectStorage::new();
    let mut open = CompatSkelBuilder::default().open(&mut storage).unwrap();
    open.struct_ops_mut().clear_compat_ca_missing().unwrap();
    let ops = open.struct_ops_mut().compat_ca();
    ops.name.set(&name).unwrap();
    // `flags` is a plain `u32` in C; the enum's constants go in as they are.
    ops.flags = compat_cong_flags::COMPAT_CONG_NON_RESTRICTED.into();
    ops.flags |= compat_cong_flags::COMPAT_CONG_NON_RESTRICTED | compat_cong_flags(0);
    assert_eq!(ops.flags, 1);
    let mut skel = open.load().unwrap();
    skel.attach().unwrap();
    assert!(
        cc_list("allowed").contains(&name),
        "non-restricted: {:?}",
        cc_list("allowed")
    );
    let kernel = skel.struct_ops().read_compat_ca_from_kernel().unwrap();
    assert_eq!(kernel.uint("flags").unwrap() & 1, 1);
}

#[test]
fn a_scheduler_on_a_kernel_without_sched_ext_gets_every_constant_reported_missing() {
    let Some(_kernel) = exclusive("a_scheduler_on_a_kernel_without_sched_ext") else {
        return;
    };
    use skel_tests::scx_compat_skel::ScxCompatSkelBuilder;
    let mut storage = ObjectStorage::new();
    let mut open = ScxCompatSkelBuilder::default().open(&mut storage).unwrap();
    let report = open.fill_kernel_consts().unwrap();
    assert_eq!(report.consts.len(), 44, "{report}");
    if KernelBtf::get().unwrap().has_struct_ops("sched_ext_ops") {
        // Not the case this test is for (this machine's kernel has no
        // sched_ext): the kernel has its constants, so some are filled.
        assert!(report.missing().count() < 44, "{report}");
        return;
    }
    assert_eq!(report.missing().count(), 44, "{report}");
    assert!(
        report
            .consts
            .iter()
            .all(|c| c.section == ".rodata" && c.var == format!("__{}", c.name))
    );
    assert_eq!(open.maps().rodata().__SCX_DSQ_LOCAL, 0, "left as it was");
}
