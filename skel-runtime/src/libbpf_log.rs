//! libbpf's log lines of one step (open, load, attach, resize), carried in
//! the step's error.
//!
//! libbpf has one print function per process (`libbpf_set_print`). Around
//! each step the runtime installs its own, which appends the warnings and
//! infos libbpf prints *on the calling thread* to a buffer local to that
//! thread, and then forwards every line, whatever its level, to the
//! function that was installed before it: libbpf's default (stderr, at
//! its default level), or the callback you set as libbpf's print callback
//! (`libbpf_set_print`, or libbpf-rs's `set_print` with the `libbpf-rs`
//! feature). So skeletons on several threads each get their own lines,
//! and what you see on stderr does not change; if you silenced libbpf (a
//! null print callback), it stays silent, but the lines still reach the
//! error.
//!
//! Setting a print callback replaces the runtime's function; the next step
//! installs it again, forwarding to yours. Setting one while a step runs
//! on another thread can leave that step's lines uncaptured.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::c_char;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use libbpf_sys::{__va_list_tag, libbpf_print_level};

/// Lines kept from the start of a step's log.
const HEAD_LINES: usize = 32;
/// Lines kept from its end (a verifier log says what failed at the end).
const TAIL_LINES: usize = 96;
/// Longer lines are cut.
const MAX_LINE: usize = 1024;

/// libbpf's warnings and infos of one step, bounded: the first and the last
/// lines, with a count of those left out between them. `Send` and `Sync`:
/// owned lines of text.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LibbpfLog(Option<Box<Lines>>);

#[derive(Clone, Default, PartialEq, Eq)]
struct Lines {
    head: Vec<String>,
    tail: VecDeque<String>,
    omitted: usize,
}

impl LibbpfLog {
    fn push_line(&mut self, line: &str) {
        let line = line.trim_end();
        if line.is_empty() {
            return;
        }
        let line = if line.len() > MAX_LINE {
            let mut end = MAX_LINE;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            format!("{} [cut]", &line[..end])
        } else {
            line.to_owned()
        };
        let lines = self.0.get_or_insert_default();
        if lines.head.len() < HEAD_LINES {
            lines.head.push(line);
            return;
        }
        if lines.tail.len() == TAIL_LINES {
            lines.tail.pop_front();
            lines.omitted += 1;
        }
        lines.tail.push_back(line);
    }

    fn push(&mut self, text: &str) {
        for line in text.lines() {
            self.push_line(line);
        }
    }

    /// The lines kept, in order (the first and the last ones).
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .flat_map(|l| l.head.iter().chain(l.tail.iter()))
            .map(String::as_str)
    }

    /// How many lines were left out between the first and the last ones.
    pub fn omitted(&self) -> usize {
        self.0.as_ref().map_or(0, |l| l.omitted)
    }

    /// Whether libbpf logged nothing.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

/// Prints nothing when empty, else a newline and the lines, indented.
impl fmt::Display for LibbpfLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(lines) = &self.0 else {
            return Ok(());
        };
        write!(f, "\nlibbpf's log of this step:")?;
        for line in &lines.head {
            write!(f, "\n    {line}")?;
        }
        if lines.omitted > 0 {
            write!(f, "\n    [... {} lines left out ...]", lines.omitted)?;
        }
        for line in &lines.tail {
            write!(f, "\n    {line}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for LibbpfLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.lines()).finish()
    }
}

thread_local! {
    /// The log of the step running on this thread, if any.
    static ACTIVE: RefCell<Option<LibbpfLog>> = const { RefCell::new(None) };
}

/// The print function that was installed before ours (0: none, libbpf
/// prints nothing).
static FORWARD: AtomicUsize = AtomicUsize::new(0);
/// Serializes installing, so `FORWARD` matches what we replaced.
static INSTALL: Mutex<()> = Mutex::new(());

// SAFETY: this is exactly the function type of libbpf's
// `libbpf_print_fn_t` (`install` passes `Some(print)` where libbpf-sys
// declares that type, so a mismatch does not compile), which `print`
// relies on when it turns the address kept in `FORWARD` back into a
// function to call.
type PrintFn = unsafe extern "C" fn(libbpf_print_level, *const c_char, *mut __va_list_tag) -> i32;

/// Runs `step` with libbpf's lines on this thread captured, and returns
/// them with its result.
pub(crate) fn capture<T>(step: impl FnOnce() -> T) -> (T, LibbpfLog) {
    install();
    // A step inside a step (none today) gets its own buffer.
    let outer = ACTIVE
        .try_with(|a| a.replace(Some(LibbpfLog::default())))
        .ok()
        .flatten();
    let guard = Restore { outer: Some(outer) };
    let result = step();
    (result, guard.finish())
}

