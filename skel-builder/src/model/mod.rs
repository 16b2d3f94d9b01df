//! The skeleton model: plain data describing what is generated.
//!
//! This is public API. A build script takes the model of what it built from
//! [`Built::skeleton`](crate::Built) (or [`Generated::skeleton`](crate::Generated)
//! from [`SkeletonBuilder::generate`](crate::SkeletonBuilder::generate)) to describe what was
//! generated: `example-app`'s build script prints the layout of its
//! struct_ops shadow from it. The model is exactly what the code is printed
//! from: [`Skeleton::layout_of`] gives a field type's size and alignment,
//! [`Skeleton::rust_type`] its Rust spelling.
//!
//! Structs and enums here are `#[non_exhaustive]`: later versions may add
//! fields, variants and shapes of types, so read fields and match with a
//! `_` arm; models are built only by skel-builder.
//!
//! Inside skel-builder: the `translate` step builds it from what libbpf
//! sees in the object, the naming pass gives every item its Rust name, and
//! `codegen` reads only the model. No `syn`/`quote` types live here, so
//! tests build models by hand. Rust names stored in the model are final:
//! unique in their namespace and shaped as identifiers (keywords are still
//! spelled plainly; codegen makes them raw identifiers).

/// Rust identifiers: how the model's names are spelt.
pub(crate) mod ident;
mod map;
mod prog;
mod skeleton;
mod ty;

pub use map::{
    DataKind, LiveIdents, LiveVar, MapDef, MapIdents, MapKind, ResizableArray, StructOpsIdents,
    TypedHandle,
};
pub use prog::{ProgDef, ProgIdents};
pub use skeleton::{ObjectPath, SkelIdents, Skeleton, Warning};
pub use ty::{
    Bitfield, EnumDef, EnumValue, Field, FieldKind, FloatTy, IntTy, Layout, Origin, StructDef,
    TargetLayout, Ty, TypeDef, TypeDefKind, TypeRef,
};
