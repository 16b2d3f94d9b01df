//! Missing privileges: the binary names what is missing before it loads
//! anything. As root, the tests drop privileges with setpriv (util-linux);
//! otherwise the test process is already unprivileged.

mod common;

use std::process::Command;

use common::{BIN, assert_one_line_error, is_root, unique_name};

/// `example-app run --name <name> <extra>`, under `setpriv <setpriv>` when
/// root. None (after saying why) when setpriv is missing.
fn run_dropped(setpriv: &[&str], extra: &[&str]) -> Option<std::process::Output> {
    let name = unique_name("skp");
    let mut args = vec!["run", "--name", &name];
    args.extend_from_slice(extra);
    let mut cmd = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(setpriv).arg(BIN);
        c
    } else {
        Command::new(BIN)
    };
    match cmd.args(&args).output() {
        Ok(out) => Some(out),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let why = "setpriv (util-linux) is not installed";
            // Like the kernel tests: under SKEL_REQUIRE_KERNEL=1 a skip fails.
            if std::env::var("SKEL_REQUIRE_KERNEL").is_ok_and(|v| v == "1") {
                panic!("SKEL_REQUIRE_KERNEL=1, but {why}");
            }
            eprintln!("SKIPPED: {why}");
            None
        }
        Err(e) => panic!("spawn: {e}"),
    }
}

#[test]
fn not_root() {
    let Some(out) = run_dropped(&["--reuid=65534", "--clear-groups", "--inh-caps=-all"], &[])
    else {
        return;
    };
    if is_root() {
        assert_one_line_error(
            &out,
            4,
            &[
                "missing privilege",
                "not root",
                "uid 65534",
                "CAP_BPF",
                "CAP_PERFMON",
                "CAP_NET_ADMIN",
            ],
        );
    } else {
        assert_one_line_error(&out, 4, &["missing privilege", "not root"]);
    }
}

#[test]
fn root_without_cap_perfmon() {
    if !is_root() {
        eprintln!("SKIPPED root_without_cap_perfmon: needs root to drop one capability");
        return;
    }
    // Root's capabilities after exec come from the bounding set.
    let Some(out) = run_dropped(&["--bounding-set=-perfmon,-sys_admin"], &[]) else {
        return;
    };
    assert_one_line_error(&out, 4, &["root but lacks CAP_PERFMON"]);
    let err = common::stderr(&out);
    assert!(
        !err.contains("CAP_BPF") && !err.contains("CAP_NET_ADMIN"),
        "{err}"
    );
}

#[test]
fn root_without_cap_net_admin_needs_non_restricted() {
    if !is_root() {
        eprintln!("SKIPPED root_without_cap_net_admin_needs_non_restricted: needs root");
        return;
    }
    let Some(out) = run_dropped(&["--bounding-set=-net_admin"], &[]) else {
        return;
    };
    assert_one_line_error(&out, 4, &["CAP_NET_ADMIN", "--non-restricted"]);
}
