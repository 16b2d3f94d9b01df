//! Deep and huge types, written as BTF by hand: each is generated
//! correctly or refused with a clear error. Each test prints how long
//! `generate` took (`--nocapture`); bench/ has no goal for these, the
//! point is that none of them hangs or allocates without bound.

use std::path::Path;
use std::time::Instant;

use skel_builder::testing::{BtfTypeId, BtfWriter, ElfWriter, data_object, data_vars, finish};

fn generate(name: &str, bytes: &[u8]) -> Result<skel_builder::Generated, skel_builder::Error> {
    let start = Instant::now();
    let result = skel_builder::SkeletonBuilder::new()
        .name("huge")
        .generate(Path::new(&format!("{name}.bpf.o")), bytes);
    eprintln!(
        "{name}: {} bytes of object, {:?}, {}",
        bytes.len(),
        start.elapsed(),
        match &result {
            Ok(g) => format!("{} bytes of code", g.code.len()),
            Err(_) => "refused".to_owned(),
        }
    );
    result
}

/// `depth` structs, each holding the previous one and an int.
fn nested(depth: u32) -> Vec<u8> {
    let mut btf = BtfWriter::new();
    let int = btf.int("int", 4, true);
    let mut inner = btf.struct_("s0", 4, &[("x", int, 0, 0)]);
    for level in 1..depth {
        let name = format!("s{level}");
        inner = btf.struct_(
            &name,
            4 * (level + 1),
            &[("inner", inner, 0, 0), ("x", int, 32 * level, 0)],
        );
    }
    let elf = data_object(&mut btf, &[("deep", inner, 4 * depth)]);
    finish(elf, &btf)
}

#[test]
fn structs_nested_50_deep_are_generated() {
    let g = generate("nested-50", &nested(50)).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(g.code.contains("pub struct s49 {"));
    assert!(g.code.contains("pub inner: s48,"));
    assert!(g.code.contains("pub deep: s49,"));
}

#[test]
fn structs_nested_past_the_limit_are_refused() {
    let report = generate("nested-150", &nested(150)).unwrap_err().report();
    eprintln!("{report}");
    assert!(
        report.contains("type `struct s49` [51] nests deeper than 100 levels"),
        "{report}"
    );
}

#[test]
fn a_char_array_of_2_pow_31_is_generated() {
    let mut btf = BtfWriter::new();
    let index = btf.int("unsigned int", 4, false);
    let ch = btf.char_();
    let big = btf.array(ch, index, 1 << 31);
    let mut elf = ElfWriter::new();
    data_vars(&mut elf, &mut btf, ".bss", &[("big", big, 1 << 31)]);
    let g = generate("char-2-pow-31", &finish(elf, &btf)).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(g.code.contains("pub big: __skel::CharArray<2147483648>,"));
}

#[test]
fn an_int_array_of_2_pow_31_is_refused() {
    // 8 GiB: larger than any BTF size (u32) can say.
    let mut btf = BtfWriter::new();
    let int = btf.int("int", 4, true);
    let big = btf.array(int, int, 1 << 31);
    let elf = data_object(&mut btf, &[("big", big, 8)]);
    let report = generate("int-2-pow-31", &finish(elf, &btf))
        .unwrap_err()
        .report();
    eprintln!("{report}");
    assert!(report.contains("type `int[2147483648]`"), "{report}");
    assert!(report.contains("is larger than 4 GiB"), "{report}");
}

#[test]
fn a_two_dimensional_char_array_of_2_pow_31_bytes_is_generated() {
    // unsigned char[2^16][2^15]: 2 GiB of nested arrays, each dimension
    // checked (rows of C chars are strings: CharArray).
    let mut btf = BtfWriter::new();
    let index = btf.int("unsigned int", 4, false);
    let byte = btf.int("unsigned char", 1, false);
    let row = btf.array(byte, index, 1 << 15);
    let grid = btf.array(row, index, 1 << 16);
    let mut elf = ElfWriter::new();
    data_vars(&mut elf, &mut btf, ".bss", &[("grid", grid, 1 << 31)]);
    let g = generate("u8-2d-2-pow-31", &finish(elf, &btf)).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        g.code
            .contains("pub grid: [__skel::CharArray<32768>; 65536],"),
        "{}",
        g.code
    );
    assert!(g.code.contains("C `unsigned char[65536][32768]`"));
}

/// A struct of `members` ints, named by `name(i)`, in `.data`.
fn wide(members: u32, name: impl Fn(u32) -> String) -> Vec<u8> {
    let mut btf = BtfWriter::new();
    let int = btf.int("int", 4, true);
    let names: Vec<String> = (0..members).map(name).collect();
    let list: Vec<(&str, BtfTypeId, u32, u32)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), int, 32 * i as u32, 0))
        .collect();
    let s = btf.struct_("wide", 4 * members, &list);
    let elf = data_object(&mut btf, &[("w", s, 4 * members)]);
    finish(elf, &btf)
}

#[test]
fn a_struct_of_10000_members_is_generated() {
    let g = generate("wide-10000", &wide(10_000, |i| format!("m{i}"))).unwrap();
    assert!(g.code.contains("pub m9999: i32,"));
    assert!(g.code.contains("m9999 39996"), "its offset is checked");
}

#[test]
fn a_struct_of_65535_members_is_generated() {
    // The most BTF's 16-bit vlen allows.
    let g = generate("wide-65535", &wide(65_535, |i| format!("m{i}"))).unwrap();
    assert!(g.code.contains("pub m65534: i32,"));
}

#[test]
fn ten_thousand_members_of_one_name_get_distinct_names() {
    let g = generate("same-name-10000", &wide(10_000, |_| "x".to_owned())).unwrap();
    assert!(g.code.contains("pub x: i32,"));
    assert!(g.code.contains("pub x_9999: i32,"));
}

/// The `deep` fixture (50 nested structs, 1,000 mixed members) compiled
/// with its layout checks; its sizes are C's.
#[test]
fn the_deep_fixture_has_c_layout() {
    use skel_tests::deep_skel::types::{level0, level49, wide};
    // level0 { char; long } is 16 bytes; each level adds a char, padded to 8.
    assert_eq!(std::mem::size_of::<level0>(), 16);
    assert_eq!(std::mem::size_of::<level49>(), 16 + 49 * 8);
    // 250 runs of { char; short; int; long long }: 16 bytes each.
    assert_eq!(std::mem::size_of::<wide>(), 250 * 16);
    assert_eq!(std::mem::offset_of!(wide, l_249), 249 * 16 + 8);
    let mut d = level49::default();
    d.inner.inner.inner.tag = 3;
    assert_eq!(d.inner.inner.inner.tag, 3);
}
