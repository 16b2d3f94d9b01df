//! A relocatable BPF ELF object written byte by byte.

use crate::object::raw::consts as elf;

use skel_btf::BtfWriter;

pub const SHT_PROGBITS: u32 = elf::SHT_PROGBITS;
pub const SHT_NOBITS: u32 = elf::SHT_NOBITS;
pub const SHT_REL: u32 = elf::SHT_REL;
const SHT_SYMTAB: u32 = elf::SHT_SYMTAB;
const SHT_STRTAB: u32 = elf::SHT_STRTAB;
pub const SHF_WRITE: u64 = elf::SHF_WRITE;
pub const SHF_ALLOC: u64 = elf::SHF_ALLOC;
pub const SHF_EXECINSTR: u64 = elf::SHF_EXECINSTR;
pub const STT_OBJECT: u8 = elf::STT_OBJECT;
pub const STT_FUNC: u8 = elf::STT_FUNC;
pub const STB_GLOBAL: u8 = elf::STB_GLOBAL;
/// `R_BPF_64_ABS64`: what clang emits for a function pointer in data (the
/// `object` crate does not name it).
pub const R_BPF_64_ABS64: u32 = 2;

/// A section as written. The writer adds the null section, the symbol
/// table and the string tables itself.
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
/// section, then the sections in the order added (ELF index = position +
/// 1); the symbol table, its strings and the section names come last.
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
    /// An empty object for `EM_BPF`.
    pub fn new() -> Self {
        ElfWriter {
            machine: elf::EM_BPF,
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

    /// Adds `btf` as the `.BTF` section.
    pub fn btf(&mut self, btf: &BtfWriter) -> u16 {
        self.section(".BTF", SHT_PROGBITS, 0, btf.bytes())
    }

    /// A NOBITS section (`.bss`) of `size` bytes, taking no file space.
    pub fn nobits(&mut self, name: &str, size: u64) -> u16 {
        let index = self.section(name, SHT_NOBITS, SHF_ALLOC | SHF_WRITE, vec![]);
        self.sections[index as usize - 1].nobits_size = size;
        index
    }

    /// A writable data section `name` holding `vars` (`(name, size)`), each
    /// at the next multiple of `align` after the previous one, each with a
    /// global `STT_OBJECT` symbol. A `.bss*` section is NOBITS; others are
    /// zero-filled. Returns its ELF index.
    pub fn data_section(&mut self, name: &str, vars: &[(&str, u64)], align: u64) -> u16 {
        let mut offsets = Vec::with_capacity(vars.len());
        let mut end = 0u64;
        for &(_, size) in vars {
            let at = end.next_multiple_of(align.max(1));
            offsets.push(at);
            end = at + size;
        }
        let index = if name.starts_with(".bss") {
            self.nobits(name, end)
        } else {
            let data = vec![0; end as usize];
            self.section(name, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, data)
        };
        for (&(var, size), at) in vars.iter().zip(offsets) {
            self.symbol(var, index, at, size, STT_OBJECT);
        }
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

    /// A `.rel<target>` section of `(offset, symbol index)` entries, each
    /// an `R_BPF_64_ABS64`.
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

    /// The object file.
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
        h.extend_from_slice(&elf::ET_REL.to_le_bytes());
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
    out.resize(out.len().next_multiple_of(8), 0);
    let off = out.len() as u64;
    out.extend_from_slice(data);
    off
}
