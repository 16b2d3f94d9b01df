//! BTF: a typed, checked view over an object's `.BTF` section.
//!
//! Layers, as in btf-rs: `wire` decodes the bytes (private); this module
//! holds the decoded types and answers questions about them (names, sizes,
//! alignment, chains of modifiers) with every walk bounded, so cycles and
//! absurd depths in a hostile section turn into errors, never hangs.
//!
//! Why not the btf-rs crate: its `Int` hides the bit offset and width that
//! describe bitfields in structs without `kind_flag`, its cached backend
//! rejects names that start inside another string, and several accessors
//! `expect` on input. A checked reader of ~300 lines is smaller than the
//! guards it would need.

pub(crate) mod wire;

use std::fmt;

/// A BTF type id: an index into the type table, 0 being `void`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BtfTypeId(pub u32);

impl fmt::Display for BtfTypeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.0)
    }
}

/// Modifier and typedef chains longer than this are refused (libbpf uses 32).
pub const MAX_RESOLVE_DEPTH: usize = 32;

/// How many types one C spelling visits at most (a spelling is for people:
/// a cycle or a huge parameter list must not make it long or slow).
pub const MAX_SPELLING_STEPS: usize = 48;

/// How much of that a function prototype keeps for its return type.
const SPELLING_RETURN_RESERVE: usize = 8;

/// How many dimensions of an array a C spelling shows.
const MAX_SPELLED_DIMS: usize = 8;

/// How many parameters of a function prototype a C spelling shows.
const MAX_SPELLED_PARAMS: usize = 8;

/// The longest name accepted, in bytes: the kernel refuses BTF names of
/// `KSYM_NAME_LEN` (512) bytes or more, so such an object could not load
/// anyway. Bounding names bounds everything derived from them.
pub const MAX_NAME_LEN: usize = 511;

