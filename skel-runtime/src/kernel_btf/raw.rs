//! The BTF wire format of the kernel's BTF files, read without `unsafe`:
//! a header, type records, a string section. Module BTF is *split* BTF: its
//! type ids continue after the base's, and string offsets past the base's
//! string section point into its own.
//!
//! Every count and offset is checked against the bytes present; the walks
//! over type chains are bounded. Nothing here panics on any input.

use std::ops::Range;

/// `BTF_MAGIC`, as a native-endian u16.
const MAGIC: u16 = 0xeb9f;
/// How many typedef/modifier/array links a walk follows.
pub(super) const MAX_CHAIN: usize = 32;

/// BTF kinds (`BTF_KIND_*`).
pub(super) mod kind {
    pub const INT: u8 = 1;
    pub const PTR: u8 = 2;
    pub const ARRAY: u8 = 3;
    pub const STRUCT: u8 = 4;
    pub const UNION: u8 = 5;
    pub const ENUM: u8 = 6;
    pub const FWD: u8 = 7;
    pub const TYPEDEF: u8 = 8;
    pub const VOLATILE: u8 = 9;
    pub const CONST: u8 = 10;
    pub const RESTRICT: u8 = 11;
    pub const FUNC: u8 = 12;
    pub const FUNC_PROTO: u8 = 13;
    pub const VAR: u8 = 14;
    pub const DATASEC: u8 = 15;
    pub const FLOAT: u8 = 16;
    pub const DECL_TAG: u8 = 17;
    pub const TYPE_TAG: u8 = 18;
    pub const ENUM64: u8 = 19;
}

/// One BTF blob: its bytes and where each of its own types starts.
pub(super) struct Raw {
    data: Vec<u8>,
    strs: Range<usize>,
    /// Byte offset (in `data`) of each own type, in id order.
    offsets: Vec<u32>,
    /// Id of the first own type: 1 for base BTF, after the base's for split.
    pub first_id: u32,
    /// String offsets below this are the base's.
    pub str_base: u32,
}

/// One type record.
#[derive(Clone, Copy)]
pub(super) struct Ty<'a> {
    pub kind: u8,
    pub name_off: u32,
    pub vlen: u16,
    pub kflag: bool,
    /// `size` or `type`, by kind.
    pub size_or_type: u32,
    /// The kind-specific data after the 12-byte record.
    pub extra: &'a [u8],
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The bytes after a record of `kind` with `vlen` entries.
fn extra_len(kind: u8, vlen: usize) -> Option<usize> {
    use kind::*;
    Some(match kind {
        INT | VAR | DECL_TAG => 4,
        ARRAY => 12,
        STRUCT | UNION | DATASEC | ENUM64 => 12 * vlen,
        ENUM | FUNC_PROTO => 8 * vlen,
        PTR | FWD | TYPEDEF | VOLATILE | CONST | RESTRICT | FUNC | FLOAT | TYPE_TAG => 0,
        _ => return None,
    })
}

