//! [`Btf`]: a checked blob, the base it is split from, and the questions
//! asked of its types (names, sizes, alignments, chains of modifiers),
//! every walk bounded.

use std::fmt;
use std::sync::Arc;

use crate::layout::{self, Alignment, MemberAlign};
use crate::types::{BtfTypeId, Kind, Type};
use crate::wire::{self, Endian, Strings};
use crate::{BtfError, MAX_NAME_LEN, MAX_RESOLVE_DEPTH};

/// A checked BTF blob: raw BTF (`/sys/kernel/btf/vmlinux`) or the contents
/// of an ELF file's `.BTF` section, in either byte order, and for split BTF
/// (a kernel module's) the base it continues.
///
/// [`Btf::parse`] checks everything once (see the crate docs); the types are
/// then read in place through [`Btf::get`]. Ids of split BTF continue its
/// base's, and lookups of base ids go to the base.
#[derive(Clone)]
pub struct Btf {
    /// The blob: header and types, and the string table unless `strings`
    /// holds it as text.
    data: Vec<u8>,
    pub(crate) endian: Endian,
    strings: Store,
    /// Every string of the own table is a valid name (see `wire::Strings`).
    strings_good: bool,
    /// Byte offset in `data` of each own record, in id order, then the end
    /// of the last.
    offsets: Vec<u32>,
    /// The id of the first own type: 1, or the base's count for split BTF.
    first_id: u32,
    /// The length of the base's string table(s): own offsets start there.
    str_start: u32,
    base: Option<Arc<Btf>>,
    pointer_size: u8,
}

/// Where the own string table is.
#[derive(Clone)]
enum Store {
    /// In `data`.
    Bytes(std::ops::Range<usize>),
    /// Moved out of `data`, as text: a table that is UTF-8 throughout
    /// (every table clang or pahole writes), so that names need no UTF-8
    /// check each time they are read.
    Text(Box<str>),
}

impl fmt::Debug for Btf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Btf")
            .field("types", &self.len())
            .field("first_id", &self.first_id)
            .field("bytes", &self.data.len())
            .field("split", &self.base.is_some())
            .finish_non_exhaustive()
    }
}

impl Btf {
    /// Reads and checks a BTF blob (base BTF: ids from 1). Takes the bytes
    /// by value (a `Vec<u8>`, or a slice, which is copied) and keeps them.
    pub fn parse(bytes: impl Into<Vec<u8>>) -> Result<Btf, BtfError> {
        Btf::parse_on(bytes.into(), None)
    }

    /// As [`parse`](Self::parse), for readers of little-endian BTF only:
    /// big-endian BTF is refused with [`BtfError::BigEndian`] (the `.BTF`
    /// of a BPF object built for `bpfeb`).
    pub fn parse_little_endian(bytes: impl Into<Vec<u8>>) -> Result<Btf, BtfError> {
        let bytes = bytes.into();
        if bytes.len() >= 2 && u16::from_be_bytes([bytes[0], bytes[1]]) == wire::MAGIC {
            return Err(BtfError::BigEndian);
        }
        Btf::parse(bytes)
    }

    /// Reads and checks split BTF (a kernel module's) on top of `base`:
    /// its ids continue the base's, its string offsets the base's table.
    /// The base is base BTF (vmlinux): split BTF on split BTF is refused
    /// as soon as it names a string of the base's base.
    pub fn parse_split(base: Arc<Btf>, bytes: impl Into<Vec<u8>>) -> Result<Btf, BtfError> {
        Btf::parse_on(bytes.into(), Some(base))
    }

