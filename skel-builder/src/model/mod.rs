//! The skeleton model: plain data describing what to generate.
//!
//! The `object` step builds it from an ELF/BTF object; `codegen` reads only
//! it. No `syn`/`quote` types live here, so tests build models by hand.
//! Names stored in the model are final: unique in their namespace and
//! already shaped by [`crate::ident`] (keywords are still spelled plainly;
//! codegen makes them raw identifiers).

mod map;
mod prog;
mod skeleton;
mod ty;

pub use map::{DataKind, MapDef, MapKind, ResizableArray};
pub use prog::ProgDef;
pub use skeleton::{ObjectPath, Skeleton, Warning};
pub use ty::{
    Bitfield, EnumDef, EnumValue, Field, FieldKind, FloatTy, IntTy, Layout, Origin, StructDef, Ty,
    TypeDef, TypeDefKind, TypeRef,
};
