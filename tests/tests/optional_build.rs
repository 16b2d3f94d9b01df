//! The build script's side of optional programs, without the kernel: names
//! checked against the object's programs, the kfuncs each program reaches
//! (through subprograms, global functions and callbacks; `__weak` ones
//! left out), the spec the skeleton carries, and the kfuncs only optional
//! programs call declared weak in the embedded object.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use object::{Object as _, ObjectSymbol as _};
use skel_builder::{Error, Problem, SkeletonBuilder};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("optional_build")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture_source(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bpf").join(file)
}

fn builder(source: &Path) -> SkeletonBuilder {
    let mut b = SkeletonBuilder::new();
    b.include(env!("SKEL_BPF_INCLUDE")).source(source);
    b
}

#[test]
fn names_that_are_no_program_are_errors_naming_the_source_with_a_suggestion() {
    let dir = scratch("bad_names");
    let src = fixture_source("optional.bpf.c");
    let err = builder(&src)
        .optional_programs(["on_getpidd", "on_getppid", "nothing_like_it"])
        .build_to(dir.join("optional.skel.rs"))
        .unwrap_err();
    let Error::Object {
        inputs, problems, ..
    } = &err
    else {
        panic!("not an object error: {err}");
    };
    assert_eq!(inputs, std::slice::from_ref(&src));
    assert!(
        matches!(&problems[..], [
            Problem::NoProgram { program: a, suggestion: Some(s), .. },
            Problem::NoProgram { program: b, suggestion: None, count: 6 },
        ] if a == "on_getpidd" && s == "on_getpid" && b == "nothing_like_it"),
        "{problems:?}"
    );
    let text = err.report();
    assert!(text.contains("optional.bpf.c"), "{text}");
    assert!(
        text.contains(
            "`.optional_programs`: there is no program `on_getpidd`; did you mean `on_getpid`?"
        ),
        "{text}"
    );
}

#[test]
fn struct_ops_programs_cannot_be_optional() {
    let dir = scratch("struct_ops");
    let err = builder(&fixture_source("struct_ops_assoc.bpf.c"))
        .optional_programs(["as_ssthresh"])
        .build_to(dir.join("struct_ops_assoc.skel.rs"))
        .unwrap_err();
    let text = err.report();
    assert!(
        text.contains("`as_ssthresh` is a struct_ops program") && text.contains("clear its slot"),
        "{text}"
    );
}

/// Programs reaching kfuncs in every way the code can: directly, through a
/// static subprogram, a global function, a callback, several levels down;
/// and a `__weak` kfunc, which needs nothing.
const CALLS: &str = r#"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
extern int kf_direct(int x) __ksym;
extern int kf_static(int x) __ksym;
extern void kf_global(void) __ksym;
extern void kf_callback(void) __ksym;
extern void kf_deep(void) __ksym;
extern void kf_weak(void) __ksym __weak;
extern const int ks_var __ksym;
int out;
static __noinline int deep(int x) { kf_deep(); return x + 1; }
static __noinline int via_static(int x) { return kf_static(x) + deep(x); }
__noinline int via_global(int x) { kf_global(); return x * 2; }
static int callback(__u32 i, void *ctx) { kf_callback(); return 0; }
SEC("tp/syscalls/sys_enter_getpid") int direct(void *ctx) { out = kf_direct(1); return 0; }
SEC("tp/syscalls/sys_enter_getpid") int calls_static(void *ctx) { out = via_static(1); return 0; }
SEC("tp/syscalls/sys_enter_getppid") int calls_global(void *ctx) { out = via_global(1); return 0; }
SEC("syscall") int loops(void *ctx) { bpf_loop(2, callback, 0, 0); out = ks_var; return 0; }
SEC("syscall") int weak_only(void *ctx) { if (bpf_ksym_exists(kf_weak)) kf_weak(); return 0; }
SEC("xdp") int none(void *ctx) { return 2; }
"#;

#[test]
fn each_program_lists_the_strong_kfuncs_and_ksyms_its_code_reaches() {
    let dir = scratch("calls");
    let src = dir.join("calls.bpf.c");
    std::fs::write(&src, CALLS).unwrap();
    let out = dir.join("calls.skel.rs");
    let model = builder(&src).build_to(&out).unwrap().skeleton.unwrap();
    let got: BTreeMap<&str, (Vec<&str>, Vec<&str>)> = model
        .progs
        .iter()
        .map(|p| (p.name.as_str(), (strs(&p.kfuncs), strs(&p.ksyms))))
        .collect();
    let want: BTreeMap<&str, (Vec<&str>, Vec<&str>)> = [
        ("direct", (vec!["kf_direct"], vec![])),
        ("calls_static", (vec!["kf_deep", "kf_static"], vec![])),
        ("calls_global", (vec!["kf_global"], vec![])),
        ("loops", (vec!["kf_callback"], vec!["ks_var"])),
        ("weak_only", (vec![], vec![])),
        ("none", (vec![], vec![])),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
    // The spec carries them, for the check at load.
    let code = std::fs::read_to_string(&out).unwrap();
    let flat: String = code.split_whitespace().collect();
    assert!(
        flat.contains(
            r#"s::ProgSpec::new("loops",false).kfuncs(&["kf_callback"]).ksyms(&["ks_var"])"#
        ),
        "{code}"
    );
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The binding of each undefined symbol of an object.
fn externs(object: &Path) -> BTreeMap<String, &'static str> {
    let bytes = std::fs::read(object).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    file.symbols()
        .filter(|s| s.is_undefined() && !s.name().unwrap_or("").is_empty())
        .map(|s| {
            let binding = if s.is_weak() {
                "weak"
            } else if s.is_global() {
                "global"
            } else {
                "other"
            };
            (s.name().unwrap().to_owned(), binding)
        })
        .collect()
}

#[test]
fn kfuncs_only_optional_programs_call_are_weak_in_the_embedded_object() {
    // Built by the tests crate's build script: `optional` marks
    // `calls_missing_kfunc` optional, `optional_required` does not.
    let optional = externs(&skel_tests::fixture("optional"));
    let required = externs(&skel_tests::fixture("optional_required"));
    assert_eq!(optional["bpf_skel_no_such_kfunc"], "weak");
    assert_eq!(required["bpf_skel_no_such_kfunc"], "global");
    // Declared weak in the source: weak in both.
    assert_eq!(optional["bpf_skel_no_such_weak_kfunc"], "weak");
    assert_eq!(required["bpf_skel_no_such_weak_kfunc"], "weak");

    // A kfunc a required program also calls stays strong.
    let dir = scratch("shared_kfunc");
    let src = dir.join("shared.bpf.c");
    std::fs::write(&src, CALLS).unwrap();
    builder(&src)
        .optional_programs(["calls_static", "direct", "loops"])
        .build_to(dir.join("shared.skel.rs"))
        .unwrap();
    let shared = externs(&dir.join("shared.bpf.o"));
    assert_eq!(shared["kf_direct"], "weak");
    assert_eq!(shared["kf_static"], "weak");
    assert_eq!(shared["kf_callback"], "weak");
    assert_eq!(shared["ks_var"], "weak");
    assert_eq!(shared["kf_global"], "global", "`calls_global` is required");
}
