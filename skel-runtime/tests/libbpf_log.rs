//! libbpf's log lines reach the error of the failing step, per thread, and
//! are still forwarded to whatever print function was installed. One test
//! function: libbpf's print function is global to the process.

use std::ffi::c_char;
use std::sync::Mutex;

use libbpf_sys::{__va_list_tag, LIBBPF_WARN, libbpf_print_level, libbpf_set_print};
use skel_runtime::{Error, ObjectStorage, OpenOptions};

/// A skeleton spec over bytes that are no ELF object.
macro_rules! garbage_spec {
    ($skeleton:literal, $name:literal) => {{
        static SPEC: skel_runtime::__private::SkelSpec = skel_runtime::__private::SkelSpec {
            skeleton: $skeleton,
            name: $name,
            object: b"this is not an ELF object, libbpf will say so",
            maps: &[],
            progs: &[],
        };
        &SPEC
    }};
}

/// Opens `spec` and returns the error with its log lines.
fn open_error(spec: &'static skel_runtime::__private::SkelSpec) -> (Error, Vec<String>) {
    let mut storage = ObjectStorage::new();
    let err = skel_runtime::__private::OpenCore::open(&mut storage, spec, &OpenOptions::default())
        .err()
        .expect("garbage must not open");
    let lines = err
        .libbpf_log()
        .expect("an open error carries libbpf's log")
        .lines()
        .map(str::to_owned)
        .collect();
    (err, lines)
}

static FORWARDED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A print callback of the user's, at warning level: it records each line.
unsafe extern "C" fn record(
    level: libbpf_print_level,
    format: *const c_char,
    args: *mut __va_list_tag,
) -> i32 {
    if level > LIBBPF_WARN {
        return 0;
    }
    // SAFETY: libbpf's printf format string and its arguments, as libbpf
    // passes them to its print callback.
    if let Ok(bytes) = unsafe { vsprintf::vsprintf_raw(format, args) } {
        let line = String::from_utf8_lossy(&bytes).into_owned();
        FORWARDED.lock().unwrap().push(line);
    }
    0
}

#[test]
fn libbpf_lines_reach_the_error_and_the_installed_printer() {
    // 1. libbpf's default printer: the lines are captured (and go to
    //    stderr as before).
    let (err, lines) = open_error(garbage_spec!(
        "a_rather_long_skeleton_name",
        "a_rather_long_s"
    ));
    let text = err.to_string();
    assert!(
        text.starts_with("skeleton `a_rather_long_skeleton_name`: libbpf cannot open"),
        "{text}"
    );
    assert!(!lines.is_empty(), "{text}");
    assert!(lines.iter().any(|l| l.starts_with("libbpf: ")), "{lines:?}");
    assert!(
        text.contains("libbpf's log of this step:"),
        "the message shows the log: {text}"
    );
    assert!(err.raw_os_error().is_some(), "{text}");
    assert_eq!(err.errno().map(|e| e.raw()), err.raw_os_error());

    // 2. A callback of the user's: it still gets every line.
    // SAFETY: `record` is a print callback of libbpf's signature.
    unsafe { libbpf_set_print(Some(record)) };
    let (_, lines) = open_error(garbage_spec!("with_callback", "with_callback"));
    let forwarded = FORWARDED.lock().unwrap().clone();
    assert!(!lines.is_empty());
    for line in &lines {
        assert!(
            forwarded.iter().any(|f| f.contains(line.as_str())),
            "`{line}` was not forwarded: {forwarded:?}"
        );
    }

    // 3. libbpf silenced: nothing is printed, the error still has the lines.
    // SAFETY: null silences libbpf.
    unsafe { libbpf_set_print(None) };
    let before = FORWARDED.lock().unwrap().len();
    let (_, lines) = open_error(garbage_spec!("silenced", "silenced"));
    assert!(!lines.is_empty());
    assert_eq!(FORWARDED.lock().unwrap().len(), before, "nothing forwarded");

    // 4. Two threads at once: each error has its own thread's lines (libbpf
    //    names the object it failed on).
    let threads: Vec<_> = [
        garbage_spec!("thread_one", "thread_one"),
        garbage_spec!("thread_two", "thread_two"),
    ]
    .into_iter()
    .map(|spec| {
        std::thread::spawn(move || {
            let mut all = vec![];
            for _ in 0..20 {
                all.extend(open_error(spec).1);
            }
            (spec.name, all)
        })
    })
    .collect();
    for t in threads {
        let (name, lines) = t.join().unwrap();
        let other = if name == "thread_one" {
            "thread_two"
        } else {
            "thread_one"
        };
        assert!(lines.iter().any(|l| l.contains(name)), "{name}: {lines:?}");
        assert!(
            !lines.iter().any(|l| l.contains(other)),
            "{name} got {other}'s lines: {lines:?}"
        );
    }
}
