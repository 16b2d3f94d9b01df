//! [`TestRun`](crate::TestRun): the builder, the `bpf()` call, and the hints its errors give.

use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::Duration;

use libbpf_sys as sys;

use crate::errno::Errno;
use crate::error::{Error, Result};
use crate::plain::Plain;

use super::kind::{CtxFlow, ProgKind, type_name};
use super::output::TestRunOutput;

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
/// `C` is the context's type; [`NoContext`](crate::test_run::NoContext) until [`TestRun::ctx`](crate::TestRun::ctx) sets one.
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
    pub(super) require: Option<sys::bpf_prog_type>,
}

/// The context type of a [`TestRun`](crate::TestRun) that has none: nothing is passed.
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
    /// [`TestRunOutput::data`](crate::TestRunOutput::data) stays empty.
    pub fn data_out_capacity(mut self, bytes: usize) -> Self {
        self.data_out_capacity = Some(bytes);
        self
    }

    /// The program's context (any plain type: [`XdpMd`](crate::XdpMd), [`SkBuff`](crate::SkBuff), a
    /// generated struct, `[u64; N]` for `raw_tp` arguments). It is copied
    /// in; what the kernel gives back is in [`TestRunOutput::ctx`](crate::TestRunOutput::ctx). Default:
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
    /// run it once); [`TestRunOutput::duration`](crate::TestRunOutput::duration) is the average. The runs
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
    /// are [`Error::TestRun`](crate::Error::TestRun) errors with the kernel's errno and a hint; a
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
