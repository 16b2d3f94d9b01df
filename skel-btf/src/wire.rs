//! The BTF wire format (private): the header, the string table and the
//! type records, as `include/uapi/linux/btf.h` lays them out.
//!
//! [`scan`] checks a whole blob once: the header, every record's length,
//! every string a record names and every type id it refers to. What it
//! accepts, the typed view in `crate::types` reads in place and cannot
//! fail on. Every count and offset is checked against the bytes present
//! before anything is allocated or indexed, so a hostile blob costs at most
//! time and memory linear in its size.

use std::ops::Range;

use crate::{BtfError, BtfTypeId, MAX_NAME_LEN};

pub const MAGIC: u16 = 0xeb9f;
pub const HEADER_LEN: usize = 24;
/// One `struct btf_type`: name_off, info, size/type.
pub const TYPE_LEN: usize = 12;

/// `struct btf_type` kinds, from include/uapi/linux/btf.h.
pub mod kind {
    /// `BTF_KIND_INT`.
    pub const INT: u32 = 1;
    /// `BTF_KIND_PTR`.
    pub const PTR: u32 = 2;
    /// `BTF_KIND_ARRAY`.
    pub const ARRAY: u32 = 3;
    /// `BTF_KIND_STRUCT`.
    pub const STRUCT: u32 = 4;
    /// `BTF_KIND_UNION`.
    pub const UNION: u32 = 5;
    /// `BTF_KIND_ENUM`.
    pub const ENUM: u32 = 6;
    /// `BTF_KIND_FWD`.
    pub const FWD: u32 = 7;
    /// `BTF_KIND_TYPEDEF`.
    pub const TYPEDEF: u32 = 8;
    /// `BTF_KIND_VOLATILE`.
    pub const VOLATILE: u32 = 9;
    /// `BTF_KIND_CONST`.
    pub const CONST: u32 = 10;
    /// `BTF_KIND_RESTRICT`.
    pub const RESTRICT: u32 = 11;
    /// `BTF_KIND_FUNC`.
    pub const FUNC: u32 = 12;
    /// `BTF_KIND_FUNC_PROTO`.
    pub const FUNC_PROTO: u32 = 13;
    /// `BTF_KIND_VAR`.
    pub const VAR: u32 = 14;
    /// `BTF_KIND_DATASEC`.
    pub const DATASEC: u32 = 15;
    /// `BTF_KIND_FLOAT`.
    pub const FLOAT: u32 = 16;
    /// `BTF_KIND_DECL_TAG`.
    pub const DECL_TAG: u32 = 17;
    /// `BTF_KIND_TYPE_TAG`.
    pub const TYPE_TAG: u32 = 18;
    /// `BTF_KIND_ENUM64`.
    pub const ENUM64: u32 = 19;
}

/// `BTF_INT_ENCODING` bits.
pub const INT_SIGNED: u32 = 1 << 0;
pub const INT_CHAR: u32 = 1 << 1;
pub const INT_BOOL: u32 = 1 << 2;

/// Byte order of a blob, from its magic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endian {
    pub big: bool,
}

impl Endian {
    /// The u32 at `at`, 0 past the end (the scan has checked every read
    /// the view makes, so that never happens on a scanned blob).
    #[inline]
    pub fn u32(self, bytes: &[u8], at: usize) -> u32 {
        match bytes.get(at..at + 4) {
            Some(&[a, b, c, d]) if self.big => u32::from_be_bytes([a, b, c, d]),
            Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
            _ => 0,
        }
    }
}

/// The fixed words after a record, and the size of each of its `vlen`
/// entries, by kind; `None` for an unknown kind.
pub fn record_shape(kind: u32) -> Option<(usize, usize)> {
    Some(match kind {
        kind::INT | kind::VAR | kind::DECL_TAG => (4, 0),
        kind::ARRAY => (12, 0),
        kind::STRUCT | kind::UNION | kind::DATASEC | kind::ENUM64 => (0, 12),
        kind::ENUM | kind::FUNC_PROTO => (0, 8),
        kind::PTR
        | kind::FWD
        | kind::TYPEDEF
        | kind::VOLATILE
        | kind::CONST
        | kind::RESTRICT
        | kind::FUNC
        | kind::FLOAT
        | kind::TYPE_TAG => (0, 0),
        _ => return None,
    })
}