/// Puts back the outer step's buffer, also if the step unwinds.
struct Restore {
    outer: Option<Option<LibbpfLog>>,
}

impl Restore {
    fn finish(mut self) -> LibbpfLog {
        let outer = self.outer.take().flatten();
        ACTIVE
            .try_with(|a| a.replace(outer))
            .ok()
            .flatten()
            .unwrap_or_default()
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        if let Some(outer) = self.outer.take() {
            let _ = ACTIVE.try_with(|a| a.replace(outer));
        }
    }
}

fn install() {
    let _serial = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let ours: PrintFn = print;
    // SAFETY: libbpf swaps the pointer atomically; `print` has the type
    // libbpf calls.
    let previous = unsafe { libbpf_sys::libbpf_set_print(Some(ours)) };
    match previous {
        Some(p) if p as usize == ours as usize => {}
        Some(p) => FORWARD.store(p as usize, Ordering::Release),
        None => FORWARD.store(0, Ordering::Release),
    }
}

// SAFETY (callback): libbpf calls it, from whichever thread logs, with a
// printf format string and its `va_list`, which it formats once (from a
// copy) and forwards unconsumed. It touches only this thread's capture
// buffer, through `try_with`/`try_borrow` (never a panic, also while the
// thread-local is being destroyed or is already borrowed), and never
// unwinds into C: nothing in it panics.
unsafe extern "C" fn print(
    level: libbpf_print_level,
    format: *const c_char,
    args: *mut __va_list_tag,
) -> i32 {
    let wanted = level != libbpf_sys::LIBBPF_DEBUG
        && ACTIVE
            .try_with(|a| a.try_borrow().is_ok_and(|b| b.is_some()))
            .unwrap_or(false);
    if wanted {
        // SAFETY: libbpf passes a format string and its arguments;
        // vsprintf formats from a copy (va_copy), so `args` stays intact
        // for the function we forward to.
        if let Ok(bytes) = unsafe { vsprintf::vsprintf_raw(format, args) } {
            let text = String::from_utf8_lossy(&bytes);
            let _ = ACTIVE.try_with(|a| {
                if let Ok(mut log) = a.try_borrow_mut()
                    && let Some(log) = log.as_mut()
                {
                    log.push(&text);
                }
            });
        }
    }
    let forward = FORWARD.load(Ordering::Acquire);
    if forward == 0 {
        return 0;
    }
    // SAFETY: FORWARD only holds print functions libbpf had installed,
    // which have this type, and never ours (no recursion).
    let forward: PrintFn = unsafe { std::mem::transmute::<usize, PrintFn>(forward) };
    // SAFETY: the arguments libbpf gave us, unconsumed.
    unsafe { forward(level, format, args) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_keeps_head_and_tail_and_counts_the_rest() {
        let mut log = LibbpfLog::default();
        assert!(log.is_empty());
        assert_eq!(log.to_string(), "");
        let text: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        log.push(&text);
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), HEAD_LINES + TAIL_LINES);
        assert_eq!(lines[0], "line 0");
        assert_eq!(lines[HEAD_LINES - 1], format!("line {}", HEAD_LINES - 1));
        assert_eq!(*lines.last().unwrap(), "line 999");
        assert_eq!(log.omitted(), 1000 - HEAD_LINES - TAIL_LINES);
        assert!(log.to_string().contains("lines left out"));
    }

    #[test]
    fn long_lines_are_cut_on_a_char_boundary() {
        let mut log = LibbpfLog::default();
        log.push(&"é".repeat(MAX_LINE));
        let line = log.lines().next().unwrap();
        assert!(line.len() <= MAX_LINE + " [cut]".len());
        assert!(line.ends_with(" [cut]"));
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls libbpf (libbpf_set_print)")]
    fn capture_sees_this_threads_lines_only() {
        let ((), log) = capture(|| {
            ACTIVE.with(|a| a.borrow_mut().as_mut().unwrap().push("libbpf: mine\n"));
            std::thread::spawn(|| {
                // Another thread has no active capture.
                assert!(ACTIVE.with(|a| a.borrow().is_none()));
            })
            .join()
            .unwrap();
        });
        assert_eq!(log.lines().collect::<Vec<_>>(), ["libbpf: mine"]);
        assert!(ACTIVE.with(|a| a.borrow().is_none()));
    }
}
