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
//! [`Error::TestRun`] with the kernel's errno and a
//! hint naming the likely cause.
//!
//! | program type | data | context | repeat, duration | flags |
//! |---|---|---|---|---|
//! | `xdp` | at least 14 bytes (an Ethernet header), in and out | [`XdpMd`], in and out | yes | — |
//! | `tc`/`sched_cls`/`sched_act`, `cgroup_skb`, `socket` (filter), `lwt_*` | at least 14 bytes, in and out | [`SkBuff`], in and out | yes | `BPF_F_TEST_SKB_CHECKSUM_COMPLETE` |
//! | `flow_dissector`, `sk_lookup`, `netfilter` | per type | per type, in and out | yes | — |
//! | `syscall` | none | any [`Plain`] struct, in, written back | no | none |
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

use std::ffi::CStr;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::Duration;

use libbpf_sys as sys;

use crate::errno::Errno;
use crate::error::{Error, Result};
use crate::plain::Plain;

/// How much an output packet may grow by default, beyond the input's size:
/// one page, more than an XDP program can push at its head (256 bytes of
/// headroom) plus what it can add at its tail (the rest of its page).
const DEFAULT_GROWTH: usize = 4096;

/// Why a tracing program's test run fails, but for fentry/fexit/fmod_ret.
const TRACING_ONLY: &str = "of tracing programs, the kernel test-runs only fentry, fexit and \
     fmod_ret programs (not tp_btf, iter, ...), and those only while attached to one of the \
     kernel's test functions (bpf_fentry_test1.., bpf_modify_return_test)";

/// The largest context the kernel takes for a `syscall` program.
const MAX_SYSCALL_CTX: usize = u16::MAX as usize;

/// The most arguments a `raw_tp` test run takes (`MAX_BPF_FUNC_ARGS`).
const MAX_RAW_TP_ARGS: usize = 12;

/// The shortest packet a packet program's test run takes: an Ethernet
/// header.
const ETH_HLEN: usize = 14;

/// A test run of a loaded program: build it, then [`run`](TestRun::run) it
/// (as often as you like: the builder keeps its input).
///
/// ```no_run
/// # fn f(fd: std::os::fd::BorrowedFd<'_>, packet: &[u8]) -> skel_runtime::Result<()> {
/// use skel_runtime::{SkBuff, TcAction, TestRun};
///
/// let out = TestRun::new(fd, "tc_classify")
///     .data(packet)
///     .ctx(SkBuff { mark: 7, ..SkBuff::default() })
///     .repeat(100)
///     .run()?;
/// assert_eq!(out.tc_action(), Some(TcAction::Ok));
/// let ctx = out.ctx.expect("a TC program's context comes back");
/// assert_eq!(ctx.mark, 0x53);
/// # Ok(()) }
/// ```
///
/// `C` is the context's type; [`NoContext`] until [`TestRun::ctx`] sets one.
///
/// `Send` and `Sync` (for `Send`/`Sync` contexts): it holds the program's
/// file descriptor, borrowed from the loaded skeleton, and borrowed input;
/// `run()` is one `bpf()` call.
#[derive(Clone, Copy, Debug)]
#[must_use = "a test run does nothing until `run()`"]
pub struct TestRun<'a, C = NoContext> {
    prog: BorrowedFd<'a>,
    name: &'a str,
    data: Option<&'a [u8]>,
    data_out_capacity: Option<usize>,
    ctx: Option<C>,
    repeat: u32,
    flags: u32,
    cpu: u32,
    /// `run_syscall`: the program type the run insists on.
    require: Option<sys::bpf_prog_type>,
}

/// The context type of a [`TestRun`] that has none: nothing is passed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NoContext;

// SAFETY: a zero-sized type has no bytes, so no invalid ones.
unsafe impl Plain for NoContext {}

impl<'a> TestRun<'a> {
    /// A test run of the loaded program behind `prog`; `name` (its C
    /// function name) is only used in error messages. By default nothing
    /// is passed: no data, no context, one run.
    pub fn new(prog: BorrowedFd<'a>, name: &'a str) -> Self {
        TestRun {
            prog,
            name,
            data: None,
            data_out_capacity: None,
            ctx: None,
            repeat: 0,
            flags: 0,
            cpu: 0,
            require: None,
        }
    }
}

impl<'a, C: Plain> TestRun<'a, C> {
    /// The packet (or other input data) the program runs on. Default: none.
    pub fn data(mut self, data: &'a [u8]) -> Self {
        self.data = Some(data);
        self
    }

    /// Room for the output data, in bytes. Default: the input's length plus
    /// 4096 when data is given, else 0. An output that does not fit fails
    /// the run with `ENOSPC` (after the program ran). 0 asks for no output:
    /// [`TestRunOutput::data`] stays empty.
    pub fn data_out_capacity(mut self, bytes: usize) -> Self {
        self.data_out_capacity = Some(bytes);
        self
    }

