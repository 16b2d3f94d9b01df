//! Code generation: model in, tokens out. Codegen reads only the model;
//! every layout decision was made before (in `layout` and `object`), so
//! this module prints.
//!
//! - `skel`: builder, open/loaded skeletons and their containers;
//! - `skel_ops`: their resize, array, autoattach, attach-one and read-back
//!   methods;
//! - `ty`: structs, unions and enums for BTF types;
//! - `asserts`: compile-time layout checks;
//! - `attrs`: identifiers, literals, docs.

mod asserts;
mod attrs;
mod skel;
mod skel_ops;
mod ty;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Skeleton;

/// The whole generated file, as tokens.
pub fn generate(skel: &Skeleton) -> TokenStream {
    let module = attrs::ident(&skel.idents.module);
    let types = skel.types.iter().map(|t| ty::type_def(skel, t));
    let skeleton = skel::skeleton(skel);
    let types_doc = attrs::doc(&[format!(
        "Rust types for the BTF types that object {} exposes through its data sections and struct_ops maps.",
        attrs::code(&skel.name)
    )]);
    quote! {
        // Lints: C names keep their case; not every generated accessor is
        // used by every program; enum constants keep their C spelling.
        #[allow(
            dead_code,
            non_camel_case_types,
            non_snake_case,
            non_upper_case_globals,
            unused_qualifications,
        )]
        mod #module {
            #types_doc
            pub mod types {
                #(#types)*
            }
            #skeleton
        }
        pub use #module::*;
    }
}
