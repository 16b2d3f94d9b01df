//! BPF objects written by hand, byte by byte: a small ELF writer and a BTF
//! writer. Tests use them for inputs clang never produces (malformed
//! objects, extreme types), and the fuzzer's seed corpus starts from them.
//!
//! Nothing here checks its input: writing broken objects is the point.

/// `struct btf_type` kinds, from include/uapi/linux/btf.h.
pub mod kind {
    pub const INT: u32 = 1;
    pub const PTR: u32 = 2;
    pub const ARRAY: u32 = 3;
    pub const STRUCT: u32 = 4;
    pub const UNION: u32 = 5;
    pub const TYPEDEF: u32 = 8;
    pub const CONST: u32 = 10;
    pub const FUNC: u32 = 12;
    pub const FUNC_PROTO: u32 = 13;
    pub const VAR: u32 = 14;
    pub const DATASEC: u32 = 15;
}

/// A BTF type id, as the writer hands them out.
pub type TypeId = u32;

/// Writes a `.BTF` section: types in the order they are added (ids from 1),
/// strings appended as they come.
#[derive(Clone, Debug)]
pub struct BtfWriter {
    types: Vec<u8>,
    strings: Vec<u8>,
    count: u32,
}

impl Default for BtfWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl BtfWriter {
    pub fn new() -> Self {
        BtfWriter {
            types: vec![],
            strings: vec![0],
            count: 0,
        }
    }

    /// Appends a string; `""` is offset 0.
    pub fn string(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        let off = self.strings.len() as u32;
        self.strings.extend_from_slice(s.as_bytes());
        self.strings.push(0);
        off
    }

    /// Appends one record as raw words: `name_off`, `info` (from `kind`,
    /// `kind_flag`, `vlen`), `size_or_type`, then `extra`.
    pub fn raw(
        &mut self,
        name_off: u32,
        kind: u32,
        kind_flag: bool,
        vlen: u32,
        size_or_type: u32,
        extra: &[u32],
    ) -> TypeId {
        let info = (u32::from(kind_flag) << 31) | (kind << 24) | (vlen & 0xffff);
        for w in [name_off, info, size_or_type].iter().chain(extra) {
            self.types.extend_from_slice(&w.to_le_bytes());
        }
        self.count += 1;
        self.count
    }

    fn named(
        &mut self,
        name: &str,
        kind: u32,
        vlen: u32,
        size_or_type: u32,
        extra: &[u32],
    ) -> TypeId {
        let n = self.string(name);
        self.raw(n, kind, false, vlen, size_or_type, extra)
    }

    pub fn int(&mut self, name: &str, size: u32, signed: bool) -> TypeId {
        let enc = u32::from(signed);
        self.named(name, kind::INT, 0, size, &[(enc << 24) | (size * 8)])
    }

    pub fn char_(&mut self) -> TypeId {
        self.named("char", kind::INT, 0, 1, &[(1 << 25) | (1 << 24) | 8])
    }

    pub fn ptr(&mut self, target: TypeId) -> TypeId {
        self.named("", kind::PTR, 0, target, &[])
    }

    pub fn typedef(&mut self, name: &str, target: TypeId) -> TypeId {
        self.named(name, kind::TYPEDEF, 0, target, &[])
    }

    pub fn const_(&mut self, target: TypeId) -> TypeId {
        self.named("", kind::CONST, 0, target, &[])
    }

    pub fn array(&mut self, elem: TypeId, index: TypeId, len: u32) -> TypeId {
        self.named("", kind::ARRAY, 0, 0, &[elem, index, len])
    }

    /// A struct with `(name, type, bit_offset)` members.
    pub fn struct_(&mut self, name: &str, size: u32, members: &[(&str, TypeId, u32)]) -> TypeId {
        self.composite(kind::STRUCT, name, size, members)
    }

    pub fn union_(&mut self, name: &str, size: u32, members: &[(&str, TypeId, u32)]) -> TypeId {
        self.composite(kind::UNION, name, size, members)
    }