    fn parse_on(mut data: Vec<u8>, base: Option<Arc<Btf>>) -> Result<Btf, BtfError> {
        let layout = wire::header(&data)?;
        let own_strings = &data[layout.strings.clone()];
        Strings::check(own_strings, base.is_some())?;
        let strings_good = Strings::all_good(own_strings);
        // A text table at the end of the blob (where the kernel and libbpf
        // put it) moves out of `data`: the bytes are not copied twice at
        // once for long, and names are then read without UTF-8 checks.
        let store = if layout.strings.end == data.len()
            && layout.strings.start >= layout.types.end
            && std::str::from_utf8(own_strings).is_ok()
        {
            let tail = data.split_off(layout.strings.start);
            data.shrink_to_fit();
            match String::from_utf8(tail) {
                Ok(text) => Store::Text(text.into_boxed_str()),
                // Checked just above.
                Err(_) => Store::Text(Box::default()),
            }
        } else {
            Store::Bytes(layout.strings.clone())
        };
        let own_strings = match &store {
            Store::Text(text) => text.as_bytes(),
            Store::Bytes(range) => &data[range.clone()],
        };
        let (first_id, str_start) = match &base {
            Some(b) => (b.end_id(), b.strings_len()),
            None => (1, 0),
        };
        let base_strings = base.as_deref().map(Btf::strings_table);
        let strings = Strings {
            base: base_strings.as_ref(),
            bytes: own_strings,
            start: str_start,
            all_good: strings_good,
        };
        let scanned = wire::scan(
            &data,
            layout.endian,
            layout.types.clone(),
            &strings,
            first_id,
        )?;
        let pointer_size = match (&base, scanned.long_size) {
            (Some(b), _) => b.pointer_size,
            (None, Some(size)) => size,
            (None, None) => layout::POINTER_SIZE as u8,
        };
        Ok(Btf {
            strings: store,
            strings_good,
            endian: layout.endian,
            offsets: scanned.offsets,
            first_id,
            str_start,
            base,
            pointer_size,
            data,
        })
    }

    /// A table of `void` alone: the BTF of an object without `.BTF`.
    pub fn empty() -> Btf {
        Btf {
            data: vec![],
            endian: Endian { big: false },
            strings: Store::Bytes(0..0),
            strings_good: true,
            offsets: vec![0],
            first_id: 1,
            str_start: 0,
            base: None,
            pointer_size: layout::POINTER_SIZE as u8,
        }
    }

    /// Whether the blob is big-endian (the host's order or not, it reads
    /// the same).
    pub fn is_big_endian(&self) -> bool {
        self.endian.big
    }

    /// The base this split BTF continues, if it is split BTF.
    pub fn base(&self) -> Option<&Arc<Btf>> {
        self.base.as_ref()
    }

    /// The id of the first type this blob defines: 1 for base BTF, the
    /// base's [`len`](Self::len) for split BTF.
    pub fn first_id(&self) -> BtfTypeId {
        BtfTypeId(self.first_id)
    }

    /// The size of a pointer in bytes, as libbpf guesses it: the size of C's
    /// `long` in this BTF (or its base's), 8 without one.
    pub fn pointer_size(&self) -> u64 {
        u64::from(self.pointer_size)
    }

    fn end_id(&self) -> u32 {
        self.first_id + (self.offsets.len() - 1) as u32
    }

    fn own_strings(&self) -> &[u8] {
        match &self.strings {
            Store::Text(text) => text.as_bytes(),
            Store::Bytes(range) => self.data.get(range.clone()).unwrap_or(&[]),
        }
    }

    fn strings_len(&self) -> u32 {
        self.str_start + self.own_strings().len() as u32
    }