/// What is wrong with a `.BTF` section.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BtfError {
    NotProgbits {
        section_type: String,
    },
    Truncated {
        what: &'static str,
        offset: usize,
    },
    BadMagic {
        magic: u16,
    },
    BigEndian,
    UnsupportedVersion {
        version: u8,
    },
    BadHeader {
        field: &'static str,
        value: u64,
        len: usize,
    },
    BadStringTable,
    StringOutOfRange {
        type_id: BtfTypeId,
        offset: u32,
        len: usize,
    },
    NameTooLong {
        type_id: BtfTypeId,
        offset: u32,
        limit: usize,
    },
    StringNotUtf8 {
        type_id: BtfTypeId,
        offset: u32,
    },
    VlenTooLarge {
        type_id: BtfTypeId,
        what: &'static str,
        vlen: u32,
        available: usize,
    },
    UnknownKind {
        type_id: BtfTypeId,
        kind: u32,
    },
    DanglingTypeId {
        type_id: BtfTypeId,
        target: u32,
        count: usize,
    },
    ChainTooLong {
        type_id: BtfTypeId,
    },
    Recursive {
        type_id: BtfTypeId,
    },
    NoSize {
        type_id: BtfTypeId,
        kind: &'static str,
    },
    TooLarge {
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
            Self::BigEndian => {
                f.write_str("big-endian BTF is not supported (the object was built for bpfeb)")
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

/// Linkage of a `FUNC` or `VAR`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linkage {
    Static,
    Global,
    Extern,
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

/// One decoded BTF type.
#[derive(Clone, Debug, PartialEq)]
pub struct Type {
    pub name: Option<String>,
    pub kind: Kind,
}

/// A struct or union member. `bit_offset` is from the start of the parent;
/// `bitfield_size` is 0 for ordinary members.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub name: Option<String>,
    pub ty: BtfTypeId,
    pub bit_offset: u32,
    pub bitfield_size: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Composite {
    pub size: u32,
    pub members: Vec<Member>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumValue {
    pub name: String,
    /// The value's bits; read as unsigned for unsigned enums.
    pub value: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Option<String>,
    pub ty: BtfTypeId,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DatasecVar {
    pub ty: BtfTypeId,
    pub offset: u32,
    pub size: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Void,
    Int {
        size: u32,
        signed: bool,
        is_char: bool,
        is_bool: bool,
        bit_offset: u32,
        bits: u32,
    },
    Ptr {
        target: BtfTypeId,
    },
    Array {
        elem: BtfTypeId,
        index: BtfTypeId,
        len: u32,
    },
    Struct(Composite),
    Union(Composite),
    /// ENUM and ENUM64 alike; `size` tells them apart.
    Enum {
        size: u32,
        signed: bool,
        values: Vec<EnumValue>,
    },
    Fwd {
        union: bool,
    },
    Typedef {
        target: BtfTypeId,
    },
    Volatile {
        target: BtfTypeId,
    },
    Const {
        target: BtfTypeId,
    },
    Restrict {
        target: BtfTypeId,
    },
    TypeTag {
        target: BtfTypeId,
    },
    Func {
        proto: BtfTypeId,
        linkage: Linkage,
    },
    FuncProto {
        ret: BtfTypeId,
        params: Vec<Param>,
    },
    Var {
        ty: BtfTypeId,
        linkage: Linkage,
    },
    Datasec {
        size: u32,
        vars: Vec<DatasecVar>,
    },
    Float {
        size: u32,
    },
    DeclTag {
        target: BtfTypeId,
        component_idx: i32,
    },
}

impl Kind {
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

    /// The type this one is a modifier or typedef of.
    pub fn modifier_target(&self) -> Option<BtfTypeId> {
        match self {
            Kind::Typedef { target }
            | Kind::Volatile { target }
            | Kind::Const { target }
            | Kind::Restrict { target }
            | Kind::TypeTag { target } => Some(*target),
            _ => None,
        }
    }

    /// Every type id this type refers to.
    fn references(&self) -> Vec<BtfTypeId> {
        match self {
            Kind::Void | Kind::Int { .. } | Kind::Fwd { .. } | Kind::Float { .. } => vec![],
            Kind::Ptr { target }
            | Kind::Typedef { target }
            | Kind::Volatile { target }
            | Kind::Const { target }
            | Kind::Restrict { target }
            | Kind::TypeTag { target }
            | Kind::DeclTag { target, .. } => vec![*target],
            Kind::Array { elem, index, .. } => vec![*elem, *index],
            Kind::Struct(c) | Kind::Union(c) => c.members.iter().map(|m| m.ty).collect(),
            Kind::Enum { .. } => vec![],
            Kind::Func { proto, .. } => vec![*proto],
            Kind::FuncProto { ret, params } => std::iter::once(*ret)
                .chain(params.iter().map(|p| p.ty))
                .collect(),
            Kind::Var { ty, .. } => vec![*ty],
            Kind::Datasec { vars, .. } => vars.iter().map(|v| v.ty).collect(),
        }
    }
}

/// The decoded type table. Ids are checked at construction: every id a type
/// refers to exists.
#[derive(Clone, Debug)]
pub struct Btf {
    types: Vec<Type>,
}

impl Btf {
    /// Decodes and checks a `.BTF` section.
    pub fn parse(bytes: &[u8]) -> Result<Btf, BtfError> {
        Btf::from_types(wire::parse(bytes)?)
    }

    /// Decodes split BTF (a kernel module's `.BTF`) on top of its base
    /// (`base`, decoded from `base_bytes`): one table holding the base's
    /// types, then the split's, whose ids continue the base's.
    pub fn parse_split(base: Btf, base_bytes: &[u8], bytes: &[u8]) -> Result<Btf, BtfError> {
        Btf::from_types(wire::parse_split(base.types, base_bytes, bytes)?)
    }

    /// Builds a table from decoded types (tests build BTF in memory this way),
    /// checking that every referenced id exists.
    pub fn from_types(types: Vec<Type>) -> Result<Btf, BtfError> {
        let count = types.len();
        for (index, ty) in types.iter().enumerate() {
            for target in ty.kind.references() {
                if target.0 as usize >= count {
                    return Err(BtfError::DanglingTypeId {
                        type_id: BtfTypeId(index as u32),
                        target: target.0,
                        count,
                    });
                }
            }
        }
        Ok(Btf { types })
    }

    /// A table of `void` alone: the BTF of an object without `.BTF`.
    pub fn empty() -> Btf {
        Btf {
            types: vec![Type {
                name: None,
                kind: Kind::Void,
            }],
        }
    }

    /// The type with this id. Ids come from this table, so they exist;
    /// an unknown id (a bug) reads as `void`.
    pub fn get(&self, id: BtfTypeId) -> &Type {
        static VOID: Type = Type {
            name: None,
            kind: Kind::Void,
        };
        self.types.get(id.0 as usize).unwrap_or(&VOID)
    }

    pub fn iter(&self) -> impl Iterator<Item = (BtfTypeId, &Type)> {
        self.types
            .iter()
            .enumerate()
            .map(|(i, t)| (BtfTypeId(i as u32), t))
    }

    /// The name of a type, `""` for anonymous ones.
    pub fn name(&self, id: BtfTypeId) -> &str {
        self.get(id).name.as_deref().unwrap_or("")
    }

    /// How many types the table holds, `void` (id 0) included.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether the table holds nothing but `void`.
    pub fn is_empty(&self) -> bool {
        self.types.len() <= 1
    }

    /// The first type of this name whose kind `pred` accepts.
    pub fn find(&self, name: &str, pred: impl Fn(&Kind) -> bool) -> Option<BtfTypeId> {
        self.iter()
            .find(|(_, t)| t.name.as_deref() == Some(name) && pred(&t.kind))
            .map(|(id, _)| id)
    }

    /// Skips typedefs and const/volatile/restrict/type-tag modifiers.
    pub fn skip_modifiers(&self, id: BtfTypeId) -> Result<BtfTypeId, BtfError> {
        let mut cur = id;
        for _ in 0..=MAX_RESOLVE_DEPTH {
            match self.get(cur).kind.modifier_target() {
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
            match &self.get(cur).kind {
                Kind::Volatile { target }
                | Kind::Const { target }
                | Kind::Restrict { target }
                | Kind::TypeTag { target } => cur = *target,
                _ => return Ok(cur),
            }
        }
        Err(BtfError::ChainTooLong { type_id: id })
    }

    /// The size of a type in bytes, as libbpf's `btf__resolve_size` computes it.
    pub fn size_of(&self, id: BtfTypeId) -> Result<u64, BtfError> {
        self.size_of_depth(id, 0)
    }

    fn size_of_depth(&self, id: BtfTypeId, depth: usize) -> Result<u64, BtfError> {
        if depth > MAX_RESOLVE_DEPTH {
            return Err(BtfError::ChainTooLong { type_id: id });
        }
        let ty = self.get(id);
        let size = match &ty.kind {
            Kind::Int { size, .. }
            | Kind::Enum { size, .. }
            | Kind::Float { size }
            | Kind::Datasec { size, .. } => u64::from(*size),
            Kind::Struct(c) | Kind::Union(c) => u64::from(c.size),
            Kind::Ptr { .. } => 8,
            Kind::Array { elem, len, .. } => {
                let elem_size = self.size_of_depth(*elem, depth + 1)?;
                elem_size
                    .checked_mul(u64::from(*len))
                    .filter(|s| *s <= u64::from(u32::MAX))
                    .ok_or(BtfError::TooLarge { type_id: id })?
            }
            Kind::Typedef { target }
            | Kind::Volatile { target }
            | Kind::Const { target }
            | Kind::Restrict { target }
            | Kind::TypeTag { target } => self.size_of_depth(*target, depth + 1)?,
            Kind::Var { ty, .. } => self.size_of_depth(*ty, depth + 1)?,
            Kind::Void
            | Kind::Fwd { .. }
            | Kind::Func { .. }
            | Kind::FuncProto { .. }
            | Kind::DeclTag { .. } => {
                return Err(BtfError::NoSize {
                    type_id: id,
                    kind: ty.kind.name(),
                });
            }
        };
        Ok(size)
    }

    /// The alignment of a type in bytes, as libbpf's `btf__align_of`
    /// computes it: a struct or union whose member sits below its natural
    /// alignment, or whose size is not a multiple of it, is packed (1).
    pub fn align_of(&self, id: BtfTypeId) -> Result<u64, BtfError> {
        self.align_of_depth(id, 0)
    }

    fn align_of_depth(&self, id: BtfTypeId, depth: usize) -> Result<u64, BtfError> {
        if depth > MAX_RESOLVE_DEPTH {
            return Err(BtfError::ChainTooLong { type_id: id });
        }
        let ty = self.get(id);
        match &ty.kind {
            Kind::Int { size, .. } | Kind::Enum { size, .. } | Kind::Float { size } => {
                Ok(u64::from(*size).clamp(1, 8))
            }
            Kind::Ptr { .. } => Ok(8),
            Kind::Array { elem, .. } => self.align_of_depth(*elem, depth + 1),
            Kind::Struct(c) | Kind::Union(c) => {
                let mut max = 1;
                for m in &c.members {
                    let a = self.align_of_depth(m.ty, depth + 1)?;
                    if m.bitfield_size == 0 && u64::from(m.bit_offset) % (8 * a) != 0 {
                        return Ok(1);
                    }
                    max = max.max(a);
                }
                Ok(if u64::from(c.size) % max != 0 { 1 } else { max })
            }
            Kind::Typedef { target }
            | Kind::Volatile { target }
            | Kind::Const { target }
            | Kind::Restrict { target }
            | Kind::TypeTag { target } => self.align_of_depth(*target, depth + 1),
            Kind::Var { ty, .. } => self.align_of_depth(*ty, depth + 1),
            Kind::Void
            | Kind::Fwd { .. }
            | Kind::Func { .. }
            | Kind::FuncProto { .. }
            | Kind::Datasec { .. }
            | Kind::DeclTag { .. } => Err(BtfError::NoSize {
                type_id: id,
                kind: ty.kind.name(),
            }),
        }
    }

    /// Is this (after modifiers and typedefs) a pointer to a function?
    pub fn is_func_pointer(&self, id: BtfTypeId) -> Result<bool, BtfError> {
        let id = self.skip_modifiers(id)?;
        if let Kind::Ptr { target } = self.get(id).kind {
            let target = self.skip_modifiers(target)?;
            return Ok(matches!(self.get(target).kind, Kind::FuncProto { .. }));
        }
        Ok(false)
    }

    /// A C spelling of a type, as an abstract declarator, for documentation
    /// and messages (`const unsigned int`, `struct foo *`, `char[16]`,
    /// `int (* const)(struct sock *, int)`). Bounded: past
    /// [`MAX_SPELLING_STEPS`] types the rest is spelled `...`.
    pub fn c_spelling(&self, id: BtfTypeId) -> String {
        let mut budget = MAX_SPELLING_STEPS;
        self.declarator(id, String::new(), &mut budget)
    }

    /// Whether `id` is a pointer under nothing but qualifiers and type tags.
    fn qualifies_pointer(&self, mut id: BtfTypeId) -> bool {
        for _ in 0..=MAX_RESOLVE_DEPTH {
            match self.get(id).kind {
                Kind::Ptr { .. } => return true,
                Kind::Const { target }
                | Kind::Volatile { target }
                | Kind::Restrict { target }
                | Kind::TypeTag { target } => id = target,
                _ => return false,
            }
        }
        false
    }

    /// Spells type `id` around the declarator `inner` (what C writes where
    /// a variable's name would go), the way C reads declarations inside out.
    fn declarator(&self, id: BtfTypeId, inner: String, budget: &mut usize) -> String {
        fn join(base: &str, inner: &str) -> String {
            if inner.is_empty() {
                base.to_owned()
            } else if inner.starts_with('[') {
                format!("{base}{inner}")
            } else {
                format!("{base} {inner}")
            }
        }
        // A suffix (`[N]`, `(params)`) binds tighter than `*`.
        fn suffixed(inner: String, suffix: &str) -> String {
            if inner.starts_with('*') {
                format!("({inner}){suffix}")
            } else {
                format!("{inner}{suffix}")
            }
        }
        if *budget == 0 {
            return join("...", &inner);
        }
        *budget -= 1;
        let ty = self.get(id);
        let named = |prefix: &str| match &ty.name {
            Some(n) => format!("{prefix}{n}"),
            None => format!("{prefix}(anon)"),
        };
        match &ty.kind {
            Kind::Void => join("void", &inner),
            Kind::Int { .. } | Kind::Float { .. } | Kind::Typedef { .. } => {
                join(&named(""), &inner)
            }
            Kind::Struct(_) | Kind::Fwd { union: false } => join(&named("struct "), &inner),
            Kind::Union(_) | Kind::Fwd { union: true } => join(&named("union "), &inner),
            Kind::Enum { .. } => join(&named("enum "), &inner),
            Kind::Ptr { target } => {
                let inner = if inner.is_empty() {
                    "*".to_owned()
                } else if inner.starts_with('[') || inner.starts_with('(') {
                    format!("*{inner}")
                } else {
                    format!("* {inner}")
                };
                self.declarator(*target, inner, budget)
            }
            Kind::Array { .. } => {
                // C writes the outermost dimension first: `int[2][3]` is two
                // rows of three. Past a few dimensions (an array of itself
                // has no end), elide the rest.
                let mut dims = String::new();
                let mut cur = id;
                let mut shown = 0;
                while let Kind::Array { elem, len, .. } = &self.get(cur).kind {
                    if shown > MAX_RESOLVE_DEPTH {
                        return join("...", &suffixed(inner, &dims));
                    }
                    match shown {
                        0..MAX_SPELLED_DIMS => dims.push_str(&format!("[{len}]")),
                        MAX_SPELLED_DIMS => dims.push_str("[...]"),
                        _ => {}
                    }
                    shown += 1;
                    cur = *elem;
                }
                self.declarator(cur, suffixed(inner, &dims), budget)
            }
            Kind::Const { target } | Kind::Volatile { target } | Kind::Restrict { target } => {
                let qual = match ty.kind {
                    Kind::Const { .. } => "const",
                    Kind::Volatile { .. } => "volatile",
                    _ => "restrict",
                };
                // A qualified pointer is `int * const`; anything else
                // `const int`.
                if self.qualifies_pointer(*target) {
                    self.declarator(*target, join(qual, &inner), budget)
                } else {
                    format!("{qual} {}", self.declarator(*target, inner, budget))
                }
            }
            Kind::TypeTag { target } | Kind::DeclTag { target, .. } => {
                self.declarator(*target, inner, budget)
            }
            Kind::Var { ty, .. } => self.declarator(*ty, inner, budget),
            Kind::FuncProto { ret, params } => {
                // Keep some of the budget for the return type: without it a
                // long parameter list would leave the spelling `... (*)(...)`.
                let reserve = (*budget).min(SPELLING_RETURN_RESERVE);
                *budget -= reserve;
                let mut list = Vec::new();
                for (i, p) in params.iter().enumerate() {
                    if i == MAX_SPELLED_PARAMS || *budget == 0 {
                        list.push("...".to_owned());
                        break;
                    }
                    if p.ty.0 == 0 && i + 1 == params.len() {
                        list.push("...".to_owned());
                    } else {
                        list.push(self.declarator(p.ty, String::new(), budget));
                    }
                }
                *budget += reserve;
                let list = if list.is_empty() {
                    "void".to_owned()
                } else {
                    list.join(", ")
                };
                self.declarator(*ret, suffixed(inner, &format!("({list})")), budget)
            }
            Kind::Func { .. } => join(&named("func "), &inner),
            Kind::Datasec { .. } => join(&named("section "), &inner),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::BtfWriter;

    #[test]
    fn c_spellings_are_c_declarators() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let ch = w.char_();
        let s = w.struct_("sock", 0, &[]);
        let ps = w.ptr(s);
        let pint = w.ptr(int);
        let cint = w.const_(int);
        let pcint = w.ptr(cint);
        let cpint = w.const_(pint);
        let vcpint = w.volatile(cpint);
        let arr = w.array(ch, int, 16);
        let arr2 = w.array(arr, int, 2);
        let parr = w.ptr(arr);
        let void_proto = w.func_proto(BtfTypeId(0), &[]);
        let fp_void = w.ptr(void_proto);
        let proto = w.func_proto(int, &[ps, int]);
        let fp = w.ptr(proto);
        let cfp = w.const_(fp);
        let fp_arr = w.array(fp, int, 3);
        let variadic = w.func_proto(int, &[pcint, BtfTypeId(0)]);
        let fp_variadic = w.ptr(variadic);
        // A function returning a pointer to a function.
        let ret_fp = w.func_proto(fp, &[int]);
        let fp_ret_fp = w.ptr(ret_fp);
        let btf = w.finish();
        let cases = [
            (pint, "int *"),
            (pcint, "const int *"),
            (cpint, "int * const"),
            (vcpint, "int * const volatile"),
            (arr2, "char[2][16]"),
            (parr, "char (*)[16]"),
            (fp_void, "void (*)(void)"),
            (fp, "int (*)(struct sock *, int)"),
            (cfp, "int (* const)(struct sock *, int)"),
            (fp_arr, "int (*[3])(struct sock *, int)"),
            (fp_variadic, "int (*)(const int *, ...)"),
            (fp_ret_fp, "int (*(*)(int))(struct sock *, int)"),
        ];
        for (id, want) in cases {
            assert_eq!(btf.c_spelling(id), want);
        }
    }

    #[test]
    fn c_spelling_of_a_cycle_or_huge_prototype_is_bounded() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        // id 2 is a pointer to itself.
        let p = w.ptr(BtfTypeId(2));
        assert_eq!(p, BtfTypeId(2));
        // A prototype whose parameters are pointers to itself.
        let fp = BtfTypeId(4);
        let proto = w.func_proto(int, &[fp; 1000]);
        let fp2 = w.ptr(proto);
        assert_eq!(fp2, fp);
        let btf = w.finish();
        let cycle = btf.c_spelling(p);
        assert!(cycle.starts_with("...") && cycle.len() < 200, "{cycle}");
        let huge = btf.c_spelling(fp);
        assert!(huge.len() < 4096, "{} bytes", huge.len());
        assert!(huge.starts_with("int (*)("), "{huge}");
    }

    #[test]
    fn round_trips_basic_kinds() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let c = w.const_(int);
        let td = w.typedef("myint", c);
        let s = w.struct_("s", 8, &[("a", td, 0, 0), ("b", int, 32, 3)]);
        let btf = w.finish();
        assert_eq!(btf.size_of(s).unwrap(), 8);
        assert_eq!(btf.size_of(td).unwrap(), 4);
        assert_eq!(btf.skip_modifiers(td).unwrap(), int);
        let Kind::Struct(comp) = &btf.get(s).kind else {
            panic!()
        };
        assert_eq!(comp.members[1].bitfield_size, 3);
        assert_eq!(comp.members[1].bit_offset, 32);
        assert_eq!(btf.c_spelling(td), "myint");
        assert_eq!(btf.c_spelling(c), "const int");
        let row = w.array(int, int, 3);
        let grid = w.array(row, int, 2);
        assert_eq!(w.finish().c_spelling(grid), "int[2][3]");
    }

    #[test]
    fn typedef_cycle_is_an_error() {
        let mut w = BtfWriter::new();
        // [1] typedef a -> [2], [2] typedef b -> [1]
        let (a, b) = (w.string("a"), w.string("b"));
        w.raw(a, wire::kind::TYPEDEF, false, 0, 2, &[]);
        w.raw(b, wire::kind::TYPEDEF, false, 0, 1, &[]);
        let btf = w.finish();
        assert!(matches!(
            btf.skip_modifiers(BtfTypeId(1)),
            Err(BtfError::ChainTooLong { .. })
        ));
        assert!(btf.size_of(BtfTypeId(1)).is_err());
        assert!(btf.c_spelling(BtfTypeId(1)).contains("a"));
    }

    #[test]
    fn dangling_ids_are_refused() {
        let mut w = BtfWriter::new();
        w.raw(0, wire::kind::PTR, false, 0, 99, &[]);
        assert!(matches!(
            Btf::parse(&w.bytes()),
            Err(BtfError::DanglingTypeId { target: 99, .. })
        ));
    }

    #[test]
    fn huge_vlen_is_refused_without_allocating() {
        let mut w = BtfWriter::new();
        let s = w.string("s");
        w.raw(s, wire::kind::STRUCT, false, 0xffff, 4, &[]);
        assert!(matches!(
            Btf::parse(&w.bytes()),
            Err(BtfError::VlenTooLarge { vlen: 0xffff, .. })
        ));
    }

    #[test]
    fn truncation_anywhere_is_an_error() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        w.struct_("s", 4, &[("a", int, 0, 0)]);
        let bytes = w.bytes();
        for len in 0..bytes.len() {
            let _ = Btf::parse(&bytes[..len]); // must not panic
        }
        let mut bad = bytes.clone();
        bad[8] = 0xff; // type_off
        assert!(Btf::parse(&bad).is_err());
    }

    #[test]
    fn string_offsets_are_checked() {
        let mut w = BtfWriter::new();
        w.raw(0, wire::kind::INT, false, 0, 4, &[32]);
        let mut bytes = w.bytes();
        // name_off of the first type: right after the 24-byte header
        bytes[24..28].copy_from_slice(&1000u32.to_le_bytes());
        assert!(matches!(
            Btf::parse(&bytes),
            Err(BtfError::StringOutOfRange { offset: 1000, .. })
        ));
    }

    #[test]
    fn names_are_bounded() {
        let ok = "n".repeat(MAX_NAME_LEN);
        let mut w = BtfWriter::new();
        w.int(&ok, 4, true);
        assert_eq!(w.finish().name(BtfTypeId(1)), ok);

        let long = "n".repeat(MAX_NAME_LEN + 1);
        let mut w = BtfWriter::new();
        w.int(&long, 4, true);
        assert!(matches!(
            Btf::parse(&w.bytes()),
            Err(BtfError::NameTooLong { offset: 1, .. })
        ));

        // A tag's value may be long: it is dropped, not refused.
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let tag = w.string(&long);
        w.raw(tag, wire::kind::TYPE_TAG, false, 0, int.0, &[]);
        assert_eq!(w.finish().get(BtfTypeId(2)).name, None);
    }

    #[test]
    fn split_btf_continues_its_base() {
        let mut base = BtfWriter::new();
        let int = base.int("int", 4, true);
        let s = base.struct_("base_s", 4, &[("a", int, 0, 0)]);
        let mut split = BtfWriter::split_of(&base);
        // "int" again: a new string in the split's own table.
        let p = split.ptr(s);
        let m = split.struct_("mod_s", 16, &[("p", p, 0, 0), ("int", int, 64, 0)]);
        assert_eq!((p, m), (BtfTypeId(3), BtfTypeId(4)));
        let base_bytes = base.bytes();
        let btf = Btf::parse_split(
            Btf::parse(&base_bytes).unwrap(),
            &base_bytes,
            &split.bytes(),
        )
        .unwrap();
        assert_eq!(btf.len(), 5);
        assert_eq!(btf.name(m), "mod_s");
        assert_eq!(btf.c_spelling(p), "struct base_s *");
        let Kind::Struct(c) = &btf.get(m).kind else {
            panic!()
        };
        assert_eq!(c.members[1].name.as_deref(), Some("int"));
        // Split BTF read alone refers to types it does not have.
        assert!(Btf::parse(&split.bytes()).is_err());
    }

    #[test]
    fn array_sizes_overflowing_are_refused() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let a = w.array(int, int, u32::MAX);
        let btf = w.finish();
        assert!(matches!(btf.size_of(a), Err(BtfError::TooLarge { .. })));
    }
}