    fn composite(
        &mut self,
        kind: u32,
        name: &str,
        size: u32,
        members: &[(&str, TypeId, u32)],
    ) -> TypeId {
        let mut extra = Vec::with_capacity(members.len() * 3);
        for (m, ty, off) in members {
            extra.extend([self.string(m), *ty, *off]);
        }
        self.named(name, kind, members.len() as u32, size, &extra)
    }

    pub fn func_proto(&mut self, ret: TypeId, params: &[TypeId]) -> TypeId {
        let extra: Vec<u32> = params.iter().flat_map(|p| [0, *p]).collect();
        self.named("", kind::FUNC_PROTO, params.len() as u32, ret, &extra)
    }

    /// A global function (linkage 1).
    pub fn func(&mut self, name: &str, proto: TypeId) -> TypeId {
        self.named(name, kind::FUNC, 1, proto, &[])
    }

    /// A global variable (linkage 1).
    pub fn var(&mut self, name: &str, ty: TypeId) -> TypeId {
        self.named(name, kind::VAR, 0, ty, &[1])
    }

    /// A DATASEC with `(var, offset, size)` entries. clang writes size and
    /// offsets 0; libbpf fixes them up from the ELF.
    pub fn datasec(&mut self, name: &str, size: u32, vars: &[(TypeId, u32, u32)]) -> TypeId {
        let extra: Vec<u32> = vars.iter().flat_map(|&(v, o, s)| [v, o, s]).collect();
        self.named(name, kind::DATASEC, vars.len() as u32, size, &extra)
    }

    /// The section: header, types, strings.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = vec![];
        out.extend_from_slice(&0xeb9f_u16.to_le_bytes());
        out.extend_from_slice(&[1, 0]);
        for w in [
            24,
            0,
            self.types.len() as u32,
            self.types.len() as u32,
            self.strings.len() as u32,
        ] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&self.types);
        out.extend_from_slice(&self.strings);
        out
    }
}

pub const SHT_PROGBITS: u32 = 1;
pub const SHT_SYMTAB: u32 = 2;
pub const SHT_STRTAB: u32 = 3;
pub const SHT_NOBITS: u32 = 8;
pub const SHT_REL: u32 = 9;
pub const SHF_WRITE: u64 = 1;
pub const SHF_ALLOC: u64 = 2;
pub const SHF_EXECINSTR: u64 = 4;
pub const STT_OBJECT: u8 = 1;
pub const STT_FUNC: u8 = 2;
pub const STB_GLOBAL: u8 = 1;
pub const EM_BPF: u16 = 247;
/// `R_BPF_64_ABS64`: what clang emits for a function pointer in data.
pub const R_BPF_64_ABS64: u32 = 2;

#[derive(Clone, Debug)]
pub struct Section {
    pub name: String,
    pub sh_type: u32,
    pub flags: u64,
    pub data: Vec<u8>,
    /// The size for NOBITS sections (others use `data.len()`).
    pub nobits_size: u64,
    pub info: u32,
}

#[derive(Clone, Debug)]
pub struct Symbol {
    pub name: String,
    pub shndx: u16,
    pub value: u64,
    pub size: u64,
    pub kind: u8,
    pub bind: u8,
}

/// Writes a relocatable ELF64 little-endian object. Section 0 is the null
/// section; the symbol table, its strings and the section names come last.
#[derive(Clone, Debug)]
pub struct ElfWriter {
    pub machine: u16,
    pub sections: Vec<Section>,
    pub symbols: Vec<Symbol>,
}

impl Default for ElfWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl ElfWriter {
    pub fn new() -> Self {
        ElfWriter {
            machine: EM_BPF,
            sections: vec![],
            symbols: vec![],
        }
    }

    /// Adds a section; returns its ELF index.
    pub fn section(&mut self, name: &str, sh_type: u32, flags: u64, data: Vec<u8>) -> u16 {
        self.sections.push(Section {
            name: name.to_owned(),
            sh_type,
            flags,
            data,
            nobits_size: 0,
            info: 0,
        });
        self.sections.len() as u16
    }

    pub fn btf(&mut self, btf: &BtfWriter) -> u16 {
        self.section(".BTF", SHT_PROGBITS, 0, btf.bytes())
    }