    fn strings_table(&self) -> Strings<'_> {
        Strings {
            base: None,
            bytes: self.own_strings(),
            start: self.str_start,
            all_good: self.strings_good,
        }
    }

    /// The name at string offset `offset`: `None` for 0 and (tag values
    /// only, as the scan let them through) for a string too long.
    pub(crate) fn name_at(&self, offset: u32) -> Option<&str> {
        if offset == 0 {
            return None;
        }
        let Some(own) = offset.checked_sub(self.str_start) else {
            return self.base.as_deref()?.name_at(offset);
        };
        match &self.strings {
            Store::Text(text) => {
                // A name starts on a char boundary and ends at a NUL (an
                // ASCII byte, so a boundary too), within MAX_NAME_LEN.
                let rest = text.get(own as usize..)?;
                let window = &rest.as_bytes()[..rest.len().min(MAX_NAME_LEN + 1)];
                let end = window.iter().position(|&b| b == 0)?;
                rest.get(..end)
            }
            Store::Bytes(_) => self.strings_table().get(offset).ok(),
        }
    }

    /// How many types the table holds, `void` (id 0) and a split blob's
    /// base included: ids are `0..len()`.
    pub fn len(&self) -> usize {
        self.end_id() as usize
    }

    /// Whether the table holds nothing but `void`.
    pub fn is_empty(&self) -> bool {
        self.len() <= 1
    }

    /// The type with this id. An id out of range (none that this table
    /// hands out) reads as `void`.
    #[inline]
    pub fn get(&self, id: BtfTypeId) -> Type<'_> {
        if id.0 < self.first_id {
            return match &self.base {
                Some(base) if id.0 != 0 => base.get(id),
                _ => Type::void(self),
            };
        }
        let index = (id.0 - self.first_id) as usize;
        let (Some(&at), Some(&end)) = (self.offsets.get(index), self.offsets.get(index + 1)) else {
            return Type::void(self);
        };
        Type {
            part: self,
            rec: self.data.get(at as usize..end as usize).unwrap_or(&[]),
            id,
        }
    }

    /// Every type, `void` first, in id order (a split blob's base's first).
    pub fn iter(&self) -> impl Iterator<Item = Type<'_>> + '_ {
        (0..self.end_id()).map(move |id| self.get(BtfTypeId(id)))
    }

    /// The types this blob defines (a split blob's own, without its base's
    /// or `void`), in id order.
    pub fn own_types(&self) -> impl Iterator<Item = Type<'_>> + '_ {
        (self.first_id..self.end_id()).map(move |id| self.get(BtfTypeId(id)))
    }

    /// The name of a type, `""` for anonymous ones.
    pub fn name(&self, id: BtfTypeId) -> &str {
        self.get(id).name().unwrap_or("")
    }

    /// The first type of this name whose kind `pred` accepts (a linear
    /// search: build an index for many lookups).
    pub fn find(&self, name: &str, pred: impl Fn(&Kind<'_>) -> bool) -> Option<BtfTypeId> {
        self.iter()
            .find(|t| t.name() == Some(name) && pred(&t.kind()))
            .map(|t| t.id())
    }

    /// Skips typedefs and const/volatile/restrict/type-tag modifiers.
    pub fn skip_modifiers(&self, id: BtfTypeId) -> Result<BtfTypeId, BtfError> {
        let mut cur = id;
        for _ in 0..=MAX_RESOLVE_DEPTH {
            match self.get(cur).kind().modifier_target() {
                Some(next) => cur = next,
                None => return Ok(cur),
            }
        }
        Err(BtfError::ChainTooLong { type_id: id })
    }

    /// Skips const/volatile/restrict/type-tag, keeping typedefs.
    pub fn skip_qualifiers(&self, id: BtfTypeId) -> Result<BtfTypeId, BtfError> {
        let mut cur = id;
        for _ in 0..=MAX_RESOLVE_DEPTH {
            match self.get(cur).kind().qualifier_target() {
                Some(next) => cur = next,
                None => return Ok(cur),
            }
        }
        Err(BtfError::ChainTooLong { type_id: id })
    }

    /// The size of a type in bytes, as libbpf's `btf__resolve_size` computes
    /// it (pointers are [`pointer_size`](Self::pointer_size) bytes).
    pub fn size_of(&self, id: BtfTypeId) -> Result<u64, BtfError> {
        self.size_of_depth(id, 0)
    }

    fn size_of_depth(&self, id: BtfTypeId, depth: usize) -> Result<u64, BtfError> {
        if depth > MAX_RESOLVE_DEPTH {
            return Err(BtfError::ChainTooLong { type_id: id });
        }
        let kind = self.get(id).kind();
        let size = match kind {
            Kind::Int { size, .. }
            | Kind::Enum { size, .. }
            | Kind::Float { size }
            | Kind::Datasec { size, .. } => u64::from(size),
            Kind::Struct(c) | Kind::Union(c) => u64::from(c.size),
            Kind::Ptr { .. } => self.pointer_size(),
            Kind::Array { elem, len, .. } => {
                let elem_size = self.size_of_depth(elem, depth + 1)?;
                elem_size
                    .checked_mul(u64::from(len))
                    .filter(|s| *s <= u64::from(u32::MAX))
                    .ok_or(BtfError::TooLarge { type_id: id })?
            }
            Kind::Typedef { target }
            | Kind::Volatile { target }
            | Kind::Const { target }
            | Kind::Restrict { target }
            | Kind::TypeTag { target } => self.size_of_depth(target, depth + 1)?,
            Kind::Var { ty, .. } => self.size_of_depth(ty, depth + 1)?,
            Kind::Void
            | Kind::Fwd { .. }
            | Kind::Func { .. }
            | Kind::FuncProto { .. }
            | Kind::DeclTag { .. } => {
                return Err(BtfError::NoSize {
                    type_id: id,
                    kind: kind.name(),
                });
            }
        };
        Ok(size)
    }

    /// The alignment of a type in bytes, as libbpf's `btf__align_of`
    /// derives it with the rules of [`layout`](crate::layout): scalars by
    /// [`layout::scalar_align`], pointers by their size, a struct or union
    /// by [`Alignment`] (1 when packed).
    pub fn align_of(&self, id: BtfTypeId) -> Result<u64, BtfError> {
        self.align_of_depth(id, 0)
    }

    fn align_of_depth(&self, id: BtfTypeId, depth: usize) -> Result<u64, BtfError> {
        if depth > MAX_RESOLVE_DEPTH {
            return Err(BtfError::ChainTooLong { type_id: id });
        }
        let kind = self.get(id).kind();
        match kind {
            Kind::Int { size, .. } | Kind::Enum { size, .. } | Kind::Float { size } => {
                Ok(layout::scalar_align(u64::from(size)))
            }
            Kind::Ptr { .. } => Ok(self.pointer_size()),
            Kind::Array { elem, .. } => self.align_of_depth(elem, depth + 1),
            Kind::Struct(c) | Kind::Union(c) => {
                let mut members = Vec::with_capacity(c.members.len());
                for m in c.members {
                    members.push(MemberAlign {
                        bit_offset: u64::from(m.bit_offset),
                        align: self.align_of_depth(m.ty, depth + 1)?,
                        bitfield: m.bitfield_size != 0,
                    });
                }
                Ok(Alignment::of_members(members).align(u64::from(c.size)))
            }
            Kind::Typedef { target }
            | Kind::Volatile { target }
            | Kind::Const { target }
            | Kind::Restrict { target }
            | Kind::TypeTag { target } => self.align_of_depth(target, depth + 1),
            Kind::Var { ty, .. } => self.align_of_depth(ty, depth + 1),
            Kind::Void
            | Kind::Fwd { .. }
            | Kind::Func { .. }
            | Kind::FuncProto { .. }
            | Kind::Datasec { .. }
            | Kind::DeclTag { .. } => Err(BtfError::NoSize {
                type_id: id,
                kind: kind.name(),
            }),
        }
    }

    /// Whether `id` is (after typedefs and modifiers) a pointer to a
    /// function (a prototype, after typedefs and modifiers).
    pub fn is_func_pointer(&self, id: BtfTypeId) -> Result<bool, BtfError> {
        let id = self.skip_modifiers(id)?;
        if let Kind::Ptr { target } = self.get(id).kind() {
            let target = self.skip_modifiers(target)?;
            return Ok(matches!(self.get(target).kind(), Kind::FuncProto { .. }));
        }
        Ok(false)
    }

    /// A C spelling of a type, as an abstract declarator, for documentation
    /// and messages (`const unsigned int`, `struct foo *`, `char[16]`,
    /// `int (* const)(struct sock *, int)`); see [`crate::c`]. Bounded: past
    /// [`MAX_SPELLING_STEPS`](crate::c::MAX_SPELLING_STEPS) types the rest
    /// is spelled `...`.
    pub fn c_spelling(&self, id: BtfTypeId) -> String {
        crate::c::spelling(self, id)
    }
}
