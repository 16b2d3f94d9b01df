//! Arbitrary bytes through the whole builder path after clang: ELF reading,
//! BTF parsing, the skeleton model, code generation and prettyplease.
//!
//! Besides "no panic" (libFuzzer reports any), the target checks:
//! - no hang: run with `-timeout=` (see the Makefile's `fuzz` target);
//! - no outsized allocation: a counting allocator aborts when one
//!   allocation, or all live ones together, exceed a budget proportional to
//!   the input's size;
//! - the generated code parses (an `Error::Codegen` is a generator bug);
//! - the model's layout is consistent: every struct covers its bytes
//!   exactly once, offsets respect alignment unless packed, bitfields sit
//!   inside their storage, names are unique;
//! - the layout agrees with BTF: sizes of named structs, and offsets of
//!   named members.
#![no_main]

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use libfuzzer_sys::fuzz_target;
use skel_builder::model::{FieldKind, Layout, Skeleton, StructDef, Ty, TypeDefKind};
use skel_builder::object::btf::{Btf, BtfTypeId, Kind};

/// Live bytes, the peak of a run, and the budget of the current input.
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static BUDGET: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Fixed headroom (libFuzzer's own buffers, the `object` crate's tables),
/// plus this many bytes of allocation per input byte.
const BASE_BUDGET: usize = 64 << 20;
const PER_INPUT_BYTE: usize = 4096;

struct Counting;

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

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|data: &[u8]| {
    let base = LIVE.load(Ordering::Relaxed);
    BUDGET.store(
        base + BASE_BUDGET + data.len().saturating_mul(PER_INPUT_BYTE),
        Ordering::Relaxed,
    );
    run(data);
    BUDGET.store(usize::MAX, Ordering::Relaxed);
});

fn run(data: &[u8]) {
    let path = Path::new("fuzz.bpf.o");
    match skel_builder::generate("fuzz", path, data) {
        Ok(generated) => {
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
    let obj = skel_builder::object::elf::ElfObject::parse(data).ok()?;
    Btf::parse(obj.section_by_name(".BTF")?.data).ok()
}

fn ty_layout(skel: &Skeleton, ty: &Ty) -> Layout {
    match ty {
        Ty::Int(i) => Layout {
            size: i.size(),
            align: i.size(),
        },
        Ty::Float(skel_builder::model::FloatTy::F32) => Layout { size: 4, align: 4 },
        Ty::Float(skel_builder::model::FloatTy::F64) => Layout { size: 8, align: 8 },
        Ty::Bool => Layout { size: 1, align: 1 },
        Ty::CharArray(n) | Ty::Bytes(n) => Layout { size: *n, align: 1 },
        Ty::Enum(r) | Ty::Composite(r) => skel.ty(*r).layout(),
        Ty::Array(elem, n) => {
            let e = ty_layout(skel, elem);
            Layout {
                size: e.size.checked_mul(*n).expect("array size overflows"),
                align: e.align,
            }
        }
        Ty::Pointer | Ty::ProgramSlot => Layout { size: 8, align: 8 },
    }
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
    let idents: HashSet<_> = skel.maps.iter().map(|m| &m.ident).collect();
    assert_eq!(idents.len(), skel.maps.len(), "map accessors collide");
    let idents: HashSet<_> = skel.progs.iter().map(|p| &p.ident).collect();
    assert_eq!(idents.len(), skel.progs.len(), "program accessors collide");
}

fn check_struct(skel: &Skeleton, name: &str, s: &StructDef) {
    let size = s.layout.size;
    assert!(s.c_size <= size, "{name}: C size {} > {size}", s.c_size);
    if s.packed {
        assert_eq!(s.layout.align, 1, "{name}: packed but aligned");
    } else {
        assert_eq!(size % s.layout.align, 0, "{name}: size not a multiple of align");
    }
    let mut names = HashSet::new();
    let mut cursor = 0u64;
    let mut max_align = 1;
    let mut covers_all = false;
    for f in &s.fields {
        assert!(is_ident(&f.name), "{name}: field name {:?}", f.name);
        assert!(names.insert(&f.name), "{name}: field {} twice", f.name);
        let l = ty_layout(skel, &f.ty);
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
        if let Some((get, set)) = &f.union_accessors {
            assert!(methods.insert(get), "{name}: method {get}");
            assert!(methods.insert(set), "{name}: method {set}");
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
        let (Kind::Struct(c) | Kind::Union(c)) = &btf.get(BtfTypeId(id)).kind else {
            continue;
        };
        assert_eq!(u64::from(c.size), s.layout.size, "{}: size", def.name);
        for f in &s.fields {
            let FieldKind::Member { c_name } = &f.kind else {
                continue;
            };
            let mut same = c.members.iter().filter(|m| m.name.as_deref() == Some(c_name));
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