    /// The program's context (any plain type: [`XdpMd`], [`SkBuff`], a
    /// generated struct, `[u64; N]` for `raw_tp` arguments). It is copied
    /// in; what the kernel gives back is in [`TestRunOutput::ctx`]. Default:
    /// none.
    pub fn ctx<D: Plain>(self, ctx: D) -> TestRun<'a, D> {
        TestRun {
            prog: self.prog,
            name: self.name,
            data: self.data,
            data_out_capacity: self.data_out_capacity,
            ctx: Some(ctx),
            repeat: self.repeat,
            flags: self.flags,
            cpu: self.cpu,
            require: self.require,
        }
    }

    /// How many times the kernel runs the program in a row (0 and 1 both
    /// run it once); [`TestRunOutput::duration`] is the average. The runs
    /// share one packet and context: each run sees what the one before
    /// left (a program that pushes a header pushes it `times` times), and
    /// the output is the last run's. Only packet-style program types take
    /// it.
    pub fn repeat(mut self, times: u32) -> Self {
        self.repeat = times;
        self
    }

    /// Run on CPU `cpu` (`BPF_F_TEST_RUN_ON_CPU`); only `raw_tp` programs
    /// take it. Default: the calling thread's CPU.
    pub fn on_cpu(mut self, cpu: u32) -> Self {
        self.flags |= sys::BPF_F_TEST_RUN_ON_CPU;
        self.cpu = cpu;
        self
    }

    /// `BPF_F_TEST_*` flags, added to those set so far (e.g.
    /// `libbpf_sys::BPF_F_TEST_SKB_CHECKSUM_COMPLETE`). Default: none.
    pub fn flags(mut self, flags: u32) -> Self {
        self.flags |= flags;
        self
    }

    /// Runs the program, after asking the kernel for its type (one more
    /// `bpf()` call), which says what to pass and what comes back.
    ///
    /// Kernel refusals, and an output packet or context that does not fit,
    /// are [`Error::TestRun`] errors with the kernel's errno and a hint; a
    /// context type whose size differs from the kernel's context is one
    /// without errno, naming both sizes and the type.
    pub fn run(&self) -> Result<TestRunOutput<C>> {
        let kind = ProgKind::of(self.prog).map_err(|errno| {
            self.error(
                Some(errno),
                "cannot ask the kernel about the program (is the fd a loaded BPF program?)".into(),
            )
        })?;
        match self.require {
            Some(required) if kind.prog_type != required => {
                return Err(self.error(
                    None,
                    format!(
                        "its type is `{}`, not `{}`; run it with `TestRun`",
                        kind.type_name(),
                        type_name(required)
                    ),
                ));
            }
            _ => {}
        }
        let ctx_size = std::mem::size_of::<C>();
        let too_big = |what: &str, len: usize| {
            self.error(
                None,
                format!("its {what} is {len} bytes, more than a test run can take"),
            )
        };
        let ctx_size_u32 = u32::try_from(ctx_size).map_err(|_| too_big("context", ctx_size))?;
        let data_in = self.data.unwrap_or(&[]);
        let data_len = u32::try_from(data_in.len()).map_err(|_| too_big("data", data_in.len()))?;
        let capacity = self.data_out_capacity.unwrap_or(match self.data {
            Some(d) => d.len().saturating_add(DEFAULT_GROWTH),
            None => 0,
        });
        let capacity_u32 = u32::try_from(capacity).map_err(|_| too_big("output room", capacity))?;

        let mut ctx_in: Option<C> = self.ctx;
        let mut ctx_out: C = crate::plain::zeroed();
        let mut data_out = vec![0u8; capacity];

        let mut opts = sys::bpf_test_run_opts {
            sz: std::mem::size_of::<sys::bpf_test_run_opts>() as sys::size_t,
            repeat: self.repeat as std::os::raw::c_int,
            flags: self.flags,
            cpu: self.cpu,
            ..Default::default()
        };
        if let Some(data) = self.data {
            opts.data_in = data.as_ptr().cast();
            opts.data_size_in = data_len;
        }
        // A null `data_out` with size 0 asks for no output. A non-null one
        // must come with its size: the kernel takes size 0 as "no limit".
        if capacity > 0 {
            opts.data_out = data_out.as_mut_ptr().cast();
            opts.data_size_out = capacity_u32;
        }
        if let Some(ctx) = ctx_in.as_mut() {
            // The kernel may write into `ctx_in` (syscall programs), so it
            // points at our own copy, through a mutable pointer.
            opts.ctx_in = (ctx as *mut C).cast_const().cast();
            opts.ctx_size_in = ctx_size_u32;
            if kind.ctx == CtxFlow::Out {
                opts.ctx_out = (&mut ctx_out as *mut C).cast();
                opts.ctx_size_out = ctx_size_u32;
            }
        }

        // `opts` is a bpf_test_run_opts with `sz` set to its size. Every
        // pointer in it is null or points to memory of the size given next
        // to it that lives until the call returns: `data_in` to the
        // caller's slice (only read), `data_out` to `data_out`'s `capacity`
        // bytes, `ctx_in` and `ctx_out` to our own `C` values of
        // `ctx_size` bytes each, both writable.
        // SAFETY: `opts` as just said; the kernel writes at most the sizes
        // given (it copies less and returns ENOSPC when its output is
        // larger), and any bytes are a valid `C` (`C: Plain`) or `u8`.
        let ret = unsafe { sys::bpf_prog_test_run_opts(self.prog.as_raw_fd(), &mut opts) };
        if ret < 0 {
            return Err(self.refused(&kind, Errno::new(ret), &opts, capacity, data_in.len()));
        }

        let ctx = match (kind.ctx, ctx_in) {
            (_, None) => None,
            (CtxFlow::InPlace, Some(ctx)) => Some(ctx),
            (CtxFlow::InOnly, Some(_)) => None,
            (CtxFlow::Out, Some(_)) => {
                let returned = opts.ctx_size_out as usize;
                if returned != ctx_size {
                    return Err(self.error(
                        None,
                        format!(
                            "the kernel gave back a {returned}-byte context for a `{}` program, \
                             but the context type `{}` is {ctx_size} bytes; use a type of the \
                             kernel's size",
                            kind.type_name(),
                            std::any::type_name::<C>()
                        ),
                    ));
                }
                Some(ctx_out)
            }
        };
        data_out.truncate((opts.data_size_out as usize).min(capacity));
        Ok(TestRunOutput {
            retval: opts.retval,
            data: data_out,
            ctx,
            duration: kind
                .timed
                .then(|| Duration::from_nanos(u64::from(opts.duration))),
        })
    }

    fn error(&self, errno: Option<Errno>, what: String) -> Error {
        Error::TestRun {
            program: self.name.to_owned(),
            errno,
            what,
        }
    }

    /// The error for a failed `bpf_prog_test_run_opts`, with the likeliest
    /// cause for this program type and input.
    fn refused(
        &self,
        kind: &ProgKind,
        errno: Errno,
        opts: &sys::bpf_test_run_opts,
        capacity: usize,
        data_len: usize,
    ) -> Error {
        let ctx_size = std::mem::size_of::<C>();
        let ctx_name = std::any::type_name::<C>();
        let has_ctx = self.ctx.is_some();
        let what = match errno.raw() {
            crate::errno::ENOTSUPP | libc::EOPNOTSUPP => match kind.prog_type {
                sys::BPF_PROG_TYPE_TRACING => TRACING_ONLY.to_owned(),
                _ => format!(
                    "the running kernel has no test runs for `{}` programs",
                    kind.type_name()
                ),
            },
            libc::EFAULT if kind.prog_type == sys::BPF_PROG_TYPE_TRACING => TRACING_ONLY.to_owned(),
            libc::ENOSPC if capacity > 0 && opts.data_size_out as usize > capacity => format!(
                "the program's output is {} bytes, more than the {capacity} bytes of room for it; \
                 raise `data_out_capacity` (the program did run: its map updates stay)",
                opts.data_size_out
            ),
            libc::ENOSPC if has_ctx && opts.ctx_size_out as usize > ctx_size => format!(
                "the kernel's context for {} programs is {} bytes, more than the context type \
                 `{ctx_name}` ({ctx_size} bytes); use a type of the kernel's size",
                kind.type_name(),
                opts.ctx_size_out
            ),
            libc::E2BIG if has_ctx => format!(
                "the context type `{ctx_name}` ({ctx_size} bytes) is larger than the kernel's \
                 context for {} programs, and its bytes past the kernel's end are not zero",
                kind.type_name()
            ),
            libc::ENXIO if self.flags & sys::BPF_F_TEST_RUN_ON_CPU != 0 => {
                format!("CPU {} does not exist or is offline", self.cpu)
            }
            libc::EPERM | libc::EACCES => {
                "test runs need privilege (root, or CAP_BPF, plus CAP_NET_ADMIN for packet programs)"
                    .to_owned()
            }
            libc::EINTR => "a signal interrupted the run".to_owned(),
            libc::EINVAL => self.invalid(kind, data_len),
            _ => format!(
                "the kernel refused a test run of a `{}` program",
                kind.type_name()
            ),
        };
        self.error(Some(errno), what)
    }

    /// Why the kernel may have said EINVAL: the rule the input breaks when
    /// it is plain to see, else the rules of the program type.
    fn invalid(&self, kind: &ProgKind, data_len: usize) -> String {
        let ctx_size = std::mem::size_of::<C>();
        let ctx_name = std::any::type_name::<C>();
        let has_ctx = self.ctx.is_some();
        let runs = format!("`{}` test runs", kind.type_name());
        match kind.prog_type {
            sys::BPF_PROG_TYPE_SYSCALL => {
                if self.data.is_some() || self.repeat != 0 || self.flags != 0 || self.cpu != 0 {
                    format!("{runs} take only a context: no data, repeat, flags or CPU")
                } else if ctx_size > MAX_SYSCALL_CTX {
                    format!(
                        "the context type `{ctx_name}` is {ctx_size} bytes, more than the \
                         {MAX_SYSCALL_CTX} bytes a syscall program's test run takes"
                    )
                } else {
                    format!(
                        "the program reads past its context: the context type `{ctx_name}` \
                         ({}) is smaller than what it reads; pass the type of its argument",
                        if has_ctx {
                            format!("{ctx_size} bytes")
                        } else {
                            "none given".into()
                        }
                    )
                }
            }
            sys::BPF_PROG_TYPE_RAW_TRACEPOINT | sys::BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE => {
                if self.data.is_some() || self.repeat != 0 {
                    format!(
                        "{runs} take only the tracepoint's arguments as its context: no data, no repeat"
                    )
                } else if self.flags & sys::BPF_F_TEST_RUN_ON_CPU == 0 && self.cpu != 0 {
                    "a CPU was given without BPF_F_TEST_RUN_ON_CPU".to_owned()
                } else if self.flags & !sys::BPF_F_TEST_RUN_ON_CPU != 0 {
                    format!("{runs} take no flags but BPF_F_TEST_RUN_ON_CPU")
                } else if ctx_size > MAX_RAW_TP_ARGS * 8 {
                    format!(
                        "the context type `{ctx_name}` is {ctx_size} bytes, more than the {} \
                         bytes of {MAX_RAW_TP_ARGS} u64 arguments",
                        MAX_RAW_TP_ARGS * 8
                    )
                } else {
                    format!(
                        "the program reads more arguments than the context holds (`{ctx_name}`, {}); \
                         pass the tracepoint's arguments as `[u64; N]`",
                        if has_ctx {
                            format!("{ctx_size} bytes")
                        } else {
                            "none given".into()
                        }
                    )
                }
            }
            sys::BPF_PROG_TYPE_TRACING => {
                format!("{runs} take no data, context, repeat, flags or CPU")
            }
            _ if self.data.is_some() && data_len < ETH_HLEN => format!(
                "the data is {data_len} bytes, shorter than an Ethernet header ({ETH_HLEN} bytes), \
                 the least a packet program's test run takes"
            ),
            sys::BPF_PROG_TYPE_XDP => format!(
                "{runs} take at least {ETH_HLEN} bytes of data; no \
                 BPF_F_TEST_RUN_ON_CPU; and an `xdp_md` context ({}) with `data_end` = the data's \
                 length, `data_meta` = 0, `data` = the length of the metadata at the data's start \
                 (a multiple of 4, at most 32), `egress_ifindex` = 0, and `ingress_ifindex` 0 or \
                 a device's (see `XdpMd::for_data`)",
                if has_ctx {
                    format!("given: `{ctx_name}`")
                } else {
                    "none given".into()
                }
            ),
            sys::BPF_PROG_TYPE_SCHED_CLS
            | sys::BPF_PROG_TYPE_SCHED_ACT
            | sys::BPF_PROG_TYPE_SOCKET_FILTER
            | sys::BPF_PROG_TYPE_CGROUP_SKB
            | sys::BPF_PROG_TYPE_LWT_IN
            | sys::BPF_PROG_TYPE_LWT_OUT
            | sys::BPF_PROG_TYPE_LWT_XMIT
            | sys::BPF_PROG_TYPE_LWT_SEG6LOCAL => format!(
                "{runs} take at least {ETH_HLEN} bytes of data, no more than \
                 fit a page with the kernel's head- and tailroom; no CPU; and a `__sk_buff` context \
                 ({}) that sets only mark, priority, ingress_ifindex, ifindex, cb, tstamp, \
                 wire_len (0, or at least the data's length), gso_segs, gso_size and hwtstamp",
                if has_ctx {
                    format!("given: `{ctx_name}`")
                } else {
                    "none given".into()
                }
            ),
            _ => format!("the kernel refused this input for {runs}"),
        }
    }
}

