//! Code generation: model in, tokens out. Codegen reads only the model;
//! every layout decision was made before (in `layout` and `object`), so
//! this module prints.
//!
//! - `skel`: the spec, builder, open/loaded skeletons and links;
//! - `views`: the maps, programs and struct_ops views they lend;
//! - `live`: live views of data sections after load;
//! - `ty`: structs, unions and enums for BTF types;
//! - `asserts`: compile-time layout checks;
//! - `attrs`: identifiers, literals, docs.

mod asserts;
mod attrs;
mod live;
mod skel;
mod ty;
mod views;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Skeleton;

/// The whole generated file, as tokens.
pub fn generate(skel: &Skeleton) -> TokenStream {
    let module = attrs::ident(&skel.idents.module);
    let types = skel.types.iter().map(|t| ty::type_def(skel, t));
    let skeleton = skel::skeleton(skel);
    let types_doc = attrs::doc(&[format!(
        "Rust types for the BTF types of object {}: its data sections, struct_ops shadows, map keys and values, and the types the build script named.",
        attrs::code(&skel.name)
    )]);
    // Lints: C names keep their case; not every generated accessor is used
    // by every program; enum constants keep their C spelling; a skeleton
    // without types does not use `types` or the runtime alias. `types` sits
    // beside the skeleton's module, not in it: one level less of
    // indentation for most of the file. Both modules name the runtime
    // `__skel` (a name generated types never take), which keeps the
    // hundreds of paths into it short.
    let allow = quote! {
        #[allow(
            dead_code,
            non_camel_case_types,
            non_snake_case,
            non_upper_case_globals,
            unused_imports,
            unused_qualifications,
        )]
    };
    quote! {
        #types_doc
        #allow
        pub mod types {
            use ::skel_runtime as __skel;
            #(#types)*
        }
        #allow
        mod #module {
            use super::types;
            use ::skel_runtime as __skel;
            #skeleton
        }
        pub use #module::*;
    }
}
