//! ELF: the sections, symbols and relocations of a BPF object, read with the
//! `object` crate into plain owned records. Nothing libbpf-specific happens
//! here; `object::mod` gives these records their libbpf meaning.

use object::LittleEndian as LE;
use object::elf;
use object::read::elf::{ElfFile64, FileHeader, Rel as _, SectionHeader, Sym as _};

/// Why an input is not a usable BPF ELF object.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ElfError {
    #[error("not an ELF file")]
    NotElf,
    #[error("not a 64-bit little-endian ELF file")]
    WrongClass,
    #[error(
        "ELF machine is {machine} ({name}), not BPF (247): this object was not built with `-target bpf`"
    )]
    NotBpf { machine: u16, name: &'static str },
    #[error("ELF type is {e_type}, not a relocatable object (ET_REL)")]
    NotRelocatable { e_type: u16 },
    #[error("malformed ELF: {0}")]
    Malformed(String),
    #[error("no symbol table (was the object stripped?)")]
    NoSymbols,
}

impl From<object::read::Error> for ElfError {
    fn from(e: object::read::Error) -> Self {
        ElfError::Malformed(e.to_string())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionType {
    ProgBits,
    NoBits,
    Rel,
    SymTab,
    StrTab,
    Other(u32),
}

#[derive(Clone, Debug)]
pub struct Section<'a> {
    pub index: usize,
    pub name: String,
    pub sh_type: SectionType,
    pub executable: bool,
    pub size: u64,
    /// File contents; empty for NOBITS.
    pub data: &'a [u8],
    /// For relocation sections: the section they apply to.
    pub info: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    NoType,
    Object,
    Func,
    Section,
    File,
    Other(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    Local,
    Global,
    Weak,
    Other(u8),
}

#[derive(Clone, Debug)]
pub struct Symbol {
    pub index: usize,
    pub name: String,
    /// The section it is defined in; `None` for undefined, absolute, common.
    pub section: Option<usize>,
    pub value: u64,
    pub size: u64,
    pub kind: SymbolKind,
    pub binding: Binding,
    /// STV_HIDDEN or STV_INTERNAL.
    pub hidden: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct Relocation {
    pub offset: u64,
    pub symbol: usize,
}

#[derive(Debug)]
pub struct ElfObject<'a> {
    pub sections: Vec<Section<'a>>,
    pub symbols: Vec<Symbol>,
}

impl<'a> ElfObject<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ElfError> {
        if bytes.len() < 4 || &bytes[..4] != b"\x7fELF" {
            return Err(ElfError::NotElf);
        }
        if bytes.len() < 6 || bytes[4] != elf::ELFCLASS64.0 || bytes[5] != elf::ELFDATA2LSB.0 {
            return Err(ElfError::WrongClass);
        }
        let file = ElfFile64::<LE>::parse(bytes)?;
        let endian = file.endian();
        let header = file.elf_header();
        let machine = header.e_machine(endian).0;
        if machine != elf::EM_BPF.0 {
            return Err(ElfError::NotBpf {
                machine,
                name: machine_name(machine),
            });
        }
        let e_type = header.e_type(endian).0;
        if e_type != elf::ET_REL.0 {
            return Err(ElfError::NotRelocatable { e_type });
        }

        let table = file.elf_section_table();
        let mut sections = Vec::with_capacity(table.len());
        for (index, sh) in table.iter().enumerate() {
            let name = table.section_name(endian, sh)?;
            let sh_type = match sh.sh_type(endian) {
                elf::SHT_PROGBITS => SectionType::ProgBits,
                elf::SHT_NOBITS => SectionType::NoBits,
                elf::SHT_REL => SectionType::Rel,
                elf::SHT_SYMTAB => SectionType::SymTab,
                elf::SHT_STRTAB => SectionType::StrTab,
                other => SectionType::Other(other.0),
            };
            let data = if sh_type == SectionType::NoBits {
                &[][..]
            } else {
                sh.data(endian, bytes)?
            };
            sections.push(Section {
                index,
                name: String::from_utf8_lossy(name).into_owned(),
                sh_type,
                executable: sh.sh_flags(endian).0 & elf::SHF_EXECINSTR.0 != 0,
                size: sh.sh_size(endian),
                data,
                info: sh.sh_info(endian),
            });
        }

        let symtab = file.elf_symbol_table();
        if symtab.is_empty() {
            return Err(ElfError::NoSymbols);
        }
        let mut symbols = Vec::with_capacity(symtab.len());
        for (index, sym) in symtab.iter().enumerate() {
            let section = symtab
                .symbol_section(endian, sym, object::SymbolIndex(index))?
                .map(|s| s.0)
                .filter(|&s| s < sections.len());
            let kind = match sym.st_type() {
                elf::STT_NOTYPE => SymbolKind::NoType,
                elf::STT_OBJECT => SymbolKind::Object,
                elf::STT_FUNC => SymbolKind::Func,
                elf::STT_SECTION => SymbolKind::Section,
                elf::STT_FILE => SymbolKind::File,
                other => SymbolKind::Other(other.0),
            };
            let binding = match sym.st_bind() {
                elf::STB_LOCAL => Binding::Local,
                elf::STB_GLOBAL => Binding::Global,
                elf::STB_WEAK => Binding::Weak,
                other => Binding::Other(other.0),
            };
            let visibility = sym.st_visibility();
            symbols.push(Symbol {
                index,
                name: String::from_utf8_lossy(symtab.symbol_name(endian, sym)?).into_owned(),
                section,
                value: sym.st_value(endian),
                size: sym.st_size(endian),
                kind,
                binding,
                hidden: visibility == elf::STV_HIDDEN || visibility == elf::STV_INTERNAL,
            });
        }
        Ok(ElfObject { sections, symbols })
    }

    pub fn section_by_name(&self, name: &str) -> Option<&Section<'a>> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The REL entries that apply to section `target`.
    pub fn relocations_for(&self, target: usize) -> Result<Vec<Relocation>, ElfError> {
        let mut out = vec![];
        for sec in &self.sections {
            if sec.sh_type != SectionType::Rel || sec.info as usize != target {
                continue;
            }
            if sec.data.len() % 16 != 0 {
                return Err(ElfError::Malformed(
                    "relocation section size is not a multiple of 16".into(),
                ));
            }
            let rels: &[elf::Rel64<LE>] = object::pod::slice_from_all_bytes(sec.data)
                .map_err(|()| ElfError::Malformed("misaligned relocation section".into()))?;
            for rel in rels {
                out.push(Relocation {
                    offset: rel.r_offset(LE),
                    symbol: rel.r_sym(LE) as usize,
                });
            }
        }
        Ok(out)
    }
}

fn machine_name(machine: u16) -> &'static str {
    match machine {
        0 => "none",
        3 => "x86",
        40 => "ARM",
        62 => "x86-64",
        183 => "AArch64",
        243 => "RISC-V",
        _ => "unknown",
    }
}