/// A `SEC("syscall")` program's run: `ctx` is copied in, the program reads
/// and writes it, and the kernel copies it back into `ctx`; the result is
/// the program's return value (its C `int`).
///
/// This is how sched_ext schedulers call their set-up programs:
///
/// ```no_run
/// # #[derive(Clone, Copy, Default)] #[repr(C)] struct arena_init_args { static_pages: u64, ret: i32, _p: u32 }
/// # unsafe impl skel_runtime::Plain for arena_init_args {}
/// # fn f(prog: skel_runtime::LoadedProgram<'_>) -> skel_runtime::Result<()> {
/// let mut args = arena_init_args { static_pages: 16, ..Default::default() };
/// let fd = prog.fd().expect("loaded");
/// let ret = skel_runtime::run_syscall(fd, prog.name(), &mut args)?;
/// assert_eq!(ret, 0);
/// println!("the program answered {}", args.ret);
/// # Ok(()) }
/// ```
///
/// A program of another type is an error (run it with [`TestRun`]), as is a
/// context smaller than what the program reads (`EINVAL`).
pub fn run_syscall<C: Plain>(prog: BorrowedFd<'_>, name: &str, ctx: &mut C) -> Result<i32> {
    let mut run = TestRun::new(prog, name).ctx(*ctx);
    run.require = Some(sys::BPF_PROG_TYPE_SYSCALL);
    let out = run.run()?;
    if let Some(back) = out.ctx {
        *ctx = back;
    }
    Ok(out.retval as i32)
}

