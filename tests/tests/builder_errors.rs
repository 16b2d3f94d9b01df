//! Bad input to the builder gives one clear error naming the file, with a
//! hint, never a panic.

use std::path::{Path, PathBuf};

use skel_builder::{Error, SkeletonBuilder};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("builder_errors")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_clang_failure_shows_clangs_message_and_command() {
    let dir = scratch("clang_fails");
    let src = dir.join("broken.bpf.c");
    std::fs::write(&src, "int broken( { return 0; }\n").unwrap();
    let err = SkeletonBuilder::new()
        .source(&src)
        .build_to(dir.join("broken.skel.rs"))
        .unwrap_err();
    let text = err.report();
    assert!(matches!(err, Error::ClangFailed { .. }), "{text}");
    assert!(text.contains("broken.bpf.c"), "{text}");
    assert!(text.contains("error:"), "clang's own message: {text}");
    assert!(text.contains("-target bpf"), "the command it ran: {text}");
}

#[test]
fn a_missing_clang_says_what_to_install() {
    let dir = scratch("no_clang");
    let src = dir.join("ok.bpf.c");
    std::fs::write(&src, "int x;\n").unwrap();
    let err = SkeletonBuilder::new()
        .source(&src)
        .clang("/nonexistent/clang-99")
        .build_to(dir.join("ok.skel.rs"))
        .unwrap_err();
    let text = err.report();
    assert!(matches!(err, Error::ClangNotFound { .. }), "{text}");
    assert!(
        text.contains("/nonexistent/clang-99") && text.contains("apt-get install clang"),
        "{text}"
    );
    assert!(text.contains("CLANG"), "names the env var override: {text}");
}

#[test]
fn a_missing_source_names_the_file() {
    let dir = scratch("missing");
    let err = SkeletonBuilder::new()
        .source(dir.join("nope.bpf.c"))
        .build_to(dir.join("nope.skel.rs"))
        .unwrap_err();
    let text = err.report();
    assert!(text.contains("nope.bpf.c"), "{text}");
}

/// `src` compiled with the builder's clang, without `-g` (no .BTF).
fn compile_without_btf(dir: &Path, name: &str, src: &str) -> PathBuf {
    let source = dir.join(format!("{name}.bpf.c"));
    std::fs::write(&source, src).unwrap();
    let obj = dir.join(format!("{name}.o"));
    let status = std::process::Command::new(skel_builder::default_clang())
        .args(["-O2", "-target", "bpf", "-c"])
        .arg(&source)
        .arg("-o")
        .arg(&obj)
        .status()
        .unwrap();
    assert!(status.success());
    obj
}

#[test]
fn a_map_that_needs_the_missing_btf_is_named() {
    let dir = scratch("no_btf_maps");
    let obj = compile_without_btf(
        &dir,
        "nobtf",
        "struct { int (*type)[2]; int (*max_entries)[1]; } counts \
         __attribute__((section(\".maps\"), used));\n",
    );
    let err = SkeletonBuilder::new()
        .obj(&obj)
        .build_to(dir.join("nobtf.skel.rs"))
        .unwrap_err();
    let text = err.report();
    assert!(matches!(err, Error::NoBtf { .. }), "{text}");
    assert!(
        text.contains("nobtf.o` has no .BTF section, which libbpf needs for map `counts`")
            && text.contains("-g"),
        "{text}"
    );
}

#[test]
fn an_object_without_btf_needing_none_builds_with_one_warning() {
    let dir = scratch("no_btf_data");
    let obj = compile_without_btf(
        &dir,
        "nobtf",
        "int x;\n__attribute__((section(\"tp/syscalls/sys_enter_getppid\"), used)) \
         int prog(void *ctx) { return x; }\n",
    );
    let warnings = SkeletonBuilder::new()
        .obj(&obj)
        .build_to(dir.join("nobtf.skel.rs"))
        .unwrap()
        .warnings;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("nobtf.o` has no .BTF section")
            && warnings[0].contains("`.bss`")
            && warnings[0].contains("-g"),
        "{warnings:?}"
    );
}

