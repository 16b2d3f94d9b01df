//! The typed view: [`Type`] and its [`Kind`], read in place from a scanned
//! blob. Nothing here allocates, and nothing fails: the scan has checked
//! every record, name and type id these accessors read.

use std::fmt;

use crate::Btf;
use crate::wire::{self, INT_BOOL, INT_CHAR, INT_SIGNED, Info, kind};

/// A BTF type id: an index into the type table, 0 being `void`. Split BTF
/// continues its base's ids.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BtfTypeId(pub u32);

impl BtfTypeId {
    /// `void`, the type every table has.
    pub const VOID: BtfTypeId = BtfTypeId(0);
}

impl fmt::Display for BtfTypeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.0)
    }
}

/// One type of a [`Btf`]: a view of its record, as cheap to copy as a
/// reference.
#[derive(Clone, Copy)]
pub struct Type<'a> {
    /// The part (base or split) holding the record.
    pub(crate) part: &'a Btf,
    /// The record: 12 bytes, then the kind's data. Empty for `void`.
    pub(crate) rec: &'a [u8],
    pub(crate) id: BtfTypeId,
}

impl<'a> Type<'a> {
    /// `void` (of a table: the names of nothing).
    pub(crate) fn void(part: &'a Btf) -> Self {
        Type {
            part,
            rec: &[],
            id: BtfTypeId::VOID,
        }
    }

    #[inline]
    fn word(&self, at: usize) -> u32 {
        self.part.endian.u32(self.rec, at)
    }

    #[inline]
    fn info(&self) -> Info {
        Info::new(self.word(4))
    }

    /// The type's id.
    pub fn id(&self) -> BtfTypeId {
        self.id
    }

    /// Its name; `None` for anonymous types (and for `void`). For a
    /// `btf_type_tag` or `btf_decl_tag`, the tag's value: `None` when
    /// longer than [`MAX_NAME_LEN`](crate::MAX_NAME_LEN) bytes.
    pub fn name(&self) -> Option<&'a str> {
        self.part.name_at(self.word(0))
    }

    /// The name of its kind, as bpftool and libbpf write it (`"struct"`,
    /// `"func_proto"`, ...).
    pub fn kind_name(&self) -> &'static str {
        self.kind().name()
    }

    /// What the type is, with its kind's data.
    pub fn kind(&self) -> Kind<'a> {
        if self.rec.is_empty() {
            return Kind::Void;
        }
        let info = self.info();
        let size_or_type = self.word(8);
        let target = BtfTypeId(size_or_type);
        let entries = |each: usize| Entries {
            part: self.part,
            bytes: self
                .rec
                .get(wire::TYPE_LEN..wire::TYPE_LEN + info.vlen as usize * each)
                .unwrap_or(&[]),
            flag: info.kind_flag,
        };
        match info.kind {
            kind::INT => {
                let data = self.word(12);
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
            kind::ARRAY => Kind::Array {
                elem: BtfTypeId(self.word(12)),
                index: BtfTypeId(self.word(16)),
                len: self.word(20),
            },
            kind::STRUCT => Kind::Struct(Composite {
                size: size_or_type,
                members: Members(entries(12)),
            }),
            kind::UNION => Kind::Union(Composite {
                size: size_or_type,
                members: Members(entries(12)),
            }),
            kind::ENUM => Kind::Enum {
                size: size_or_type,
                signed: info.kind_flag,
                values: Enumerators {
                    entries: entries(8),
                    wide: false,
                },
            },
            kind::ENUM64 => Kind::Enum {
                size: size_or_type,
                signed: info.kind_flag,
                values: Enumerators {
                    entries: entries(12),
                    wide: true,
                },
            },
            kind::FWD => Kind::Fwd {
                union: info.kind_flag,
            },
            kind::TYPEDEF => Kind::Typedef { target },
            kind::VOLATILE => Kind::Volatile { target },
            kind::CONST => Kind::Const { target },
            kind::RESTRICT => Kind::Restrict { target },
            kind::TYPE_TAG => Kind::TypeTag { target },
            kind::FUNC => Kind::Func {
                proto: target,
                linkage: Linkage::from_raw(info.vlen),
            },
            kind::FUNC_PROTO => Kind::FuncProto {
                ret: target,
                params: Params(entries(8)),
            },
            kind::VAR => Kind::Var {
                ty: target,
                linkage: Linkage::from_raw(self.word(12)),
            },
            kind::DATASEC => Kind::Datasec {
                size: size_or_type,
                vars: DatasecVars(entries(12)),
            },
            kind::FLOAT => Kind::Float { size: size_or_type },
            kind::DECL_TAG => Kind::DeclTag {
                target,
                component_idx: self.word(12) as i32,
            },
            // The scan refuses other kinds.
            _ => Kind::Void,
        }
    }
}