/// The decoded `info` word of a record.
#[derive(Clone, Copy, Debug)]
pub struct Info {
    pub kind: u32,
    pub vlen: u32,
    pub kind_flag: bool,
}

impl Info {
    #[inline]
    pub fn new(info: u32) -> Info {
        Info {
            kind: (info >> 24) & 0x1f,
            vlen: info & 0xffff,
            kind_flag: info >> 31 == 1,
        }
    }
}

/// Where the parts of a blob are.
pub struct Layout {
    pub endian: Endian,
    pub types: Range<usize>,
    pub strings: Range<usize>,
}

/// The type and string sections of a checked header.
pub fn header(bytes: &[u8]) -> Result<Layout, BtfError> {
    if bytes.len() < HEADER_LEN {
        return Err(BtfError::Truncated {
            what: "header",
            offset: 0,
        });
    }
    let magic = u16::from_le_bytes([bytes[0], bytes[1]]);
    let endian = if magic == MAGIC {
        Endian { big: false }
    } else if magic == MAGIC.swap_bytes() {
        Endian { big: true }
    } else {
        return Err(BtfError::BadMagic { magic });
    };
    let version = bytes[2];
    if version != 1 {
        return Err(BtfError::UnsupportedVersion { version });
    }
    let hdr_len = endian.u32(bytes, 4) as usize;
    if hdr_len < HEADER_LEN || hdr_len > bytes.len() {
        return Err(BtfError::BadHeader {
            field: "hdr_len",
            value: hdr_len as u64,
            len: bytes.len(),
        });
    }
    // A longer header is allowed, as long as the unknown tail is zero.
    if bytes[HEADER_LEN..hdr_len].iter().any(|&b| b != 0) {
        return Err(BtfError::BadHeader {
            field: "hdr_len",
            value: hdr_len as u64,
            len: bytes.len(),
        });
    }
    let body_len = (bytes.len() - hdr_len) as u64;
    let section = |off_at: usize, len_at: usize, name: &'static str| {
        let off = u64::from(endian.u32(bytes, off_at));
        let end = off + u64::from(endian.u32(bytes, len_at));
        if end > body_len {
            return Err(BtfError::BadHeader {
                field: name,
                value: end,
                len: body_len as usize,
            });
        }
        Ok(hdr_len + off as usize..hdr_len + end as usize)
    };
    let types = section(8, 12, "type_off + type_len")?;
    let strings = section(16, 20, "str_off + str_len")?;
    Ok(Layout {
        endian,
        types,
        strings,
    })
}

/// A string table, with its base's for split BTF: offsets below the base's
/// length are the base's strings.
#[derive(Clone, Copy)]
pub struct Strings<'a> {
    pub base: Option<&'a Strings<'a>>,
    pub bytes: &'a [u8],
    /// Length of the base's table(s): the offset of `bytes[0]`.
    pub start: u32,
    /// Every string in `bytes` is UTF-8, at most [`MAX_NAME_LEN`] bytes
    /// and NUL-terminated: an offset on a char boundary names a valid
    /// string, no need to look further.
    pub all_good: bool,
}

/// Why a string cannot be a name.
pub enum StrError {
    OutOfRange,
    TooLong,
    NotUtf8,
}

impl<'a> Strings<'a> {
    /// Checks a table: base BTF's starts and ends with a NUL; split BTF's
    /// may be empty, and otherwise ends with a NUL.
    pub fn check(bytes: &[u8], split: bool) -> Result<(), BtfError> {
        let ends_nul = bytes.last().is_none_or(|&b| b == 0);
        let starts_ok = split || bytes.first() == Some(&0);
        if ends_nul && starts_ok {
            Ok(())
        } else {
            Err(BtfError::BadStringTable)
        }
    }

    /// Whether every string of a checked table is a valid name: one pass,
    /// so that each of the many names a blob refers to costs O(1) to check.
    pub fn all_good(bytes: &[u8]) -> bool {
        std::str::from_utf8(bytes).is_ok()
            && bytes.split(|&b| b == 0).all(|s| s.len() <= MAX_NAME_LEN)
    }