#[test]
fn empty_sources_build_without_warnings() {
    let dir = scratch("empty");
    for (name, text) in [
        ("empty", ""),
        (
            "ifdef",
            "#ifdef NOT_DEFINED\nint x;\nint f(void) { return x; }\n#endif\n",
        ),
    ] {
        let src = dir.join(format!("{name}.bpf.c"));
        std::fs::write(&src, text).unwrap();
        let warnings = SkeletonBuilder::new()
            .source(&src)
            .build_to(dir.join(format!("{name}.skel.rs")))
            .unwrap_or_else(|e| panic!("{name}: {e:?}"))
            .warnings;
        assert_eq!(warnings, Vec::<String>::new(), "{name}");
    }
}

#[test]
fn clang_warnings_are_returned_once_each_and_capped() {
    let dir = scratch("clang_warnings");
    // A header read twice (no include guard) repeats its warning at the
    // same place: kept once.
    std::fs::write(dir.join("twice.h"), "#warning from the header\n").unwrap();
    let mut src = String::from("#include \"twice.h\"\n#include \"twice.h\"\n#warning hello\n");
    let warnings = generate_source(&dir, "few", &src);
    assert_eq!(
        warnings,
        [
            format!(
                "{}:1: from the header [-W#warnings]",
                dir.join("twice.h").display()
            ),
            format!("{}:3: hello [-W#warnings]", dir.join("few.bpf.c").display()),
        ],
    );

    // 25 different warnings: 20 shown, then a count.
    for i in 0..25 {
        src.push_str(&format!("#warning number {i}\n"));
    }
    let warnings = generate_source(&dir, "many", &src);
    assert_eq!(warnings.len(), 21, "{warnings:#?}");
    assert!(
        warnings[19].ends_with("number 17 [-W#warnings]"),
        "{warnings:#?}"
    );
    assert_eq!(warnings[20], "skel: ... and 7 more clang warnings");
}

fn generate_source(dir: &Path, name: &str, text: &str) -> Vec<String> {
    let src = dir.join(format!("{name}.bpf.c"));
    std::fs::write(&src, text).unwrap();
    SkeletonBuilder::new()
        .source(&src)
        .build_to(dir.join(format!("{name}.skel.rs")))
        .unwrap_or_else(|e| panic!("{name}: {e:?}"))
        .warnings
}

#[test]
fn a_clang_older_than_15_gets_one_warning() {
    let dir = scratch("old_clang");
    // A clang that says it is 14.0.6 and compiles with the real one.
    let fake = dir.join("clang-fake");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'Debian clang version 14.0.6'; \
             echo 'Target: x86_64-pc-linux-gnu'; exit 0; fi\nexec {} \"$@\"\n",
            skel_builder::default_clang().display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let src = dir.join("old.bpf.c");
    std::fs::write(&src, "int x;\n").unwrap();
    let warnings = SkeletonBuilder::new()
        .source(&src)
        .clang(&fake)
        .build_to(dir.join("old.skel.rs"))
        .unwrap()
        .warnings;
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let w = &warnings[0];
    assert!(
        w.contains("clang 14.0.6")
            && w.contains("clang-fake")
            && w.contains("enum values")
            && w.contains("__kptr")
            && w.contains("apt-get install clang-19"),
        "{w}"
    );
}

#[test]
fn an_elf_that_is_not_bpf_is_refused() {
    // The test binary itself: an x86-64 (or other host) ELF.
    let exe = std::env::current_exe().unwrap();
    let bytes = std::fs::read(&exe).unwrap();
    let err = skel_builder::SkeletonBuilder::new()
        .name("host")
        .generate(&exe, &bytes)
        .unwrap_err();
    let text = err.report();
    assert!(matches!(err, Error::Elf { .. }), "{text}");
    assert!(
        text.contains("not BPF") && text.contains("-target bpf"),
        "{text}"
    );

    let err = skel_builder::SkeletonBuilder::new()
        .name("text")
        .generate(Path::new("notes.txt"), b"hello")
        .unwrap_err();
    assert!(
        err.report().contains("notes.txt") && err.report().contains("not an ELF"),
        "{}",
        err.report()
    );
}

