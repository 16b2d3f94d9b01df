//! The command line: what the user may ask for, checked before anything
//! touches the kernel.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// `char name[16]` in `struct tcp_congestion_ops`, with room for the NUL.
pub const NAME_MAX: usize = 15;

const AFTER_HELP: &str = "\
Exit codes:
  0    done; the algorithm was registered, used and unregistered
  1    a step failed (load, attach, transfer, read-back); the message says which
  2    bad command line (including a name the kernel would refuse)
  3    the name is already registered as a TCP congestion control
  4    missing privilege (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN)
  5    the kernel has no BTF, or cannot take TCP congestion controls from BPF
  130  interrupted (Ctrl-C or SIGTERM); the algorithm was unregistered

Environment:
  EXAMPLE_APP_VMLINUX_BTF  kernel BTF to check for struct_ops support
                           (default: /sys/kernel/btf/vmlinux)";

/// A TCP congestion control written in BPF, configured through the
/// struct_ops shadow type that skel generates for it.
#[derive(Debug, Parser)]
#[command(
    name = "example-app",
    version,
    arg_required_else_help = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Show libbpf's whole log, debug lines included, on stderr as it
    /// comes (errors carry the warnings of the failing step either way)
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Register the congestion control, send data over loopback with it,
    /// show what ran and what the kernel holds, then unregister it
    Run(RunArgs),
    /// Print the shadow type of the struct_ops map: member, C type, offset,
    /// size and how the generated Rust represents it
    Layout,
    /// A short preset of `run`: `run --name skel_demo --variant aggressive
    /// --non-restricted --bytes 1G`
    Demo,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Name to register the algorithm under: 1 to 15 ASCII letters, digits,
    /// `_` or `.`
    #[arg(long, default_value = "skel_cc", value_parser = parse_name)]
    pub name: String,

    /// Set TCP_CONG_NON_RESTRICTED, so that sockets of unprivileged
    /// processes may select the algorithm too
    #[arg(long)]
    pub non_restricted: bool,

    /// The program to put in the `cong_avoid` slot
    #[arg(long, value_enum, default_value_t = Variant::Reno)]
    pub variant: Variant,

    /// How much to send over loopback; K, M and G are powers of 1024
    /// (e.g. 16M)
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_size)]
    pub bytes: u64,
}

impl RunArgs {
    /// What `demo` runs.
    pub fn demo() -> RunArgs {
        RunArgs {
            name: "skel_demo".to_owned(),
            non_restricted: true,
            variant: Variant::Aggressive,
            bytes: 1 << 30,
        }
    }
}

/// The alternatives for the `cong_avoid` callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Variant {
    /// Slow start, then one segment more per window (additive increase)
    Reno,
    /// Slow start for good: twice the ACKed segments on every ACK
    Aggressive,
}

/// Checks a congestion-control name as the kernel will
/// (`bpf_obj_name_cpy`, called by the tcp_congestion_ops struct_ops when it
/// copies `name`): non-empty, NUL-terminated within 16 bytes, and made of
/// letters, digits, `_` and `.` only.
pub fn parse_name(name: &str) -> Result<String, String> {
    if name.is_empty() {
        return Err("the name is empty; the kernel needs 1 to 15 characters".to_owned());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.'))
    {
        return Err(format!(
            "the kernel refuses {c:?} in a congestion-control name; use ASCII letters, digits, `_` and `.`"
        ));
    }
    if name.len() > NAME_MAX {
        return Err(format!(
            "the name is {} bytes; the kernel keeps at most {NAME_MAX} (char name[16] with its NUL)",
            name.len()
        ));
    }
    Ok(name.to_owned())
}

/// A byte count: digits with an optional K, M or G (powers of 1024), which
/// may be followed by `i`, `iB` or `B`. Must be above zero.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, suffix) = text.split_at(digits_end);
    if digits.is_empty() {
        return Err("expected a number, optionally followed by K, M or G (e.g. 16M)".to_owned());
    }
    let shift = match suffix {
        "" | "B" => 0,
        "K" | "k" | "KB" | "KiB" | "Ki" | "kB" => 10,
        "M" | "MB" | "MiB" | "Mi" => 20,
        "G" | "GB" | "GiB" | "Gi" => 30,
        other => {
            return Err(format!(
                "unknown size suffix `{other}`; use K, M or G (powers of 1024)"
            ));
        }
    };
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("`{digits}` is too large"))?;
    let bytes = number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))?;
    if bytes == 0 {
        return Err("the size must be above zero".to_owned());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_kernel_takes() {
        for ok in ["a", "skel_cc", "my.cc_2", "ABCDEFGHIJKLMNO"] {
            assert_eq!(parse_name(ok).as_deref(), Ok(ok));
        }
    }

    #[test]
    fn names_the_kernel_refuses() {
        for (bad, why) in [
            ("", "empty"),
            ("ABCDEFGHIJKLMNOP", "16 bytes"),
            ("a-b", "'-'"),
            ("a b", "' '"),
            ("caf\u{e9}", "'\u{e9}'"),
            ("a/b", "'/'"),
        ] {
            let err = parse_name(bad).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1"), Ok(1));
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("4k"), Ok(4096));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        for bad in [
            "",
            "M",
            "0",
            "16X",
            "-1",
            "1.5M",
            "99999999999999999999",
            "17179869184G",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
    }
}
