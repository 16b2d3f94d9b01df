//! Compile-time layout checks: every generated type asserts its size,
//! alignment and each field's offset, taken from BTF, and that every field
//! type is plain data.

use proc_macro2::TokenStream;
use quote::quote;

use super::attrs::{ident, lit};
use super::ty::field_type;
use crate::model::{Skeleton, StructDef, TypeDef};

/// Size, alignment and offset checks, and that every field type may sit in
/// the type: plain data, or for shadows also program slots.
pub fn struct_asserts(skel: &Skeleton, def: &TypeDef, s: &StructDef) -> TokenStream {
    let check = if def.has_lifetime() {
        quote!(assert_shadow_field)
    } else {
        quote!(assert_plain)
    };
    let name = ident(&def.name);
    let this = if def.has_lifetime() {
        quote!(#name<'static>)
    } else {
        quote!(#name)
    };
    let alias = ident("This");
    let size = lit(s.layout.size);
    let align = lit(s.layout.align);
    let size_msg = format!(
        "`{}`: size must be {} bytes, as in BTF",
        def.name, s.layout.size
    );
    let align_msg = format!("`{}`: alignment must be {}", def.name, s.layout.align);
    let mut checks = vec![];
    let mut seen = std::collections::HashSet::new();
    for f in &s.fields {
        let ty = field_type(skel, &f.ty, quote!('static));
        if seen.insert(ty.to_string()) {
            checks.push(quote!(::skel_runtime::#check::<#ty>();));
        }
        if !s.union {
            let field = ident(&f.name);
            let offset = lit(f.byte_offset);
            let msg = format!(
                "`{}::{}`: offset must be {}, as in BTF",
                def.name, f.name, f.byte_offset
            );
            checks.push(quote!(
                assert!(::core::mem::offset_of!(#alias, #field) == #offset, #msg);
            ));
        }
    }
    quote! {
        const _: () = {
            type #alias = #this;
            #(#checks)*
            let size = ::core::mem::size_of::<#alias>();
            assert!(size == #size, #size_msg);
            let align = ::core::mem::align_of::<#alias>();
            assert!(align == #align, #align_msg);
        };
    }
}
