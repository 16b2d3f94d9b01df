//! Rust-side types: what a BTF type becomes.

/// Index of a generated type in [`super::Skeleton::types`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeRef(pub usize);

/// Size and alignment in bytes, both as the generated Rust type has them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Size in bytes.
    pub size: u64,
    /// Alignment in bytes, a power of two.
    pub align: u64,
}

/// The layout rules of the machine the generated code is compiled for,
/// where they differ between Rust targets (see
/// [`Target`](crate::Target)). BPF lays out structs as an LP64 machine
/// with 8-aligned 64-bit and 16-aligned 128-bit scalars; offsets and sizes
/// come from BTF and hold on every target (gaps are explicit padding), but
/// the Rust types' alignment, the size of a program slot and the order of
/// bits in a bitfield follow the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TargetLayout {
    /// Size and alignment of a Rust pointer (`Option<&Program>`, a
    /// struct_ops program slot): 8, or 4 on 32-bit targets. A BPF function
    /// pointer member is 8 bytes: libbpf writes the host's pointer at the
    /// member's offset, so a 4-byte slot sits first and padding fills the
    /// rest.
    pub pointer_size: u64,
    /// Alignment of `u64`, `i64` and `f64` (and of `OpaquePtr`, a `u64`): 8,
    /// or 4 on 32-bit x86.
    pub align_8: u64,
    /// Alignment of `u128` and `i128`: 16, or 8 where the target's ABI
    /// says so (arm, s390x, powerpc).
    pub align_16: u64,
    /// Big-endian: data is in the target's order as libbpf maps it, and
    /// bitfield bit offsets count from the most significant bit of their
    /// first byte, as C (and BTF) number them there.
    pub big_endian: bool,
}

impl Default for TargetLayout {
    /// x86_64's, and every 64-bit little-endian Linux target's.
    fn default() -> Self {
        TargetLayout {
            pointer_size: 8,
            align_8: 8,
            align_16: 16,
            big_endian: false,
        }
    }
}

impl TargetLayout {
    /// The alignment of a Rust integer, enum or float of `size` bytes.
    pub fn scalar_align(&self, size: u64) -> u64 {
        match size {
            8 => self.align_8,
            16 => self.align_16,
            _ => skel_btf::layout::scalar_align(size),
        }
    }
}

/// A Rust integer type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntTy {
    /// `i8`.
    I8,
    /// `u8`.
    U8,
    /// `i16`.
    I16,
    /// `u16`.
    U16,
    /// `i32`.
    I32,
    /// `u32`.
    U32,
    /// `i64`.
    I64,
    /// `u64`.
    U64,
    /// `i128`.
    I128,
    /// `u128`.
    U128,
}

impl IntTy {
    /// The integer of `size` bytes and that signedness; `None` for a size
    /// that is not 1, 2, 4, 8 or 16.
    pub fn new(size: u64, signed: bool) -> Option<IntTy> {
        Some(match (size, signed) {
            (1, true) => IntTy::I8,
            (1, false) => IntTy::U8,
            (2, true) => IntTy::I16,
            (2, false) => IntTy::U16,
            (4, true) => IntTy::I32,
            (4, false) => IntTy::U32,
            (8, true) => IntTy::I64,
            (8, false) => IntTy::U64,
            (16, true) => IntTy::I128,
            (16, false) => IntTy::U128,
            _ => return None,
        })
    }

    /// Its size in bytes.
    pub fn size(self) -> u64 {
        match self {
            IntTy::I8 | IntTy::U8 => 1,
            IntTy::I16 | IntTy::U16 => 2,
            IntTy::I32 | IntTy::U32 => 4,
            IntTy::I64 | IntTy::U64 => 8,
            IntTy::I128 | IntTy::U128 => 16,
        }
    }

    /// Whether it is signed.
    pub fn signed(self) -> bool {
        matches!(
            self,
            IntTy::I8 | IntTy::I16 | IntTy::I32 | IntTy::I64 | IntTy::I128
        )
    }

    /// Its Rust name (`u32`).
    pub fn rust_name(self) -> &'static str {
        match self {
            IntTy::I8 => "i8",
            IntTy::U8 => "u8",
            IntTy::I16 => "i16",
            IntTy::U16 => "u16",
            IntTy::I32 => "i32",
            IntTy::U32 => "u32",
            IntTy::I64 => "i64",
            IntTy::U64 => "u64",
            IntTy::I128 => "i128",
            IntTy::U128 => "u128",
        }
    }
}

/// A Rust float type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatTy {
    /// `f32`.
    F32,
    /// `f64`.
    F64,
}

impl FloatTy {
    /// Its Rust name (`f64`).
    pub fn rust_name(self) -> &'static str {
        match self {
            FloatTy::F32 => "f32",
            FloatTy::F64 => "f64",
        }
    }
}