#[test]
fn a_bad_skeleton_name_is_refused() {
    let err = skel_builder::SkeletonBuilder::new()
        .name("my-skel")
        .generate(Path::new("x.o"), b"")
        .unwrap_err();
    assert!(matches!(err, Error::BadName { .. }), "{err:?}");
    let err = skel_builder::SkeletonBuilder::new()
        .name("type")
        .generate(Path::new("x.o"), b"")
        .unwrap_err();
    assert!(matches!(err, Error::BadName { .. }), "{err:?}");
}

#[test]
fn no_input_is_an_error() {
    let err = SkeletonBuilder::new().build_to("x.rs").unwrap_err();
    assert!(matches!(err, Error::NoInput), "{err:?}");
}

/// A source with an event struct, a typedef, a ring buffer, a perf event
/// array and a hash map, for the options that name them.
const NAMED: &str = r#"#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
char LICENSE[] SEC("license") = "GPL";
struct event { int pid; };
typedef unsigned int slot_t;
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, 4);
	__uint(value_size, 4);
} perf_events SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, slot_t);
	__type(value, int);
} counts SEC(".maps");
SEC("tp/syscalls/sys_enter_getpid")
int prog(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->pid = 1;
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}
"#;

/// `NAMED` written as `<dir>/<file>`, and a builder for it that finds
/// libbpf's headers.
fn named_source(dir: &Path, file: &str) -> (PathBuf, SkeletonBuilder) {
    let src = dir.join(file);
    std::fs::write(&src, NAMED).unwrap();
    let mut builder = SkeletonBuilder::new();
    builder.include(env!("SKEL_BPF_INCLUDE")).source(&src);
    (src, builder)
}

/// The report of a build expected to fail with problems in the object.
fn object_report(builder: &mut SkeletonBuilder, out: &Path) -> String {
    let err = builder.build_to(out).unwrap_err();
    let text = err.report();
    assert!(matches!(err, Error::Object { .. }), "{text}");
    text
}

#[test]
fn a_misspelt_event_type_names_the_source_and_the_closest_type() {
    let dir = scratch("misspelt_event_type");
    let (src, mut builder) = named_source(&dir, "ev.bpf.c");
    builder.event_type("events", "struct evnt");
    let text = object_report(&mut builder, &dir.join("ev.skel.rs"));
    // The builder's type-keeper header declares `struct evnt` for clang,
    // so BTF has a forward declaration of it and nothing more.
    assert_eq!(
        text,
        format!(
            "skel-builder: `{}`: `.event_type` of map `events`: `struct evnt` is only declared \
             (a forward declaration), never defined; did you mean `struct event`?",
            src.display()
        )
    );
}

#[test]
fn a_misspelt_event_map_names_the_source_and_the_closest_map() {
    let dir = scratch("misspelt_event_map");
    let (src, mut builder) = named_source(&dir, "ev.bpf.c");
    builder.event_type("evnts", "struct event");
    let text = object_report(&mut builder, &dir.join("ev.skel.rs"));
    assert_eq!(
        text,
        format!(
            "skel-builder: `{}`: `.event_type`: there is no map `evnts`; did you mean `events`?",
            src.display()
        )
    );
}