/// What a test run gave back. `Send` and `Sync` (for such contexts): owned
/// data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TestRunOutput<C = NoContext> {
    /// The program's return value, as the kernel reports it (32 bits; `as
    /// i32` for programs returning a negative `int`). See also
    /// [`TestRunOutput::xdp_action`] and [`TestRunOutput::tc_action`].
    pub retval: u32,
    /// The data after the (last) run: the packet as the program left it,
    /// grown or shrunk. Empty when no data was given or no room asked for.
    pub data: Vec<u8>,
    /// The context after the run, when one was given and the program type
    /// gives it back (packet programs, from the kernel's context; `syscall`,
    /// as the program left it). `None` for `raw_tp` and tracing programs.
    pub ctx: Option<C>,
    /// The kernel's measured time per run (the average over `repeat` runs,
    /// in whole nanoseconds), for program types it times (packet programs);
    /// `None` for `syscall`, `raw_tp` and tracing programs.
    pub duration: Option<Duration>,
}

impl<C> TestRunOutput<C> {
    /// [`TestRunOutput::retval`] as an XDP verdict; `None` if it is none.
    pub fn xdp_action(&self) -> Option<XdpAction> {
        XdpAction::from_retval(self.retval)
    }

    /// [`TestRunOutput::retval`] as a TC verdict; `None` if it is none.
    pub fn tc_action(&self) -> Option<TcAction> {
        TcAction::from_retval(self.retval as i32)
    }
}