/// The type of a field.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Ty {
    /// A Rust integer of the C integer's size and signedness.
    Int(IntTy),
    /// A Rust float of the C float's size.
    Float(FloatTy),
    /// C `_Bool`: `skel_runtime::CBool`, valid for every byte value.
    Bool,
    /// C `char[N]`: `skel_runtime::CharArray<N>`, with string helpers.
    CharArray(u64),
    /// A generated enum newtype.
    Enum(TypeRef),
    /// A generated struct or union.
    Composite(TypeRef),
    /// A C array: `[elem; N]`, with the element type and `N`.
    Array(Box<Ty>, u64),
    /// A data pointer, kept opaque: `skel_runtime::OpaquePtr`.
    Pointer,
    /// A top-level struct_ops function pointer: `Option<&'obj Program>`.
    ProgramSlot,
    /// Raw bytes: `[u8; N]`.
    Bytes(u64),
}

impl Ty {
    /// Size and alignment of the Rust type on `target`, given the
    /// generated types: C's for the same scalar (skel-btf's layout rules),
    /// with the target's alignment of 8- and 16-byte scalars and its
    /// pointer size for program slots.
    pub fn layout(&self, types: &[TypeDef], target: &TargetLayout) -> Layout {
        match self {
            Ty::Int(i) => Layout {
                size: i.size(),
                align: target.scalar_align(i.size()),
            },
            Ty::Float(FloatTy::F32) => Layout {
                size: 4,
                align: target.scalar_align(4),
            },
            Ty::Float(FloatTy::F64) => Layout {
                size: 8,
                align: target.scalar_align(8),
            },
            Ty::Bool => Layout { size: 1, align: 1 },
            Ty::CharArray(n) | Ty::Bytes(n) => Layout { size: *n, align: 1 },
            Ty::Enum(r) | Ty::Composite(r) => types[r.0].layout(target),
            Ty::Array(elem, n) => {
                let e = elem.layout(types, target);
                Layout {
                    size: e.size.saturating_mul(*n),
                    align: e.align,
                }
            }
            // A BPF pointer, 8 bytes whatever the target (`OpaquePtr`
            // wraps a u64).
            Ty::Pointer => Layout {
                size: skel_btf::layout::POINTER_SIZE,
                align: target.align_8,
            },
            Ty::ProgramSlot => Layout {
                size: target.pointer_size,
                align: target.pointer_size,
            },
        }
    }

    /// The Rust type as the generated code has it, spelled the way a user
    /// writes it: `u32`, `[u8; 4]`, `skel_runtime::CharArray<16>`,
    /// `skel_runtime::Slot<'obj>`, and generated types by their name
    /// (`r#type` for a keyword; they live in the skeleton's `types`
    /// module). Codegen prints the
    /// same types (with `::skel_runtime` paths); a unit test holds the two
    /// together.
    pub fn rust_spelling(&self, types: &[TypeDef]) -> String {
        match self {
            Ty::Int(i) => i.rust_name().to_owned(),
            Ty::Float(f) => f.rust_name().to_owned(),
            Ty::Bool => "skel_runtime::CBool".to_owned(),
            Ty::CharArray(n) => format!("skel_runtime::CharArray<{n}>"),
            Ty::Enum(r) | Ty::Composite(r) => {
                let name = &types[r.0].name;
                if crate::model::ident::needs_raw(name) {
                    format!("r#{name}")
                } else {
                    name.clone()
                }
            }
            Ty::Array(elem, n) => format!("[{}; {n}]", elem.rust_spelling(types)),
            Ty::Pointer => "skel_runtime::OpaquePtr".to_owned(),
            Ty::ProgramSlot => "skel_runtime::Slot<'obj>".to_owned(),
            Ty::Bytes(n) => format!("[u8; {n}]"),
        }
    }
}

/// Where a generated type comes from: for its documentation, and for the
/// naming pass, which derives its Rust name from it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// The variables of an ELF data section.
    Datasec {
        /// The section's name (`.bss`, `.data.custom`).
        section: String,
    },
    /// The shadow of a struct_ops map's struct.
    StructOps {
        /// The struct_ops maps of that struct type (one shadow serves
        /// every map of it).
        maps: Vec<String>,
    },
    /// A named C type reached from another generated type.
    Named {
        /// Its C name, without `struct`/`union`/`enum`.
        name: String,
    },
    /// An anonymous C type named by the typedef it was reached through.
    Typedef {
        /// The typedef's name.
        name: String,
    },
    /// An anonymous C type, named after where it sits: member `member` of
    /// `parent`, or an anonymous member of `parent` when `member` is `None`.
    Anonymous {
        /// The enclosing generated type.
        parent: TypeRef,
        /// The member's C name; `None` for an anonymous member.
        member: Option<String>,
    },
    /// An anonymous C type that is a map's key, value or event (`role`).
    Map {
        /// The map's name.
        map: String,
        /// `key`, `value` or `event`.
        role: String,
    },
}

/// A generated Rust type: a struct or union (data sections, shadows and
/// the C types they reach), or an enum newtype.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TypeDef {
    /// Rust name, unique among generated types (set by the naming pass).
    pub name: String,
    /// C spelling (`struct foo`, `union (anon)`, `section .bss`).
    pub c_name: String,
    /// The id of the BTF type (or DATASEC) it is generated from; `None` when
    /// it has none.
    pub btf_id: Option<u32>,
    /// Where it comes from.
    pub origin: Origin,
    /// What it is, with its fields or values.
    pub kind: TypeDefKind,
}