    /// The length of all tables, base's included.
    pub fn total_len(&self) -> usize {
        self.start as usize + self.bytes.len()
    }

    /// The string at `offset` (not 0), checked: it exists, ends within
    /// [`MAX_NAME_LEN`] bytes and is UTF-8.
    pub fn get(&self, offset: u32) -> Result<&'a str, StrError> {
        match offset.checked_sub(self.start) {
            Some(own) => self.own(own as usize),
            None => match self.base {
                Some(base) => base.get(offset),
                None => Err(StrError::OutOfRange),
            },
        }
    }

    fn own(&self, start: usize) -> Result<&'a str, StrError> {
        let rest = match self.bytes.get(start..) {
            Some(rest) if !rest.is_empty() => rest,
            _ => return Err(StrError::OutOfRange),
        };
        let window = &rest[..rest.len().min(MAX_NAME_LEN + 1)];
        // The table ends with NUL, so a NUL is found unless the name is long.
        let end = window
            .iter()
            .position(|&b| b == 0)
            .ok_or(StrError::TooLong)?;
        std::str::from_utf8(&window[..end]).map_err(|_| StrError::NotUtf8)
    }

    /// Checks the name at `offset` (0: anonymous, always fine) of type
    /// `type_id`; a tag's value (`tag`) may be too long (it is then read as
    /// no name).
    fn check_name(&self, offset: u32, type_id: BtfTypeId, tag: bool) -> Result<(), BtfError> {
        if offset == 0 {
            return Ok(());
        }
        // The fast path: in a good table, a char boundary inside it is a
        // good name.
        // (Nested, not a let chain: those need Rust 1.88, the crate 1.85.)
        if self.all_good {
            if let Some(own) = offset.checked_sub(self.start) {
                if (own as usize) < self.bytes.len() && is_char_boundary(self.bytes, own as usize) {
                    return Ok(());
                }
            }
        }
        match self.get(offset) {
            Ok(_) => Ok(()),
            Err(StrError::TooLong) if tag => Ok(()),
            Err(StrError::TooLong) => Err(BtfError::NameTooLong {
                type_id,
                offset,
                limit: MAX_NAME_LEN,
            }),
            Err(StrError::OutOfRange) => Err(BtfError::StringOutOfRange {
                type_id,
                offset,
                len: self.total_len(),
            }),
            Err(StrError::NotUtf8) => Err(BtfError::StringNotUtf8 { type_id, offset }),
        }
    }
}

fn is_char_boundary(bytes: &[u8], at: usize) -> bool {
    // Not a UTF-8 continuation byte (0b10xx_xxxx).
    bytes.get(at).is_some_and(|&b| (b as i8) >= -0x40)
}

/// What [`scan`] found: where each record starts, and the size of `long`.
pub struct Scanned {
    /// Byte offset (in the whole blob) of each record, in id order, then
    /// the end of the last one.
    pub offsets: Vec<u32>,
    /// The size of the first integer named like C's `long` (libbpf's
    /// pointer size guess), if any.
    pub long_size: Option<u8>,
}

