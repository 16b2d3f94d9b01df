//! Shared by the end-to-end tests: running the built binary, gating the
//! tests that need the kernel, and reading the kernel's lists.
#![allow(dead_code)]

use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_example-app");

/// Runs the binary with `args` and waits for it.
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("spawn example-app")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The binary failed with `code` and said exactly one line on stderr,
/// containing every one of `needles`.
pub fn assert_one_line_error(out: &Output, code: i32, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit code; stderr: {err}; stdout: {}",
        stdout(out)
    );
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err:?}");
    assert!(err.starts_with("error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "{n:?} in {err:?}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// Whether tests that load BPF can run here. When they cannot, this prints
/// why and returns false, unless `SKEL_REQUIRE_KERNEL=1`, where it panics
/// (the same rule as `skel_tests::kernel::available`).
pub fn kernel_available(test: &str) -> bool {
    match why_not() {
        None => true,
        Some(reason) => {
            if std::env::var("SKEL_REQUIRE_KERNEL").is_ok_and(|v| v == "1") {
                panic!("{test}: kernel test cannot run ({reason}) and SKEL_REQUIRE_KERNEL=1");
            }
            eprintln!("SKIPPED {test}: {reason}");
            false
        }
    }
}

fn why_not() -> Option<String> {
    if !std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
        return Some("the kernel has no BTF (/sys/kernel/btf/vmlinux)".into());
    }
    let caps = effective_caps();
    let has = |cap: u32| caps & (1 << cap) != 0;
    // CAP_NET_ADMIN 12, CAP_SYS_ADMIN 21, CAP_PERFMON 38, CAP_BPF 39.
    if !(has(39) || has(21)) || !(has(38) || has(21)) || !has(12) {
        return Some("needs root (CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN)".into());
    }
    None
}

pub fn effective_caps() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapEff:"))
                .and_then(|h| u64::from_str_radix(h.trim(), 16).ok())
        })
        .unwrap_or(0)
}

pub fn is_root() -> bool {
    // SAFETY: getuid cannot fail.
    unsafe { libc::getuid() == 0 }
}

/// A congestion-control name (at most 15 bytes) no other test or test run
/// uses, so tests may load at once without meeting in the kernel.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "{prefix}{}_{}",
        std::process::id() % 1_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    );
    assert!(name.len() <= 15, "{name}");
    name
}

/// Is `name` a registered congestion control?
pub fn registered(name: &str) -> bool {
    std::fs::read_to_string("/proc/sys/net/ipv4/tcp_available_congestion_control")
        .unwrap_or_default()
        .split_whitespace()
        .any(|n| n == name)
}

/// Waits up to `secs` for `registered(name) == want`.
pub fn wait_registered(name: &str, want: bool, secs: u64) -> bool {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < end {
        if registered(name) == want {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    registered(name) == want
}