/// What a generated type is.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum TypeDefKind {
    /// A struct or union, with every byte laid out.
    Struct(StructDef),
    /// An enum newtype, with its known values.
    Enum(EnumDef),
    /// A C typedef asked for by name: `pub type name = ty;`.
    Alias {
        /// The type it names.
        ty: Ty,
        /// That type's size and alignment.
        layout: Layout,
    },
}

impl TypeDef {
    /// Size and alignment of the Rust type on `target`.
    pub fn layout(&self, target: &TargetLayout) -> Layout {
        match &self.kind {
            TypeDefKind::Struct(s) => s.layout,
            TypeDefKind::Enum(e) => Layout {
                size: e.repr.size(),
                align: target.scalar_align(e.repr.size()),
            },
            TypeDefKind::Alias { layout, .. } => *layout,
        }
    }

    /// Does the type take the `'obj` lifetime (it holds program slots)?
    pub fn has_lifetime(&self) -> bool {
        matches!(&self.kind, TypeDefKind::Struct(s) if s.program_slots)
    }
}

/// A struct or union with every byte accounted for: members, bitfield
/// storage and padding, in offset order, covering `0..layout.size`
/// (unions: every field at offset 0).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct StructDef {
    /// A union: every field at offset 0.
    pub union: bool,
    /// Size and alignment of the Rust type.
    pub layout: Layout,
    /// The C size: what libbpf's buffer holds. Equal to `layout.size`,
    /// except for data sections, whose views round up to their alignment.
    pub c_size: u64,
    /// `#[repr(C, packed)]`: some member sits below its natural alignment.
    pub packed: bool,
    /// Members, bitfield storage and padding, in offset order.
    pub fields: Vec<Field>,
    /// The bitfields, read and written through methods; their bytes are
    /// `BitfieldStorage` fields in `fields`.
    pub bitfields: Vec<Bitfield>,
    /// Holds `Option<&'obj Program>` slots (struct_ops shadows only).
    pub program_slots: bool,
}

impl StructDef {
    /// A struct with no fields yet, of size 0 (a type being translated,
    /// or a test's stand-in).
    pub fn empty() -> StructDef {
        StructDef {
            union: false,
            layout: Layout { size: 0, align: 1 },
            c_size: 0,
            packed: false,
            fields: vec![],
            bitfields: vec![],
            program_slots: false,
        }
    }
}

/// What a field of a generated struct holds.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum FieldKind {
    /// A C member (or variable) of that name.
    Member {
        /// The C member's (or variable's) name.
        c_name: String,
    },
    /// Bytes no member covers: gaps and the tail.
    Padding,
    /// The bytes holding one or more bitfields, read through accessors.
    BitfieldStorage,
}

/// One field of a generated struct or union.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Field {
    /// Rust field name, unique in its struct.
    pub name: String,
    /// What it holds: a member, padding or bitfield storage.
    pub kind: FieldKind,
    /// Offset from the start of the struct, in bytes.
    pub byte_offset: u64,
    /// Size in bytes.
    pub size: u64,
    /// The Rust type.
    pub ty: Ty,
    /// The C type, for documentation.
    pub c_type: Option<String>,
    /// Why the field has the representation it has, when that is a fallback.
    pub note: Option<String>,
    /// Union members only: safe accessor names `(get, get_mut)` (`(get,
    /// set)` by value in a packed union), and the constructor's (`from_x`:
    /// the union holding the member, its other bytes zero).
    pub union_accessors: Option<(String, String, String)>,
}

/// A bitfield read and written through methods on its struct.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Bitfield {
    /// The C member's name.
    pub c_name: String,
    /// Rust name of the method reading it.
    pub getter: String,
    /// Rust name of the method writing it.
    pub setter: String,
    /// Index of the `BitfieldStorage` field in `StructDef::fields`.
    pub storage: usize,
    /// Bit offset from the start of the storage field, as C numbers bits
    /// on the target (and BTF gives them): from the least significant bit
    /// of the first byte on little-endian targets, from the most
    /// significant on big-endian ones ([`TargetLayout::big_endian`]).
    pub bit_offset: u32,
    /// Width in bits.
    pub bits: u32,
    /// `Int`, `Bool` or `Enum`.
    pub ty: Ty,
    /// Signed: the getter sign-extends the bits.
    pub signed: bool,
    /// The C type, for documentation.
    pub c_type: String,
}

/// An enum newtype over its integer representation.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct EnumDef {
    /// The integer it wraps, of the C enum's size and signedness.
    pub repr: IntTy,
    /// The enumerators, in the order BTF lists them.
    pub values: Vec<EnumValue>,
}

/// One known value of an enum: an associated constant.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct EnumValue {
    /// Rust constant name, unique in the enum.
    pub name: String,
    /// The C enumerator's name.
    pub c_name: String,
    /// Its value.
    pub value: i128,
}
