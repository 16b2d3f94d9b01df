//! Test runs: calling a loaded BPF program from user space
//! (`BPF_PROG_TEST_RUN`, also called `BPF_PROG_RUN`), with typed input and
//! output.
//!
//! The kernel runs the program once (or `repeat` times) on input you give
//! it, and hands back the program's return value, what became of the input,
//! and for packet programs the average time per run. Two uses:
//!
//! - **Calling `SEC("syscall")` programs** with a context struct, the way
//!   sched_ext schedulers set up their BPF side (lavd's `arena_init`,
//!   bpfland's `enable_primary_cpu`): [`run_syscall`] passes `&mut C` in,
//!   reads what the program wrote into it back, and returns the program's
//!   `int`.
//! - **Unit-testing packet programs** from `cargo test`: an XDP, TC
//!   (`tc`, `tcx`, `sched_cls`), socket filter or `cgroup_skb` program gets
//!   a packet you crafted, and you check its verdict and the bytes it
//!   rewrote. [`TestRun`] is the builder: data in, output room, an optional
//!   typed context ([`XdpMd`], [`SkBuff`]), a repeat count and flags;
//!   [`TestRunOutput`] is what the kernel gave back.
//!
//! A test run needs a loaded program, and the privilege loading it took:
//! take its fd from the skeleton (`skel.progs.<name>().fd()`).
//!
//! # Unit-testing an XDP program
//!
//! A program that drops UDP packets to port 9 and passes the rest:
//!
//! ```c
//! SEC("xdp")
//! int udp_policy(struct xdp_md *ctx)
//! {
//!     void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
//!     struct ethhdr *eth = data;
//!     struct iphdr *ip = (void *)(eth + 1);
//!     struct udphdr *udp = (void *)(ip + 1);
//!
//!     if ((void *)(udp + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
//!         ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
//!         return XDP_PASS;
//!     return udp->dest == bpf_htons(9) ? XDP_DROP : XDP_PASS;
//! }
//! ```
//!
//! and a test, run by `cargo test` (as root), that builds packets, runs the
//! program, and checks the verdict and the bytes. Packet builders like
//! `UdpPacket` here are yours to write (typed headers serialized field by
//! field, so the test names fields, not offsets), or come from a crate
//! such as `etherparse`:
//!
//! ```no_run
//! use skel_runtime::{LoadedProgram, Result, TestRun, XdpAction};
//! # struct UdpPacket { dst_port: u16 }
//! # impl UdpPacket {
//! #     fn new(dst_port: u16) -> Self { UdpPacket { dst_port } }
//! #     fn to_bytes(&self) -> Vec<u8> { vec![0; 42] }
//! #     fn parse(_: &[u8]) -> Option<Self> { None }
//! # }
//!
//! // `prog` is `skel.progs().udp_policy()` of the loaded skeleton.
//! fn check_policy(prog: LoadedProgram<'_>) -> Result<()> {
//!     let fd = prog.fd().expect("the skeleton is loaded");
//!
//!     let discard = UdpPacket::new(9).to_bytes();
//!     let out = TestRun::new(fd, prog.name()).data(&discard).run()?;
//!     assert_eq!(out.xdp_action(), Some(XdpAction::Drop));
//!
//!     let dns = UdpPacket::new(53).to_bytes();
//!     let out = TestRun::new(fd, prog.name()).data(&dns).repeat(1000).run()?;
//!     assert_eq!(out.xdp_action(), Some(XdpAction::Pass));
//!     // What the program left in the packet, parsed back.
//!     let seen = UdpPacket::parse(&out.data).expect("still a UDP packet");
//!     assert_eq!(seen.dst_port, 53);
//!     println!("{:?} per run", out.duration.unwrap_or_default());
//!     Ok(())
//! }
//! ```
//!
//! # What each program type takes
//!
//! The kernel decides what a test run of each program type accepts; the
//! builder passes what you set, and a refusal comes back as
//! [`Error::TestRun`](crate::Error::TestRun) with the kernel's errno and a
//! hint naming the likely cause.
//!
//! | program type | data | context | repeat, duration | flags |
//! |---|---|---|---|---|
//! | `xdp` | at least 14 bytes (an Ethernet header), in and out | [`XdpMd`], in and out | yes | — |
//! | `tc`/`sched_cls`/`sched_act`, `cgroup_skb`, `socket` (filter), `lwt_*` | at least 14 bytes, in and out | [`SkBuff`], in and out | yes | `BPF_F_TEST_SKB_CHECKSUM_COMPLETE` |
//! | `flow_dissector`, `sk_lookup`, `netfilter` | per type | per type, in and out | yes | — |
//! | `syscall` | none | any [`Plain`](crate::Plain) struct, in, written back | no | none |
//! | `raw_tp` | none | the tracepoint's arguments, `[u64; N]` (N ≤ 12), in | no | `on_cpu` |
//! | `fentry`/`fexit`/`fmod_ret` | none | none | no | none |
//! | others (`kprobe`, `tracepoint`, ...) | no test runs: `ENOTSUPP` (524); `tp_btf`: `EFAULT` (Linux 6.18) | | | |
//!
//! - Packet programs see the packet as it would arrive: XDP and TC
//!   programs from its Ethernet header; socket filters and `cgroup_skb`
//!   programs from its network header (the kernel strips the Ethernet
//!   header before the run and gives it back zeroed after).
//! - Repeated runs ([`TestRun::repeat`]) share one packet and context:
//!   each run sees what the one before left.
//! - The output packet may be longer than the input (an XDP program
//!   pushing a header with `bpf_xdp_adjust_head`, growing its tail with
//!   `bpf_xdp_adjust_tail`): the builder leaves room for 4 KiB of growth by
//!   default ([`TestRun::data_out_capacity`]). A packet that does not fit
//!   is an error with `ENOSPC`, naming both sizes.
//! - A context given to a packet program is both input and output: the
//!   kernel applies the fields a test run may set (for [`SkBuff`]: `mark`,
//!   `priority`, `ingress_ifindex`, `ifindex`, `cb`, `tstamp`, `wire_len`,
//!   `gso_segs`, `gso_size`, `hwtstamp`; all others must be zero), and the
//!   program's view of them after the run comes back in
//!   [`TestRunOutput::ctx`].
//! - A `syscall` program's context is any plain struct (the generated type
//!   of its argument): the kernel copies it in, the program reads and
//!   writes it, and the kernel copies it back. It must be at least as large
//!   as what the program reads, and at most 65535 bytes.
//! - `raw_tp` programs take the tracepoint's arguments as `u64`s
//!   (`[u64; 2]` for `sys_enter`'s `regs, id`), at least as many as the
//!   program reads, and run on the calling CPU or, with
//!   [`TestRun::on_cpu`], on the given one. The kernel neither repeats nor
//!   times them.
//! - fentry, fexit and fmod_ret programs run while attached to one of the
//!   kernel's test functions (`bpf_fentry_test1`..,
//!   `bpf_modify_return_test`), which a test run of theirs calls.
//! - Live XDP frames (`BPF_F_TEST_XDP_LIVE_FRAMES`, where the kernel
//!   really transmits or redirects the packets) are outside what this
//!   builder is made for: the kernel takes them only without output room
//!   (`.data_out_capacity(0)`) and without a context, and the builder sets
//!   no `batch_size`.

