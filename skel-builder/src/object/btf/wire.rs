//! The BTF wire format: header, string table and type records, decoded into
//! the typed view of [`super`]. Nothing here is public outside `object::btf`,
//! except the numbers the test writer (`crate::testing`) encodes with.
//!
//! Every count and offset read from the input is checked against the bytes
//! that are actually there before anything is allocated or indexed, so a
//! hostile `.BTF` section costs at most time and memory linear in its size.

use super::{
    BtfError, BtfTypeId, Composite, DatasecVar, EnumValue, Kind, Linkage, MAX_NAME_LEN, Member,
    Param, Type,
};

pub const MAGIC: u16 = 0xeb9f;
pub const HEADER_LEN: usize = 24;
/// One `struct btf_type`: name_off, info, size/type.
const TYPE_LEN: usize = 12;

/// `struct btf_type` kinds, from include/uapi/linux/btf.h.
pub mod kind {
    pub const INT: u32 = 1;
    pub const PTR: u32 = 2;
    pub const ARRAY: u32 = 3;
    pub const STRUCT: u32 = 4;
    pub const UNION: u32 = 5;
    pub const ENUM: u32 = 6;
    pub const FWD: u32 = 7;
    pub const TYPEDEF: u32 = 8;
    pub const VOLATILE: u32 = 9;
    pub const CONST: u32 = 10;
    pub const RESTRICT: u32 = 11;
    pub const FUNC: u32 = 12;
    pub const FUNC_PROTO: u32 = 13;
    pub const VAR: u32 = 14;
    pub const DATASEC: u32 = 15;
    pub const FLOAT: u32 = 16;
    pub const DECL_TAG: u32 = 17;
    pub const TYPE_TAG: u32 = 18;
    pub const ENUM64: u32 = 19;
}

/// `BTF_INT_ENCODING` bits.
pub const INT_SIGNED: u32 = 1 << 0;
pub const INT_CHAR: u32 = 1 << 1;
pub const INT_BOOL: u32 = 1 << 2;

/// A little-endian reader over a byte slice that never panics.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn u32(&mut self) -> Result<u32, BtfError> {
        let end = self.pos.checked_add(4).ok_or(BtfError::Truncated {
            what: "type record",
            offset: self.pos,
        })?;
        let chunk = self.bytes.get(self.pos..end).ok_or(BtfError::Truncated {
            what: "type record",
            offset: self.pos,
        })?;
        self.pos = end;
        Ok(u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
    }

    /// Checks that `count` records of `each` bytes follow, before anything
    /// is allocated for them.
    fn expect_records(
        &self,
        count: u32,
        each: usize,
        id: BtfTypeId,
        what: &'static str,
    ) -> Result<(), BtfError> {
        let needed = (count as usize).checked_mul(each);
        match needed {
            Some(needed) if needed <= self.remaining() => Ok(()),
            _ => Err(BtfError::VlenTooLarge {
                type_id: id,
                what,
                vlen: count,
                available: self.remaining(),
            }),
        }
    }
}

fn le_u16(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn le_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// The string table, checked once: it starts with the empty string and ends
/// with a NUL, so every lookup inside it terminates. Split BTF (a kernel
/// module's, on top of vmlinux's) numbers its strings after its base's:
/// offsets below the base's length are the base's strings.
pub(super) struct Strings<'a> {
    base: &'a [u8],
    bytes: &'a [u8],
}

impl<'a> Strings<'a> {
    fn new(bytes: &'a [u8]) -> Result<Self, BtfError> {
        if bytes.is_empty() || bytes[0] != 0 || bytes[bytes.len() - 1] != 0 {
            return Err(BtfError::BadStringTable);
        }
        Ok(Strings { base: &[], bytes })
    }

    /// A split section's strings after `base`'s (already checked) table.
    /// The split part may be empty; otherwise it ends with a NUL.
    fn split(base: &'a [u8], bytes: &'a [u8]) -> Result<Self, BtfError> {
        if bytes.last().is_some_and(|&b| b != 0) {
            return Err(BtfError::BadStringTable);
        }
        Ok(Strings { base, bytes })
    }