impl fmt::Debug for Type<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Type")
            .field("id", &self.id)
            .field("name", &self.name())
            .field("kind", &self.kind())
            .finish()
    }
}

/// Linkage of a `FUNC` or `VAR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linkage {
    /// `static`.
    Static,
    /// A global definition.
    Global,
    /// An `extern` declaration.
    Extern,
    /// A value this reader does not know.
    Other(u32),
}

impl Linkage {
    fn from_raw(raw: u32) -> Self {
        match raw {
            0 => Linkage::Static,
            1 => Linkage::Global,
            2 => Linkage::Extern,
            other => Linkage::Other(other),
        }
    }
}

/// A type's kind, with the data its record holds. Type ids in it exist
/// (the scan checks them).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Kind<'a> {
    /// `void` (id 0).
    Void,
    /// An integer of `size` bytes, of which `bits` bits at `bit_offset`
    /// are used (a bitfield described by its type, in BTF without the
    /// member's `kind_flag`).
    Int {
        /// Size in bytes.
        size: u32,
        /// Signed encoding.
        signed: bool,
        /// Char encoding (`char`).
        is_char: bool,
        /// Bool encoding (`_Bool`).
        is_bool: bool,
        /// Offset of the used bits, in bits.
        bit_offset: u32,
        /// How many bits are used.
        bits: u32,
    },
    /// A pointer.
    Ptr {
        /// What it points to.
        target: BtfTypeId,
    },
    /// An array (one dimension: C's `int[2][3]` is an array of arrays).
    Array {
        /// The element type.
        elem: BtfTypeId,
        /// The index type.
        index: BtfTypeId,
        /// The number of elements.
        len: u32,
    },
    /// A struct.
    Struct(Composite<'a>),
    /// A union.
    Union(Composite<'a>),
    /// An enum: `ENUM` (size 1, 2 or 4) and `ENUM64` (size 8) alike.
    Enum {
        /// Size in bytes.
        size: u32,
        /// Whether BTF marks it signed (`kind_flag`).
        signed: bool,
        /// Its enumerators.
        values: Enumerators<'a>,
    },
    /// A forward declaration (`struct foo;`).
    Fwd {
        /// `union foo;` rather than a struct.
        union: bool,
    },
    /// A typedef.
    Typedef {
        /// The type it names.
        target: BtfTypeId,
    },
    /// `volatile`.
    Volatile {
        /// The qualified type.
        target: BtfTypeId,
    },
    /// `const`.
    Const {
        /// The qualified type.
        target: BtfTypeId,
    },
    /// `restrict`.
    Restrict {
        /// The qualified type.
        target: BtfTypeId,
    },
    /// `__attribute__((btf_type_tag("...")))`; the tag is the type's name.
    TypeTag {
        /// The tagged type.
        target: BtfTypeId,
    },
    /// A function.
    Func {
        /// Its `FuncProto`.
        proto: BtfTypeId,
        /// Its linkage.
        linkage: Linkage,
    },
    /// A function prototype.
    FuncProto {
        /// The return type (0: `void`).
        ret: BtfTypeId,
        /// The parameters; a last one of type 0 means `...`.
        params: Params<'a>,
    },
    /// A variable.
    Var {
        /// Its type.
        ty: BtfTypeId,
        /// Its linkage.
        linkage: Linkage,
    },
    /// A data section and the variables in it.
    Datasec {
        /// Size in bytes (0 as clang writes it; libbpf fixes it up).
        size: u32,
        /// The variables.
        vars: DatasecVars<'a>,
    },
    /// A floating-point type.
    Float {
        /// Size in bytes.
        size: u32,
    },
    /// `__attribute__((btf_decl_tag("...")))` on a declaration; the tag is
    /// the type's name.
    DeclTag {
        /// The tagged declaration.
        target: BtfTypeId,
        /// The member or parameter tagged, or -1 for the whole.
        component_idx: i32,
    },
}

impl Kind<'_> {
    /// The name of the kind (`"enum64"` for an 8-byte enum).
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Void => "void",
            Kind::Int { .. } => "int",
            Kind::Ptr { .. } => "ptr",
            Kind::Array { .. } => "array",
            Kind::Struct(_) => "struct",
            Kind::Union(_) => "union",
            Kind::Enum { size: 8, .. } => "enum64",
            Kind::Enum { .. } => "enum",
            Kind::Fwd { .. } => "fwd",
            Kind::Typedef { .. } => "typedef",
            Kind::Volatile { .. } => "volatile",
            Kind::Const { .. } => "const",
            Kind::Restrict { .. } => "restrict",
            Kind::TypeTag { .. } => "type_tag",
            Kind::Func { .. } => "func",
            Kind::FuncProto { .. } => "func_proto",
            Kind::Var { .. } => "var",
            Kind::Datasec { .. } => "datasec",
            Kind::Float { .. } => "float",
            Kind::DeclTag { .. } => "decl_tag",
        }
    }

    /// The type this one is a typedef or modifier (`const`, `volatile`,
    /// `restrict`, type tag) of.
    pub fn modifier_target(&self) -> Option<BtfTypeId> {
        match *self {
            Kind::Typedef { target }
            | Kind::Volatile { target }
            | Kind::Const { target }
            | Kind::Restrict { target }
            | Kind::TypeTag { target } => Some(target),
            _ => None,
        }
    }

    /// The type this one qualifies (`const`, `volatile`, `restrict`, type
    /// tag), typedefs not included.
    pub fn qualifier_target(&self) -> Option<BtfTypeId> {
        match *self {
            Kind::Volatile { target }
            | Kind::Const { target }
            | Kind::Restrict { target }
            | Kind::TypeTag { target } => Some(target),
            _ => None,
        }
    }

    /// Whether this is a struct or a union.
    pub fn is_composite(&self) -> bool {
        matches!(self, Kind::Struct(_) | Kind::Union(_))
    }
}

