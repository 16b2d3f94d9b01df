//! The vmlinux.h skel-builder prints from this kernel's BTF compiles, and
//! every struct and union in it has the kernel's size and member offsets.
//!
//! Checked through BTF, not text: a C file declares a variable of every
//! struct, union and typedef'd anonymous type the header defines, clang
//! compiles it for BPF, and the object's BTF (read with skel-builder's
//! reader) is compared with the kernel's, type by type, member by member,
//! anonymous members included.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use skel_builder::testing::{Btf, BtfTypeId, Kind};
use skel_builder::vmlinux_h::{self, BtfSource, RUNNING_KERNEL_BTF};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("vmlinux_h")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The newest clang installed (clang 14 writes enum64 values wrongly into
/// BTF; layouts are the same with any).
fn clang() -> PathBuf {
    if let Some(c) = std::env::var_os("CLANG") {
        return c.into();
    }
    for v in ["clang-19", "clang-18", "clang-17", "clang-16", "clang-15"] {
        if Command::new(v).arg("--version").output().is_ok() {
            return v.into();
        }
    }
    "clang".into()
}

/// Whether this kernel's BTF is readable; else why not (a failure under
/// `SKEL_REQUIRE_KERNEL=1`).
fn kernel_btf(test: &str) -> bool {
    if Path::new(RUNNING_KERNEL_BTF).exists() {
        return true;
    }
    let why = format!("{RUNNING_KERNEL_BTF} does not exist (a kernel without BTF)");
    if std::env::var("SKEL_REQUIRE_KERNEL").is_ok_and(|v| v == "1") {
        panic!("{test}: {why} and SKEL_REQUIRE_KERNEL=1");
    }
    eprintln!("SKIPPED {test}: {why}");
    false
}

/// A C file that includes `vmlinux.h` and declares one variable of every
/// struct, union and typedef'd anonymous struct or union it defines at top
/// level.
fn use_every_type(header: &str) -> (String, usize) {
    let mut c = String::from("#include \"vmlinux.h\"\n\n");
    let mut count = 0;
    let mut typedef_anon = false;
    for line in header.lines() {
        let mut declare = |ty: &str| {
            c.push_str(&format!("{ty} __skel_v{count};\n"));
            count += 1;
        };
        if let Some(rest) = line
            .strip_prefix("struct ")
            .or_else(|| line.strip_prefix("union "))
        {
            // `struct foo {` or, when empty, `struct foo {};`.
            if let Some((name, _)) = rest.split_once(" {").filter(|(n, _)| !n.contains(' ')) {
                let keyword = if line.starts_with("struct") {
                    "struct"
                } else {
                    "union"
                };
                declare(&format!("{keyword} {name}"));
            }
        } else if let Some(name) = line
            .strip_prefix("typedef struct {} ")
            .or_else(|| line.strip_prefix("typedef union {} "))
        {
            declare(name.trim_end_matches(';'));
        } else if line == "typedef struct {" || line == "typedef union {" {
            typedef_anon = true;
        } else if typedef_anon && line.starts_with('}') {
            typedef_anon = false;
            let name = line
                .trim_end_matches(';')
                .rsplit(' ')
                .next()
                .unwrap_or_default();
            declare(name);
        }
    }
    (c, count)
}

/// A struct or union, recursively: size, and each member's name, bit
/// offset, bitfield size and (for anonymous composite members) shape.
#[derive(Debug, PartialEq)]
struct Shape {
    union: bool,
    size: u32,
    members: Vec<(String, u32, u32, Option<Shape>)>,
}

fn shape(btf: &Btf, id: BtfTypeId, depth: usize) -> Option<Shape> {
    assert!(depth < 64, "anonymous nesting too deep at {id}");
    let (c, union) = match btf.get(id).kind() {
        Kind::Struct(c) => (c, false),
        Kind::Union(c) => (c, true),
        _ => return None,
    };
    let members = c
        .members
        .iter()
        .map(|m| {
            // Anonymous types, and anything embedded without a name
            // (`-fms-extensions` kernels embed named structs), are
            // compared member by member.
            let ty = if m.name().is_none() {
                btf.skip_modifiers(m.ty).unwrap()
            } else {
                btf.skip_qualifiers(m.ty).unwrap()
            };
            let inner = if btf.get(ty).name().is_none() || m.name().is_none() {
                shape(btf, ty, depth + 1)
            } else {
                None
            };
            // Old-style bitfields keep the width in the INT.
            let bits = match (
                m.bitfield_size,
                btf.get(btf.skip_modifiers(m.ty).unwrap()).kind(),
            ) {
                (0, Kind::Int { size, bits, .. }) if bits != 0 && bits < size * 8 => bits,
                (b, _) => b,
            };
            (
                m.name().unwrap_or_default().to_owned(),
                m.bit_offset,
                bits,
                inner,
            )
        })
        .collect();
    Some(Shape {
        union,
        size: c.size,
        members,
    })
}

/// Named structs and unions by name (a `___N` suffix removed).
fn by_name(btf: &Btf) -> HashMap<String, Vec<BtfTypeId>> {
    let mut map: HashMap<String, Vec<BtfTypeId>> = HashMap::new();
    for ty in btf.iter() {
        if let (Kind::Struct(_) | Kind::Union(_), Some(name)) = (ty.kind(), ty.name()) {
            let base = name.split("___").next().unwrap_or(name);
            map.entry(base.to_owned()).or_default().push(ty.id());
        }
    }
    map
}

/// Typedefs of anonymous structs and unions, by name.
fn anon_typedefs(btf: &Btf) -> HashMap<String, BtfTypeId> {
    let mut map = HashMap::new();
    for ty in btf.iter() {
        if let (Kind::Typedef { target }, Some(name)) = (ty.kind(), ty.name()) {
            let target = btf.skip_qualifiers(target).unwrap();
            let t = btf.get(target);
            if matches!(t.kind(), Kind::Struct(_) | Kind::Union(_)) && t.name().is_none() {
                map.entry(name.to_owned()).or_insert(target);
            }
        }
    }
    map
}

/// Prints vmlinux.h from `source`, compiles a user of every type (and
/// `extra_c`), and compares the layouts. Returns how many types were
/// compared.
fn check_layouts(source: &BtfSource, dir: &Path, min_types: usize, extra_c: &str) -> usize {
    let (kernel, _) = vmlinux_h::read(source, None).unwrap();
    let header = vmlinux_h::generate(source, None).unwrap();
    std::fs::write(dir.join("vmlinux.h"), &header).unwrap();
    let (mut c, declared) = use_every_type(&header);
    c.push_str(extra_c);
    assert!(
        declared >= min_types,
        "only {declared} types found in the header"
    );
    let src = dir.join("every_type.bpf.c");
    std::fs::write(&src, c).unwrap();
    let obj = dir.join("every_type.bpf.o");
    let out = Command::new(clang())
        .args(["-g", "-O2", "-target", "bpf", "-c"])
        .arg(&src)
        .arg("-o")
        .arg(&obj)
        .output()
        .expect("run clang");
    assert!(
        out.status.success(),
        "the printed vmlinux.h does not compile ({}):\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .take(40)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let bytes = std::fs::read(&obj).unwrap();
    let section = skel_builder::testing::btf_section(&bytes).expect(".BTF in the object");
    let compiled = Btf::parse(section).unwrap();

    let kernel_names = by_name(&kernel);
    let compiled_names = by_name(&compiled);
    let mut compared = 0;
    let mut problems = vec![];
    for (name, kernel_ids) in &kernel_names {
        // Only complete types: a kernel struct also appears as FWD.
        let Some(compiled_ids) = compiled_names.get(name) else {
            problems.push(format!("`{name}` is missing from the compiled object"));
            continue;
        };
        let mut wanted: Vec<Shape> = kernel_ids
            .iter()
            .filter_map(|&id| shape(&kernel, id, 0))
            .collect();
        for &id in compiled_ids {
            let got = shape(&compiled, id, 0).unwrap();
            match wanted.iter().position(|w| *w == got) {
                Some(i) => {
                    wanted.swap_remove(i);
                    compared += 1;
                }
                None => problems.push(format!(
                    "`{}` {id}: no kernel type `{name}` has its layout: {got:?}\nkernel: {:?}",
                    compiled.name(id),
                    kernel_ids
                        .iter()
                        .filter_map(|&k| shape(&kernel, k, 0))
                        .collect::<Vec<_>>()
                )),
            }
        }
        for w in wanted {
            problems.push(format!(
                "kernel `{name}` ({} bytes) was not compiled",
                w.size
            ));
        }
    }
    let compiled_typedefs = anon_typedefs(&compiled);
    for (name, id) in anon_typedefs(&kernel) {
        match compiled_typedefs.get(&name) {
            Some(&c) if shape(&compiled, c, 0) == shape(&kernel, id, 0) => compared += 1,
            Some(_) => problems.push(format!("typedef `{name}`: layout differs")),
            None => problems.push(format!("typedef `{name}` is missing")),
        }
    }
    problems.sort_by_key(|p| p.contains("is missing"));
    assert!(
        problems.is_empty(),
        "{} problems (of {compared} types matched), first ones:\n{}",
        problems.len(),
        problems
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    compared
}

#[test]
fn this_kernels_vmlinux_h_compiles_with_the_kernels_layouts() {
    let test = "this_kernels_vmlinux_h_compiles_with_the_kernels_layouts";
    if !kernel_btf(test) {
        return;
    }
    let compared = check_layouts(&BtfSource::RunningKernel, &scratch("running"), 1000, "");
    eprintln!("{compared} structs, unions and typedef'd anonymous types have the kernel's layout");
}

/// `SKEL_VMLINUX_BTF=<file>` checks another kernel's BTF the same way (the
/// VM test's guest kernel, say).
#[test]
fn another_kernels_vmlinux_h_when_given() {
    let Some(path) = std::env::var_os("SKEL_VMLINUX_BTF") else {
        eprintln!("SKIPPED another_kernels_vmlinux_h_when_given: SKEL_VMLINUX_BTF is not set");
        return;
    };
    let compared = check_layouts(&BtfSource::File(path.into()), &scratch("given"), 1000, "");
    eprintln!("{compared} types have the given kernel's layout");
}

/// Shapes kernels have, made by hand: packed, over-aligned, bitfields,
/// anonymous nesting, enums of every size and sign, function pointers and
/// arrays of them, types only declared, name clashes, recursive pointers.
#[test]
fn hand_made_shapes_compile_with_their_layouts() {
    use skel_builder::testing::BtfWriter;
    const ENUM: u32 = 6;
    const FWD: u32 = 7;
    const ENUM64: u32 = 19;
    const STRUCT: u32 = 4;
    const UNION: u32 = 5;

    let mut w = BtfWriter::new();
    let ch = w.char_();
    let int = w.int("int", 4, true);
    let uint = w.int("unsigned int", 4, false);
    let long = w.int("long int", 8, true);
    let ulong = w.int("long unsigned int", 8, false);
    let short = w.int("short int", 2, true);
    // Members with a bitfield width need kind_flag.
    let composite = |w: &mut BtfWriter,
                     kind: u32,
                     name: &str,
                     size: u32,
                     members: &[(&str, BtfTypeId, u32, u32)]| {
        let n = w.string(name);
        let flag = members.iter().any(|m| m.3 != 0);
        let mut extra = vec![];
        for &(m, ty, off, bits) in members {
            extra.extend([w.string(m), ty.0, (bits << 24) | off]);
        }
        w.raw(n, kind, flag, members.len() as u32, size, &extra)
    };
    let enumeration =
        |w: &mut BtfWriter, name: &str, size: u32, signed: bool, values: &[(&str, i64)]| {
            let n = w.string(name);
            let mut extra = vec![];
            for &(v, value) in values {
                extra.push(w.string(v));
                extra.push(value as u64 as u32);
                if size == 8 {
                    extra.push(((value as u64) >> 32) as u32);
                }
            }
            let kind = if size == 8 { ENUM64 } else { ENUM };
            w.raw(n, kind, signed, values.len() as u32, size, &extra)
        };
    // Packed: x at byte 1.
    composite(
        &mut w,
        STRUCT,
        "packed_s",
        5,
        &[("c", ch, 0, 0), ("x", int, 8, 0)],
    );
    // Over-aligned, used at a 64-byte offset.
    let big = composite(&mut w, STRUCT, "aligned_s", 64, &[("v", long, 0, 0)]);
    composite(
        &mut w,
        STRUCT,
        "holds_aligned",
        128,
        &[("c", ch, 0, 0), ("a", big, 512, 0)],
    );
    // Bitfields with gaps, a 64-bit one, and members after them.
    composite(
        &mut w,
        STRUCT,
        "bits_s",
        24,
        &[
            ("a", uint, 0, 3),
            ("b", uint, 8, 5),
            ("c", ch, 16, 0),
            ("d", ulong, 64, 40),
            ("e", ulong, 104, 20),
            ("f", short, 128, 0),
        ],
    );
    // Anonymous nesting.
    let inner = composite(
        &mut w,
        STRUCT,
        "",
        8,
        &[("x", int, 0, 0), ("y", int, 32, 0)],
    );
    let anon_u = composite(
        &mut w,
        UNION,
        "",
        8,
        &[("s", inner, 0, 0), ("l", long, 0, 0)],
    );
    composite(
        &mut w,
        STRUCT,
        "nest_s",
        16,
        &[("", anon_u, 0, 0), ("z", int, 64, 0)],
    );
    let anon_t = composite(&mut w, STRUCT, "", 4, &[("q", int, 0, 0)]);
    w.typedef("anon_t", anon_t);
    // Enums of every size and sign, as members.
    let e1 = enumeration(&mut w, "e_byte", 1, false, &[("EB", 200)]);
    let e2 = enumeration(&mut w, "e_half", 2, true, &[("EH", -300)]);
    let e4 = enumeration(
        &mut w,
        "e_neg",
        4,
        true,
        &[("EN_MIN", i64::from(i32::MIN)), ("EN", -1)],
    );
    let e8 = enumeration(
        &mut w,
        "e_big",
        8,
        false,
        &[("EBIG", 0x1234_5678_9abc), ("EALL", -1)],
    );
    let e8s = enumeration(
        &mut w,
        "e_bigs",
        8,
        true,
        &[("ES_MIN", i64::MIN), ("ES", -2)],
    );
    let e8w = enumeration(&mut w, "e_wide", 8, false, &[("EW", 1)]);
    composite(
        &mut w,
        STRUCT,
        "enums_s",
        40,
        &[
            ("b", e1, 0, 0),
            ("h", e2, 16, 0),
            ("n", e4, 32, 0),
            ("big", e8, 64, 0),
            ("bigs", e8s, 128, 0),
            ("wide", e8w, 192, 0),
            ("after", ch, 256, 0),
        ],
    );
    // Function pointers, arrays of them, recursive pointers, a type only
    // declared, and a struct and a typedef of one name.
    let fwd_name = w.string("opaque");
    let opaque = w.raw(fwd_name, FWD, false, 0, 0, &[]);
    let p_opaque = w.ptr(opaque);
    let self_ptr = w.ptr(BtfTypeId(0)); // patched below: points at `fn_s`
    let proto = w.func_proto(int, &[p_opaque, self_ptr]);
    let fp = w.ptr(proto);
    let fps = w.array(fp, int, 4);
    let fn_s = composite(
        &mut w,
        STRUCT,
        "fn_s",
        56,
        &[
            ("one", fp, 0, 0),
            ("many", fps, 64, 0),
            ("next", self_ptr, 320, 0),
            ("o", p_opaque, 384, 0),
        ],
    );
    w.typedef("clash", int);
    composite(&mut w, STRUCT, "clash", 4, &[("v", int, 0, 0)]);
    composite(&mut w, STRUCT, "clash", 8, &[("w", long, 0, 0)]);
    let empty = composite(&mut w, UNION, "", 8, &[]);
    w.typedef("empty_arg_t", empty);
    let mut bytes = w.bytes();
    // Point `self_ptr` (a PTR record) at `fn_s`: its type word is the third
    // of its record; records before it are found by walking the section.
    patch_ptr(&mut bytes, self_ptr.0, fn_s.0);

    let dir = scratch("hand_made");
    let btf_file = dir.join("hand_made.btf");
    std::fs::write(&btf_file, &bytes).unwrap();
    let checks = "\n_Static_assert(sizeof(enum e_byte) == 1, \"e_byte\");\n\
        _Static_assert(sizeof(enum e_half) == 2, \"e_half\");\n\
        _Static_assert(sizeof(enum e_wide) == 8, \"e_wide\");\n\
        _Static_assert(EB == 200 && EH == -300 && EN == -1, \"small values\");\n\
        _Static_assert(EN_MIN == -2147483647 - 1, \"int min\");\n\
        _Static_assert(EBIG == 0x123456789abcULL && EALL == 0xffffffffffffffffULL, \"u64\");\n\
        _Static_assert(ES_MIN == -9223372036854775807LL - 1 && ES == -2, \"i64\");\n\
        _Static_assert(sizeof(clash) == 4, \"typedef clash\");\n";
    let compared = check_layouts(&BtfSource::File(btf_file), &dir, 10, checks);
    assert_eq!(
        compared, 11,
        "every named struct and union, and both anonymous typedefs"
    );
}

/// Sets the target of PTR record `id` in a BTF section written by
/// `BtfWriter` (records walked from the header).
fn patch_ptr(bytes: &mut [u8], id: u32, target: u32) {
    let word = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let mut at = 24; // header
    for current in 1..=id {
        let info = word(bytes, at + 4);
        let (kind, vlen) = ((info >> 24) & 0x1f, (info & 0xffff) as usize);
        if current == id {
            assert_eq!(kind, 2, "record {id} is a PTR");
            bytes[at + 8..at + 12].copy_from_slice(&target.to_le_bytes());
            return;
        }
        at += 12
            + match kind {
                1 | 14 => 4,
                3 => 12,
                4 | 5 | 15 | 19 => 12 * vlen,
                6 | 13 => 8 * vlen,
                _ => 0,
            };
    }
}

#[test]
fn printing_twice_gives_the_same_bytes() {
    if !kernel_btf("printing_twice_gives_the_same_bytes") {
        return;
    }
    let a = vmlinux_h::generate(&BtfSource::RunningKernel, None).unwrap();
    let b = vmlinux_h::generate(&BtfSource::RunningKernel, None).unwrap();
    assert!(a == b, "two prints differ");
}

#[test]
fn a_file_without_btf_is_a_clear_error() {
    let dir = scratch("no_btf");
    let text_file = dir.join("notes.txt");
    std::fs::write(&text_file, "hello").unwrap();
    let err = vmlinux_h::generate(&BtfSource::File(text_file.clone()), None).unwrap_err();
    let report = err.report();
    assert!(
        report.contains("notes.txt") && report.contains("neither raw BTF"),
        "{report}"
    );

    let missing = dir.join("nope.btf");
    let report = vmlinux_h::generate(&BtfSource::File(missing), None)
        .unwrap_err()
        .report();
    assert!(report.contains("nope.btf"), "{report}");
}
