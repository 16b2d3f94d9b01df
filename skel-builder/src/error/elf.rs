//! Why an input is not a usable BPF ELF object (what `object::elf` finds).

/// Why an input is not a usable BPF ELF object.
#[derive(Debug)]
#[non_exhaustive]
pub enum ElfError {
    NotElf,
    WrongClass,
    NotBpf {
        machine: u16,
        name: &'static str,
    },
    NotRelocatable {
        e_type: u16,
    },
    Malformed(String),
    NoSymbols,
    NameTooLong {
        what: &'static str,
        index: usize,
        limit: usize,
    },
    NameOutOfRange {
        what: &'static str,
        index: usize,
        offset: u32,
        len: usize,
    },
    SymbolSectionOutOfRange {
        symbol: String,
        section: usize,
        count: usize,
    },
}

impl std::fmt::Display for ElfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotElf => f.write_str("not an ELF file"),
            Self::WrongClass => f.write_str("not a 64-bit ELF file"),
            Self::NotBpf { machine, name } => write!(
                f,
                "ELF machine is {machine} ({name}), not BPF (247): this object was not built with `-target bpf`"
            ),
            Self::NotRelocatable { e_type } => {
                write!(f, "ELF type is {e_type}, not a relocatable object (ET_REL)")
            }
            Self::Malformed(message) => write!(f, "malformed ELF: {message}"),
            Self::NoSymbols => f.write_str("no symbol table (was the object stripped?)"),
            Self::NameTooLong { what, index, limit } => {
                write!(f, "{what} {index} has a name longer than {limit} bytes")
            }
            Self::NameOutOfRange {
                what,
                index,
                offset,
                len,
            } => write!(
                f,
                "{what} {index} has a name at offset {offset}, outside its string table ({len} bytes)"
            ),
            Self::SymbolSectionOutOfRange {
                symbol,
                section,
                count,
            } => write!(
                f,
                "symbol `{symbol}` is in section {section}, but the object has only {count} sections"
            ),
        }
    }
}

impl std::error::Error for ElfError {}
