//! A loopback TCP transfer whose sender uses a chosen congestion control.

use std::io::{IsTerminal, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const CHUNK: usize = 256 << 10;

/// What the sender saw.
#[derive(Debug)]
pub struct Transfer {
    pub bytes: u64,
    pub elapsed: Duration,
    /// The congestion control the sending socket reports (getsockopt).
    pub congestion: String,
    /// From TCP_INFO at the end of the transfer.
    pub cwnd: u32,
    pub ssthresh: u32,
    pub retransmits: u32,
}

#[derive(Debug)]
pub enum TransferError {
    Io {
        step: &'static str,
        source: std::io::Error,
    },
    Short {
        got: u64,
        sent: u64,
    },
    Receiver,
    Interrupted,
}

impl std::fmt::Display for TransferError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransferError::Io { step, .. } => write!(f, "{step}"),
            TransferError::Short { got, sent } => {
                write!(f, "the receiver got {got} of {sent} bytes")
            }
            TransferError::Receiver => f.write_str("the receiver thread panicked"),
            TransferError::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl std::error::Error for TransferError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TransferError::Io { source, .. } => Some(source),
            TransferError::Short { .. } | TransferError::Receiver | TransferError::Interrupted => {
                None
            }
        }
    }
}

fn io(step: &'static str) -> impl FnOnce(std::io::Error) -> TransferError {
    move |source| TransferError::Io { step, source }
}

/// Sends `bytes` from one loopback socket to another, with `congestion`
/// set on the sender by `setsockopt(TCP_CONGESTION)`. Shows a progress bar
/// when stderr is a terminal. Stops early when `stop` is set.
pub fn run(congestion: &str, bytes: u64, stop: &AtomicBool) -> Result<Transfer, TransferError> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(io("bind a loopback socket"))?;
    let addr = listener
        .local_addr()
        .map_err(io("read the listening address"))?;
    let receiver = std::thread::spawn(move || -> std::io::Result<u64> {
        let (mut socket, _) = listener.accept()?;
        let mut buf = vec![0u8; CHUNK];
        let mut total = 0u64;
        loop {
            match socket.read(&mut buf)? {
                0 => return Ok(total),
                n => total += n as u64,
            }
        }
    });
    let mut sender = TcpStream::connect(addr).map_err(io("connect over loopback"))?;
    set_congestion(&sender, congestion).map_err(io("set TCP_CONGESTION on the sender"))?;
    let chosen = congestion_of(&sender).map_err(io("read TCP_CONGESTION back"))?;

    let bar = progress_bar(bytes);
    let chunk = vec![0x5au8; CHUNK];
    let start = Instant::now();
    let mut left = bytes;
    while left > 0 {
        if stop.load(Ordering::Relaxed) {
            bar.abandon();
            let _ = sender.shutdown(Shutdown::Both);
            let _ = receiver.join();
            return Err(TransferError::Interrupted);
        }
        let n = left.min(CHUNK as u64) as usize;
        sender
            .write_all(&chunk[..n])
            .map_err(io("send over loopback"))?;
        left -= n as u64;
        bar.inc(n as u64);
    }
    let info = tcp_info(&sender).map_err(io("read TCP_INFO"))?;
    sender
        .shutdown(Shutdown::Write)
        .map_err(io("close the sending side"))?;
    let got = receiver
        .join()
        .map_err(|_| TransferError::Receiver)?
        .map_err(io("receive over loopback"))?;
    let elapsed = start.elapsed();
    bar.finish_and_clear();
    if got != bytes {
        return Err(TransferError::Short { got, sent: bytes });
    }
    Ok(Transfer {
        bytes,
        elapsed,
        congestion: chosen,
        cwnd: info.tcpi_snd_cwnd,
        ssthresh: info.tcpi_snd_ssthresh,
        retransmits: info.tcpi_total_retrans,
    })
}

fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// `setsockopt(IPPROTO_TCP, TCP_CONGESTION, name)`.
fn set_congestion(socket: &TcpStream, name: &str) -> std::io::Result<()> {
    // SAFETY: a valid socket, and a buffer of the length passed.
    let ret = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_CONGESTION,
            name.as_ptr().cast(),
            name.len() as libc::socklen_t,
        )
    };
    if ret == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// `getsockopt(IPPROTO_TCP, TCP_CONGESTION)`.
fn congestion_of(socket: &TcpStream) -> std::io::Result<String> {
    let mut name = [0u8; 16];
    let mut len = name.len() as libc::socklen_t;
    // SAFETY: a valid socket, and a buffer of the length passed.
    let ret = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_CONGESTION,
            name.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if ret != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let name = &name[..(len as usize).min(name.len())];
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    Ok(String::from_utf8_lossy(&name[..end]).into_owned())
}

/// `getsockopt(IPPROTO_TCP, TCP_INFO)`.
fn tcp_info(socket: &TcpStream) -> std::io::Result<libc::tcp_info> {
    // SAFETY: tcp_info is plain integers; all zeroes is a valid value.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: a valid socket, and a buffer of the length passed; the kernel
    // writes at most `len` bytes.
    let ret = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    if ret != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(info)
}
