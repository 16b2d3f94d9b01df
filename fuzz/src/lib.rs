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
use skel_builder::object::btf::{Btf, BtfTypeId, Kind};

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
    match skel_builder::generate("fuzz", path, data) {
        Ok(generated) => {
            // The copy the builder embeds: DWARF dropped, the rest intact.
            if let Ok(stripped) = skel_builder::object::strip_debug(data) {
                let again = skel_builder::generate("fuzz", path, &stripped)
                    .expect("the stripped object still generates");
                assert_eq!(
                    again.skeleton, generated.skeleton,
                    "stripping changed the model"
                );
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
    let obj = skel_builder::object::elf::ElfObject::parse(data).ok()?;
    Btf::parse(obj.section_by_name(".BTF")?.data).ok()
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
    let mut map_accessors = HashSet::new();
    for m in &skel.maps {
        let ids = &m.idents;
        for pair in std::iter::once(&ids.handle).chain(&ids.data) {
            for name in [&pair.get, &pair.get_mut] {
                assert!(is_ident(name), "map accessor {name:?}");
                assert!(map_accessors.insert(name), "map accessor {name} twice");
            }
        }
    }
    let mut prog_accessors = HashSet::new();
    for p in &skel.progs {
        for name in [&p.idents.access.get, &p.idents.access.get_mut] {
            assert!(is_ident(name), "program accessor {name:?}");
            assert!(prog_accessors.insert(name), "program accessor {name} twice");
        }
    }
    let links = skel.progs.iter().filter_map(|p| p.idents.link.as_ref());
    let links: Vec<_> = links
        .chain(skel.maps.iter().filter_map(|m| m.idents.link.as_ref()))
        .collect();
    let unique: HashSet<_> = links.iter().collect();
    assert_eq!(unique.len(), links.len(), "link fields collide");
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
            let mut same = c
                .members
                .iter()
                .filter(|m| m.name.as_deref() == Some(c_name));
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
    use skel_builder::object::btf::{Btf, Kind};
    /// Keeps zero-filled sections small whatever sizes the BTF claims.
    const MAX_SECTION: u64 = 1 << 16;
    let mut sections: Vec<(String, u32, u64, u64)> = vec![]; // name, type, flags, size
    let mut symbols: Vec<(String, u16, u64, u64, u8)> = vec![("prog".into(), 1, 0, 8, 2)];
    if let Ok(btf) = Btf::parse(btf_bytes) {
        for (_, ty) in btf.iter() {
            let (Some(name), Kind::Datasec { vars, .. }) = (&ty.name, &ty.kind) else {
                continue;
            };
            if name.is_empty() || name.len() > 64 || sections.len() > 64 {
                continue;
            }
            let index = sections.len() as u16 + 2;
            let mut offset = 0u64;
            for v in vars {
                let Kind::Var { ty: inner, .. } = btf.get(v.ty).kind else {
                    continue;
                };
                let size = btf.size_of(inner).unwrap_or(8).min(MAX_SECTION);
                if offset + size > MAX_SECTION {
                    break;
                }
                let var_name = btf.name(v.ty).to_owned();
                symbols.push((var_name, index, offset, size, 1));
                offset = (offset + size).div_ceil(8) * 8;
            }
            let nobits = name.starts_with(".bss");
            sections.push((name.clone(), if nobits { 8 } else { 1 }, 3, offset));
        }
    }

    let exit = [0x95u8, 0, 0, 0, 0, 0, 0, 0];
    let mut shstrtab = vec![0u8];
    let mut name = |n: &str| {
        let off = shstrtab.len() as u32;
        shstrtab.extend_from_slice(n.as_bytes());
        shstrtab.push(0);
        off
    };
    let mut out = vec![0u8; 64];
    let align = |out: &mut Vec<u8>| {
        while !out.len().is_multiple_of(8) {
            out.push(0);
        }
        out.len() as u64
    };
    // (name, type, flags, offset, size, link, info, entsize)
    let mut headers = vec![];
    let off = align(&mut out);
    out.extend_from_slice(&exit);
    headers.push((
        name("struct_ops/prog"),
        1u32,
        6u64,
        off,
        8u64,
        0u32,
        0u32,
        0u64,
    ));
    for (n, ty, flags, size) in &sections {
        let off = align(&mut out);
        if *ty != 8 {
            out.resize(out.len() + *size as usize, 0);
        }
        headers.push((name(n), *ty, *flags, off, *size, 0, 0, 0));
    }
    let off = align(&mut out);
    out.extend_from_slice(btf_bytes);
    headers.push((name(".BTF"), 1, 0, off, btf_bytes.len() as u64, 0, 0, 0));

    let mut strtab = vec![0u8];
    let mut symtab = vec![0u8; 24];
    for (n, shndx, value, size, kind) in &symbols {
        symtab.extend_from_slice(&(strtab.len() as u32).to_le_bytes());
        strtab.extend_from_slice(n.as_bytes());
        strtab.push(0);
        symtab.push((1 << 4) | kind);
        symtab.push(0);
        symtab.extend_from_slice(&shndx.to_le_bytes());
        symtab.extend_from_slice(&value.to_le_bytes());
        symtab.extend_from_slice(&size.to_le_bytes());
    }
    let symtab_index = headers.len() as u32 + 1;
    let off = align(&mut out);
    out.extend_from_slice(&symtab);
    headers.push((
        name(".symtab"),
        2,
        0,
        off,
        symtab.len() as u64,
        symtab_index + 1,
        1,
        24,
    ));
    let off = align(&mut out);
    out.extend_from_slice(&strtab);
    headers.push((name(".strtab"), 3, 0, off, strtab.len() as u64, 0, 0, 0));
    let shstr_name = name(".shstrtab");
    let off = align(&mut out);
    out.extend_from_slice(&shstrtab);
    headers.push((shstr_name, 3, 0, off, shstrtab.len() as u64, 0, 0, 0));

    let shoff = align(&mut out);
    out.extend_from_slice(&[0u8; 64]);
    let shnum = headers.len() as u16 + 1;
    for (n, ty, flags, off, size, link, info, entsize) in headers {
        for field in [
            &n.to_le_bytes()[..],
            &ty.to_le_bytes(),
            &flags.to_le_bytes(),
            &0u64.to_le_bytes(),
            &off.to_le_bytes(),
            &size.to_le_bytes(),
            &link.to_le_bytes(),
            &info.to_le_bytes(),
            &8u64.to_le_bytes(),
            &entsize.to_le_bytes(),
        ] {
            out.extend_from_slice(field);
        }
    }
    let mut h = vec![];
    h.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    h.extend_from_slice(&1u16.to_le_bytes()); // ET_REL
    h.extend_from_slice(&247u16.to_le_bytes()); // EM_BPF
    h.extend_from_slice(&1u32.to_le_bytes());
    h.extend_from_slice(&[0u8; 16]); // entry, phoff
    h.extend_from_slice(&shoff.to_le_bytes());
    h.extend_from_slice(&0u32.to_le_bytes());
    for half in [64u16, 0, 0, 64, shnum, shnum - 1] {
        h.extend_from_slice(&half.to_le_bytes());
    }
    out[..64].copy_from_slice(&h);
    out
}