/// An XDP program's verdict (`enum xdp_action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum XdpAction {
    /// `XDP_ABORTED`: a program error; the packet is dropped.
    Aborted = 0,
    /// `XDP_DROP`.
    Drop = 1,
    /// `XDP_PASS`: on to the network stack.
    Pass = 2,
    /// `XDP_TX`: back out of the interface it came in on.
    Tx = 3,
    /// `XDP_REDIRECT`: to another interface, CPU or socket.
    Redirect = 4,
}

const _: () = {
    assert!(XdpAction::Aborted as u32 == sys::XDP_ABORTED);
    assert!(XdpAction::Drop as u32 == sys::XDP_DROP);
    assert!(XdpAction::Pass as u32 == sys::XDP_PASS);
    assert!(XdpAction::Tx as u32 == sys::XDP_TX);
    assert!(XdpAction::Redirect as u32 == sys::XDP_REDIRECT);
};

impl XdpAction {
    /// The verdict a program's return value stands for.
    pub fn from_retval(retval: u32) -> Option<Self> {
        Some(match retval {
            0 => Self::Aborted,
            1 => Self::Drop,
            2 => Self::Pass,
            3 => Self::Tx,
            4 => Self::Redirect,
            _ => return None,
        })
    }
}

/// A TC (`tc`, `tcx`, `sched_cls`) program's verdict (`TC_ACT_*`, from
/// `linux/pkt_cls.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum TcAction {
    /// `TC_ACT_UNSPEC` (-1; for tcx, `TCX_NEXT`): the next program decides.
    Unspec = -1,
    /// `TC_ACT_OK` (for tcx, `TCX_PASS`).
    Ok = 0,
    /// `TC_ACT_RECLASSIFY`.
    Reclassify = 1,
    /// `TC_ACT_SHOT` (for tcx, `TCX_DROP`).
    Shot = 2,
    /// `TC_ACT_PIPE`.
    Pipe = 3,
    /// `TC_ACT_STOLEN`.
    Stolen = 4,
    /// `TC_ACT_QUEUED`.
    Queued = 5,
    /// `TC_ACT_REPEAT`.
    Repeat = 6,
    /// `TC_ACT_REDIRECT` (for tcx, `TCX_REDIRECT`).
    Redirect = 7,
    /// `TC_ACT_TRAP`.
    Trap = 8,
}

