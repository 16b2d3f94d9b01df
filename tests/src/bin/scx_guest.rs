//! The guest side of the sched_ext VM test (`vm/run.sh` boots a kernel with
//! sched_ext and runs this as root from the initramfs's `/init`).
//!
//! It configures the scheduler of `bpf/scx_minimal.bpf.c` through the
//! generated shadow (`skel_tests::scx::configure`), loads and attaches it,
//! runs a thread under `SCHED_EXT`, and checks every choice where the
//! kernel shows it. Then it runs the compatibility scheduler of
//! `bpf/scx_compat.bpf.c` (`compat.rs`). Each check prints one `skel-vm: PASS ...` or
//! `skel-vm: FAIL ...` line; the last line is `skel-vm: DONE <passed>
//! <failed>`. The exit status is 0 only if every check passed.

use std::path::Path;
use std::time::{Duration, Instant};

use skel_runtime::{ObjectStorage, StructOpsState};
use skel_tests::scx::{EXIT_DUMP_LEN, SCHED_EXT, SCX_OPS_SWITCH_PARTIAL, TIMEOUT_MS, configure};
use skel_tests::scx_minimal_skel::ScxMinimalSkelBuilder;

#[path = "scx_guest/compat.rs"]
mod compat;

const SYSFS: &str = "/sys/kernel/sched_ext";

/// The checks run so far.
#[derive(Default)]
struct Checks {
    passed: u32,
    failed: u32,
}

impl Checks {
    /// Records and prints one check.
    fn check(&mut self, ok: bool, what: &str, detail: impl std::fmt::Display) -> bool {
        if ok {
            self.passed += 1;
            println!("skel-vm: PASS {what} ({detail})");
        } else {
            self.failed += 1;
            println!("skel-vm: FAIL {what} ({detail})");
        }
        ok
    }

    /// `expected == got`, printed with both.
    fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, expected: T, got: T) -> bool {
        let detail = format!("expected {expected:?}, got {got:?}");
        self.check(expected == got, what, detail)
    }

    fn done(&self) -> ! {
        println!("skel-vm: DONE {} {}", self.passed, self.failed);
        std::process::exit(if self.failed == 0 { 0 } else { 1 })
    }
}

/// A sysfs file of sched_ext, trimmed; the error as text if unreadable.
fn sysfs(file: &str) -> String {
    let path = Path::new(SYSFS).join(file);
    match std::fs::read_to_string(&path) {
        Ok(s) => s.trim().to_owned(),
        Err(e) => format!("<{}: {e}>", path.display()),
    }
}

