//! The builder's view of every fixture object agrees with libbpf's: the
//! same maps (names, types, key/value sizes, entries, flags, autocreate)
//! and the same programs (names, sections, autoload), in the same order.
//! And the objects libbpf refuses at open are exactly the ones the builder
//! refuses, for the same culprit.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use libbpf_rs::{ObjectBuilder, OpenObject, PrintLevel};
use object::read::elf::{ElfFile64, SectionHeader as _};
use object::{LittleEndian, Object as _, ObjectSection as _};
use skel_builder::{Error, NeedsBtf, Problem, Skeleton};

#[test]
fn builder_agrees_with_libbpf_on_every_fixture() {
    let fixtures = skel_tests::fixtures();
    assert!(fixtures.len() >= 3, "fixtures: {fixtures:?}");
    for (source, object) in fixtures {
        let name = object
            .file_name()
            .and_then(|f| f.to_str())
            .and_then(|f| f.split('.').next())
            .unwrap()
            .to_owned();
        let bytes = std::fs::read(&object).unwrap();
        // The object is the embedded copy: DWARF sections and their
        // relocations removed, BTF kept. Read with the `object` crate, not
        // skel-builder's own reader.
        let elf = ElfFile64::<LittleEndian>::parse(bytes.as_slice()).unwrap();
        let sections: Vec<(String, object::elf::SectionType)> = elf
            .sections()
            .map(|s| {
                let name = s.name().unwrap().to_owned();
                (name, s.elf_section_header().sh_type(LittleEndian))
            })
            .collect();
        assert!(
            !sections
                .iter()
                .any(|(n, _)| n.starts_with(".debug_") || n.starts_with(".rel.debug_")),
            "{}: {sections:?}",
            object.display()
        );
        let ours = skel_builder::SkeletonBuilder::new()
            .name(&name)
            .generate(&object, &bytes)
            .unwrap_or_else(|e| panic!("{}: {e:?}", source.display()))
            .skeleton;
        // Fixtures without BTF: the empty ones and the prebuilt one.
        let no_btf = ["empty", "ifdef_empty", "nobtf"].contains(&name.as_str());
        assert_eq!(ours.has_btf, !no_btf, "{}", source.display());
        assert_eq!(
            elf.section_by_name(".BTF").is_some() && elf.section_by_name(".BTF.ext").is_some(),
            !no_btf,
            "{}",
            object.display()
        );

        let mut builder = ObjectBuilder::default();
        builder.name(&name).unwrap();
        let open = builder.open_memory(&bytes).unwrap();
        assert_same_objects(&ours, &open, &source);
    }
}

/// Maps and programs, as the builder and libbpf see them, are equal.
fn assert_same_objects(ours: &Skeleton, open: &OpenObject, source: &Path) {
    {
        let theirs: Vec<_> = open
            .maps()
            .map(|m| {
                (
                    m.name().to_string_lossy().into_owned(),
                    u32::from(m.map_type()),
                    m.key_size(),
                    m.value_size(),
                    m.max_entries(),
                    m.map_flags(),
                    m.autocreate(),
                )
            })
            .collect();
        let mine: Vec<_> = ours
            .maps
            .iter()
            .map(|m| {
                (
                    m.name.clone(),
                    m.map_type,
                    m.key_size,
                    m.value_size,
                    m.max_entries,
                    m.map_flags,
                    m.autocreate,
                )
            })
            .collect();
        assert_eq!(mine, theirs, "maps of {}", source.display());

        let theirs: Vec<_> = open
            .progs()
            .map(|p| {
                (
                    p.name().to_string_lossy().into_owned(),
                    p.section().to_string_lossy().into_owned(),
                    p.autoload(),
                )
            })
            .collect();
        let mine: Vec<_> = ours
            .progs
            .iter()
            .map(|p| (p.name.clone(), p.section.clone(), p.autoload))
            .collect();
        assert_eq!(mine, theirs, "programs of {}", source.display());
    }
}

/// What libbpf printed at warning level, for the culprit it names.
static LIBBPF_LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn record(_: PrintLevel, message: String) {
    LIBBPF_LOG.lock().unwrap().push(message);
}

/// Who an object is refused for: a struct_ops slot holding a program of
/// another type, something that needs the BTF the object lacks.
#[derive(Debug, PartialEq)]
enum Culprit {
    /// `struct_ops reloc <map>: prog <program> is not struct_ops BPF program`.
    NotStructOpsProgram { map: String, program: String },
    /// `BTF is required, but is missing or corrupted` (`.maps`, struct_ops).
    BtfRequired,
    /// `failed to find BTF for extern '<name>'`.
    ExternWithoutBtf { name: String },
}

