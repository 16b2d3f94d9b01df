//! The ELF64 wire format, read in either byte order: the file header, the
//! section header table, section contents, symbol and relocation entries.
//! What a relocatable BPF object needs and no more, checked as it is read:
//! every offset and size against the file, before anything is copied.
//!
//! Hand-written rather than the `object` crate: skel-builder is a build
//! dependency of every user, and `object` with `memchr` was the third
//! largest unit of a clean build, on its critical path (it compiled while
//! syn did, and skel-builder waited for it). This is the part of it the
//! builder used.

/// The ELF constants the builder and its tests use.
pub mod consts {
    pub const ELFCLASS64: u8 = 2;
    pub const ELFDATA2LSB: u8 = 1;
    pub const ELFDATA2MSB: u8 = 2;
    pub const ET_REL: u16 = 1;
    pub const EM_BPF: u16 = 247;
    pub const SHT_PROGBITS: u32 = 1;
    pub const SHT_SYMTAB: u32 = 2;
    pub const SHT_STRTAB: u32 = 3;
    pub const SHT_RELA: u32 = 4;
    pub const SHT_NOBITS: u32 = 8;
    pub const SHT_REL: u32 = 9;
    pub const SHT_GROUP: u32 = 17;
    pub const SHT_SYMTAB_SHNDX: u32 = 18;
    #[allow(dead_code)] // used by the `testing` writer
    pub const SHF_WRITE: u64 = 1;
    #[allow(dead_code)] // used by the `testing` writer
    pub const SHF_ALLOC: u64 = 2;
    pub const SHF_EXECINSTR: u64 = 4;
    pub const SHF_INFO_LINK: u64 = 0x40;
    pub const SHN_UNDEF: u16 = 0;
    pub const SHN_LORESERVE: u16 = 0xff00;
    pub const SHN_XINDEX: u16 = 0xffff;
    pub const STT_NOTYPE: u8 = 0;
    pub const STT_OBJECT: u8 = 1;
    pub const STT_FUNC: u8 = 2;
    pub const STT_SECTION: u8 = 3;
    pub const STT_FILE: u8 = 4;
    pub const STB_LOCAL: u8 = 0;
    pub const STB_GLOBAL: u8 = 1;
    pub const STB_WEAK: u8 = 2;
    pub const STV_INTERNAL: u8 = 1;
    pub const STV_HIDDEN: u8 = 2;
}

use consts::*;

/// Bytes of the file header, a section header, a symbol, a REL entry.
pub const EHDR_LEN: usize = 64;
pub const SHDR_LEN: usize = 64;
pub const SYM_LEN: usize = 24;
pub const REL_LEN: usize = 16;

/// Reads integers in the file's byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    /// Big-endian.
    pub big: bool,
}

impl Order {
    /// The bytes at `at..at + N`, or `None` past the end.
    fn get<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
        b.get(at..at.checked_add(N)?)?.try_into().ok()
    }
    pub fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let v = Self::get(b, at)?;
        Some(if self.big {
            u16::from_be_bytes(v)
        } else {
            u16::from_le_bytes(v)
        })
    }
    pub fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let v = Self::get(b, at)?;
        Some(if self.big {
            u32::from_be_bytes(v)
        } else {
            u32::from_le_bytes(v)
        })
    }
    pub fn u64(self, b: &[u8], at: usize) -> Option<u64> {
        let v = Self::get(b, at)?;
        Some(if self.big {
            u64::from_be_bytes(v)
        } else {
            u64::from_le_bytes(v)
        })
    }
}

/// A section header, decoded, with its raw bytes.
#[derive(Clone, Copy, Debug)]
pub struct SectionHeader<'a> {
    pub raw: &'a [u8],
    pub sh_name: u32,
    pub sh_type: u32,
    pub sh_flags: u64,
    pub sh_offset: u64,
    pub sh_size: u64,
    pub sh_link: u32,
    pub sh_info: u32,
}

/// One symbol table entry.
#[derive(Clone, Copy, Debug)]
pub struct Sym {
    pub st_name: u32,
    pub st_info: u8,
    pub st_other: u8,
    pub st_shndx: u16,
    pub st_value: u64,
    pub st_size: u64,
}

impl Sym {
    pub fn st_type(&self) -> u8 {
        self.st_info & 0xf
    }
    pub fn st_bind(&self) -> u8 {
        self.st_info >> 4
    }
    pub fn st_visibility(&self) -> u8 {
        self.st_other & 0x3
    }
}

/// An ELF64 file whose header and section header table were checked.
#[derive(Debug)]
pub struct File<'a> {
    pub bytes: &'a [u8],
    pub order: Order,
    pub e_type: u16,
    pub e_machine: u16,
    pub e_phnum: u16,
    pub e_shentsize: u16,
    /// `e_shnum` as written (0 with extended numbering).
    pub e_shnum: u16,
    /// The section name table's index (extended numbering resolved).
    pub shstrndx: usize,
    pub sections: Vec<SectionHeader<'a>>,
}

/// The messages say what the `object` crate said for the same faults.
fn bad(what: &str) -> String {
    what.to_owned()
}