    /// The string at `offset`, or `None` for offset 0 (anonymous). Names
    /// longer than [`MAX_NAME_LEN`] are refused after reading at most that
    /// many bytes, so many types naming one huge string cost linear time and
    /// memory.
    fn get(&self, offset: u32, type_id: BtfTypeId) -> Result<Option<String>, BtfError> {
        if offset == 0 {
            return Ok(None);
        }
        let start = offset as usize;
        let (table, start) = match start.checked_sub(self.base.len()) {
            Some(own) => (self.bytes, own),
            None => (self.base, start),
        };
        let rest = table.get(start..).filter(|rest| !rest.is_empty()).ok_or(
            BtfError::StringOutOfRange {
                type_id,
                offset,
                len: self.base.len() + self.bytes.len(),
            },
        )?;
        let window = &rest[..rest.len().min(MAX_NAME_LEN + 1)];
        // The table ends with NUL, so a NUL is found unless the name is long.
        let end = window
            .iter()
            .position(|&b| b == 0)
            .ok_or(BtfError::NameTooLong {
                type_id,
                offset,
                limit: MAX_NAME_LEN,
            })?;
        let text = std::str::from_utf8(&window[..end])
            .map_err(|_| BtfError::StringNotUtf8 { type_id, offset })?;
        Ok(Some(text.to_owned()))
    }

    /// A tag's value (`btf_decl_tag("...")`): free text the kernel does not
    /// limit, and nothing skel prints, so a long one is dropped, not refused.
    fn get_tag(&self, offset: u32, type_id: BtfTypeId) -> Result<Option<String>, BtfError> {
        match self.get(offset, type_id) {
            Err(BtfError::NameTooLong { .. }) => Ok(None),
            other => other,
        }
    }
}

/// Decodes a whole `.BTF` section.
pub(super) fn parse(bytes: &[u8]) -> Result<Vec<Type>, BtfError> {
    let (type_bytes, str_bytes) = sections(bytes)?;
    let strings = Strings::new(str_bytes)?;
    let mut types = vec![Type {
        name: None,
        kind: Kind::Void,
    }];
    parse_types(type_bytes, &strings, &mut types)?;
    Ok(types)
}

/// Decodes split BTF on top of `base` (the base's decoded types and its raw
/// section): returns the base's types followed by the split's, whose ids
/// continue the base's.
pub(super) fn parse_split(
    base: Vec<Type>,
    base_bytes: &[u8],
    bytes: &[u8],
) -> Result<Vec<Type>, BtfError> {
    let (_, base_strings) = sections(base_bytes)?;
    let (type_bytes, str_bytes) = sections(bytes)?;
    let strings = Strings::split(base_strings, str_bytes)?;
    let mut types = base;
    parse_types(type_bytes, &strings, &mut types)?;
    Ok(types)
}

fn parse_types(
    type_bytes: &[u8],
    strings: &Strings<'_>,
    types: &mut Vec<Type>,
) -> Result<(), BtfError> {
    let mut reader = Reader {
        bytes: type_bytes,
        pos: 0,
    };
    while reader.remaining() > 0 {
        let id = BtfTypeId(types.len() as u32);
        types.push(parse_type(&mut reader, strings, id)?);
    }
    Ok(())
}

/// The type and string sections of a checked header.
fn sections(bytes: &[u8]) -> Result<(&[u8], &[u8]), BtfError> {
    if bytes.len() < HEADER_LEN {
        return Err(BtfError::Truncated {
            what: "header",
            offset: 0,
        });
    }
    let magic = le_u16(bytes, 0);
    if magic != MAGIC {
        if magic == MAGIC.swap_bytes() {
            return Err(BtfError::BigEndian);
        }
        return Err(BtfError::BadMagic { magic });
    }
    let version = bytes[2];
    if version != 1 {
        return Err(BtfError::UnsupportedVersion { version });
    }
    let hdr_len = le_u32(bytes, 4) as usize;
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
    let body = &bytes[hdr_len..];
    let section = |off_at: usize, len_at: usize, name: &'static str| {
        let off = le_u32(bytes, off_at) as u64;
        let len = le_u32(bytes, len_at) as u64;
        let end = off + len;
        if end > body.len() as u64 {
            return Err(BtfError::BadHeader {
                field: name,
                value: end,
                len: body.len(),
            });
        }
        Ok(&body[off as usize..end as usize])
    };
    let type_bytes = section(8, 12, "type_off + type_len")?;
    let str_bytes = section(16, 20, "str_off + str_len")?;
    Ok((type_bytes, str_bytes))
}