/// One object, written for this test and compiled with the builder's clang.
struct Case {
    name: &'static str,
    /// `-g` or not: without it clang emits no .BTF.
    btf: bool,
    source: &'static str,
    /// `None`: both accept it.
    refused_for: Option<Culprit>,
}

/// What bpf_helpers.h would give, without depending on it.
const PRELUDE: &str = "#define SEC(name) __attribute__((section(name), used))\n\
    char LICENSE[] SEC(\"license\") = \"GPL\";\n\
    struct my_ops { int (*init)(void); int (*step)(int); char name[16]; };\n";

fn cases() -> Vec<Case> {
    let not_struct_ops = |map: &str, program: &str| {
        Some(Culprit::NotStructOpsProgram {
            map: map.into(),
            program: program.into(),
        })
    };
    vec![
        Case {
            name: "slots_struct_ops",
            btf: true,
            source: "SEC(\"struct_ops/first\") int first(void *ctx) { return 0; }\n\
                     SEC(\"struct_ops.s/second\") int second(void *ctx) { return 0; }\n\
                     SEC(\"?struct_ops\") int third(void *ctx) { return 0; }\n\
                     SEC(\".struct_ops.link\") struct my_ops ops = \
                     { .init = (void *)first, .step = (void *)second, .name = \"a\" };\n\
                     SEC(\".struct_ops\") struct my_ops other = { .init = (void *)third };\n",
            refused_for: None,
        },
        // An old out-of-tree congestion control: its callbacks in a
        // section of their own.
        Case {
            name: "slot_tcp_ca",
            btf: true,
            source: "SEC(\"struct_ops/good\") int good(void *ctx) { return 0; }\n\
                     SEC(\"tcp_ca/old_style\") int old_style(void *ctx) { return 1; }\n\
                     SEC(\".struct_ops.link\") struct my_ops ops = \
                     { .init = (void *)good, .step = (void *)old_style };\n",
            refused_for: not_struct_ops("ops", "old_style"),
        },
        Case {
            name: "slot_kprobe",
            btf: true,
            source: "SEC(\"kprobe/do_nanosleep\") int probe(void *ctx) { return 0; }\n\
                     SEC(\"?.struct_ops\") struct my_ops optional = { .init = (void *)probe };\n",
            refused_for: not_struct_ops("optional", "probe"),
        },
        Case {
            name: "nobtf_data",
            btf: false,
            source: "unsigned long long calls; int step = 2;\n\
                     const volatile int limit = 9;\n\
                     SEC(\"tp/syscalls/sys_enter_getppid\") int count(void *ctx) \
                     { if (calls < limit) calls += step; return 0; }\n",
            refused_for: None,
        },
        Case {
            name: "nobtf_empty",
            btf: false,
            source: "",
            refused_for: None,
        },
        Case {
            name: "nobtf_maps",
            btf: false,
            source: "struct { int (*type)[1]; int (*max_entries)[4]; } counts SEC(\".maps\");\n\
                     SEC(\"tp/syscalls/sys_enter_getppid\") int count(void *ctx) \
                     { return (long)&counts != 0; }\n",
            refused_for: Some(Culprit::BtfRequired),
        },
        Case {
            name: "nobtf_struct_ops",
            btf: false,
            source: "SEC(\"struct_ops/good\") int good(void *ctx) { return 0; }\n\
                     SEC(\".struct_ops.link\") struct my_ops ops = { .init = (void *)good };\n",
            refused_for: Some(Culprit::BtfRequired),
        },
        Case {
            name: "nobtf_extern",
            btf: false,
            source: "extern int LINUX_KERNEL_VERSION SEC(\".kconfig\");\n\
                     SEC(\"tp/syscalls/sys_enter_getppid\") int count(void *ctx) \
                     { return LINUX_KERNEL_VERSION; }\n",
            refused_for: Some(Culprit::ExternWithoutBtf {
                name: "LINUX_KERNEL_VERSION".into(),
            }),
        },
    ]
}

fn compile(case: &Case) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("agreement");
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join(format!("{}.bpf.c", case.name));
    let obj = dir.join(format!("{}.bpf.o", case.name));
    let text = if case.source.is_empty() {
        String::new()
    } else {
        format!("{PRELUDE}{}", case.source)
    };
    std::fs::write(&src, text).unwrap();
    let mut cmd = std::process::Command::new(skel_builder::default_clang());
    if case.btf {
        cmd.arg("-g");
    }
    let out = cmd
        .args(["-O2", "-target", "bpf", "-c"])
        .arg(&src)
        .arg("-o")
        .arg(&obj)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        case.name,
        String::from_utf8_lossy(&out.stderr)
    );
    obj
}

