//! [`BtfError`]: what is wrong with BTF bytes, or with a walk through them.

use std::fmt;

use crate::{BtfTypeId, MAX_NAME_LEN, MAX_RESOLVE_DEPTH};

/// What is wrong with BTF bytes ([`Btf::parse`](crate::Btf::parse)), or why
/// a walk through valid BTF (a size, an alignment, a chain of modifiers)
/// has no answer.
///
/// Each variant carries where the problem is: the type (`type_id`), the
/// byte offset or the header field. Messages name them and do not repeat
/// the input's own text beyond names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BtfError {
    /// The ELF section holding the BTF is not of type `PROGBITS` (raised by
    /// callers that read ELF: this crate reads bytes only; libbpf refuses
    /// such a section too).
    NotProgbits {
        /// The section's type, as the caller spells it.
        section_type: String,
    },
    /// The bytes end inside a header or a type record.
    Truncated {
        /// What was being read: `"header"` or `"type record"`.
        what: &'static str,
        /// Where, in bytes from the start of the header (for the header) or
        /// of the type section (for records).
        offset: usize,
    },
    /// The first two bytes are not BTF's magic number `0xeb9f`.
    BadMagic {
        /// The two bytes read as a little-endian number.
        magic: u16,
    },
    /// The BTF is big-endian where the caller reads little-endian only (a
    /// BPF object built for `bpfeb`; see
    /// [`Btf::parse_little_endian`](crate::Btf::parse_little_endian)).
    BigEndian,
    /// The BTF's byte order is not the one its container has (the `.BTF`
    /// section of an ELF file of the other byte order): libbpf reads an
    /// object's BTF in the object's order.
    ByteOrder {
        /// The BTF is big-endian (and its container little-endian).
        big_endian: bool,
    },
    /// A BTF version other than 1.
    UnsupportedVersion {
        /// The header's version byte.
        version: u8,
    },
    /// A header field points outside the bytes given, or the header's
    /// length is invalid (shorter than 24 bytes, or a longer header whose
    /// unknown tail is not zero).
    BadHeader {
        /// The field, or the sum of fields, at fault (`hdr_len`,
        /// `type_off + type_len`, `str_off + str_len`).
        field: &'static str,
        /// Its value.
        value: u64,
        /// How many bytes there are.
        len: usize,
    },
    /// The string table does not start (base BTF) or end with a NUL byte.
    BadStringTable,
    /// A name's offset lies outside the string table.
    StringOutOfRange {
        /// The type whose record holds the offset.
        type_id: BtfTypeId,
        /// The string offset.
        offset: u32,
        /// The string table's length, with the base's for split BTF.
        len: usize,
    },
    /// A name is longer than [`MAX_NAME_LEN`] bytes (the kernel refuses
    /// such BTF). Tag values (`btf_decl_tag`, `btf_type_tag`) are free text
    /// and are dropped instead.
    NameTooLong {
        /// The type whose record names it.
        type_id: BtfTypeId,
        /// The string offset.
        offset: u32,
        /// [`MAX_NAME_LEN`].
        limit: usize,
    },
    /// A name is not UTF-8.
    StringNotUtf8 {
        /// The type whose record names it.
        type_id: BtfTypeId,
        /// The string offset.
        offset: u32,
    },
    /// A record's count of members, enumerators, parameters or variables
    /// (`vlen`) needs more bytes than the type section has left.
    VlenTooLarge {
        /// The type.
        type_id: BtfTypeId,
        /// What is counted: `"members"`, `"enumerators"`, `"parameters"`,
        /// `"variables"`.
        what: &'static str,
        /// The count.
        vlen: u32,
        /// The bytes left after the record.
        available: usize,
    },
    /// A record of a kind this reader does not know (kinds 1 to 19 are
    /// known: `BTF_KIND_INT` to `BTF_KIND_ENUM64`).
    UnknownKind {
        /// The type.
        type_id: BtfTypeId,
        /// The kind number.
        kind: u32,
    },
    /// A type refers to a type id that does not exist.
    DanglingTypeId {
        /// The type that refers.
        type_id: BtfTypeId,
        /// The id it refers to.
        target: u32,
        /// How many types there are, `void` included (ids `0..count`).
        count: usize,
    },
    /// A chain of typedefs, modifiers or array dimensions is longer than
    /// [`MAX_RESOLVE_DEPTH`]: a cycle, most likely.
    ChainTooLong {
        /// Where the walk started.
        type_id: BtfTypeId,
    },
    /// A type contains itself by value (raised by callers that walk
    /// members).
    Recursive {
        /// The type.
        type_id: BtfTypeId,
    },
    /// A size or alignment was asked of a type that has none (`void`, a
    /// function, a forward declaration, ...).
    NoSize {
        /// The type.
        type_id: BtfTypeId,
        /// Its kind's name (`"fwd"`, `"func_proto"`, ...).
        kind: &'static str,
    },
    /// A type's size does not fit in 32 bits (an array of too many
    /// elements).
    TooLarge {
        /// The type.
        type_id: BtfTypeId,
    },
}

