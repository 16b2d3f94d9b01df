//! Several BPF sources or objects, one object: compile each (in parallel),
//! check the symbols across them, and link them with libbpf's static linker
//! (`bpf_linker__*`, what `bpftool gen object` runs): externs resolved
//! across files, BTF and `.BTF.ext` merged, `__weak` definitions yielding to
//! strong ones, maps and globals declared `extern` in a shared header and
//! defined once.
//!
//! The linker is libbpf's C code, so it is behind skel-builder's `link`
//! feature: single-source builds never compile it. Before it runs, the
//! symbol tables are checked here, so that a duplicate definition or an
//! extern defined nowhere is reported with every file and symbol involved;
//! what libbpf finds beyond that (mismatched types of one extern, say)
//! comes with libbpf's own messages and the file being added.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::object::elf::{Binding, ElfObject, SymbolKind};
use skel_btf::{Btf, Kind};

/// One input of a link: the object, and the file to name in messages (its
/// C source, or the object itself when it was given prebuilt).
#[derive(Debug, Clone)]
pub(crate) struct LinkInput {
    pub object: PathBuf,
    pub shown: PathBuf,
}

pub use crate::error::link::LinkProblem;

/// Runs `compile(i)` for every index below `count` on up to
/// `available_parallelism` threads. Returns the results in index order.
pub(crate) fn in_parallel<T: Send>(count: usize, compile: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count)
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, T)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = vec![];
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= count {
                            return done;
                        }
                        done.push((i, compile(i)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Global symbols of one object: defined strongly, defined weakly, used
/// but undefined, and the undefined ones that are kernel symbols or Kconfig
/// values (`.ksyms`, `.kconfig`), which the loader resolves.
#[derive(Default)]
struct Symbols {
    strong: Vec<String>,
    weak: Vec<String>,
    undefined: Vec<String>,
    kernel: HashSet<String>,
}

fn symbols(input: &LinkInput, bytes: &[u8]) -> Result<Symbols, Error> {
    let elf = ElfObject::parse(bytes).map_err(|source| Error::Elf {
        path: input.shown.clone(),
        source,
    })?;
    let mut out = Symbols::default();
    for sym in &elf.symbols {
        let global = matches!(sym.binding, Binding::Global | Binding::Weak);
        if !global || sym.name.is_empty() {
            continue;
        }
        if !matches!(
            sym.kind,
            SymbolKind::Func | SymbolKind::Object | SymbolKind::NoType
        ) {
            continue;
        }
        match sym.section {
            None => {
                if sym.binding == Binding::Global {
                    out.undefined.push(sym.name.clone());
                }
            }
            Some(index) => {
                // libbpf keeps one copy of `license` and `version`.
                let section = elf.sections.get(index).map_or("", |s| s.name.as_str());
                if section == "license" || section == "version" {
                    continue;
                }
                if sym.binding == Binding::Weak {
                    out.weak.push(sym.name.clone());
                } else {
                    out.strong.push(sym.name.clone());
                }
            }
        }
    }
    if let Some(section) = elf.section_by_name(".BTF") {
        let btf = Btf::parse(section.data).map_err(|source| Error::Btf {
            path: input.shown.clone(),
            source,
        })?;
        for ty in btf.iter() {
            let (Some(".ksyms" | ".kconfig"), Kind::Datasec { vars, .. }) = (ty.name(), ty.kind())
            else {
                continue;
            };
            for v in vars {
                out.kernel.insert(btf.name(v.ty).to_owned());
            }
        }
    }
    Ok(out)
}

/// Checks the symbols of the inputs against each other: every strong
/// definition in one file only, every extern defined somewhere (or a kernel
/// symbol).
pub(crate) fn check(inputs: &[LinkInput]) -> Result<(), Error> {
    let mut strong: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    let mut defined: HashSet<String> = HashSet::new();
    let mut used: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for input in inputs {
        let bytes = std::fs::read(&input.object).map_err(|source| Error::Io {
            action: "read",
            path: input.object.clone(),
            source,
        })?;
        let syms = symbols(input, &bytes)?;
        for name in syms.strong {
            defined.insert(name.clone());
            strong.entry(name).or_default().push(input.shown.clone());
        }
        defined.extend(syms.weak);
        for name in syms.undefined {
            if !syms.kernel.contains(&name) {
                used.entry(name).or_default().push(input.shown.clone());
            }
        }
    }
    let mut problems = vec![];
    for (symbol, mut files) in strong {
        files.dedup();
        if files.len() > 1 {
            problems.push(LinkProblem::Duplicate { symbol, files });
        }
    }
    for (symbol, mut files) in used {
        files.dedup();
        if !defined.contains(&symbol) {
            problems.push(LinkProblem::Undefined { symbol, files });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Link {
            files: inputs.iter().map(|i| i.shown.clone()).collect(),
            problems,
        })
    }
}

/// Checks and links `inputs` into `output`.
pub(crate) fn link(inputs: &[LinkInput], output: &Path) -> Result<(), Error> {
    check(inputs)?;
    run_linker(inputs, output)
}

#[cfg(not(feature = "link"))]
fn run_linker(inputs: &[LinkInput], _output: &Path) -> Result<(), Error> {
    Err(Error::LinkFeature {
        files: inputs.iter().map(|i| i.shown.clone()).collect(),
    })
}

#[cfg(feature = "link")]
fn run_linker(inputs: &[LinkInput], output: &Path) -> Result<(), Error> {
    libbpf::link(inputs, output)
}

#[cfg(feature = "link")]
mod libbpf {
    //! libbpf's static linker, with its messages captured for errors.

    use std::ffi::{CStr, CString, c_char, c_int, c_void};
    use std::path::Path;
    use std::sync::Mutex;

    use super::LinkInput;
    use crate::error::Error;

    unsafe extern "C" {
        // `va_list` is passed as a pointer on x86-64 and aarch64 alike
        // (libbpf-rs formats libbpf's messages the same way).
        fn vsnprintf(
            buf: *mut c_char,
            size: usize,
            format: *const c_char,
            ap: *mut c_void,
        ) -> c_int;
    }

    /// libbpf's print callback is process-wide: one link at a time.
    static LINKING: Mutex<()> = Mutex::new(());
    /// libbpf's warnings during the current link.
    static MESSAGES: Mutex<Vec<String>> = Mutex::new(Vec::new());

    unsafe extern "C" fn capture(
        level: libbpf_sys::libbpf_print_level,
        format: *const c_char,
        ap: *mut libbpf_sys::__va_list_tag,
    ) -> c_int {
        if level != libbpf_sys::LIBBPF_WARN || format.is_null() {
            return 0;
        }
        let mut buf = [0 as c_char; 1024];
        // SAFETY: `buf` has the size given; libbpf hands a valid format
        // and its arguments.
        let n = unsafe { vsnprintf(buf.as_mut_ptr(), buf.len(), format, ap.cast()) };
        if n < 0 {
            return 0;
        }
        // SAFETY: vsnprintf NUL-terminates within the buffer.
        let text = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy();
        let mut messages = MESSAGES.lock().unwrap_or_else(|e| e.into_inner());
        let text = text.trim_end();
        messages.push(text.strip_prefix("libbpf: ").unwrap_or(text).to_owned());
        0
    }

    fn c_path(path: &Path) -> Result<CString, Error> {
        CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| Error::Io {
            action: "pass to libbpf's linker",
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path holds a NUL"),
        })
    }

    /// Frees the linker however the link ends.
    struct Linker(*mut libbpf_sys::bpf_linker);

    impl Drop for Linker {
        fn drop(&mut self) {
            // SAFETY: a linker from bpf_linker__new, freed once.
            unsafe { libbpf_sys::bpf_linker__free(self.0) };
        }
    }

    pub(super) fn link(inputs: &[LinkInput], output: &Path) -> Result<(), Error> {
        let _one_at_a_time = LINKING.lock().unwrap_or_else(|e| e.into_inner());
        MESSAGES.lock().unwrap_or_else(|e| e.into_inner()).clear();
        // SAFETY: `capture` has libbpf's print signature and is reentrant.
        let previous = unsafe { libbpf_sys::libbpf_set_print(Some(capture)) };
        let result = link_captured(inputs, output);
        // SAFETY: restores what was there.
        unsafe { libbpf_sys::libbpf_set_print(previous) };
        result
    }

    fn failed(file: &Path, step: &'static str, code: c_int) -> Error {
        let messages = std::mem::take(&mut *MESSAGES.lock().unwrap_or_else(|e| e.into_inner()));
        Error::LinkFailed {
            file: file.to_owned(),
            step,
            source: std::io::Error::from_raw_os_error(code.saturating_abs()),
            messages: messages.join("\n"),
        }
    }

    fn link_captured(inputs: &[LinkInput], output: &Path) -> Result<(), Error> {
        let out = c_path(output)?;
        // SAFETY: a valid C string; NULL options are the defaults.
        let raw = unsafe { libbpf_sys::bpf_linker__new(out.as_ptr(), std::ptr::null_mut()) };
        if raw.is_null() {
            let code = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            return Err(failed(output, "create", code));
        }
        let linker = Linker(raw);
        for input in inputs {
            let path = c_path(&input.object)?;
            // SAFETY: a live linker and a valid C string; NULL options.
            let code = unsafe {
                libbpf_sys::bpf_linker__add_file(linker.0, path.as_ptr(), std::ptr::null())
            };
            if code != 0 {
                return Err(failed(&input.shown, "add", code));
            }
        }
        // SAFETY: a live linker.
        let code = unsafe { libbpf_sys::bpf_linker__finalize(linker.0) };
        if code != 0 {
            return Err(failed(output, "finish", code));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::files_list;

    #[test]
    fn file_lists_read_as_prose() {
        let f = |names: &[&str]| files_list(&names.iter().map(PathBuf::from).collect::<Vec<_>>());
        assert_eq!(f(&["a.c"]), "`a.c`");
        assert_eq!(f(&["a.c", "b.c"]), "`a.c` and `b.c`");
        assert_eq!(f(&["a.c", "b.c", "c.c"]), "`a.c`, `b.c` and `c.c`");
    }

    /// Runs only where skel-builder is built without `link` (`cargo test
    /// -p skel-builder`; the workspace's tests crate turns it on).
    #[cfg(not(feature = "link"))]
    #[test]
    fn without_the_feature_several_inputs_name_the_feature() {
        let inputs = ["a.bpf.c", "b.bpf.c"].map(|f| LinkInput {
            object: PathBuf::from(f).with_extension("o"),
            shown: PathBuf::from(f),
        });
        let text = run_linker(&inputs, Path::new("out.o"))
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("`link` feature") && text.contains("`a.bpf.c` and `b.bpf.c`"),
            "{text}"
        );
    }

    #[test]
    fn parallel_results_keep_their_order() {
        let out = in_parallel(20, |i| i * 2);
        assert_eq!(out, (0..20).map(|i| i * 2).collect::<Vec<_>>());
        assert!(in_parallel(0, |i| i).is_empty());
    }
}