mod builder;
mod context;
mod kind;
mod output;
mod syscall;

pub use builder::{NoContext, TestRun};
pub use context::{SkBuff, XdpMd};
pub use output::{TcAction, TestRunOutput, XdpAction};
pub use syscall::{SyscallProgram, run_syscall};

#[cfg(test)]
mod tests {
    use super::kind::type_name;
    use super::*;
    use crate::errno::Errno;
    use crate::error::Error;
    use libbpf_sys as sys;

    #[test]
    #[cfg_attr(miri, ignore = "Miri's strerror_r shim words errors differently")]
    fn test_run_errors_name_the_program_and_give_the_errno() {
        let refused = Error::TestRun {
            program: "xdp_fw".into(),
            errno: Some(Errno::new(-libc::EINVAL)),
            what: "the data is 10 bytes".into(),
        };
        assert_eq!(refused.raw_os_error(), Some(libc::EINVAL));
        assert_eq!(
            refused.to_string(),
            "program `xdp_fw`: test run failed: EINVAL (22): Invalid argument; the data is 10 bytes"
        );
        let mismatch = Error::TestRun {
            program: "tc_mark".into(),
            errno: None,
            what: "the context type `T` is 4 bytes".into(),
        };
        assert_eq!(mismatch.raw_os_error(), None);
        assert_eq!(
            mismatch.to_string(),
            "program `tc_mark`: test run failed: the context type `T` is 4 bytes"
        );
        assert!(std::error::Error::source(&mismatch).is_none());
    }

    #[test]
    fn verdicts_from_return_values() {
        for action in [
            XdpAction::Aborted,
            XdpAction::Drop,
            XdpAction::Pass,
            XdpAction::Tx,
            XdpAction::Redirect,
        ] {
            assert_eq!(XdpAction::from_retval(action as u32), Some(action));
        }
        assert_eq!(XdpAction::from_retval(5), None);
        for value in -1..=8 {
            let action = TcAction::from_retval(value).expect("a TC verdict");
            assert_eq!(action as i32, value);
        }
        assert_eq!(TcAction::from_retval(9), None);
        let out = TestRunOutput::<NoContext> {
            retval: u32::MAX,
            data: vec![],
            ctx: None,
            duration: None,
        };
        assert_eq!(out.tc_action(), Some(TcAction::Unspec));
        assert_eq!(out.xdp_action(), None);
    }

    #[test]
    fn xdp_md_for_data_covers_the_data() {
        let md = XdpMd {
            ingress_ifindex: 1,
            ..XdpMd::for_data(&[0; 60])
        };
        assert_eq!((md.data, md.data_end, md.data_meta), (0, 60, 0));
        assert_eq!(md.ingress_ifindex, 1);
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls libbpf (libbpf_bpf_prog_type_str)")]
    fn program_type_names_come_from_libbpf() {
        assert_eq!(type_name(sys::BPF_PROG_TYPE_XDP), "xdp");
        assert_eq!(type_name(sys::BPF_PROG_TYPE_SYSCALL), "syscall");
        assert_eq!(type_name(u32::MAX), format!("type-{}", u32::MAX));
    }
}