/// The entries after a record (members, enumerators, ...), as bytes.
#[derive(Clone, Copy)]
struct Entries<'a> {
    part: &'a Btf,
    bytes: &'a [u8],
    /// The record's `kind_flag`.
    flag: bool,
}

impl Entries<'_> {
    #[inline]
    fn word(&self, at: usize) -> u32 {
        self.part.endian.u32(self.bytes, at)
    }
}

/// Declares a view of a record's entries: a copyable list with `len`,
/// `get` and `iter`, iterable with `for`.
macro_rules! entry_list {
    (
        $(#[$doc:meta])* $list:ident, $item:ty, $iter:ident, $width:expr,
        |$e:ident, $at:ident| $decode:expr
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $list<'a>(Entries<'a>);

        impl<'a> $list<'a> {
            /// How many there are.
            pub fn len(&self) -> usize {
                self.0.bytes.len() / $width
            }

            /// Whether there are none.
            pub fn is_empty(&self) -> bool {
                self.0.bytes.is_empty()
            }

            /// Entry `i`, if there is one.
            pub fn get(&self, i: usize) -> Option<$item> {
                if i < self.len() {
                    let $e = &self.0;
                    let $at = i * $width;
                    Some($decode)
                } else {
                    None
                }
            }

            /// Every entry, in BTF order.
            pub fn iter(&self) -> $iter<'a> {
                $iter { list: *self, next: 0 }
            }

            /// The last entry, if any.
            pub fn last(&self) -> Option<$item> {
                self.len().checked_sub(1).and_then(|i| self.get(i))
            }
        }

        impl fmt::Debug for $list<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.iter()).finish()
            }
        }

        #[doc = concat!("An iterator over [`", stringify!($list), "`].")]
        #[derive(Clone)]
        pub struct $iter<'a> {
            list: $list<'a>,
            next: usize,
        }

        impl<'a> Iterator for $iter<'a> {
            type Item = $item;

            fn next(&mut self) -> Option<$item> {
                let item = self.list.get(self.next)?;
                self.next += 1;
                Some(item)
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                let left = self.list.len() - self.next;
                (left, Some(left))
            }
        }

        impl ExactSizeIterator for $iter<'_> {}

        impl<'a> IntoIterator for $list<'a> {
            type Item = $item;
            type IntoIter = $iter<'a>;
            fn into_iter(self) -> $iter<'a> {
                self.iter()
            }
        }

        impl<'a> IntoIterator for &$list<'a> {
            type Item = $item;
            type IntoIter = $iter<'a>;
            fn into_iter(self) -> $iter<'a> {
                self.iter()
            }
        }
    };
}