/// Checks every record of the type section `types` of `bytes`: its length,
/// its names, and (once all are read, so that the count is known) every
/// type id it refers to. `first_id` is the id of the first record (1 for
/// base BTF); ids below it are the base's.
pub fn scan(
    bytes: &[u8],
    endian: Endian,
    types: Range<usize>,
    strings: &Strings<'_>,
    first_id: u32,
) -> Result<Scanned, BtfError> {
    let section = &bytes[types.clone()];
    let mut offsets = Vec::with_capacity(section.len() / 24);
    let mut long_size = None;
    let mut pos = 0usize;
    let u32_at = |at: usize| endian.u32(section, at);
    while pos < section.len() {
        let id = BtfTypeId(first_id.saturating_add(offsets.len() as u32));
        if section.len() - pos < TYPE_LEN {
            return Err(BtfError::Truncated {
                what: "type record",
                offset: pos,
            });
        }
        let name_off = u32_at(pos);
        let info = Info::new(u32_at(pos + 4));
        let tag = matches!(info.kind, kind::DECL_TAG | kind::TYPE_TAG);
        strings.check_name(name_off, id, tag)?;
        let Some((fixed, each)) = record_shape(info.kind) else {
            return Err(BtfError::UnknownKind {
                type_id: id,
                kind: info.kind,
            });
        };
        let body = pos + TYPE_LEN;
        if section.len() - body < fixed {
            // The first word past the end, as a word-by-word reader meets it.
            let have = (section.len() - body) / 4 * 4;
            return Err(BtfError::Truncated {
                what: "type record",
                offset: body + have,
            });
        }
        let entries = body + fixed;
        let available = section.len() - entries;
        let vlen = if each == 0 { 0 } else { info.vlen };
        match (vlen as usize).checked_mul(each) {
            Some(needed) if needed <= available => {}
            _ => {
                return Err(BtfError::VlenTooLarge {
                    type_id: id,
                    what: match info.kind {
                        kind::STRUCT | kind::UNION => "members",
                        kind::ENUM | kind::ENUM64 => "enumerators",
                        kind::FUNC_PROTO => "parameters",
                        _ => "variables",
                    },
                    vlen,
                    available,
                });
            }
        }
        // Names of members, enumerators and parameters: the first word of
        // each entry (DATASEC entries have none).
        if info.kind != kind::DATASEC {
            for i in 0..vlen as usize {
                strings.check_name(u32_at(entries + i * each), id, false)?;
            }
        }
        if info.kind == kind::INT && long_size.is_none() {
            let size = u32_at(pos + 8);
            if (size == 4 || size == 8)
                && name_off != 0
                && strings.get(name_off).is_ok_and(is_long_name)
            {
                long_size = Some(size as u8);
            }
        }
        offsets.push(
            u32::try_from(types.start + pos).map_err(|_| BtfError::TooLarge { type_id: id })?,
        );
        pos = entries + vlen as usize * each;
    }
    if u64::from(first_id) + offsets.len() as u64 > u64::from(u32::MAX) {
        return Err(BtfError::TooLarge {
            type_id: BtfTypeId(u32::MAX),
        });
    }
    check_references(bytes, endian, &offsets, first_id)?;
    // The end of the last record (the type section's end, which fits in
    // u32 as every record start did, or there are none).
    offsets.push(u32::try_from(types.end).unwrap_or(u32::MAX));
    Ok(Scanned { offsets, long_size })
}

/// libbpf's names for C's `long` (`determine_ptr_size`).
fn is_long_name(name: &str) -> bool {
    matches!(
        name,
        "long"
            | "long int"
            | "int long"
            | "unsigned long"
            | "long unsigned"
            | "unsigned long int"
            | "unsigned int long"
            | "long unsigned int"
            | "long int unsigned"
            | "int unsigned long"
            | "int long unsigned"
    )
}

/// Every type id a scanned record refers to is below the count.
fn check_references(
    bytes: &[u8],
    endian: Endian,
    offsets: &[u32],
    first_id: u32,
) -> Result<(), BtfError> {
    let count = first_id as usize + offsets.len();
    for (index, &at) in offsets.iter().enumerate() {
        let at = at as usize;
        let u32_at = |off: usize| endian.u32(bytes, at + off);
        let info = Info::new(u32_at(4));
        let check = |target: u32| {
            if (target as usize) < count {
                Ok(())
            } else {
                Err(BtfError::DanglingTypeId {
                    type_id: BtfTypeId(first_id + index as u32),
                    target,
                    count,
                })
            }
        };
        let vlen = info.vlen as usize;
        match info.kind {
            kind::PTR
            | kind::TYPEDEF
            | kind::VOLATILE
            | kind::CONST
            | kind::RESTRICT
            | kind::TYPE_TAG
            | kind::DECL_TAG
            | kind::FUNC
            | kind::VAR => check(u32_at(8))?,
            kind::ARRAY => {
                check(u32_at(12))?;
                check(u32_at(16))?;
            }
            kind::STRUCT | kind::UNION => {
                for i in 0..vlen {
                    check(u32_at(TYPE_LEN + i * 12 + 4))?;
                }
            }
            kind::FUNC_PROTO => {
                check(u32_at(8))?;
                for i in 0..vlen {
                    check(u32_at(TYPE_LEN + i * 8 + 4))?;
                }
            }
            kind::DATASEC => {
                for i in 0..vlen {
                    check(u32_at(TYPE_LEN + i * 12))?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}
