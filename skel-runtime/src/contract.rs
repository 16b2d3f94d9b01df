//! The contract between generated skeletons and the runtime: everything
//! generated code names under `skel_runtime::__private`, and nothing else.
//!
//! A skeleton describes its object once, as a `static` [`SkelSpec`]: its
//! maps (with the typed view or shadow each carries) and programs, in the
//! order libbpf creates them. Every generated accessor then names a map or
//! program by its index in those lists, and the runtime checks the rest:
//! at open, that each map and program is in the object and that every
//! generated type has exactly the size and alignment of the memory libbpf
//! keeps for it; before load, every struct_ops slot.
//!
//! Generated code reaches the open and loaded object only through
//! [`OpenCore`](crate::core::OpenCore) and
//! [`LoadedCore`](crate::core::LoadedCore), which it keeps private inside
//! the skeleton: a skeleton's maps, programs and shadows are views that
//! borrow the skeleton, never values that could be swapped into another
//! skeleton (which is how safe code once made two skeletons alias one
//! shadow).

use std::mem::{align_of, size_of};

use crate::plain::Shadow;

/// What generated code tells the runtime about its object.
#[derive(Debug)]
pub struct SkelSpec {
    /// The skeleton's name (`foo` for `FooSkel`), for messages.
    pub skeleton: &'static str,
    /// The name handed to libbpf (prefix of internal map names), at most
    /// 15 bytes.
    pub name: &'static str,
    /// The object the skeleton embeds.
    pub object: &'static [u8],
    /// Its maps, in the order the generated accessors index them.
    pub maps: &'static [MapSpec],
    /// Its programs, in the order the generated accessors index them.
    pub progs: &'static [ProgSpec],
}

/// One map of the object.
#[derive(Debug)]
pub struct MapSpec {
    /// `bpf_map__name`, for messages.
    pub name: &'static str,
    /// The name looked up (`.bss` for internal maps).
    pub lookup: &'static str,
    /// What the skeleton lays over libbpf's memory for this map.
    pub kind: MapSpecKind,
}

/// What a map carries, as far as the runtime must check it.
#[derive(Debug)]
pub enum MapSpecKind {
    /// Nothing laid over libbpf's memory.
    Plain,
    /// A data section with a typed view: checked at open. `resizable`
    /// sections (their last variable is an array) may change size before
    /// load; all others keep the size checked at open.
    Data {
        /// The type laid over the section.
        view: TypeSpec,
        /// Whether the section may change size before load.
        resizable: bool,
    },
    /// A struct_ops map with its shadow.
    StructOps(StructOpsSpec),
}

/// A generated type laid over libbpf's memory.
#[derive(Debug)]
pub struct TypeSpec {
    /// Its name, for messages.
    pub type_name: &'static str,
    /// `size_of` the generated type.
    pub size: usize,
    /// `align_of` the generated type.
    pub align: usize,
    /// The bytes libbpf keeps (the C size). Data-section views may round
    /// this up to their alignment; libbpf backs those with whole pages.
    pub value_size: usize,
}

/// One program of the object.
#[derive(Debug)]
pub struct ProgSpec {
    /// The program's name in the object.
    pub name: &'static str,
    /// A struct_ops program: its autoload follows the slots at load.
    pub struct_ops: bool,
    /// Marked optional in the build script: skipped at load (autoload
    /// off) when the running kernel lacks what it needs, instead of
    /// failing the load.
    pub optional: bool,
    /// The kfuncs its code may call (itself or through subprograms),
    /// declared without `__weak`: libbpf fails the load when the kernel
    /// lacks one. Object-wide where the builder could not tell which
    /// program calls what.
    pub kfuncs: &'static [&'static str],
    /// The typed kernel variables (`__ksym`) its code may use, likewise.
    pub ksyms: &'static [&'static str],
}

/// A struct_ops map's shadow.
#[derive(Debug)]
pub struct StructOpsSpec {
    /// The shadow type laid over libbpf's copy of the kernel struct.
    pub shadow: TypeSpec,
    /// The shadow's members (`Shadow::MEMBERS`).
    pub members: &'static [MemberSpec],
    /// The kernel struct libbpf fills (`Shadow::KERNEL_STRUCT`).
    pub kernel_struct: &'static str,
}

/// One C member of a shadow, from the type's own facts.
#[derive(Debug)]
pub struct MemberSpec {
    /// The C member's name.
    pub name: &'static str,
    /// Its byte offset in the kernel struct.
    pub offset: usize,
    /// Its size in bytes.
    pub size: usize,
    /// A program slot.
    pub slot: bool,
}