fn parse_type(r: &mut Reader<'_>, strings: &Strings<'_>, id: BtfTypeId) -> Result<Type, BtfError> {
    if r.remaining() < TYPE_LEN {
        return Err(BtfError::Truncated {
            what: "type record",
            offset: r.pos,
        });
    }
    let name_off = r.u32()?;
    let info = r.u32()?;
    let size_or_type = r.u32()?;
    let vlen = info & 0xffff;
    let kind_code = (info >> 24) & 0x1f;
    let kind_flag = info >> 31 == 1;
    let name = if matches!(kind_code, kind::DECL_TAG | kind::TYPE_TAG) {
        strings.get_tag(name_off, id)?
    } else {
        strings.get(name_off, id)?
    };
    let target = BtfTypeId(size_or_type);

    let kind = match kind_code {
        kind::INT => {
            let data = r.u32()?;
            let encoding = (data >> 24) & 0x0f;
            Kind::Int {
                size: size_or_type,
                signed: encoding & INT_SIGNED != 0,
                is_char: encoding & INT_CHAR != 0,
                is_bool: encoding & INT_BOOL != 0,
                bit_offset: (data >> 16) & 0xff,
                bits: data & 0xff,
            }
        }
        kind::PTR => Kind::Ptr { target },
        kind::ARRAY => {
            let elem = BtfTypeId(r.u32()?);
            let index = BtfTypeId(r.u32()?);
            let len = r.u32()?;
            Kind::Array { elem, index, len }
        }
        kind::STRUCT | kind::UNION => {
            r.expect_records(vlen, 12, id, "members")?;
            let mut members = Vec::with_capacity(vlen as usize);
            for _ in 0..vlen {
                let m_name = strings.get(r.u32()?, id)?;
                let ty = BtfTypeId(r.u32()?);
                let offset = r.u32()?;
                let (bit_offset, bitfield_size) = if kind_flag {
                    (offset & 0x00ff_ffff, offset >> 24)
                } else {
                    (offset, 0)
                };
                members.push(Member {
                    name: m_name,
                    ty,
                    bit_offset,
                    bitfield_size,
                });
            }
            let composite = Composite {
                size: size_or_type,
                members,
            };
            if kind_code == kind::STRUCT {
                Kind::Struct(composite)
            } else {
                Kind::Union(composite)
            }
        }
        kind::ENUM => {
            r.expect_records(vlen, 8, id, "enumerators")?;
            let mut values = Vec::with_capacity(vlen as usize);
            for _ in 0..vlen {
                let v_name = strings.get(r.u32()?, id)?;
                let raw = r.u32()?;
                let value = if kind_flag {
                    i64::from(raw as i32)
                } else {
                    i64::from(raw)
                };
                values.push(EnumValue {
                    name: v_name.unwrap_or_default(),
                    value,
                });
            }
            Kind::Enum {
                size: size_or_type,
                signed: kind_flag,
                values,
            }
        }
        kind::ENUM64 => {
            r.expect_records(vlen, 12, id, "enumerators")?;
            let mut values = Vec::with_capacity(vlen as usize);
            for _ in 0..vlen {
                let v_name = strings.get(r.u32()?, id)?;
                let lo = u64::from(r.u32()?);
                let hi = u64::from(r.u32()?);
                values.push(EnumValue {
                    name: v_name.unwrap_or_default(),
                    value: ((hi << 32) | lo) as i64,
                });
            }
            Kind::Enum {
                size: size_or_type,
                signed: kind_flag,
                values,
            }
        }
        kind::FWD => Kind::Fwd { union: kind_flag },
        kind::TYPEDEF => Kind::Typedef { target },
        kind::VOLATILE => Kind::Volatile { target },
        kind::CONST => Kind::Const { target },
        kind::RESTRICT => Kind::Restrict { target },
        kind::TYPE_TAG => Kind::TypeTag { target },
        kind::FUNC => Kind::Func {
            proto: target,
            linkage: Linkage::from_raw(vlen),
        },
        kind::FUNC_PROTO => {
            r.expect_records(vlen, 8, id, "parameters")?;
            let mut params = Vec::with_capacity(vlen as usize);
            for _ in 0..vlen {
                let p_name = strings.get(r.u32()?, id)?;
                let ty = BtfTypeId(r.u32()?);
                params.push(Param { name: p_name, ty });
            }
            Kind::FuncProto {
                ret: target,
                params,
            }
        }
        kind::VAR => {
            let linkage = r.u32()?;
            Kind::Var {
                ty: target,
                linkage: Linkage::from_raw(linkage),
            }
        }
        kind::DATASEC => {
            r.expect_records(vlen, 12, id, "variables")?;
            let mut vars = Vec::with_capacity(vlen as usize);
            for _ in 0..vlen {
                let ty = BtfTypeId(r.u32()?);
                let offset = r.u32()?;
                let size = r.u32()?;
                vars.push(DatasecVar { ty, offset, size });
            }
            Kind::Datasec {
                size: size_or_type,
                vars,
            }
        }
        kind::FLOAT => Kind::Float { size: size_or_type },
        kind::DECL_TAG => {
            let component_idx = r.u32()? as i32;
            Kind::DeclTag {
                target,
                component_idx,
            }
        }
        other => {
            return Err(BtfError::UnknownKind {
                type_id: id,
                kind: other,
            });
        }
    };
    Ok(Type { name, kind })
}
