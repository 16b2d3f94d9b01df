//! What the fuzz targets share: a counting allocator that aborts past a
//! budget proportional to the input, and the checks run on every result.
//!
//! Besides "no panic" (libFuzzer reports any), a run must:
//! - not hang (the Makefile passes `-timeout=`);
//! - keep live allocations under 64 MiB plus 4 KiB per input byte, so an
//!   allocation sized from an unchecked count is caught even if untouched;
//! - produce code that parses (an `Error::Codegen` is a generator bug), or
//!   an error whose report names the file;
//! - give a consistent model: every struct covers its bytes exactly once,
//!   offsets respect alignment unless packed, bitfields sit inside their
//!   storage, names are unique identifiers;
//! - agree with BTF on the sizes of named structs and the offsets of named
//!   members.

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use skel_builder::model::{FieldKind, Skeleton, StructDef, TypeDefKind};
use skel_builder::testing::{Btf, BtfTypeId, ElfWriter, Kind, SHT_PROGBITS, STT_FUNC};

/// Live bytes, the peak of a run, and the budget of the current input.
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static BUDGET: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Fixed headroom (libFuzzer's own buffers, the `object` crate's tables),
/// plus this many bytes of allocation per input byte.
const BASE_BUDGET: usize = 64 << 20;
const PER_INPUT_BYTE: usize = 4096;