impl MapSpec {
    /// A map without anything laid over it.
    pub const fn new(name: &'static str, lookup: &'static str) -> Self {
        MapSpec {
            name,
            lookup,
            kind: MapSpecKind::Plain,
        }
    }

    /// A data-section map with a typed view `view`.
    pub const fn data(
        name: &'static str,
        lookup: &'static str,
        view: TypeSpec,
        resizable: bool,
    ) -> Self {
        MapSpec {
            name,
            lookup,
            kind: MapSpecKind::Data { view, resizable },
        }
    }

    /// A struct_ops map whose shadow is `T`.
    pub const fn struct_ops<T: Shadow>(name: &'static str) -> Self {
        MapSpec {
            name,
            lookup: name,
            kind: MapSpecKind::StructOps(StructOpsSpec {
                shadow: TypeSpec::of::<T>(T::NAME, size_of::<T>()),
                members: T::MEMBERS,
                kernel_struct: T::KERNEL_STRUCT,
            }),
        }
    }

    /// The typed view of a data section.
    pub(crate) fn view(&self) -> Option<&TypeSpec> {
        match &self.kind {
            MapSpecKind::Data { view, .. } => Some(view),
            _ => None,
        }
    }

    pub(crate) fn struct_ops_spec(&self) -> Option<&StructOpsSpec> {
        match &self.kind {
            MapSpecKind::StructOps(s) => Some(s),
            _ => None,
        }
    }

    /// Does the skeleton rely on this map's value size staying what it
    /// was at open (a fixed typed view, or a shadow)?
    pub(crate) fn fixed_size(&self) -> bool {
        match &self.kind {
            MapSpecKind::Plain => false,
            MapSpecKind::Data { resizable, .. } => !resizable,
            MapSpecKind::StructOps(_) => true,
        }
    }
}

impl TypeSpec {
    /// The facts of generated type `T`, which libbpf keeps in
    /// `value_size` bytes.
    pub const fn of<T>(type_name: &'static str, value_size: usize) -> Self {
        TypeSpec {
            type_name,
            size: size_of::<T>(),
            align: align_of::<T>(),
            value_size,
        }
    }

    /// Is this exactly the type `T`'s facts?
    pub(crate) fn is<T>(&self) -> bool {
        self.size == size_of::<T>() && self.align == align_of::<T>()
    }

    /// The generated type is the C size, or that rounded up to its
    /// alignment (data-section views; libbpf backs them with whole pages).
    pub(crate) fn tail_ok(&self) -> bool {
        self.size == self.value_size
            || (self.size > self.value_size && self.size - self.value_size < self.align)
    }
}

impl ProgSpec {
    /// A program `name`, a struct_ops program if `struct_ops`; required, and calling no kfuncs or ksyms until told otherwise.
    pub const fn new(name: &'static str, struct_ops: bool) -> Self {
        ProgSpec {
            name,
            struct_ops,
            optional: false,
            kfuncs: &[],
            ksyms: &[],
        }
    }

    /// The program is optional (see [`ProgSpec::optional`]).
    pub const fn optional(self) -> Self {
        ProgSpec {
            optional: true,
            ..self
        }
    }

    /// The non-weak kfuncs its code may call.
    pub const fn kfuncs(self, kfuncs: &'static [&'static str]) -> Self {
        ProgSpec { kfuncs, ..self }
    }

    /// The non-weak typed ksyms its code may use.
    pub const fn ksyms(self, ksyms: &'static [&'static str]) -> Self {
        ProgSpec { ksyms, ..self }
    }
}

impl StructOpsSpec {
    /// The program slots among the members.
    pub(crate) fn slots(&self) -> impl Iterator<Item = &'static MemberSpec> {
        self.members.iter().filter(|m| m.slot)
    }
}

impl MemberSpec {
    /// A member `name` at `offset`, `size` bytes, a program slot if `slot`.
    pub const fn new(name: &'static str, offset: usize, size: usize, slot: bool) -> Self {
        MemberSpec {
            name,
            offset,
            size,
            slot,
        }
    }
}

/// A Rust field name as C spells it: a raw identifier without its `r#`.
pub const fn strip_raw(field: &'static str) -> &'static str {
    match field.as_bytes() {
        // SAFETY: dropping an ASCII prefix leaves valid UTF-8.
        [b'r', b'#', rest @ ..] => unsafe { std::str::from_utf8_unchecked(rest) },
        _ => field,
    }
}

/// The size of a field's type, named by a function that reads it
/// (`|v: Self| v.field`, which also works for packed structs).
pub const fn size_of_field<T, F>(_: fn(T) -> F) -> usize {
    size_of::<F>()
}

/// Object bytes with the alignment libelf wants.
#[repr(C, align(8))]
pub struct Aligned<T: ?Sized>(pub T);
