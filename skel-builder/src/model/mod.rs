//! The skeleton model: plain data describing what to generate.
//!
//! The `translate` step builds it from what libbpf sees in the object, the
//! naming pass gives every item its Rust name, and `codegen` reads only the
//! model. No `syn`/`quote` types live here, so tests build models by hand.
//! Rust names stored in the model are final: unique in their namespace and
//! shaped as identifiers (keywords are still spelled plainly; codegen makes
//! them raw identifiers).

mod map;
mod prog;
mod skeleton;
mod ty;

pub use map::{DataKind, MapDef, MapIdents, MapKind, ResizableArray, TypedHandle};
pub use prog::{Accessors, ProgDef, ProgIdents};
pub use skeleton::{ObjectPath, SkelIdents, Skeleton, Warning};
pub use ty::{
    Bitfield, EnumDef, EnumValue, Field, FieldKind, FloatTy, IntTy, Layout, Origin, StructDef, Ty,
    TypeDef, TypeDefKind, TypeRef,
};