impl TcAction {
    /// The verdict a program's return value stands for.
    pub fn from_retval(retval: i32) -> Option<Self> {
        Some(match retval {
            -1 => Self::Unspec,
            0 => Self::Ok,
            1 => Self::Reclassify,
            2 => Self::Shot,
            3 => Self::Pipe,
            4 => Self::Stolen,
            5 => Self::Queued,
            6 => Self::Repeat,
            7 => Self::Redirect,
            8 => Self::Trap,
            _ => return None,
        })
    }
}

/// An XDP program's context, `struct xdp_md`, as a test run takes and
/// gives it back ([`TestRun::ctx`]).
///
/// The kernel's rules for a test run: `data_end` is the data's length
/// ([`XdpMd::for_data`] sets it; Linux 6.18 also takes a smaller one, and
/// puts the rest of the data into fragments the program reaches only
/// through helpers such as `bpf_xdp_load_bytes`), `data_meta` is 0, and
/// `data` is the length of metadata at the start of the data (a multiple
/// of 4, at most 32; the program sees it between `data_meta` and `data`),
/// `egress_ifindex` is 0, and `ingress_ifindex` (with `rx_queue_index`) is
/// 0 or names an existing device (else `ENODEV`) and one of its queues.
/// After the run, `data` and `data_end` are offsets from the start of the
/// metadata, and the output data starts with the metadata.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct XdpMd {
    /// Where the packet starts (after the metadata).
    pub data: u32,
    /// Where it ends.
    pub data_end: u32,
    /// Where the metadata starts.
    pub data_meta: u32,
    /// The interface the packet came in on.
    pub ingress_ifindex: u32,
    /// Its receive queue.
    pub rx_queue_index: u32,
    /// The interface it goes out of (devmap programs only).
    pub egress_ifindex: u32,
}

// SAFETY: only `u32` fields, no padding (checked below).
unsafe impl Plain for XdpMd {}

const _: () = {
    use std::mem::{align_of, offset_of, size_of};
    assert!(size_of::<XdpMd>() == size_of::<sys::xdp_md>());
    assert!(align_of::<XdpMd>() == align_of::<sys::xdp_md>());
    assert!(size_of::<XdpMd>() == 6 * 4, "XdpMd has no padding");
    assert!(offset_of!(XdpMd, data) == offset_of!(sys::xdp_md, data));
    assert!(offset_of!(XdpMd, data_end) == offset_of!(sys::xdp_md, data_end));
    assert!(offset_of!(XdpMd, data_meta) == offset_of!(sys::xdp_md, data_meta));
    assert!(offset_of!(XdpMd, ingress_ifindex) == offset_of!(sys::xdp_md, ingress_ifindex));
    assert!(offset_of!(XdpMd, rx_queue_index) == offset_of!(sys::xdp_md, rx_queue_index));
    assert!(offset_of!(XdpMd, egress_ifindex) == offset_of!(sys::xdp_md, egress_ifindex));
};

impl XdpMd {
    /// The context of a test run on `data` with no metadata: `data_end` =
    /// its length, everything else 0. Set `ingress_ifindex`
    /// and `rx_queue_index` on it to run as if the packet came in there:
    /// `XdpMd { ingress_ifindex: 1, ..XdpMd::for_data(&packet) }`.
    pub fn for_data(data: &[u8]) -> Self {
        XdpMd {
            data_end: u32::try_from(data.len()).unwrap_or(u32::MAX),
            ..XdpMd::default()
        }
    }
}

