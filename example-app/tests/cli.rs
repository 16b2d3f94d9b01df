//! Bad input: one line on stderr, a documented exit code, no panic, and
//! nothing loaded. None of these need privileges.

mod common;

use common::{BIN, assert_one_line_error, run, stdout, unique_name};

#[test]
fn help_lists_the_commands_and_exit_codes() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for needle in ["run", "layout", "demo", "Exit codes", "130"] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    let out = run(&["run", "--help"]);
    let text = stdout(&out);
    for needle in [
        "--name",
        "--non-restricted",
        "--variant",
        "reno",
        "aggressive",
        "--bytes",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
}

#[test]
fn a_name_longer_than_15_bytes() {
    let out = run(&["run", "--name", "sixteen_bytes_xx"]);
    assert_one_line_error(&out, 2, &["--name", "16 bytes", "at most 15"]);
}

#[test]
fn a_name_with_characters_the_kernel_refuses() {
    for (name, shown) in [
        ("skel-cc", "'-'"),
        ("skel cc", "' '"),
        ("caf\u{e9}", "'\u{e9}'"),
        ("a/b", "'/'"),
    ] {
        let out = run(&["run", "--name", name]);
        assert_one_line_error(&out, 2, &["--name", shown, "letters, digits"]);
    }
}

#[test]
fn an_empty_name() {
    let out = run(&["run", "--name", ""]);
    assert_one_line_error(&out, 2, &["--name", "empty"]);
}

#[test]
fn a_name_already_registered() {
    // reno is built into every kernel with TCP.
    let out = run(&["run", "--name", "reno"]);
    assert_one_line_error(&out, 3, &["`reno` is already registered", "--name"]);
}

#[test]
fn a_bad_size() {
    for size in ["16X", "0", "M", "-1", "1.5M"] {
        let out = run(&["run", &format!("--bytes={size}")]);
        assert_one_line_error(&out, 2, &["--bytes"]);
    }
}

#[test]
fn an_unknown_variant() {
    let out = run(&["run", "--variant", "cubic"]);
    assert_one_line_error(&out, 2, &["--variant", "cubic"]);
}

#[test]
fn a_kernel_without_btf() {
    let name = unique_name("skb");
    let out = std::process::Command::new(BIN)
        .args(["run", "--name", &name])
        .env("EXAMPLE_APP_VMLINUX_BTF", "/nonexistent/vmlinux")
        .output()
        .unwrap();
    assert_one_line_error(&out, 5, &["no BTF", "/nonexistent/vmlinux"]);
}

#[test]
fn a_kernel_without_tcp_struct_ops() {
    // BTF that lacks bpf_struct_ops_tcp_congestion_ops: our own object's.
    let btf = concat!(env!("OUT_DIR"), "/skel_cc.bpf.o");
    let name = unique_name("skb");
    let out = std::process::Command::new(BIN)
        .args(["run", "--name", &name])
        .env("EXAMPLE_APP_VMLINUX_BTF", btf)
        .output()
        .unwrap();
    assert_one_line_error(&out, 5, &["bpf_struct_ops_tcp_congestion_ops", btf]);
}
