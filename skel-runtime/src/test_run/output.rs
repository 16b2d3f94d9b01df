//! What a test run gives back, and the verdicts of packet programs.

use std::time::Duration;

use libbpf_sys as sys;

use super::NoContext;

/// What a test run gave back. `Send` and `Sync` (for such contexts): owned
/// data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TestRunOutput<C = NoContext> {
    /// The program's return value, as the kernel reports it (32 bits; `as
    /// i32` for programs returning a negative `int`). See also
    /// [`TestRunOutput::xdp_action`](crate::TestRunOutput::xdp_action) and [`TestRunOutput::tc_action`](crate::TestRunOutput::tc_action).
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
    /// [`TestRunOutput::retval`](crate::TestRunOutput::retval) as an XDP verdict; `None` if it is none.
    pub fn xdp_action(&self) -> Option<XdpAction> {
        XdpAction::from_retval(self.retval)
    }

    /// [`TestRunOutput::retval`](crate::TestRunOutput::retval) as a TC verdict; `None` if it is none.
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