#[test]
fn every_misnamed_option_of_one_build_is_reported_together() {
    let dir = scratch("misnamed_together");
    let (src, mut builder) = named_source(&dir, "all.bpf.c");
    builder
        // A map too far from any event map: the event maps are listed.
        .event_type("queue", "struct event")
        // A map that carries no events.
        .event_type("counts", "struct event")
        .event_type("perf_events", "struct evnet")
        .types([
            "struct evnt",
            // The wrong keyword, and a misspelt one.
            "typedef event",
            "strcut event",
            // A typedef by a wrong name, and a name too far from any type.
            "solt_t",
            "nothing_like_it",
        ]);
    let text = object_report(&mut builder, &dir.join("all.skel.rs"));
    assert_eq!(
        text,
        format!(
            "skel-builder: `{}`: 8 problems:\n  \
             - `.event_type`: there is no map `queue`; the ring buffers and perf event arrays \
             are `events` and `perf_events`\n  \
             - `.event_type`: map `counts` is a BPF_MAP_TYPE_HASH; only ring buffers and perf \
             event arrays carry events (the ring buffers and perf event arrays are `events` \
             and `perf_events`)\n  \
             - `.event_type` of map `perf_events`: `struct evnet` is only declared (a forward \
             declaration), never defined; did you mean `struct event`?\n  \
             - `.types`: `struct evnt` is only declared (a forward declaration), never defined; \
             did you mean `struct event`?\n  \
             - `.types`: `typedef event` is not in the object's BTF; did you mean `struct \
             event`?\n  \
             - `.types`: `strcut event` is not in the object's BTF; did you mean `struct \
             event`?\n  \
             - `.types`: `solt_t` is not in the object's BTF; did you mean `slot_t`?\n  \
             - `.types`: `nothing_like_it` is not in the object's BTF; a typedef reaches BTF \
             only when a global, a map or a function signature uses it",
            src.display()
        )
    );
}

#[test]
fn a_type_named_with_the_wrong_keyword_explains_the_builders_header() {
    let dir = scratch("wrong_keyword");
    let (src, mut builder) = named_source(&dir, "kw.bpf.c");
    builder.types(["union event"]);
    let err = builder.build_to(dir.join("kw.skel.rs")).unwrap_err();
    let text = err.report();
    let Error::ClangFailed { source_file, .. } = &err else {
        panic!("{text}")
    };
    assert_eq!(source_file, &src);
    // clang's own words, then what they mean.
    assert!(
        text.contains("kw.types.h") && text.contains("does not match previous declaration"),
        "{text}"
    );
    let hint = format!(
        "\nhint: `{}` is skel-builder's: it declares the types named with `.types` and \
         `.event_type` (`union event`) before each source, so that clang puts them in BTF; name \
         each with the keyword the sources define it with (`struct`, `union` or `enum`), and \
         each once",
        dir.join("kw.types.h").display()
    );
    assert!(text.ends_with(&hint), "{text}");
}

#[test]
fn linked_sources_are_all_named() {
    let dir = scratch("misnamed_linked");
    let (src, mut builder) = named_source(&dir, "a.bpf.c");
    let other = dir.join("b.bpf.c");
    std::fs::write(
        &other,
        "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\nint b_counter;\n",
    )
    .unwrap();
    builder.source(&other).event_type("event", "struct event");
    let text = object_report(&mut builder, &dir.join("linked.skel.rs"));
    assert_eq!(
        text,
        format!(
            "skel-builder: `{}` and `{}`: `.event_type`: there is no map `event`; did you mean \
             `events`?",
            src.display(),
            other.display()
        )
    );
}

#[test]
fn a_prebuilt_object_is_named_itself() {
    let dir = scratch("misnamed_prebuilt");
    let (_, mut builder) = named_source(&dir, "pre.bpf.c");
    // `struct event` reaches BTF.
    builder
        .types(["struct event"])
        .build_to(dir.join("pre.skel.rs"))
        .unwrap();
    let obj = dir.join("pre.bpf.o");
    let text = object_report(
        SkeletonBuilder::new()
            .obj(&obj)
            .name("again")
            .event_type("events", "struct evnt")
            .types(["union event", "struct pair"]),
        &dir.join("again.skel.rs"),
    );
    // No type-keeper header compiled this one: `struct evnt` is not in it
    // at all; suggestions come from its BTF.
    assert_eq!(
        text,
        format!(
            "skel-builder: `{}`: 3 problems:\n  \
             - `.event_type` of map `events`: `struct evnt` is not in the object's BTF; did you \
             mean `struct event`?\n  \
             - `.types`: `union event` is not in the object's BTF; did you mean `struct event`?\n  \
             - `.types`: `struct pair` is not in the object's BTF",
            obj.display()
        )
    );
}