entry_list!(
    /// The members of a struct or union.
    Members, Member<'a>, MembersIter, 12,
    |e, at| {
        let offset = e.word(at + 8);
        let (bit_offset, bitfield_size) = if e.flag {
            (offset & 0x00ff_ffff, offset >> 24)
        } else {
            (offset, 0)
        };
        Member {
            part: e.part,
            name_off: e.word(at),
            ty: BtfTypeId(e.word(at + 4)),
            bit_offset,
            bitfield_size,
        }
    }
);

entry_list!(
    /// The parameters of a function prototype.
    Params, Param<'a>, ParamsIter, 8,
    |e, at| Param {
        part: e.part,
        name_off: e.word(at),
        ty: BtfTypeId(e.word(at + 4)),
    }
);

entry_list!(
    /// The variables of a data section.
    DatasecVars, DatasecVar, DatasecVarsIter, 12,
    |e, at| DatasecVar {
        ty: BtfTypeId(e.word(at)),
        byte_offset: e.word(at + 4),
        size: e.word(at + 8),
    }
);

/// A struct or union.
#[derive(Clone, Copy, Debug)]
pub struct Composite<'a> {
    /// Size in bytes.
    pub size: u32,
    /// Its members.
    pub members: Members<'a>,
}

/// A struct or union member.
#[derive(Clone, Copy)]
pub struct Member<'a> {
    part: &'a Btf,
    name_off: u32,
    /// Its type.
    pub ty: BtfTypeId,
    /// Its offset from the start of the struct, in bits.
    pub bit_offset: u32,
    /// Its width in bits if the member says it is a bitfield (BTF with
    /// `kind_flag`), else 0. Without `kind_flag`, a bitfield's width is in
    /// its `Int` type.
    pub bitfield_size: u32,
}

impl<'a> Member<'a> {
    /// Its name; `None` for an anonymous member.
    pub fn name(&self) -> Option<&'a str> {
        self.part.name_at(self.name_off)
    }
}

impl fmt::Debug for Member<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Member")
            .field("name", &self.name())
            .field("ty", &self.ty)
            .field("bit_offset", &self.bit_offset)
            .field("bitfield_size", &self.bitfield_size)
            .finish()
    }
}

/// A function prototype's parameter.
#[derive(Clone, Copy)]
pub struct Param<'a> {
    part: &'a Btf,
    name_off: u32,
    /// Its type (0 for the `...` of a variadic function).
    pub ty: BtfTypeId,
}

