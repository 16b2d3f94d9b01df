//! Compile-time layout checks: every generated type states its size,
//! alignment and each member's offset, taken from BTF, in one
//! `skel_runtime::layout!` invocation, which checks them and that every
//! field type may sit in the type (plain data, or for shadows program
//! slots), and then implements `Plain` or `Shadow` for it.

use proc_macro2::TokenStream;
use quote::quote;

use super::attrs::{ident, lit};
use crate::model::{FieldKind, StructDef, Ty, TypeDef};

/// `kernel_struct`: for a shadow, the kernel struct its maps fill.
pub fn struct_asserts(def: &TypeDef, s: &StructDef, kernel_struct: Option<&str>) -> TokenStream {
    let name = ident(&def.name);
    let size = lit(s.layout.size);
    let align = lit(s.layout.align);
    let members = s
        .fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Member { .. }));
    if s.union {
        let members = members.map(|f| ident(&f.name));
        return quote! {
            __skel::layout!(unsafe union #name: #size, #align; #(#members),*);
        };
    }
    let shadow = def.has_lifetime();
    let offsets = members.map(|f| {
        let field = ident(&f.name);
        let offset = lit(f.byte_offset);
        let slot = (f.ty == Ty::ProgramSlot).then(|| quote!(slot));
        // A shadow member's C name, where the Rust field differs (the
        // runtime matches members to the kernel's by it).
        let c_name = match &f.kind {
            FieldKind::Member { c_name } if shadow && *c_name != f.name => quote!(= #c_name),
            _ => quote!(),
        };
        quote!(#field #c_name #offset #slot)
    });
    let rest = s
        .fields
        .iter()
        .filter(|f| !matches!(f.kind, FieldKind::Member { .. }))
        .map(|f| ident(&f.name));
    let kind = if shadow {
        let c_name = def.c_name.strip_prefix("struct ").unwrap_or(&def.c_name);
        let kernel = match kernel_struct {
            Some(k) if k != c_name => quote!(as #k),
            _ => quote!(),
        };
        quote!(shadow #name<'static> #c_name #kernel)
    } else {
        quote!(plain #name)
    };
    quote! {
        __skel::layout!(unsafe #kind: #size, #align; #(#offsets),*; #(#rest),*);
    }
}
