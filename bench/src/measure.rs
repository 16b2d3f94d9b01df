//! Runs one command as a whole process and records what the kernel
//! accounted for it: wall time, CPU time, and peak memory measured two ways.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::Result;

/// How often the process tree's memory is sampled.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(50);

/// One finished run.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Wall-clock seconds from spawn to reap.
    pub wall: f64,
    /// User plus system CPU seconds of the process and every descendant it
    /// waited for (wait4's rusage).
    pub cpu: f64,
    /// Peak resident set of the largest single process of the tree, in KiB
    /// (wait4's `ru_maxrss`: the figure `/usr/bin/time -v` prints).
    pub max_rss_kib: u64,
    /// Peak of the resident sets summed over the whole process tree, in
    /// KiB, sampled every [`SAMPLE_EVERY`] from /proc (shared pages count
    /// once per process, so this leans high).
    pub tree_rss_kib: u64,
}

/// Runs `cmd` with stdout and stderr going to `log`; fails when it does
/// not exit 0, showing the end of the log.
pub fn run(cmd: &mut Command, log: &Path) -> Result<Sample> {
    let out = File::create(log).map_err(|e| format!("create {}: {e}", log.display()))?;
    let err = out
        .try_clone()
        .map_err(|e| format!("{}: {e}", log.display()))?;
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    let start = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let pid = child.id();

    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (done, peak) = (Arc::clone(&done), Arc::clone(&peak));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(tree_rss_kib(pid), Ordering::Relaxed);
                std::thread::sleep(SAMPLE_EVERY);
            }
        })
    };

    let (status, usage) = wait4(pid)?;
    let wall = start.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    sampler.join().map_err(|_| "the memory sampler panicked")?;
    // Reaped above: `Child` must not wait again, and dropping it does not.
    drop(child);

    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "{cmd:?} failed (wait status {status:#x}); end of {}:\n{}",
            log.display(),
            tail.join("\n")
        )
        .into());
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok(Sample {
        wall,
        cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss.max(0) as u64,
        tree_rss_kib: peak.load(Ordering::Relaxed),
    })
}

fn wait4(pid: u32) -> Result<(libc::c_int, libc::rusage)> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own unreaped child; both pointers are valid
        // for writes for the duration of the call.
        let r = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
        if r == pid as libc::pid_t {
            return Ok((status, usage));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4({pid}): {e}").into());
        }
    }
}

/// The resident sets of `root` and all its descendants, summed, in KiB.
/// Walks every /proc/<pid>/stat: this kernel may lack
/// /proc/<pid>/task/<tid>/children.
fn tree_rss_kib(root: u32) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut procs: Vec<(u32, u32, u64)> = Vec::new();
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // After the command name in parentheses: state ppid ... with rss
        // as field 24 of the line (proc(5)).
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(ppid), Some(rss)) = (fields.get(1), fields.get(21)) else {
            continue;
        };
        if let (Ok(ppid), Ok(rss)) = (ppid.parse::<u32>(), rss.parse::<u64>()) {
            procs.push((pid, ppid, rss));
        }
    }
    let mut in_tree = vec![root];
    let mut total_pages = 0;
    let mut i = 0;
    while i < in_tree.len() {
        let parent = in_tree[i];
        for &(pid, ppid, rss) in &procs {
            if pid == parent {
                total_pages += rss;
            }
            if ppid == parent && !in_tree.contains(&pid) {
                in_tree.push(pid);
            }
        }
        i += 1;
    }
    total_pages * page_kib()
}

fn page_kib() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if page > 0 { page as u64 / 1024 } else { 4 }
}