impl<'a> Param<'a> {
    /// Its name; `None` if unnamed.
    pub fn name(&self) -> Option<&'a str> {
        self.part.name_at(self.name_off)
    }
}

impl fmt::Debug for Param<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Param")
            .field("name", &self.name())
            .field("ty", &self.ty)
            .finish()
    }
}

/// A variable in a data section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatasecVar {
    /// The `Var` type.
    pub ty: BtfTypeId,
    /// Its offset in the section, in bytes (0 as clang writes it; libbpf
    /// fixes it up).
    pub byte_offset: u32,
    /// Its size in bytes.
    pub size: u32,
}

/// The enumerators of an enum.
#[derive(Clone, Copy)]
pub struct Enumerators<'a> {
    entries: Entries<'a>,
    /// `ENUM64`: 12-byte entries with a 64-bit value.
    wide: bool,
}

impl<'a> Enumerators<'a> {
    fn width(&self) -> usize {
        if self.wide { 12 } else { 8 }
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.entries.bytes.len() / self.width()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.bytes.is_empty()
    }

    /// Enumerator `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<EnumValue<'a>> {
        if i >= self.len() {
            return None;
        }
        let e = &self.entries;
        let at = i * self.width();
        let value = if self.wide {
            let lo = u64::from(e.word(at + 4));
            let hi = u64::from(e.word(at + 8));
            ((hi << 32) | lo) as i64
        } else if e.flag {
            i64::from(e.word(at + 4) as i32)
        } else {
            i64::from(e.word(at + 4))
        };
        Some(EnumValue {
            part: e.part,
            name_off: e.word(at),
            value,
            signed: e.flag,
        })
    }

    /// Every enumerator, in BTF order.
    pub fn iter(&self) -> EnumeratorsIter<'a> {
        EnumeratorsIter {
            list: *self,
            next: 0,
        }
    }
}

impl fmt::Debug for Enumerators<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// An iterator over [`Enumerators`].
#[derive(Clone)]
pub struct EnumeratorsIter<'a> {
    list: Enumerators<'a>,
    next: usize,
}

impl<'a> Iterator for EnumeratorsIter<'a> {
    type Item = EnumValue<'a>;

    fn next(&mut self) -> Option<EnumValue<'a>> {
        let item = self.list.get(self.next)?;
        self.next += 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.list.len() - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for EnumeratorsIter<'_> {}

impl<'a> IntoIterator for Enumerators<'a> {
    type Item = EnumValue<'a>;
    type IntoIter = EnumeratorsIter<'a>;
    fn into_iter(self) -> EnumeratorsIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &Enumerators<'a> {
    type Item = EnumValue<'a>;
    type IntoIter = EnumeratorsIter<'a>;
    fn into_iter(self) -> EnumeratorsIter<'a> {
        self.iter()
    }
}

/// One enumerator.
#[derive(Clone, Copy)]
pub struct EnumValue<'a> {
    part: &'a Btf,
    name_off: u32,
    /// The value's bits as BTF holds them: a 32-bit value sign- or
    /// zero-extended as the enum is signed or not, a 64-bit one as is
    /// (read it as `u64` for an unsigned enum, or use
    /// [`exact`](Self::exact)).
    pub value: i64,
    /// Whether the enum is signed.
    pub signed: bool,
}

impl<'a> EnumValue<'a> {
    /// Its name (`""` if BTF gives none).
    pub fn name(&self) -> &'a str {
        self.part.name_at(self.name_off).unwrap_or("")
    }

    /// The value, exactly: unsigned 64-bit values above `i64::MAX` and
    /// negative signed ones alike.
    pub fn exact(&self) -> i128 {
        if self.signed {
            i128::from(self.value)
        } else {
            i128::from(self.value as u64)
        }
    }
}

impl fmt::Debug for EnumValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnumValue")
            .field("name", &self.name())
            .field("value", &self.exact())
            .finish()
    }
}