/// Polls sched_ext's `state` until it reads `want` (enable and disable go
/// through a kernel worker), for at most `limit`.
fn wait_state(want: &str, limit: Duration) -> String {
    let start = Instant::now();
    loop {
        let state = sysfs("state");
        if state == want || start.elapsed() > limit {
            return state;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What the thread run under `SCHED_EXT` saw.
struct Workload {
    set_policy: Result<(), std::io::Error>,
    policy: i32,
}

/// Runs a thread that switches itself to `SCHED_EXT`, then sleeps and
/// spins in turns, so that it wakes up (select_cpu, enqueue) and runs
/// (running) many times.
fn run_under_sched_ext() -> Workload {
    std::thread::spawn(|| {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: pid 0 is the calling thread; param is a valid struct.
        let ret = unsafe { libc::sched_setscheduler(0, SCHED_EXT, &param) };
        let set_policy = if ret == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        };
        // SAFETY: no preconditions.
        let policy = unsafe { libc::sched_getscheduler(0) };
        for i in 0..100u64 {
            std::thread::sleep(Duration::from_millis(2));
            let mut x = i;
            for _ in 0..10_000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
            std::hint::black_box(x);
        }
        Workload { set_policy, policy }
    })
    .join()
    .expect("workload thread panicked")
}

fn main() {
    let mut checks = Checks::default();
    // Not the initialiser's "skel_scx", and different on every run.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!("skel_vm_{}_{nanos}", std::process::id());

    if !Path::new(SYSFS).exists() {
        checks.check(false, "kernel has sched_ext", format!("no {SYSFS}"));
        checks.done();
    }
    checks.eq(
        "sched_ext is disabled before load",
        "disabled",
        sysfs("state").as_str(),
    );

    let mut storage = ObjectStorage::new();
    let mut open = match ScxMinimalSkelBuilder::default().open(&mut storage) {
        Ok(open) => open,
        Err(e) => {
            checks.check(false, "open", format!("{e}"));
            checks.done();
        }
    };
    if let Err(e) = configure(&mut open, &name) {
        checks.check(false, "configure the shadow", e);
        checks.done();
    }
    let mut skel = match open.load() {
        Ok(skel) => skel,
        Err(e) => {
            checks.check(false, "load", format!("{e}"));
            checks.done();
        }
    };
    checks.check(true, "load", "libbpf accepted the shadow's values");

    // Loaded exactly what sits in a slot, with no set_autoload calls.
    let progs = skel.progs();
    checks.check(
        progs.enqueue_global().is_loaded(),
        "swapped-in enqueue_global is loaded",
        format!("id {:?}", progs.enqueue_global().id()),
    );
    checks.check(
        !progs.enqueue_local().is_loaded(),
        "replaced enqueue_local is not loaded",
        format!("autoload {}", progs.enqueue_local().libbpf().autoload()),
    );
    checks.check(
        !progs.running().is_loaded(),
        "cleared running is not loaded",
        format!("autoload {}", progs.running().libbpf().autoload()),
    );

    if let Err(e) = skel.attach() {
        checks.check(false, "attach", format!("{e}"));
        checks.done();
    }
    checks.check(
        skel.links.skel_scx.is_some(),
        "attach",
        "struct_ops link made",
    );

    checks.eq(
        "state is enabled",
        "enabled",
        wait_state("enabled", Duration::from_secs(5)).as_str(),
    );
    checks.eq(
        "root/ops shows the name",
        name.as_str(),
        sysfs("root/ops").as_str(),
    );
    checks.eq(
        "switch_all is 0 (SCX_OPS_SWITCH_PARTIAL arrived)",
        "0",
        sysfs("switch_all").as_str(),
    );

    let work = run_under_sched_ext();
    checks.check(
        work.set_policy.is_ok() && work.policy == SCHED_EXT,
        "a thread runs under SCHED_EXT",
        format!(
            "sched_setscheduler: {:?}, policy then {}",
            work.set_policy, work.policy
        ),
    );
    // .bss is live (the programs count in it): each getter reads the
    // variable as it is now.
    let bss = skel.maps().bss();
    let calls = bss.calls_enqueue_global();
    checks.check(
        calls > 0,
        "the chosen enqueue_global ran",
        format!("{calls} calls"),
    );
    checks.eq(
        "the replaced enqueue_local never ran",
        0,
        bss.calls_enqueue_local(),
    );
    checks.eq("the cleared running never ran", 0, bss.calls_running());
    let calls = bss.calls_select_cpu();
    checks.check(
        calls > 0,
        "select_cpu from the initialiser ran",
        format!("{calls} calls"),
    );
    checks.eq(
        "still enabled after the workload (the watchdog did not fire)",
        "enabled",
        sysfs("state").as_str(),
    );

    match skel.struct_ops().read_skel_scx_from_kernel() {
        Ok(kernel) => {
            // A `.struct_ops.link` map stays READY: its link holds the
            // registration (a plain `.struct_ops` map would be INUSE).
            checks.eq(
                "kernel map value is registered through the link",
                StructOpsState::Ready,
                kernel.state,
            );
            checks.eq(
                "kernel map value: timeout_ms",
                Some(u64::from(TIMEOUT_MS)),
                kernel.uint("timeout_ms"),
            );
            checks.eq(
                "kernel map value: exit_dump_len",
                Some(u64::from(EXIT_DUMP_LEN)),
                kernel.uint("exit_dump_len"),
            );
            checks.eq(
                "kernel map value: flags",
                Some(SCX_OPS_SWITCH_PARTIAL),
                kernel.uint("flags"),
            );
            checks.eq(
                "kernel map value: name",
                Some(name.clone()),
                kernel.string("name"),
            );
            checks.eq(
                "kernel map value: enqueue holds enqueue_global",
                skel.progs().enqueue_global().id(),
                kernel.prog_id("enqueue"),
            );
            checks.eq(
                "kernel map value: enqueue is named enqueue_global",
                Some("enqueue_global"),
                kernel.program("enqueue"),
            );
            checks.eq(
                "kernel map value: running is empty",
                Some(0),
                kernel.prog_id("running"),
            );
        }
        Err(e) => {
            checks.check(false, "read back the kernel map value", e);
        }
    }

    drop(skel);
    checks.eq(
        "state is disabled after drop",
        "disabled",
        wait_state("disabled", Duration::from_secs(5)).as_str(),
    );

    compat::run(&mut checks, &format!("{name}_c"));
    checks.eq(
        "compat: state is disabled after drop",
        "disabled",
        wait_state("disabled", Duration::from_secs(5)).as_str(),
    );
    checks.done();
}