/// The culprit the builder's error names.
fn our_culprit(err: &Error) -> Option<Culprit> {
    match err {
        Error::Object { problems, .. } => problems.iter().find_map(|p| match p {
            Problem::StructOpsSlotNotStructOps { map, program, .. } => {
                Some(Culprit::NotStructOpsProgram {
                    map: map.clone(),
                    program: program.clone(),
                })
            }
            _ => None,
        }),
        Error::NoBtf { needed_by, .. } => needed_by.iter().find_map(|n| match n {
            NeedsBtf::Extern { name } => Some(Culprit::ExternWithoutBtf { name: name.clone() }),
            _ => None,
        }),
        _ => None,
    }
    .or(matches!(err, Error::NoBtf { .. }).then_some(Culprit::BtfRequired))
}

/// The culprit libbpf's log names for an object it refused.
fn their_culprit(log: &[String], case: &str) -> Option<Culprit> {
    log.iter()
        .find_map(|line| {
            if let Some(rest) = line.strip_prefix("libbpf: struct_ops reloc ") {
                let (map, rest) = rest.split_once(": prog ")?;
                let program = rest.strip_suffix(" is not struct_ops BPF program\n")?;
                return Some(Culprit::NotStructOpsProgram {
                    map: map.into(),
                    program: program.into(),
                });
            }
            if line.contains("BTF is required, but is missing or corrupted") {
                return Some(Culprit::BtfRequired);
            }
            let rest = line.strip_prefix("libbpf: failed to find BTF for extern '")?;
            let (name, _) = rest.split_once('\'')?;
            Some(Culprit::ExternWithoutBtf { name: name.into() })
        })
        .or_else(|| {
            panic!(
                "{case}: libbpf refused it without naming why:\n{}",
                log.join("")
            )
        })
}

#[test]
fn libbpf_refuses_at_open_exactly_what_the_builder_refuses() {
    libbpf_rs::set_print(Some((PrintLevel::Warn, record)));
    for case in cases() {
        let object = compile(&case);
        let bytes = std::fs::read(&object).unwrap();
        let ours = skel_builder::SkeletonBuilder::new()
            .name(case.name)
            .generate(&object, &bytes);

        LIBBPF_LOG.lock().unwrap().clear();
        let mut builder = ObjectBuilder::default();
        builder.name(case.name).unwrap();
        let theirs = builder.open_memory(&bytes);
        let log = std::mem::take(&mut *LIBBPF_LOG.lock().unwrap());

        match (&ours, &theirs, &case.refused_for) {
            (Ok(ours), Ok(open), None) => {
                assert_same_objects(&ours.skeleton, open, &object);
                assert_eq!(ours.skeleton.has_btf, case.btf, "{}", case.name);
            }
            (Err(e), Err(_), Some(want)) => {
                assert_eq!(our_culprit(e).as_ref(), Some(want), "{}: {e:?}", case.name);
                assert_eq!(
                    their_culprit(&log, case.name).as_ref(),
                    Some(want),
                    "{}: libbpf said:\n{}",
                    case.name,
                    log.join("")
                );
                // The builder's message says which map needs what.
                let report = e.report();
                assert!(report.contains(&format!("{}.bpf.o", case.name)), "{report}");
                match want {
                    Culprit::NotStructOpsProgram { map, program } => assert!(
                        report.contains(&format!("struct_ops map `{map}`"))
                            && report.contains(&format!("program `{program}`"))
                            && report.contains("member `")
                            && report.contains("SEC(\"struct_ops/"),
                        "{report}"
                    ),
                    Culprit::BtfRequired => assert!(
                        report.contains("has no .BTF section, which libbpf needs for")
                            && (report.contains("map `counts`") || report.contains("map `ops`"))
                            && report.contains("-g"),
                        "{report}"
                    ),
                    Culprit::ExternWithoutBtf { name } => {
                        assert!(report.contains(&format!("extern `{name}`")), "{report}")
                    }
                }
            }
            _ => panic!(
                "{}: the builder says {:?}, libbpf says {:?} (expected {:?}); libbpf's log:\n{}",
                case.name,
                ours.as_ref().map(|_| "ok"),
                theirs.as_ref().map(|_| "ok"),
                case.refused_for,
                log.join("")
            ),
        }
    }
}
