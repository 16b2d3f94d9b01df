//! The owned form of a skeleton on the running kernel: kept in a struct,
//! moved to another thread that attaches it and reads typed globals,
//! dropped there; and reloaded 200 times in one process without leaking
//! file descriptors or memory, every round registering and unregistering
//! its tcp_congestion_ops.

use skel_runtime::Result;
use skel_tests::kernel::{cc_list, exclusive, tcp_transfer, unique_name};
use skel_tests::tcp_ca_skel::{OwnedTcpCaSkel, TcpCaSkelBuilder};

const TCP_CONG_NON_RESTRICTED: u32 = 0x1;

/// What a long-running tool keeps: its skeleton in a plain field, no
/// lifetime parameter.
struct Daemon {
    name: String,
    skel: OwnedTcpCaSkel,
}

impl Daemon {
    /// Opens, configures through the shadow, and loads.
    fn start(name: &str) -> Result<Daemon> {
        let mut open = TcpCaSkelBuilder::default().open_owned()?;
        open.with(|open| {
            let aggressive = open.progs().ca_cong_avoid_aggressive();
            let ops = open.struct_ops_mut().skel_ca();
            ops.name.set(name).expect("fits in char[16]");
            ops.flags = TCP_CONG_NON_RESTRICTED;
            ops.cong_avoid = Some(aggressive);
        });
        // Reading through `get` before load: the shadow as it will be sent.
        assert_eq!(
            open.get().struct_ops().skel_ca().name.to_str().unwrap(),
            name
        );
        Ok(Daemon {
            name: name.to_owned(),
            skel: open.load()?,
        })
    }

    fn aggressive_calls(&self) -> u64 {
        self.skel.get().maps().bss().calls_aggressive()
    }
}

#[test]
fn an_owned_skeleton_moves_to_another_thread_attaches_there_and_is_dropped_there() {
    let Some(_kernel) =
        exclusive("an_owned_skeleton_moves_to_another_thread_attaches_there_and_is_dropped_there")
    else {
        return;
    };
    let name = unique_name("skow");
    let mut daemon = Daemon::start(&name).unwrap();
    assert!(!cc_list("available").contains(&name), "not before attach");
    let worker = std::thread::spawn(move || {
        daemon.skel.attach().unwrap();
        assert!(cc_list("available").contains(&daemon.name));
        tcp_transfer(&daemon.name, 4 << 20).unwrap();
        let calls = daemon.aggressive_calls();
        assert!(calls > 0, "the swapped-in program ran ({calls} calls)");
        // Links, programs and read-back through the owned form.
        let skel = daemon.skel.get();
        assert!(skel.links.skel_ca.is_some());
        let kernel = skel.struct_ops().read_skel_ca_from_kernel().unwrap();
        assert_eq!(kernel.string("name").unwrap(), daemon.name);
        assert_eq!(
            kernel.program("cong_avoid"),
            Some("ca_cong_avoid_aggressive")
        );
        // Changing it: detach by dropping the link (a `.struct_ops` map,
        // unlike a `.struct_ops.link` one, registers only once).
        daemon.skel.with(|skel| skel.links.skel_ca = None);
        assert!(!cc_list("available").contains(&daemon.name));
        daemon.skel.with(|skel| skel.maps().bss().set_calls_init(0));
        assert_eq!(daemon.skel.get().maps().bss().calls_init(), 0);
        let name = daemon.name.clone();
        drop(daemon);
        name
    });
    let name = worker.join().unwrap();
    assert!(
        !cc_list("available").contains(&name),
        "dropped in the worker thread: unregistered"
    );
}

/// Open file descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn reloading_200_times_leaks_nothing_and_moves_the_registration() {
    let Some(_kernel) = exclusive("reloading_200_times_leaks_nothing_and_moves_the_registration")
    else {
        return;
    };
    const ROUNDS: usize = 200;
    let name = unique_name("skrl");
    let round = |i: usize| {
        let mut daemon = Daemon::start(&name).unwrap();
        daemon.skel.attach().unwrap();
        assert!(
            cc_list("available").contains(&name),
            "round {i}: registered"
        );
        drop(daemon);
        assert!(
            !cc_list("available").contains(&name),
            "round {i}: unregistered on drop"
        );
    };
    // One round first: libbpf and the allocator set up what they keep.
    round(0);
    let (fds, rss) = (open_fds(), rss_kib());
    for i in 1..=ROUNDS {
        round(i);
    }
    let (fds_after, rss_after) = (open_fds(), rss_kib());
    assert_eq!(
        fds_after, fds,
        "open file descriptors after {ROUNDS} reloads"
    );
    // Each round opens a 50 KiB object and loads programs; a leak of one
    // round's worth would show as several MiB here.
    assert!(
        rss_after <= rss + 2048,
        "resident memory grew from {rss} KiB to {rss_after} KiB over {ROUNDS} reloads"
    );
}
