//! `run` end to end on the running kernel: the chosen program, name and
//! flags reach the kernel through the shadow; each program's counter shows
//! what ran; the algorithm is gone when the process is.
//!
//! Every test uses its own congestion-control name, so they may run at once.

mod common;

use std::collections::HashMap;
use std::process::{Command, Stdio};

use common::{BIN, kernel_available, registered, stdout, unique_name, wait_registered};

/// What `run` printed, parsed.
#[derive(Debug)]
struct Report {
    /// Program -> (runs, prog id if loaded).
    runs: HashMap<String, (u64, Option<u32>)>,
    /// The kernel read-back section: label -> value.
    kernel: HashMap<String, String>,
    text: String,
}

fn parse(text: &str) -> Report {
    let mut runs = HashMap::new();
    let mut kernel = HashMap::new();
    let mut section = "";
    for line in text.lines() {
        if line.starts_with("BPF program runs") {
            section = "runs";
            continue;
        }
        if line.starts_with("kernel's copy") {
            section = "kernel";
            continue;
        }
        if !line.starts_with("  ") {
            section = "";
            continue;
        }
        match section {
            "runs" => {
                let cols: Vec<&str> = line.split_whitespace().collect();
                if let [prog, n, id, ..] = cols.as_slice()
                    && let Ok(n) = n.parse()
                {
                    runs.insert(prog.to_string(), (n, id.parse().ok()));
                }
            }
            "kernel" => {
                let line = line.trim_start();
                let (label, value) = line.split_at(line.len().min(14));
                kernel.insert(label.trim().to_owned(), value.trim().to_owned());
            }
            _ => {}
        }
    }
    Report {
        runs,
        kernel,
        text: text.to_owned(),
    }
}

fn run_variant(variant: &str, non_restricted: bool) {
    let name = unique_name("skr");
    let mut args = vec![
        "run",
        "--name",
        &name,
        "--variant",
        variant,
        "--bytes",
        "16M",
    ];
    if non_restricted {
        args.push("--non-restricted");
    }
    let out = common::run(&args);
    assert!(
        out.status.success(),
        "stderr: {}\nstdout: {}",
        common::stderr(&out),
        stdout(&out)
    );
    let report = parse(&stdout(&out));
    let text = &report.text;

    let (chosen, other) = match variant {
        "reno" => ("cc_cong_avoid_reno", "cc_cong_avoid_aggressive"),
        _ => ("cc_cong_avoid_aggressive", "cc_cong_avoid_reno"),
    };
    let (runs, id) = report.runs[chosen];
    assert!(runs > 0, "{chosen} ran: {text}");
    let id = id.unwrap_or_else(|| panic!("{chosen} loaded: {text}"));
    assert_eq!(
        report.runs[other],
        (0, None),
        "{other} neither loaded nor ran: {text}"
    );
    assert!(report.runs["cc_init"].0 > 0, "{text}");

    // The kernel's copy holds what the shadow said.
    assert_eq!(report.kernel["name"], name, "{text}");
    let flags = if non_restricted { "0x1" } else { "0x0" };
    assert!(report.kernel["flags"].starts_with(flags), "{text}");
    assert_eq!(
        report.kernel["cong_avoid"],
        format!("prog {id} ({chosen})"),
        "{text}"
    );
    assert!(report.kernel["state"].starts_with("ready"), "{text}");
    for slot in ["ssthresh", "undo_cwnd", "init"] {
        assert!(report.kernel[slot].starts_with("prog "), "{slot}: {text}");
    }
    assert!(
        text.contains(&format!("congestion control {name},")),
        "the socket used it: {text}"
    );
    let allowed = if non_restricted {
        "and tcp_allowed_congestion_control"
    } else {
        "not in tcp_allowed_congestion_control"
    };
    assert!(text.contains(allowed), "{text}");

    assert!(text.contains(&format!("unregistered {name}")), "{text}");
    assert!(!registered(&name), "gone after exit");
}

#[test]
fn run_reno() {
    if kernel_available("run_reno") {
        run_variant("reno", false);
    }
}

#[test]
fn run_aggressive_non_restricted() {
    if kernel_available("run_aggressive_non_restricted") {
        run_variant("aggressive", true);
    }
}

/// Starts a long run and waits until its algorithm is registered.
fn start_long_run(name: &str) -> std::process::Child {
    let child = Command::new(BIN)
        .args([
            "run",
            "--name",
            name,
            "--bytes",
            "1024G",
            "--non-restricted",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_registered(name, true, 30), "`{name}` registered");
    child
}

#[test]
fn ctrl_c_unregisters() {
    if !kernel_available("ctrl_c_unregisters") {
        return;
    }
    let name = unique_name("ski");
    let child = start_long_run(&name);
    // SAFETY: a plain syscall on our child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let out = child.wait_with_output().unwrap();
    common::assert_one_line_error(&out, 130, &["interrupted", &name, "unregistered"]);
    assert!(!registered(&name));
}

#[test]
fn sigterm_unregisters() {
    if !kernel_available("sigterm_unregisters") {
        return;
    }
    let name = unique_name("skt");
    let child = start_long_run(&name);
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let out = child.wait_with_output().unwrap();
    common::assert_one_line_error(&out, 130, &["interrupted", &name]);
    assert!(!registered(&name));
}

#[test]
fn even_sigkill_unregisters() {
    if !kernel_available("even_sigkill_unregisters") {
        return;
    }
    // No handler runs; the BPF link closes with the process.
    let name = unique_name("skk");
    let mut child = start_long_run(&name);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(wait_registered(&name, false, 10), "`{name}` unregistered");
}

#[test]
fn the_same_name_twice_at_once() {
    if !kernel_available("the_same_name_twice_at_once") {
        return;
    }
    // One registers; the other is refused, by the check before load or,
    // when both pass it, by the kernel's EEXIST at attach: the same line.
    let name = unique_name("skd");
    let spawn = || {
        Command::new(BIN)
            .args(["run", "--name", &name, "--bytes", "1024G"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut children = vec![spawn(), spawn()];
    let end = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let loser = loop {
        if let Some(i) = children
            .iter_mut()
            .position(|c| c.try_wait().unwrap().is_some())
        {
            break children.remove(i);
        }
        assert!(std::time::Instant::now() < end, "one of the two runs ends");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let winner = children.pop().unwrap();
    // SAFETY: a plain syscall on our child's pid.
    unsafe { libc::kill(winner.id() as i32, libc::SIGINT) };
    let out = loser.wait_with_output().unwrap();
    common::assert_one_line_error(&out, 3, &[&format!("`{name}` is already registered")]);
    let out = winner.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", common::stderr(&out));
    assert!(!registered(&name));
}

#[test]
fn demo() {
    if !kernel_available("demo") {
        return;
    }
    // The demo's name is fixed; don't meet a `make demo` running now.
    if registered("skel_demo") {
        eprintln!("SKIPPED demo: skel_demo is registered by another process");
        return;
    }
    let out = common::run(&["demo"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let report = parse(&stdout(&out));
    assert!(
        report.runs["cc_cong_avoid_aggressive"].0 > 0,
        "{}",
        report.text
    );
    assert_eq!(report.runs["cc_cong_avoid_reno"], (0, None));
    assert_eq!(report.kernel["name"], "skel_demo");
    assert!(report.kernel["flags"].starts_with("0x1"));
    assert!(report.text.contains("unregistered skel_demo"));
}
