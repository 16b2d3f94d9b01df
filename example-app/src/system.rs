//! What the running system offers: kernel support, privileges and the
//! congestion controls already registered. Checked before the skeleton is
//! opened, so that each problem gets its own clear line.

use skel_runtime::libbpf_rs::btf::Btf;
use skel_runtime::libbpf_rs::btf::types::Struct;

use crate::error::AppError;

/// Where the kernel publishes its BTF.
const VMLINUX_BTF: &str = "/sys/kernel/btf/vmlinux";
/// Overrides [`VMLINUX_BTF`] for the support check (tests point it at
/// files without struct_ops).
const ENV_VMLINUX_BTF: &str = "EXAMPLE_APP_VMLINUX_BTF";
/// The kernel's value type for tcp_congestion_ops struct_ops maps; present
/// when the kernel can register congestion controls written in BPF.
const STRUCT_OPS_VALUE: &str = "bpf_struct_ops_tcp_congestion_ops";

const AVAILABLE: &str = "/proc/sys/net/ipv4/tcp_available_congestion_control";
const ALLOWED: &str = "/proc/sys/net/ipv4/tcp_allowed_congestion_control";

/// Capability numbers (linux/capability.h).
const CAP_NET_ADMIN: u32 = 12;
const CAP_SYS_ADMIN: u32 = 21;
const CAP_PERFMON: u32 = 38;
const CAP_BPF: u32 = 39;

/// The kernel has BTF and can take a tcp_congestion_ops from BPF.
pub fn check_kernel_support() -> Result<(), AppError> {
    let path = std::env::var_os(ENV_VMLINUX_BTF)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| VMLINUX_BTF.into());
    let shown = path.display();
    if !path.exists() {
        return Err(AppError::Unsupported(format!(
            "the kernel has no BTF ({shown} is missing); struct_ops needs a kernel built with \
             CONFIG_DEBUG_INFO_BTF=y"
        )));
    }
    let btf = Btf::from_path(&path).map_err(|e| {
        AppError::Unsupported(format!("cannot read the kernel's BTF from {shown}: {e}"))
    })?;
    if btf.type_by_name::<Struct<'_>>(STRUCT_OPS_VALUE).is_none() {
        return Err(AppError::Unsupported(format!(
            "the kernel cannot register TCP congestion controls from BPF: its BTF ({shown}) has \
             no `{STRUCT_OPS_VALUE}` (needs CONFIG_BPF_JIT and BPF struct_ops, Linux 5.6 or later)"
        )));
    }
    Ok(())
}

/// The process may load the programs, register the struct_ops map and
/// (for a restricted algorithm) select it on a socket.
///
/// Loading struct_ops programs needs CAP_BPF and CAP_PERFMON (both implied
/// by CAP_SYS_ADMIN); a socket may select a restricted congestion control
/// only with CAP_NET_ADMIN.
pub fn check_privileges(restricted: bool) -> Result<(), AppError> {
    let caps = effective_caps().map_err(|e| {
        AppError::Privilege(format!(
            "cannot read the process's capabilities from /proc/self/status: {e}"
        ))
    })?;
    let has = |cap: u32| caps & (1u64 << cap) != 0;
    let mut missing = vec![];
    if !has(CAP_BPF) && !has(CAP_SYS_ADMIN) {
        missing.push("CAP_BPF (to load BPF programs and maps)");
    }
    if !has(CAP_PERFMON) && !has(CAP_SYS_ADMIN) {
        missing.push("CAP_PERFMON (to load struct_ops programs)");
    }
    if restricted && !has(CAP_NET_ADMIN) {
        missing.push("CAP_NET_ADMIN (to select a restricted algorithm; or pass --non-restricted)");
    }
    if missing.is_empty() {
        return Ok(());
    }
    // SAFETY: getuid cannot fail and touches no memory.
    let uid = unsafe { libc::getuid() };
    let who = if uid == 0 {
        "the process runs as root but lacks".to_owned()
    } else {
        format!("the process runs as uid {uid}, not root, and lacks")
    };
    Err(AppError::Privilege(format!(
        "{who} {}; run as root with full privileges",
        missing.join(", ")
    )))
}

/// The effective capability set (`CapEff` in /proc/self/status).
fn effective_caps() -> std::io::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let hex = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .map(str::trim)
        .ok_or_else(|| std::io::Error::other("no CapEff line"))?;
    u64::from_str_radix(hex, 16).map_err(std::io::Error::other)
}

/// `name` is not registered yet.
pub fn check_name_free(name: &str) -> Result<(), AppError> {
    if registered(name) {
        return Err(AppError::NameTaken {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// Is `name` among the registered congestion controls?
pub fn registered(name: &str) -> bool {
    list(AVAILABLE).iter().any(|n| n == name)
}

/// May unprivileged sockets select `name`?
pub fn allowed(name: &str) -> bool {
    list(ALLOWED).iter().any(|n| n == name)
}

fn list(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}
