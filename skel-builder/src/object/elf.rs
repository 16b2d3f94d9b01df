//! ELF: the sections, symbols and relocations of a BPF object, read with the
//! `object` crate into plain owned records. Nothing libbpf-specific happens
//! here; `object::mod` gives these records their libbpf meaning.

use std::collections::{HashMap, HashSet};

use super::raw::{self, consts as elf};

pub use crate::error::elf::ElfError;

/// The longest section or symbol name accepted, in bytes (`PATH_MAX`:
/// section names may hold paths, as in `SEC("uprobe//usr/bin/foo:bar")`).
/// Bounding names bounds every copy made of them.
pub const MAX_NAME_LEN: usize = 4096;

/// The NUL-terminated name at `offset` of a string table, read without
/// looking past [`MAX_NAME_LEN`] bytes.
fn name_at<'a>(
    table: &'a [u8],
    offset: u32,
    what: &'static str,
    index: usize,
) -> Result<&'a [u8], ElfError> {
    let rest = table
        .get(offset as usize..)
        .ok_or(ElfError::NameOutOfRange {
            what,
            index,
            offset,
            len: table.len(),
        })?;
    let window = &rest[..rest.len().min(MAX_NAME_LEN + 1)];
    match window.iter().position(|&b| b == 0) {
        Some(end) => Ok(&window[..end]),
        None if window.len() <= MAX_NAME_LEN => Err(ElfError::Malformed(format!(
            "{what} {index}: string table does not end with NUL"
        ))),
        None => Err(ElfError::NameTooLong {
            what,
            index,
            limit: MAX_NAME_LEN,
        }),
    }
}

impl From<String> for ElfError {
    fn from(e: String) -> Self {
        ElfError::Malformed(e)
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
    /// Big-endian (`bpfeb`): its tables and data are in that order.
    pub big_endian: bool,
    order: raw::Order,
    index: Index,
}

/// Lookups by name, built once, so that no question about the object
/// costs a scan of every symbol or section (hostile objects have many).
#[derive(Debug, Default)]
struct Index {
    /// The first section of each name.
    sections: HashMap<String, usize>,
    /// The first global or weak `STT_OBJECT` symbol of each name.
    globals: HashMap<String, usize>,
    /// Names of undefined global or weak symbols.
    externs: HashSet<String>,
    /// Local `STT_OBJECT` symbols by section and the part of their name
    /// after the last `.` (`func.var` for a function-scope static).
    locals: HashMap<(usize, String), Vec<usize>>,
    /// Relocations by the section they apply to.
    relocations: HashMap<usize, Vec<usize>>,
}

impl Index {
    fn new(sections: &[Section<'_>], symbols: &[Symbol]) -> Index {
        let mut index = Index::default();
        for s in sections.iter().rev() {
            index.sections.insert(s.name.clone(), s.index);
            if s.sh_type == SectionType::Rel {
                index
                    .relocations
                    .entry(s.info as usize)
                    .or_default()
                    .push(s.index);
            }
        }
        for rels in index.relocations.values_mut() {
            rels.reverse();
        }
        for sym in symbols {
            let global = matches!(sym.binding, Binding::Global | Binding::Weak);
            if global && sym.kind == SymbolKind::Object {
                index.globals.entry(sym.name.clone()).or_insert(sym.index);
            }
            if global && sym.section.is_none() {
                index.externs.insert(sym.name.clone());
            }
            if let (Some(section), SymbolKind::Object, Binding::Local) =
                (sym.section, sym.kind, sym.binding)
            {
                let last = sym.name.rsplit('.').next().unwrap_or("");
                index
                    .locals
                    .entry((section, last.to_owned()))
                    .or_default()
                    .push(sym.index);
            }
        }
        index
    }
}

impl<'a> ElfObject<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ElfError> {
        if bytes.len() < 4 || &bytes[..4] != b"\x7fELF" {
            return Err(ElfError::NotElf);
        }
        if bytes.len() < 6 || bytes[4] != elf::ELFCLASS64 || !matches!(bytes[5], 1 | 2) {
            return Err(ElfError::WrongClass);
        }
        // Say how long the file is with an error about its tables, since
        // truncation is the usual cause.
        let file = raw::File::parse(bytes).map_err(|e| {
            ElfError::Malformed(format!(
                "{e} (the file is {} bytes long: truncated?)",
                bytes.len()
            ))
        })?;
        let machine = file.e_machine;
        if machine != elf::EM_BPF {
            return Err(ElfError::NotBpf {
                machine,
                name: machine_name(machine),
            });
        }
        let e_type = file.e_type;
        if e_type != elf::ET_REL {
            return Err(ElfError::NotRelocatable { e_type });
        }