impl<'a> File<'a> {
    /// Checks the header and reads the section header table.
    pub fn parse(bytes: &'a [u8]) -> Result<File<'a>, String> {
        if bytes.len() < EHDR_LEN || &bytes[..4] != b"\x7fELF" {
            return Err(bad("Invalid ELF header size or alignment"));
        }
        if bytes[4] != ELFCLASS64 {
            return Err(bad("Unsupported ELF header"));
        }
        let order = match bytes[5] {
            ELFDATA2LSB => Order { big: false },
            ELFDATA2MSB => Order { big: true },
            _ => return Err(bad("Unsupported ELF header")),
        };
        let header = |at: usize| order.u16(bytes, at).unwrap_or(0);
        let e_type = header(16);
        let e_machine = header(18);
        let e_shoff = order.u64(bytes, 40).unwrap_or(0);
        let e_phnum = header(56);
        let e_shentsize = header(58);
        let e_shnum = header(60);
        let e_shstrndx = header(62);
        let section_table_error = || bad("Invalid ELF section header offset/size/alignment");
        let mut sections = Vec::new();
        if e_shoff != 0 {
            if usize::from(e_shentsize) != SHDR_LEN {
                return Err(bad("Invalid ELF section header entry size"));
            }
            let shoff = usize::try_from(e_shoff).map_err(|_| section_table_error())?;
            // Section 0 holds the real count under extended numbering.
            let first = bytes
                .get(
                    shoff
                        ..shoff
                            .checked_add(SHDR_LEN)
                            .ok_or_else(section_table_error)?,
                )
                .ok_or_else(section_table_error)?;
            let count = if e_shnum == 0 {
                usize::try_from(order.u64(first, 32).unwrap_or(0))
                    .map_err(|_| section_table_error())?
            } else {
                usize::from(e_shnum)
            };
            let len = count
                .checked_mul(SHDR_LEN)
                .ok_or_else(section_table_error)?;
            let table = bytes
                .get(shoff..shoff.checked_add(len).ok_or_else(section_table_error)?)
                .ok_or_else(section_table_error)?;
            sections.reserve(count);
            for raw in table.chunks_exact(SHDR_LEN) {
                let u32_at = |at| order.u32(raw, at).unwrap_or(0);
                let u64_at = |at| order.u64(raw, at).unwrap_or(0);
                sections.push(SectionHeader {
                    raw,
                    sh_name: u32_at(0),
                    sh_type: u32_at(4),
                    sh_flags: u64_at(8),
                    sh_offset: u64_at(24),
                    sh_size: u64_at(32),
                    sh_link: u32_at(40),
                    sh_info: u32_at(44),
                });
            }
        }
        let shstrndx = if e_shstrndx == SHN_XINDEX {
            sections.first().map_or(0, |s| s.sh_link as usize)
        } else {
            usize::from(e_shstrndx)
        };
        Ok(File {
            bytes,
            order,
            e_type,
            e_machine,
            e_phnum,
            e_shentsize,
            e_shnum,
            shstrndx,
            sections,
        })
    }

    /// The bytes of a section (empty for NOBITS), checked to lie in the
    /// file.
    pub fn data(&self, sh: &SectionHeader<'_>) -> Result<&'a [u8], String> {
        if sh.sh_type == SHT_NOBITS {
            return Ok(&[]);
        }
        let range = usize::try_from(sh.sh_offset)
            .ok()
            .zip(usize::try_from(sh.sh_size).ok())
            .and_then(|(start, len)| Some(start..start.checked_add(len)?));
        range
            .and_then(|r| self.bytes.get(r))
            .ok_or_else(|| bad("Invalid ELF section size or offset"))
    }

    /// Section `index`'s contents.
    pub fn section_data(&self, index: usize) -> Result<&'a [u8], String> {
        let sh = self
            .sections
            .get(index)
            .ok_or_else(|| bad("Invalid ELF section index"))?;
        self.data(sh)
    }

    /// The section name table.
    pub fn section_names(&self) -> Result<&'a [u8], String> {
        if self.shstrndx == 0 {
            return Ok(&[]);
        }
        self.section_data(self.shstrndx)
    }

    /// The symbol table's index (the first SHT_SYMTAB), if any.
    pub fn symtab(&self) -> Option<usize> {
        self.sections.iter().position(|s| s.sh_type == SHT_SYMTAB)
    }

    /// The entries of symbol table `index`.
    pub fn symbols(&self, index: usize) -> Result<Vec<Sym>, String> {
        let data = self.section_data(index)?;
        if data.len() % SYM_LEN != 0 {
            return Err(bad("Invalid ELF symbol table data"));
        }
        let o = self.order;
        Ok(data
            .chunks_exact(SYM_LEN)
            .map(|e| Sym {
                st_name: o.u32(e, 0).unwrap_or(0),
                st_info: e[4],
                st_other: e[5],
                st_shndx: o.u16(e, 6).unwrap_or(0),
                st_value: o.u64(e, 8).unwrap_or(0),
                st_size: o.u64(e, 16).unwrap_or(0),
            })
            .collect())
    }

    /// The SHT_SYMTAB_SHNDX entries of symbol table `symtab`, if it has
    /// some (extended section indices of symbols whose `st_shndx` is
    /// SHN_XINDEX).
    pub fn symtab_shndx(&self, symtab: usize) -> Result<Vec<u32>, String> {
        let Some(i) = self
            .sections
            .iter()
            .position(|s| s.sh_type == SHT_SYMTAB_SHNDX && s.sh_link as usize == symtab)
        else {
            return Ok(vec![]);
        };
        let data = self.section_data(i)?;
        let o = self.order;
        Ok(data
            .chunks_exact(4)
            .map(|e| o.u32(e, 0).unwrap_or(0))
            .collect())
    }
}

/// The section a symbol is defined in: `None` for undefined, absolute and
/// common symbols (and other reserved indices), the extended index for
/// SHN_XINDEX.
pub fn symbol_section(sym: &Sym, index: usize, shndx: &[u32]) -> Result<Option<usize>, String> {
    match sym.st_shndx {
        SHN_UNDEF => Ok(None),
        SHN_XINDEX => shndx
            .get(index)
            .map(|&i| Some(i as usize))
            .ok_or_else(|| bad("Missing ELF symbol extended index")),
        i if i >= SHN_LORESERVE => Ok(None),
        i => Ok(Some(usize::from(i))),
    }
}