    /// A NOBITS section (`.bss`) of `size` bytes, taking no file space.
    pub fn nobits(&mut self, name: &str, size: u64) -> u16 {
        let index = self.section(name, SHT_NOBITS, SHF_ALLOC | SHF_WRITE, vec![]);
        self.sections[index as usize - 1].nobits_size = size;
        index
    }

    /// A program section with `insns` 8-byte instructions (`exit`s).
    pub fn program_section(&mut self, name: &str, insns: usize) -> u16 {
        let exit = [0x95, 0, 0, 0, 0, 0, 0, 0];
        let code = exit.repeat(insns);
        self.section(name, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, code)
    }

    /// Adds a global symbol; returns its index in the symbol table.
    pub fn symbol(&mut self, name: &str, shndx: u16, value: u64, size: u64, kind: u8) -> usize {
        self.symbols.push(Symbol {
            name: name.to_owned(),
            shndx,
            value,
            size,
            kind,
            bind: STB_GLOBAL,
        });
        self.symbols.len()
    }

    /// A `.rel<target>` section of `(offset, symbol index)` entries.
    pub fn relocations(&mut self, target: u16, entries: &[(u64, usize)]) -> u16 {
        let name = format!(".rel{}", self.sections[target as usize - 1].name);
        let mut data = vec![];
        for &(offset, sym) in entries {
            data.extend_from_slice(&offset.to_le_bytes());
            let info = ((sym as u64) << 32) | u64::from(R_BPF_64_ABS64);
            data.extend_from_slice(&info.to_le_bytes());
        }
        let index = self.section(&name, SHT_REL, 0, data);
        self.sections[index as usize - 1].info = u32::from(target);
        index
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut shstrtab = vec![0u8];
        let mut strtab = vec![0u8];
        let mut symtab = vec![0u8; 24];
        for s in &self.symbols {
            let off = append_name(&mut strtab, &s.name);
            symtab.extend_from_slice(&off.to_le_bytes());
            symtab.push((s.bind << 4) | s.kind);
            symtab.push(0);
            symtab.extend_from_slice(&s.shndx.to_le_bytes());
            symtab.extend_from_slice(&s.value.to_le_bytes());
            symtab.extend_from_slice(&s.size.to_le_bytes());
        }
        let user = self.sections.len() as u32;
        let symtab_index = user + 1;
        let strtab_index = user + 2;
        let shstrtab_index = user + 3;

        let mut out = vec![0u8; 64];
        let mut headers: Vec<Header> = vec![];
        for s in &self.sections {
            let (offset, size) = if s.sh_type == SHT_NOBITS {
                (out.len() as u64, s.nobits_size)
            } else {
                (place(&mut out, &s.data), s.data.len() as u64)
            };
            let rel = s.sh_type == SHT_REL;
            headers.push(Header {
                name: append_name(&mut shstrtab, &s.name),
                sh_type: s.sh_type,
                flags: s.flags,
                offset,
                size,
                link: if rel { symtab_index } else { 0 },
                info: s.info,
                entsize: if rel { 16 } else { 0 },
            });
        }
        headers.push(Header {
            name: append_name(&mut shstrtab, ".symtab"),
            sh_type: SHT_SYMTAB,
            flags: 0,
            offset: place(&mut out, &symtab),
            size: symtab.len() as u64,
            link: strtab_index,
            // One past the last local symbol (only the null one here).
            info: 1,
            entsize: 24,
        });
        headers.push(Header {
            name: append_name(&mut shstrtab, ".strtab"),
            sh_type: SHT_STRTAB,
            flags: 0,
            offset: place(&mut out, &strtab),
            size: strtab.len() as u64,
            link: 0,
            info: 0,
            entsize: 0,
        });
        let name = append_name(&mut shstrtab, ".shstrtab");
        headers.push(Header {
            name,
            sh_type: SHT_STRTAB,
            flags: 0,
            offset: place(&mut out, &shstrtab),
            size: shstrtab.len() as u64,
            link: 0,
            info: 0,
            entsize: 0,
        });

        let shoff = place(&mut out, &[]);
        out.extend_from_slice(&[0u8; 64]); // the null section
        for h in headers {
            out.extend_from_slice(&h.name.to_le_bytes());
            out.extend_from_slice(&h.sh_type.to_le_bytes());
            out.extend_from_slice(&h.flags.to_le_bytes());
            out.extend_from_slice(&0u64.to_le_bytes()); // addr
            out.extend_from_slice(&h.offset.to_le_bytes());
            out.extend_from_slice(&h.size.to_le_bytes());
            out.extend_from_slice(&h.link.to_le_bytes());
            out.extend_from_slice(&h.info.to_le_bytes());
            out.extend_from_slice(&8u64.to_le_bytes()); // addralign
            out.extend_from_slice(&h.entsize.to_le_bytes());
        }

        let mut h = Vec::with_capacity(64);
        h.extend_from_slice(b"\x7fELF");
        h.extend_from_slice(&[2, 1, 1, 0]); // 64-bit, little-endian, version 1
        h.extend_from_slice(&[0; 8]);
        h.extend_from_slice(&1u16.to_le_bytes()); // ET_REL
        h.extend_from_slice(&self.machine.to_le_bytes());
        h.extend_from_slice(&1u32.to_le_bytes());
        h.extend_from_slice(&0u64.to_le_bytes()); // entry
        h.extend_from_slice(&0u64.to_le_bytes()); // phoff
        h.extend_from_slice(&shoff.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes()); // flags
        h.extend_from_slice(&64u16.to_le_bytes()); // ehsize
        h.extend_from_slice(&0u16.to_le_bytes()); // phentsize
        h.extend_from_slice(&0u16.to_le_bytes()); // phnum
        h.extend_from_slice(&64u16.to_le_bytes()); // shentsize
        h.extend_from_slice(&((user + 4) as u16).to_le_bytes());
        h.extend_from_slice(&(shstrtab_index as u16).to_le_bytes());
        out[..64].copy_from_slice(&h);
        out
    }
}