impl fmt::Display for BtfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotProgbits { section_type } => write!(
                f,
                "the .BTF section's ELF type is {section_type}, not PROGBITS (libbpf refuses it too)"
            ),
            Self::Truncated { what, offset } => write!(f, "truncated {what} at byte {offset}"),
            Self::BadMagic { magic } => write!(f, "bad magic {magic:#06x} (expected 0xeb9f)"),
            Self::BigEndian => f.write_str(
                "big-endian BTF where little-endian BTF is read (an object built for bpfeb)",
            ),
            Self::ByteOrder { big_endian } => {
                let (btf, file) = if *big_endian {
                    ("big", "little")
                } else {
                    ("little", "big")
                };
                write!(f, "{btf}-endian BTF in a {file}-endian ELF file")
            }
            Self::UnsupportedVersion { version } => {
                write!(f, "unsupported BTF version {version}")
            }
            Self::BadHeader { field, value, len } => write!(
                f,
                "header field `{field}` is {value}, beyond the {len} bytes present"
            ),
            Self::BadStringTable => {
                f.write_str("the string table must start and end with a NUL byte")
            }
            Self::StringOutOfRange {
                type_id,
                offset,
                len,
            } => write!(
                f,
                "type {type_id} names string offset {offset}, outside the {len}-byte string table"
            ),
            Self::NameTooLong {
                type_id,
                offset,
                limit,
            } => write!(
                f,
                "type {type_id} has a name at string offset {offset} longer than {limit} bytes (the kernel refuses such BTF)"
            ),
            Self::StringNotUtf8 { type_id, offset } => write!(
                f,
                "type {type_id} has a name at string offset {offset} that is not UTF-8"
            ),
            Self::VlenTooLarge {
                type_id,
                what,
                vlen,
                available,
            } => write!(
                f,
                "type {type_id} claims {vlen} {what}, but only {available} bytes remain"
            ),
            Self::UnknownKind { type_id, kind } => {
                write!(f, "type {type_id} has unknown kind {kind}")
            }
            Self::DanglingTypeId {
                type_id,
                target,
                count,
            } => write!(
                f,
                "type {type_id} refers to type id {target}, but the section has only {count} types"
            ),
            Self::ChainTooLong { type_id } => write!(
                f,
                "type {type_id}: chain of typedefs, modifiers or array dimensions longer than {MAX_RESOLVE_DEPTH} (a cycle?)"
            ),
            Self::Recursive { type_id } => write!(f, "type {type_id} contains itself"),
            Self::NoSize { type_id, kind } => write!(f, "type {type_id} has no size (kind {kind})"),
            Self::TooLarge { type_id } => write!(f, "type {type_id} is larger than 4 GiB"),
        }
    }
}

impl std::error::Error for BtfError {}

/// Keeps the limit in the docs and the message in step.
const _: () = assert!(MAX_NAME_LEN == 511);