        let names = file.section_names()?;
        let mut sections = Vec::with_capacity(file.sections.len());
        for (index, sh) in file.sections.iter().enumerate() {
            let name = name_at(names, sh.sh_name, "section", index)?;
            let sh_type = match sh.sh_type {
                elf::SHT_PROGBITS => SectionType::ProgBits,
                elf::SHT_NOBITS => SectionType::NoBits,
                elf::SHT_REL => SectionType::Rel,
                elf::SHT_SYMTAB => SectionType::SymTab,
                elf::SHT_STRTAB => SectionType::StrTab,
                other => SectionType::Other(other),
            };
            let data = file.data(sh)?;
            sections.push(Section {
                index,
                name: String::from_utf8_lossy(name).into_owned(),
                sh_type,
                executable: sh.sh_flags & elf::SHF_EXECINSTR != 0,
                size: sh.sh_size,
                data,
                info: sh.sh_info,
            });
        }

        let symtab_index = file.symtab().ok_or(ElfError::NoSymbols)?;
        let syms = file.symbols(symtab_index)?;
        if syms.is_empty() {
            return Err(ElfError::NoSymbols);
        }
        let shndx = file.symtab_shndx(symtab_index)?;
        let sym_names = file.section_data(file.sections[symtab_index].sh_link as usize)?;
        let mut symbols = Vec::with_capacity(syms.len());
        for (index, sym) in syms.iter().enumerate() {
            let name = String::from_utf8_lossy(name_at(sym_names, sym.st_name, "symbol", index)?)
                .into_owned();
            let section = raw::symbol_section(sym, index, &shndx)?;
            if let Some(section) = section.filter(|&s| s >= sections.len()) {
                return Err(ElfError::SymbolSectionOutOfRange {
                    symbol: name,
                    section,
                    count: sections.len(),
                });
            }
            let kind = match sym.st_type() {
                elf::STT_NOTYPE => SymbolKind::NoType,
                elf::STT_OBJECT => SymbolKind::Object,
                elf::STT_FUNC => SymbolKind::Func,
                elf::STT_SECTION => SymbolKind::Section,
                elf::STT_FILE => SymbolKind::File,
                other => SymbolKind::Other(other),
            };
            let binding = match sym.st_bind() {
                elf::STB_LOCAL => Binding::Local,
                elf::STB_GLOBAL => Binding::Global,
                elf::STB_WEAK => Binding::Weak,
                other => Binding::Other(other),
            };
            let visibility = sym.st_visibility();
            symbols.push(Symbol {
                index,
                name,
                section,
                value: sym.st_value,
                size: sym.st_size,
                kind,
                binding,
                hidden: visibility == elf::STV_HIDDEN || visibility == elf::STV_INTERNAL,
            });
        }
        let index = Index::new(&sections, &symbols);
        Ok(ElfObject {
            sections,
            symbols,
            big_endian: file.order.big,
            order: file.order,
            index,
        })
    }

    /// The first section of this name.
    pub fn section_by_name(&self, name: &str) -> Option<&Section<'a>> {
        self.index.sections.get(name).map(|&i| &self.sections[i])
    }

    /// The first global or weak `STT_OBJECT` symbol of this name (where
    /// libbpf looks for a variable's or a struct_ops map's offset).
    pub fn global_object(&self, name: &str) -> Option<&Symbol> {
        self.index.globals.get(name).map(|&i| &self.symbols[i])
    }

    /// Is there an undefined global or weak symbol of this name (an extern
    /// the code uses)?
    pub fn has_extern(&self, name: &str) -> bool {
        self.index.externs.contains(name)
    }

    /// The local `STT_OBJECT` symbols of `section` named `name` or
    /// `<function>.<name>`.
    pub fn local_objects<'s>(
        &'s self,
        section: usize,
        name: &'s str,
    ) -> impl Iterator<Item = &'s Symbol> + 's {
        let last = name.rsplit('.').next().unwrap_or("");
        let suffix = format!(".{name}");
        self.index
            .locals
            .get(&(section, last.to_owned()))
            .into_iter()
            .flatten()
            .map(|&i| &self.symbols[i])
            .filter(move |s| s.name == name || s.name.ends_with(&suffix))
    }

    /// The REL entries that apply to section `target`.
    pub fn relocations_for(&self, target: usize) -> Result<Vec<Relocation>, ElfError> {
        let mut out = vec![];
        let rel_sections = self.index.relocations.get(&target).into_iter().flatten();
        for sec in rel_sections.map(|&i| &self.sections[i]) {
            if sec.data.len() % 16 != 0 {
                return Err(ElfError::Malformed(
                    "relocation section size is not a multiple of 16".into(),
                ));
            }
            for chunk in sec.data.chunks_exact(raw::REL_LEN) {
                let word = |at| self.order.u64(chunk, at).unwrap_or(0);
                out.push(Relocation {
                    offset: word(0),
                    symbol: (word(8) >> 32) as usize,
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