struct Header {
    name: u32,
    sh_type: u32,
    flags: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
    entsize: u64,
}

fn append_name(table: &mut Vec<u8>, name: &str) -> u32 {
    let off = table.len() as u32;
    table.extend_from_slice(name.as_bytes());
    table.push(0);
    off
}

/// Appends `data` at the next 8-byte boundary; returns its offset.
fn place(out: &mut Vec<u8>, data: &[u8]) -> u64 {
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
    let off = out.len() as u64;
    out.extend_from_slice(data);
    off
}

/// Byte offsets of the members of struct `struct_name`, read by libbpf
/// from the BTF of the object file at `object`.
pub fn member_offsets(
    object: &std::path::Path,
    struct_name: &str,
) -> std::collections::HashMap<String, usize> {
    use libbpf_rs::btf::Btf;
    use libbpf_rs::btf::types::{MemberAttr, Struct};
    let btf = Btf::from_path(object).unwrap();
    let s: Struct<'_> = btf.type_by_name(struct_name).unwrap();
    s.iter()
        .filter_map(|m| {
            let MemberAttr::Normal { offset } = m.attr else {
                return None;
            };
            Some((m.name?.to_string_lossy().into_owned(), offset as usize / 8))
        })
        .collect()
}

/// Variable offsets of data section `section` (`.data`, `.bss`, ...), from
/// libbpf's own BTF of an open object, where libbpf has fixed them up.
///
/// # Safety
///
/// `obj` must be an open object that outlives the call.
pub unsafe fn var_offsets(
    obj: *mut libbpf_sys::bpf_object,
    section: &str,
) -> std::collections::HashMap<String, usize> {
    use libbpf_rs::btf::Btf;
    use libbpf_rs::btf::types::{DataSec, Var};
    // SAFETY: the caller passes an open object that outlives this call.
    let btf = Btf::from_bpf_object(unsafe { &*obj }).unwrap().unwrap();
    let ds: DataSec<'_> = btf.type_by_name(section).unwrap();
    ds.iter()
        .filter_map(|v| {
            let var: Var<'_> = btf.type_by_id(v.ty)?;
            Some((
                var.name()?.to_string_lossy().into_owned(),
                v.offset as usize,
            ))
        })
        .collect()
}
