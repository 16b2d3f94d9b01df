//! Gating for tests that need the running kernel.

/// Whether kernel tests can run here. When they cannot, this prints why
/// and returns false, unless `SKEL_REQUIRE_KERNEL=1`, where it panics.
pub fn available(test: &str) -> bool {
    match why_not() {
        None => true,
        Some(reason) => {
            if std::env::var("SKEL_REQUIRE_KERNEL").is_ok_and(|v| v == "1") {
                panic!("{test}: kernel test cannot run ({reason}) and SKEL_REQUIRE_KERNEL=1");
            }
            eprintln!("SKIPPED {test}: {reason}");
            false
        }
    }
}

fn why_not() -> Option<String> {
    if !std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
        return Some("the kernel has no BTF (/sys/kernel/btf/vmlinux)".into());
    }
    match libbpf_rs::ProgramType::SocketFilter.is_supported() {
        Ok(true) => {
            mount_tracefs();
            None
        }
        Ok(false) => Some("the kernel refuses to load BPF programs (need root or CAP_BPF)".into()),
        Err(e) => Some(format!("cannot probe BPF support: {e}")),
    }
}

/// Sends `bytes` over a loopback TCP connection whose sender uses
/// congestion control `cc` (set with `setsockopt(TCP_CONGESTION)`).
pub fn tcp_transfer(cc: &str, bytes: usize) -> std::io::Result<()> {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let reader = std::thread::spawn(move || -> std::io::Result<usize> {
        let (mut s, _) = listener.accept()?;
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0;
        loop {
            let n = s.read(&mut buf)?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    });
    let mut client = TcpStream::connect(addr)?;
    set_congestion(&client, cc)?;
    let chunk = vec![0x5au8; 1 << 16];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len());
        client.write_all(&chunk[..n])?;
        left -= n;
    }
    client.shutdown(std::net::Shutdown::Write)?;
    let got = reader.join().expect("reader thread")?;
    assert_eq!(got, bytes);
    let _ = client.as_raw_fd();
    Ok(())
}

/// `setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name)`.
pub fn set_congestion(s: &std::net::TcpStream, cc: &str) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: a valid fd and a buffer of the given length.
    let ret = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_CONGESTION,
            cc.as_ptr().cast(),
            cc.len() as libc::socklen_t,
        )
    };
    if ret == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// The congestion-control names in a /proc/sys/net/ipv4 list.
pub fn cc_list(which: &str) -> Vec<String> {
    std::fs::read_to_string(format!("/proc/sys/net/ipv4/tcp_{which}_congestion_control"))
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// A name no other test run uses.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}{}_{}",
        std::process::id() % 100_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// For a kernel test: `None` (after printing why) when the kernel cannot be
/// used here, else a guard that serializes it with the other kernel tests.
///
/// ```ignore
/// let Some(_kernel) = kernel::exclusive("my_test") else { return };
/// ```
pub fn exclusive(test: &str) -> Option<std::sync::MutexGuard<'static, ()>> {
    available(test).then(serial)
}

/// Serializes tests that look at kernel-wide state (program lists,
/// congestion-control lists) so they do not see each other's objects.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Tracepoint programs attach through tracefs; a fresh machine may not have
/// it mounted. Mounting needs root, which kernel tests have.
fn mount_tracefs() {
    let dir = std::path::Path::new("/sys/kernel/tracing");
    if dir.join("events").exists() {
        return;
    }
    // SAFETY: plain C strings; mount only reads them.
    let ret = unsafe {
        libc::mount(
            c"tracefs".as_ptr(),
            c"/sys/kernel/tracing".as_ptr(),
            c"tracefs".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if ret != 0 {
        eprintln!(
            "note: could not mount tracefs: {}",
            std::io::Error::last_os_error()
        );
    }
}