/// The allocator every target installs with `#[global_allocator]`.
pub struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        track(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: AllocLayout) -> *mut u8 {
        track(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: AllocLayout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        track(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn track(size: usize) {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(live, Ordering::Relaxed);
    if live > BUDGET.load(Ordering::Relaxed) {
        // Not a panic: the panic machinery allocates.
        eprintln!("allocation budget exceeded: {live} bytes live");
        std::process::abort();
    }
}

/// Runs `generate` on an object built from `data` (`len` input bytes)
/// under the allocation budget, and checks the result.
pub fn run(input_len: usize, object: &[u8]) {
    let base = LIVE.load(Ordering::Relaxed);
    BUDGET.store(
        base + BASE_BUDGET + input_len.saturating_mul(PER_INPUT_BYTE),
        Ordering::Relaxed,
    );
    check(object);
    BUDGET.store(usize::MAX, Ordering::Relaxed);
}

fn check(data: &[u8]) {
    let path = Path::new("fuzz.bpf.o");
    match skel_builder::SkeletonBuilder::new()
        .name("fuzz")
        .generate(path, data)
    {
        Ok(generated) => {
            // The copy the builder embeds: DWARF dropped and identical BTF
            // types merged (so type indices may differ), what libbpf sees
            // intact: the same maps and programs.
            if let Ok(stripped) = skel_builder::testing::strip_debug(data) {
                let again = skel_builder::SkeletonBuilder::new()
                    .name("fuzz")
                    .generate(path, &stripped)
                    .expect("the stripped object still generates");
                let maps = |s: &skel_builder::Skeleton| {
                    s.maps
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
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    maps(&again.skeleton),
                    maps(&generated.skeleton),
                    "stripping changed the maps"
                );
                assert_eq!(
                    again.skeleton.progs, generated.skeleton.progs,
                    "stripping changed the programs"
                );
                assert_eq!(again.skeleton.has_btf, generated.skeleton.has_btf);
            }
            check_model(&generated.skeleton);
            if let Some(btf) = btf_of(data) {
                check_against_btf(&generated.skeleton, &btf);
            }
        }
        Err(e) => {
            let report = e.report();
            assert!(
                !matches!(e, skel_builder::Error::Codegen { .. }),
                "generated code does not parse: {report}"
            );
            assert!(
                report.contains("fuzz.bpf.o"),
                "the error does not name the file: {report}"
            );
        }
    }
}

/// The `.BTF` section again, for the cross-checks (it parsed once already).
fn btf_of(data: &[u8]) -> Option<Btf> {
    Btf::parse_little_endian(skel_builder::testing::btf_section(data)?).ok()
}

fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_"
}

fn check_model(skel: &Skeleton) {
    let mut type_names = HashSet::new();
    for def in &skel.types {
        assert!(is_ident(&def.name), "type name {:?}", def.name);
        assert!(type_names.insert(&def.name), "type {} twice", def.name);
        if let TypeDefKind::Struct(s) = &def.kind {
            check_struct(skel, &def.name, s);
        }
    }
    check_accessors(skel);
}

/// The skeleton's methods that `attach_<link>()` must go around.
const SKELETON_METHODS: &[&str] = &[
    "maps",
    "maps_mut",
    "progs",
    "progs_mut",
    "struct_ops",
    "struct_ops_mut",
    "load",
    "attach",
    "as_libbpf_object",
    "fill_kernel_consts",
];

/// The methods a live view type has besides its variables' (runtime's
/// `live!`).
const LIVE_METHODS: &[&str] = &["read", "write", "__new"];

/// Every accessor of a view is an identifier, unique in the view that
/// holds it (the generated code would not compile otherwise).
fn check_accessors(skel: &Skeleton) {
    // Maps views: each map's accessor, and a data section's map handle.
    let mut maps = HashSet::new();
    for m in &skel.maps {
        let ids = &m.idents;
        for name in std::iter::once(&ids.access).chain(&ids.handle) {
            assert!(is_ident(name), "map accessor {name:?}");
            assert!(maps.insert(name), "map accessor {name} twice");
        }
    }
    // Live view types sit in the skeleton's module beside its own types.
    let mut types: HashSet<&str> = skel.idents.module_items().into_iter().collect();
    assert_eq!(types.len(), 19, "skeleton item names collide");
    for live in skel.maps.iter().filter_map(|m| m.idents.live.as_ref()) {
        assert!(is_ident(&live.type_name), "live type {:?}", live.type_name);
        assert!(
            types.insert(&live.type_name),
            "type {} twice",
            live.type_name
        );
        let mut methods: HashSet<&str> = LIVE_METHODS.iter().copied().collect();
        for var in &live.vars {
            for name in std::iter::once(&var.getter).chain(&var.setter) {
                assert!(is_ident(name), "{}: method {name:?}", live.type_name);
                assert!(
                    methods.insert(name),
                    "{}: method {name} twice",
                    live.type_name
                );
            }
        }
    }
    // struct_ops views: all of a map's names live in the shared view of
    // one stage or the other's exclusive one; kept unique together.
    let mut struct_ops = HashSet::new();
    for so in skel
        .maps
        .iter()
        .filter_map(|m| m.idents.struct_ops.as_ref())
    {
        for name in [
            &so.shadow,
            &so.autoattach,
            &so.set_autoattach,
            &so.clear_missing,
            &so.read_back,
        ] {
            assert!(is_ident(name), "struct_ops accessor {name:?}");
            assert!(struct_ops.insert(name), "struct_ops accessor {name} twice");
        }
    }
    let mut progs = HashSet::new();
    for p in &skel.progs {
        let name = &p.idents.access;
        assert!(is_ident(name), "program accessor {name:?}");
        assert!(progs.insert(name), "program accessor {name} twice");
    }
    // Link fields, and the skeleton's `attach_<link>()` methods.
    let links = skel.progs.iter().filter_map(|p| p.idents.link.as_ref());
    let links: Vec<_> = links
        .chain(skel.maps.iter().filter_map(|m| m.idents.link.as_ref()))
        .collect();
    let unique: HashSet<_> = links.iter().collect();
    assert_eq!(unique.len(), links.len(), "link fields collide");
    assert!(links.iter().all(|l| *l != "_obj"), "a link field is `_obj`");
    let mut methods: HashSet<&str> = SKELETON_METHODS.iter().copied().collect();
    let attach = skel.progs.iter().filter_map(|p| p.idents.attach.as_ref());
    let attach = attach.chain(
        skel.maps
            .iter()
            .filter_map(|m| m.idents.struct_ops.as_ref())
            .map(|so| &so.attach),
    );
    for name in attach {
        assert!(is_ident(name), "skeleton method {name:?}");
        assert!(methods.insert(name), "skeleton method {name} twice");
    }
}

fn check_struct(skel: &Skeleton, name: &str, s: &StructDef) {
    let size = s.layout.size;
    assert!(s.c_size <= size, "{name}: C size {} > {size}", s.c_size);
    if s.packed {
        assert_eq!(s.layout.align, 1, "{name}: packed but aligned");
    } else {
        assert_eq!(
            size % s.layout.align,
            0,
            "{name}: size not a multiple of align"
        );
    }
    let mut names = HashSet::new();
    let mut cursor = 0u64;
    let mut max_align = 1;
    let mut covers_all = false;
    for f in &s.fields {
        assert!(is_ident(&f.name), "{name}: field name {:?}", f.name);
        assert!(names.insert(&f.name), "{name}: field {} twice", f.name);
        let l = skel.layout_of(&f.ty);
        assert_eq!(l.size, f.size, "{name}.{}: size", f.name);
        max_align = max_align.max(l.align);
        if !s.packed {
            assert_eq!(f.byte_offset % l.align, 0, "{name}.{}: misaligned", f.name);
        }
        if s.union {
            assert_eq!(f.byte_offset, 0, "{name}.{}: union member offset", f.name);
            assert!(f.size <= size, "{name}.{}: past the union's end", f.name);
            covers_all |= f.size == size;
        } else {
            assert_eq!(f.byte_offset, cursor, "{name}.{}: gap or overlap", f.name);
            cursor += f.size;
        }
    }
    if s.union {
        assert!(covers_all || size == 0, "{name}: no field spans the union");
    } else {
        assert_eq!(cursor, size, "{name}: fields do not cover the size");
    }
    if !s.packed {
        assert_eq!(s.layout.align, max_align, "{name}: alignment");
    }
    let mut methods = HashSet::new();
    for bf in &s.bitfields {
        let storage = &s.fields[bf.storage];
        assert_eq!(storage.kind, FieldKind::BitfieldStorage, "{name}: storage");
        assert!(bf.bits >= 1 && bf.bits <= 64, "{name}.{}: bits", bf.c_name);
        assert!(
            u64::from(bf.bit_offset) + u64::from(bf.bits) <= storage.size * 8,
            "{name}.{}: bitfield outside its storage",
            bf.c_name
        );
        assert!(methods.insert(&bf.getter), "{name}: method {}", bf.getter);
        assert!(methods.insert(&bf.setter), "{name}: method {}", bf.setter);
    }
    for f in &s.fields {
        if let Some((get, second, from)) = &f.union_accessors {
            for m in [get, second, from] {
                assert!(is_ident(m), "{name}: method {m:?}");
                assert!(methods.insert(m), "{name}: method {m}");
            }
        }
    }
}

/// Named structs and unions keep BTF's size, and each named member its
/// offset (when member names are unique in the type).
fn check_against_btf(skel: &Skeleton, btf: &Btf) {
    for def in &skel.types {
        let (Some(id), TypeDefKind::Struct(s)) = (def.btf_id, &def.kind) else {
            continue;
        };
        let (Kind::Struct(c) | Kind::Union(c)) = btf.get(BtfTypeId(id)).kind() else {
            continue;
        };
        assert_eq!(u64::from(c.size), s.layout.size, "{}: size", def.name);
        for f in &s.fields {
            let FieldKind::Member { c_name } = &f.kind else {
                continue;
            };
            let mut same = c.members.iter().filter(|m| m.name() == Some(c_name));
            let (Some(m), None) = (same.next(), same.next()) else {
                continue;
            };
            assert_eq!(
                u64::from(m.bit_offset),
                f.byte_offset * 8,
                "{}.{}: offset differs from BTF",
                def.name,
                f.name
            );
        }
    }
}

/// A relocatable BPF ELF object around a fuzzed `.BTF` section, laid out
/// as clang would: a section for every DATASEC (NOBITS for `.bss*`), each
/// variable at the next 8-byte offset with a global symbol, and one
/// program, `prog` in `struct_ops/prog`. The BTF target spends its time on
/// BTF and the model instead of being refused by the ELF reader. When the
/// BTF does not parse, the object has no data sections.
pub fn object_around_btf(btf_bytes: &[u8]) -> Vec<u8> {
    /// Keeps zero-filled sections small whatever sizes the BTF claims.
    const MAX_SECTION: u64 = 1 << 16;
    let mut elf = ElfWriter::new();
    let prog = elf.program_section("struct_ops/prog", 1);
    elf.symbol("prog", prog, 0, 8, STT_FUNC);
    if let Ok(btf) = Btf::parse_little_endian(btf_bytes) {
        let mut sections = 0;
        for ty in btf.iter() {
            let (Some(name), Kind::Datasec { vars, .. }) = (ty.name(), ty.kind()) else {
                continue;
            };
            if name.is_empty() || name.len() > 64 || sections > 64 {
                continue;
            }
            sections += 1;
            let mut symbols = vec![];
            let mut end = 0u64;
            for v in vars {
                let Kind::Var { ty: inner, .. } = btf.get(v.ty).kind() else {
                    continue;
                };
                let size = btf.size_of(inner).unwrap_or(8).min(MAX_SECTION);
                end = end.next_multiple_of(8) + size;
                if end > MAX_SECTION {
                    break;
                }
                symbols.push((btf.name(v.ty), size));
            }
            elf.data_section(name, &symbols, 8);
        }
    }
    elf.section(".BTF", SHT_PROGBITS, 0, btf_bytes.to_vec());
    elf.bytes()
}

#[cfg(test)]
mod tests {
    use skel_builder::testing::BtfWriter;

    #[test]
    fn objects_around_btf_generate() {
        let mut btf = BtfWriter::new();
        let int = btf.int("int", 4, true);
        let long = btf.int("long", 8, true);
        let (a, b) = (btf.var("a", int), btf.var("b", long));
        btf.datasec(".data", 0, &[(a, 0, 4), (b, 0, 8)]);
        let c = btf.var("c", long);
        btf.datasec(".bss", 0, &[(c, 0, 8)]);
        let object = super::object_around_btf(&btf.bytes());
        let generated = skel_builder::SkeletonBuilder::new()
            .name("fuzz")
            .generate("fuzz.bpf.o".as_ref(), &object)
            .unwrap_or_else(|e| panic!("{e:?}"));
        for field in ["pub a: i32,", "pub b: i64,", "pub c: i64,"] {
            assert!(generated.code.contains(field), "{}", generated.code);
        }
        super::run(0, &object);
    }
}
