//! [`BtfWriter`]: BTF written type by type, for tests: the inverse of the
//! reader's wire layer, with the same numbers.

use crate::wire::{self, INT_BOOL, INT_CHAR, INT_SIGNED};
use crate::{Btf, BtfTypeId};

/// `struct btf_type` kind numbers, for [`BtfWriter::raw`] (from
/// include/uapi/linux/btf.h, as the reader decodes them).
pub mod kind {
    pub use crate::wire::kind::*;
}

/// Writes BTF (raw, or the contents of a `.BTF` section): types in the
/// order they are added (ids from 1, handed out as they are written),
/// strings appended as they come, little-endian.
///
/// Nothing is checked: a type may refer to an id not written yet, or to
/// one that never will be; writing broken BTF is half the point.
///
/// ```
/// let mut w = skel_btf::BtfWriter::new();
/// let int = w.int("int", 4, true);
/// let s = w.struct_("pair", 8, &[("a", int, 0, 0), ("b", int, 32, 0)]);
/// let btf = w.finish();
/// assert_eq!(btf.c_spelling(s), "struct pair");
/// assert_eq!(btf.size_of(s).unwrap(), 8);
/// ```
#[derive(Clone, Debug)]
pub struct BtfWriter {
    types: Vec<u8>,
    strings: Vec<u8>,
    count: u32,
    /// For split BTF: the id before the first type, and the base's string
    /// table length (0 and 0 otherwise).
    first_id: u32,
    str_base: u32,
}

impl Default for BtfWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl BtfWriter {
    /// An empty writer of base BTF.
    pub fn new() -> Self {
        BtfWriter {
            types: vec![],
            strings: vec![0],
            count: 0,
            first_id: 0,
            str_base: 0,
        }
    }

    /// A writer of split BTF (a module's) on top of what `base` wrote: its
    /// ids and string offsets continue the base's.
    pub fn split_of(base: &BtfWriter) -> Self {
        BtfWriter {
            types: vec![],
            strings: vec![],
            count: 0,
            first_id: base.first_id + base.count,
            str_base: base.str_base + base.strings.len() as u32,
        }
    }

    /// Appends a string and returns its offset; `""` is offset 0.
    pub fn string(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        let off = self.str_base + self.strings.len() as u32;
        self.strings.extend_from_slice(s.as_bytes());
        self.strings.push(0);
        off
    }

    /// Appends one record as raw words: `name_off`, `info` (from `kind`,
    /// `kind_flag`, `vlen`), `size_or_type`, then `extra`. Returns its id.
    pub fn raw(
        &mut self,
        name_off: u32,
        kind: u32,
        kind_flag: bool,
        vlen: u32,
        size_or_type: u32,
        extra: &[u32],
    ) -> BtfTypeId {
        let info = (u32::from(kind_flag) << 31) | (kind << 24) | (vlen & 0xffff);
        for w in [name_off, info, size_or_type].iter().chain(extra) {
            self.types.extend_from_slice(&w.to_le_bytes());
        }
        self.count += 1;
        BtfTypeId(self.first_id + self.count)
    }

    /// A record with a name, as [`BtfWriter::raw`] takes one.
    pub fn named(
        &mut self,
        name: &str,
        kind: u32,
        kind_flag: bool,
        vlen: u32,
        size_or_type: u32,
        extra: &[u32],
    ) -> BtfTypeId {
        let name_off = self.string(name);
        self.raw(name_off, kind, kind_flag, vlen, size_or_type, extra)
    }

    fn int_encoded(&mut self, name: &str, size: u32, encoding: u32, bits: u32) -> BtfTypeId {
        self.named(name, kind::INT, false, 0, size, &[(encoding << 24) | bits])
    }

    /// An integer of `size` bytes using all its bits.
    pub fn int(&mut self, name: &str, size: u32, signed: bool) -> BtfTypeId {
        let encoding = if signed { INT_SIGNED } else { 0 };
        self.int_encoded(name, size, encoding, size * 8)
    }

    /// An unsigned integer of `bits` bits at `bit_offset` of its `size`
    /// bytes (how bitfields are described without `kind_flag`).
    pub fn int_bits(&mut self, name: &str, size: u32, bit_offset: u32, bits: u32) -> BtfTypeId {
        self.named(
            name,
            kind::INT,
            false,
            0,
            size,
            &[(bit_offset << 16) | bits],
        )
    }

    /// C `char`.
    pub fn char_(&mut self) -> BtfTypeId {
        self.int_encoded("char", 1, INT_CHAR | INT_SIGNED, 8)
    }

    /// C `_Bool`.
    pub fn bool_(&mut self) -> BtfTypeId {
        self.int_encoded("_Bool", 1, INT_BOOL, 8)
    }

    /// A float of `size` bytes.
    pub fn float(&mut self, name: &str, size: u32) -> BtfTypeId {
        self.named(name, kind::FLOAT, false, 0, size, &[])
    }

    /// A pointer to `target`.
    pub fn ptr(&mut self, target: BtfTypeId) -> BtfTypeId {
        self.named("", kind::PTR, false, 0, target.0, &[])
    }

    /// A typedef of `target`.
    pub fn typedef(&mut self, name: &str, target: BtfTypeId) -> BtfTypeId {
        self.named(name, kind::TYPEDEF, false, 0, target.0, &[])
    }

    /// `const` `target`.
    pub fn const_(&mut self, target: BtfTypeId) -> BtfTypeId {
        self.named("", kind::CONST, false, 0, target.0, &[])
    }

    /// `volatile` `target`.
    pub fn volatile(&mut self, target: BtfTypeId) -> BtfTypeId {
        self.named("", kind::VOLATILE, false, 0, target.0, &[])
    }

