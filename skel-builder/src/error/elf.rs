//! Why an input is not a usable BPF ELF object (what `object::elf` finds).

/// Why an input is not a usable BPF ELF object.
#[derive(Debug)]
#[non_exhaustive]
pub enum ElfError {
    /// The file does not start with the ELF magic.
    NotElf,
    /// Not a 64-bit ELF file (or one of no known byte order); BPF objects
    /// are 64-bit.
    WrongClass,
    /// An ELF file for another machine than BPF.
    NotBpf {
        /// Its `e_machine`.
        machine: u16,
        /// That machine's name, or `unknown`.
        name: &'static str,
    },
    /// An ELF file that is not a relocatable object (`ET_REL`), as clang
    /// writes.
    NotRelocatable {
        /// Its `e_type`.
        e_type: u16,
    },
    /// Headers, tables or offsets that do not hold together; the message
    /// says which.
    Malformed(String),
    /// No symbol table, as in a stripped object.
    NoSymbols,
    /// A section or symbol name longer than the reader accepts.
    NameTooLong {
        /// `section` or `symbol`.
        what: &'static str,
        /// Its index in the section header table or the symbol table.
        index: usize,
        /// The longest name accepted, in bytes.
        limit: usize,
    },
    /// A section or symbol name whose offset lies past its string table.
    NameOutOfRange {
        /// `section` or `symbol`.
        what: &'static str,
        /// Its index in the section header table or the symbol table.
        index: usize,
        /// The name's offset in the string table, in bytes.
        offset: u32,
        /// The string table's size in bytes.
        len: usize,
    },
    /// A symbol naming a section index the object does not have.
    SymbolSectionOutOfRange {
        /// The symbol's name.
        symbol: String,
        /// The section index it names.
        section: usize,
        /// How many sections the object has.
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