/// A socket-buffer program's context, `struct __sk_buff` (TC, socket
/// filter, `cgroup_skb`, ...), as a test run takes and gives it back
/// ([`TestRun::ctx`]).
///
/// A test run may set `mark`, `priority`, `ingress_ifindex`, `ifindex`
/// (0, or a device's: the packet then comes in there), `cb`, `tstamp`,
/// `wire_len` (0, or at least the data's length), `gso_segs`, `gso_size`
/// and `hwtstamp`; every other field must be zero, or the kernel refuses
/// (`EINVAL`). After the run those fields hold the program's view of them.
/// Addresses and ports are in network byte order, as the program sees
/// them; `flow_keys` and `sk` are kernel pointers (0 in user space).
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SkBuff {
    pub len: u32,
    pub pkt_type: u32,
    pub mark: u32,
    pub queue_mapping: u32,
    pub protocol: u32,
    pub vlan_present: u32,
    pub vlan_tci: u32,
    pub vlan_proto: u32,
    pub priority: u32,
    pub ingress_ifindex: u32,
    pub ifindex: u32,
    pub tc_index: u32,
    pub cb: [u32; 5],
    pub hash: u32,
    pub tc_classid: u32,
    pub data: u32,
    pub data_end: u32,
    pub napi_id: u32,
    pub family: u32,
    pub remote_ip4: u32,
    pub local_ip4: u32,
    pub remote_ip6: [u32; 4],
    pub local_ip6: [u32; 4],
    pub remote_port: u32,
    pub local_port: u32,
    pub data_meta: u32,
    /// `struct bpf_flow_keys *` (8 bytes in the UAPI on every architecture).
    pub flow_keys: u64,
    pub tstamp: u64,
    pub wire_len: u32,
    pub gso_segs: u32,
    /// `struct bpf_sock *` (8 bytes in the UAPI on every architecture).
    pub sk: u64,
    pub gso_size: u32,
    pub tstamp_type: u8,
    /// The UAPI's `__u32 :24` after `tstamp_type`, reserved: keep it zero
    /// (the kernel refuses a context with bytes set here).
    pub _reserved: [u8; 3],
    pub hwtstamp: u64,
}

// SAFETY: integer fields and arrays of them; the only gap in the C struct
// is an explicit field here (`_reserved`), and the size is the sum of the
// fields (checked below), so there is no padding.
unsafe impl Plain for SkBuff {}

// The layout of `struct __sk_buff` in `linux/bpf.h` (libbpf-sys has no
// binding for it); the kernel test `sk_buff_matches_the_running_kernel`
// checks the same offsets against the running kernel's BTF.
const _: () = {
    use std::mem::{align_of, offset_of, size_of};
    assert!(size_of::<SkBuff>() == 192, "size of SkBuff");
    assert!(align_of::<SkBuff>() == 8, "alignment of SkBuff");
    assert!(offset_of!(SkBuff, len) == 0);
    assert!(offset_of!(SkBuff, pkt_type) == 4);
    assert!(offset_of!(SkBuff, mark) == 8);
    assert!(offset_of!(SkBuff, queue_mapping) == 12);
    assert!(offset_of!(SkBuff, protocol) == 16);
    assert!(offset_of!(SkBuff, vlan_present) == 20);
    assert!(offset_of!(SkBuff, vlan_tci) == 24);
    assert!(offset_of!(SkBuff, vlan_proto) == 28);
    assert!(offset_of!(SkBuff, priority) == 32);
    assert!(offset_of!(SkBuff, ingress_ifindex) == 36);
    assert!(offset_of!(SkBuff, ifindex) == 40);
    assert!(offset_of!(SkBuff, tc_index) == 44);
    assert!(offset_of!(SkBuff, cb) == 48);
    assert!(offset_of!(SkBuff, hash) == 68);
    assert!(offset_of!(SkBuff, tc_classid) == 72);
    assert!(offset_of!(SkBuff, data) == 76);
    assert!(offset_of!(SkBuff, data_end) == 80);
    assert!(offset_of!(SkBuff, napi_id) == 84);
    assert!(offset_of!(SkBuff, family) == 88);
    assert!(offset_of!(SkBuff, remote_ip4) == 92);
    assert!(offset_of!(SkBuff, local_ip4) == 96);
    assert!(offset_of!(SkBuff, remote_ip6) == 100);
    assert!(offset_of!(SkBuff, local_ip6) == 116);
    assert!(offset_of!(SkBuff, remote_port) == 132);
    assert!(offset_of!(SkBuff, local_port) == 136);
    assert!(offset_of!(SkBuff, data_meta) == 140);
    assert!(offset_of!(SkBuff, flow_keys) == 144);
    assert!(offset_of!(SkBuff, tstamp) == 152);
    assert!(offset_of!(SkBuff, wire_len) == 160);
    assert!(offset_of!(SkBuff, gso_segs) == 164);
    assert!(offset_of!(SkBuff, sk) == 168);
    assert!(offset_of!(SkBuff, gso_size) == 176);
    assert!(offset_of!(SkBuff, tstamp_type) == 180);
    assert!(offset_of!(SkBuff, _reserved) == 181);
    assert!(offset_of!(SkBuff, hwtstamp) == 184);
    // No padding: each field ends where the next begins, the last at the end.
    let fields = [
        (offset_of!(SkBuff, len), 4),
        (offset_of!(SkBuff, pkt_type), 4),
        (offset_of!(SkBuff, mark), 4),
        (offset_of!(SkBuff, queue_mapping), 4),
        (offset_of!(SkBuff, protocol), 4),
        (offset_of!(SkBuff, vlan_present), 4),
        (offset_of!(SkBuff, vlan_tci), 4),
        (offset_of!(SkBuff, vlan_proto), 4),
        (offset_of!(SkBuff, priority), 4),
        (offset_of!(SkBuff, ingress_ifindex), 4),
        (offset_of!(SkBuff, ifindex), 4),
        (offset_of!(SkBuff, tc_index), 4),
        (offset_of!(SkBuff, cb), size_of::<[u32; 5]>()),
        (offset_of!(SkBuff, hash), 4),
        (offset_of!(SkBuff, tc_classid), 4),
        (offset_of!(SkBuff, data), 4),
        (offset_of!(SkBuff, data_end), 4),
        (offset_of!(SkBuff, napi_id), 4),
        (offset_of!(SkBuff, family), 4),
        (offset_of!(SkBuff, remote_ip4), 4),
        (offset_of!(SkBuff, local_ip4), 4),
        (offset_of!(SkBuff, remote_ip6), size_of::<[u32; 4]>()),
        (offset_of!(SkBuff, local_ip6), size_of::<[u32; 4]>()),
        (offset_of!(SkBuff, remote_port), 4),
        (offset_of!(SkBuff, local_port), 4),
        (offset_of!(SkBuff, data_meta), 4),
        (offset_of!(SkBuff, flow_keys), 8),
        (offset_of!(SkBuff, tstamp), 8),
        (offset_of!(SkBuff, wire_len), 4),
        (offset_of!(SkBuff, gso_segs), 4),
        (offset_of!(SkBuff, sk), 8),
        (offset_of!(SkBuff, gso_size), 4),
        (offset_of!(SkBuff, tstamp_type), 1),
        (offset_of!(SkBuff, _reserved), 3),
        (offset_of!(SkBuff, hwtstamp), 8),
    ];
    let mut end = 0;
    let mut i = 0;
    while i < fields.len() {
        assert!(fields[i].0 == end, "SkBuff has padding");
        end += fields[i].1;
        i += 1;
    }
    assert!(end == size_of::<SkBuff>(), "SkBuff has tail padding");
};