#[test]
fn without_event_maps_the_message_says_so() {
    let dir = scratch("no_event_maps");
    let src = dir.join("plain.bpf.c");
    std::fs::write(&src, "int x;\n").unwrap();
    let text = object_report(
        SkeletonBuilder::new()
            .source(&src)
            .event_type("events", "int"),
        &dir.join("plain.skel.rs"),
    );
    assert_eq!(
        text,
        format!(
            "skel-builder: `{}`: `.event_type`: there is no map `events`; there is no ring \
             buffer or perf event array",
            src.display()
        )
    );
}

/// A copy of bpf/sized_maps.bpf.c (maps declared with key_size/value_size)
/// in `dir`, and a builder for it without the options its comments give.
fn sized_maps_source(dir: &Path) -> (PathBuf, SkeletonBuilder) {
    let src = dir.join("sized.bpf.c");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("bpf/sized_maps.bpf.c");
    std::fs::copy(fixture, &src).unwrap();
    let mut builder = SkeletonBuilder::new();
    builder.include(env!("SKEL_BPF_INCLUDE")).source(&src);
    (src, builder)
}

#[test]
fn map_types_of_the_wrong_size_or_name_are_errors_naming_map_and_source() {
    let dir = scratch("map_types_wrong");
    let (src, mut builder) = sized_maps_source(&dir);
    builder
        // 4 bytes for an 8-byte value.
        .map_value_type("stats", "u32")
        // A misspelt map and a misspelt type.
        .map_value_type("stat", "u64")
        .map_key_type("flows", "struct flw")
        // A key without its value.
        .map_key_type("events_q", "u32");
    let text = object_report(&mut builder, &dir.join("sized.skel.rs"));
    let src = src.display().to_string();
    assert!(
        text.starts_with(&format!("skel-builder: `{src}`: ")),
        "{text}"
    );
    for expected in [
        "`.map_value_type` of map `stats`: `u32` is 4 bytes, but the map's value_size is 8 bytes",
        "`.map_value_type`: there is no map `stat`; did you mean `stats`?",
        "`.map_key_type` of map `flows`: `struct flw` is only declared (a forward declaration), \
         never defined; did you mean `struct flow`?",
        "`.map_key_type` of map `events_q`: `u32` is 4 bytes, but the map's key_size is 0 bytes",
    ] {
        assert!(text.contains(expected), "{expected}\nnot in\n{text}");
    }
}

#[test]
fn a_map_typed_by_half_names_the_missing_half() {
    let dir = scratch("map_types_half");
    let (_, mut builder) = sized_maps_source(&dir);
    builder.map_key_type("flows", "struct flow");
    let text = object_report(&mut builder, &dir.join("sized.skel.rs"));
    assert!(
        text.contains(
            "map `flows`: its value has no type (neither BTF nor the build script gives one); \
             name it with `.map_value_type(\"flows\", ..)`"
        ),
        "{text}"
    );
}

#[test]
fn typing_a_map_btf_already_types_or_one_without_typed_handles_is_an_error() {
    let dir = scratch("map_types_refused");
    let (src, mut builder) = named_source(&dir, "refused.bpf.c");
    builder
        // `counts` declares its key with `__type(key, slot_t)`.
        .map_key_type("counts", "u32")
        // A perf event array carries events, not typed entries.
        .map_value_type("perf_events", "u32");
    let text = object_report(&mut builder, &dir.join("refused.skel.rs"));
    let src = src.display().to_string();
    assert!(
        text.starts_with(&format!("skel-builder: `{src}`: ")),
        "{text}"
    );
    for expected in [
        "`.map_key_type` of map `counts`: its key is already typed by BTF (`slot_t`); \
         `.map_key_type` is for maps declared with `__uint(key_size, N)`",
        "map `perf_events` is a ",
        "only arrays, hashes (per-CPU and LRU too), LPM tries, queues and stacks get typed \
         handles from `.map_key_type`/`.map_value_type`",
    ] {
        assert!(text.contains(expected), "{expected}\nnot in\n{text}");
    }
}