impl Raw {
    /// Parses `data`. For split BTF, `base` gives the base's type count
    /// (ids `1..=count`) and string section length.
    pub fn parse(data: Vec<u8>, base: Option<(u32, u32)>) -> Result<Raw, String> {
        let magic = data
            .get(0..2)
            .map(|m| u16::from_ne_bytes([m[0], m[1]]))
            .ok_or("shorter than a BTF header")?;
        if magic != MAGIC {
            return Err(if magic == MAGIC.swap_bytes() {
                "BTF of the other byte order".to_owned()
            } else {
                format!("no BTF magic (found {magic:#06x})")
            });
        }
        let hdr_len = u32_at(&data, 4).ok_or("truncated BTF header")? as usize;
        let field = |at: usize| u32_at(&data, at).map(|v| v as usize);
        let (Some(type_off), Some(type_len), Some(str_off), Some(str_len)) =
            (field(8), field(12), field(16), field(20))
        else {
            return Err("truncated BTF header".to_owned());
        };
        let section = |off: usize, len: usize, what: &str| {
            let start = hdr_len.checked_add(off);
            let end = start.and_then(|s| s.checked_add(len));
            match (start, end) {
                (Some(s), Some(e)) if hdr_len >= 24 && e <= data.len() => Ok(s..e),
                _ => Err(format!(
                    "{what} section ({len} bytes at {off} after a {hdr_len}-byte header) \
                     runs past the {} bytes of the BTF",
                    data.len()
                )),
            }
        };
        let types = section(type_off, type_len, "type")?;
        let strs = section(str_off, str_len, "string")?;
        let (first_id, str_base) = match base {
            Some((count, str_len)) => (count.saturating_add(1), str_len),
            None => (1, 0),
        };
        let mut offsets = vec![];
        let mut at = types.start;
        while at < types.end {
            let info = u32_at(&data, at + 4).filter(|_| at + 12 <= types.end);
            let info = info.ok_or_else(|| format!("type record at {at} is cut off"))?;
            let kind = ((info >> 24) & 0x1f) as u8;
            let vlen = (info & 0xffff) as usize;
            let extra = extra_len(kind, vlen).ok_or_else(|| {
                format!(
                    "type {} has unknown kind {kind}",
                    first_id as usize + offsets.len()
                )
            })?;
            let next = at + 12 + extra;
            if next > types.end {
                return Err(format!(
                    "type {} runs past the type section",
                    first_id as usize + offsets.len()
                ));
            }
            offsets.push(u32::try_from(at).map_err(|_| "BTF larger than 4 GiB")?);
            at = next;
        }
        if first_id as usize + offsets.len() > u32::MAX as usize {
            return Err("too many types".to_owned());
        }
        Ok(Raw {
            data,
            strs,
            offsets,
            first_id,
            str_base,
        })
    }

    /// Own types and the first id after them.
    pub fn end_id(&self) -> u32 {
        self.first_id + self.offsets.len() as u32
    }

    pub fn str_len(&self) -> u32 {
        (self.strs.end - self.strs.start) as u32
    }

    /// The own type `id`, if it is one.
    pub fn ty(&self, id: u32) -> Option<Ty<'_>> {
        let index = id.checked_sub(self.first_id)? as usize;
        let at = *self.offsets.get(index)? as usize;
        let info = u32_at(&self.data, at + 4)?;
        let kind = ((info >> 24) & 0x1f) as u8;
        let vlen = (info & 0xffff) as u16;
        let len = extra_len(kind, vlen.into())?;
        Some(Ty {
            kind,
            name_off: u32_at(&self.data, at)?,
            vlen,
            kflag: info >> 31 == 1,
            size_or_type: u32_at(&self.data, at + 8)?,
            extra: self.data.get(at + 12..at + 12 + len)?,
        })
    }

    /// The string at `off` of this blob's own section (`off` already made
    /// relative to it); `None` outside it or without a NUL.
    pub fn own_str(&self, off: u32) -> Option<&str> {
        let bytes = self.data.get(self.strs.clone())?;
        let rest = bytes.get(off as usize..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        std::str::from_utf8(&rest[..end]).ok()
    }

    /// The type ids of every own type, with the record.
    pub fn iter(&self) -> impl Iterator<Item = (u32, Ty<'_>)> + '_ {
        (self.first_id..self.end_id()).filter_map(|id| Some((id, self.ty(id)?)))
    }

    /// The whole blob, as parsed.
    #[cfg(test)]
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }
}

impl Ty<'_> {
    /// Entry `i` of the `vlen` entries of `width` bytes after the record,
    /// as u32 words.
    pub fn words(&self, i: usize, width: usize) -> Option<[u32; 3]> {
        let at = i.checked_mul(width)?;
        let w = |k: usize| {
            if k * 4 < width {
                u32_at(self.extra, at + k * 4)
            } else {
                Some(0)
            }
        };
        Some([w(0)?, w(1)?, w(2)?])
    }
}