/// What a test run of a program type passes and gives back.
struct ProgKind {
    prog_type: sys::bpf_prog_type,
    ctx: CtxFlow,
    /// Does the kernel time the runs?
    timed: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CtxFlow {
    /// The kernel reads `ctx_in` and writes its context to `ctx_out`.
    Out,
    /// The kernel copies the program's context back into `ctx_in`
    /// (`syscall`), and refuses a `ctx_out`.
    InPlace,
    /// The kernel only reads `ctx_in`, and refuses a `ctx_out`.
    InOnly,
}

impl ProgKind {
    /// Asks the kernel for the program's type.
    fn of(prog: BorrowedFd<'_>) -> std::result::Result<ProgKind, Errno> {
        let mut info = sys::bpf_prog_info::default();
        let mut len = std::mem::size_of::<sys::bpf_prog_info>() as u32;
        // SAFETY: `info` is a writable bpf_prog_info of `len` bytes whose
        // array pointers are all null (so the kernel fills no arrays); the
        // kernel writes at most `len` bytes.
        let ret = unsafe { sys::bpf_prog_get_info_by_fd(prog.as_raw_fd(), &mut info, &mut len) };
        if ret < 0 {
            return Err(Errno::new(ret));
        }
        let prog_type = info.type_;
        let (ctx, timed) = match prog_type {
            sys::BPF_PROG_TYPE_SYSCALL => (CtxFlow::InPlace, false),
            sys::BPF_PROG_TYPE_RAW_TRACEPOINT
            | sys::BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE
            | sys::BPF_PROG_TYPE_TRACING
            | sys::BPF_PROG_TYPE_STRUCT_OPS => (CtxFlow::InOnly, false),
            _ => (CtxFlow::Out, true),
        };
        Ok(ProgKind {
            prog_type,
            ctx,
            timed,
        })
    }

    fn type_name(&self) -> String {
        type_name(self.prog_type)
    }
}

/// libbpf's name of a program type (`xdp`, `sched_cls`, `syscall`).
fn type_name(prog_type: sys::bpf_prog_type) -> String {
    // SAFETY: libbpf returns null or a static NUL-terminated string.
    let name = unsafe { sys::libbpf_bpf_prog_type_str(prog_type) };
    if name.is_null() {
        return format!("type-{prog_type}");
    }
    // SAFETY: non-null, static and NUL-terminated (above).
    let name = unsafe { CStr::from_ptr(name) };
    name.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

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