    /// An array of `len` `elem`s, indexed by `index`.
    pub fn array(&mut self, elem: BtfTypeId, index: BtfTypeId, len: u32) -> BtfTypeId {
        self.named("", kind::ARRAY, false, 0, 0, &[elem.0, index.0, len])
    }

    /// `restrict` `target`.
    pub fn restrict(&mut self, target: BtfTypeId) -> BtfTypeId {
        self.named("", kind::RESTRICT, false, 0, target.0, &[])
    }

    /// `__attribute__((btf_type_tag(tag)))` on `target`.
    pub fn type_tag(&mut self, tag: &str, target: BtfTypeId) -> BtfTypeId {
        self.named(tag, kind::TYPE_TAG, false, 0, target.0, &[])
    }

    /// `__attribute__((btf_decl_tag(tag)))` on `target`, or on its member
    /// or parameter `component` (-1: the whole).
    pub fn decl_tag(&mut self, tag: &str, target: BtfTypeId, component: i32) -> BtfTypeId {
        self.named(tag, kind::DECL_TAG, false, 0, target.0, &[component as u32])
    }

    /// A forward declaration: `struct name;` (or `union name;`).
    pub fn fwd(&mut self, name: &str, union: bool) -> BtfTypeId {
        self.named(name, kind::FWD, union, 0, 0, &[])
    }

    /// A function prototype with unnamed parameters (a last parameter of
    /// type 0 makes it variadic).
    pub fn func_proto(&mut self, ret: BtfTypeId, params: &[BtfTypeId]) -> BtfTypeId {
        let extra: Vec<u32> = params.iter().flat_map(|p| [0, p.0]).collect();
        self.named(
            "",
            kind::FUNC_PROTO,
            false,
            params.len() as u32,
            ret.0,
            &extra,
        )
    }

    /// A global function (linkage 1).
    pub fn func(&mut self, name: &str, proto: BtfTypeId) -> BtfTypeId {
        self.named(name, kind::FUNC, false, 1, proto.0, &[])
    }

    /// A struct (or union) with `(name, type, bit_offset, bitfield_size)`
    /// members; `kind_flag` is set when any bitfield size is non-zero.
    pub fn composite(
        &mut self,
        union: bool,
        name: &str,
        size: u32,
        members: &[(&str, BtfTypeId, u32, u32)],
    ) -> BtfTypeId {
        let kind_flag = members.iter().any(|m| m.3 != 0);
        let mut extra = Vec::with_capacity(members.len() * 3);
        for &(m_name, ty, bit_offset, bits) in members {
            let m_name = self.string(m_name);
            let offset = if kind_flag {
                (bits << 24) | bit_offset
            } else {
                bit_offset
            };
            extra.extend([m_name, ty.0, offset]);
        }
        let kind = if union { kind::UNION } else { kind::STRUCT };
        self.named(name, kind, kind_flag, members.len() as u32, size, &extra)
    }

    /// A struct; see [`BtfWriter::composite`] for `members`.
    pub fn struct_(
        &mut self,
        name: &str,
        size: u32,
        members: &[(&str, BtfTypeId, u32, u32)],
    ) -> BtfTypeId {
        self.composite(false, name, size, members)
    }

    /// A union; see [`BtfWriter::composite`] for `members`.
    pub fn union_(
        &mut self,
        name: &str,
        size: u32,
        members: &[(&str, BtfTypeId, u32, u32)],
    ) -> BtfTypeId {
        self.composite(true, name, size, members)
    }

    /// An enum of `size` bytes (ENUM64 when `size` is 8).
    pub fn enum_(
        &mut self,
        name: &str,
        size: u32,
        signed: bool,
        values: &[(&str, i64)],
    ) -> BtfTypeId {
        let mut extra = vec![];
        for &(n, v) in values {
            let n = self.string(n);
            if size == 8 {
                extra.extend([n, v as u64 as u32, ((v as u64) >> 32) as u32]);
            } else {
                extra.extend([n, v as u32]);
            }
        }
        let kind = if size == 8 { kind::ENUM64 } else { kind::ENUM };
        self.named(name, kind, signed, values.len() as u32, size, &extra)
    }

    /// A global variable (linkage 1).
    pub fn var(&mut self, name: &str, ty: BtfTypeId) -> BtfTypeId {
        self.named(name, kind::VAR, false, 0, ty.0, &[1])
    }

    /// A DATASEC with `(var, offset, size)` entries. clang writes size and
    /// offsets 0; libbpf fixes them up from the ELF.
    pub fn datasec(&mut self, name: &str, size: u32, vars: &[(BtfTypeId, u32, u32)]) -> BtfTypeId {
        let extra: Vec<u32> = vars.iter().flat_map(|&(v, o, s)| [v.0, o, s]).collect();
        self.named(name, kind::DATASEC, false, vars.len() as u32, size, &extra)
    }

    /// The bytes: header, types, strings.
    pub fn bytes(&self) -> Vec<u8> {
        let header_len = wire::HEADER_LEN as u32;
        let mut out = vec![];
        out.extend_from_slice(&wire::MAGIC.to_le_bytes());
        out.extend_from_slice(&[1, 0]); // version, flags
        for w in [
            header_len,
            0, // type_off
            self.types.len() as u32,
            self.types.len() as u32, // str_off
            self.strings.len() as u32,
        ] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&self.types);
        out.extend_from_slice(&self.strings);
        out
    }

    /// The bytes read back through the real parser (base BTF only: split
    /// BTF needs its base, see [`Btf::parse_split`]).
    ///
    /// # Panics
    ///
    /// If it does not parse: for tests of well-formed BTF.
    pub fn finish(&self) -> Btf {
        Btf::parse(self.bytes()).expect("test BTF parses")
    }
}
