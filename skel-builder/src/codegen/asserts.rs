//! Compile-time layout checks: every generated type states its size,
//! alignment and each member's offset, taken from BTF, in one
//! `skel_runtime::layout!` invocation, which checks them, that every
//! field type may sit in the type (plain data, or for shadows program
//! slots) and that no byte is padding, and then implements `Plain` or
//! `Shadow` for it, with `Debug`, `Default` and comparisons.

use proc_macro2::TokenStream;
use quote::quote;

use super::attrs::{ident, lit};
use crate::model::{FieldKind, Skeleton, StructDef, Ty, TypeDef, TypeDefKind};

/// `kernel_struct`: for a shadow, the kernel struct its maps fill.
pub fn struct_asserts(
    skel: &Skeleton,
    def: &TypeDef,
    s: &StructDef,
    kernel_struct: Option<&str>,
) -> TokenStream {
    let name = ident(&def.name);
    let size = lit(s.layout.size);
    let align = lit(s.layout.align);
    if s.union {
        // Every field, padding and bitfield storage too: the largest must
        // cover the union.
        let fields = s.fields.iter().map(|f| ident(&f.name));
        return quote! {
            __skel::layout!(unsafe union #name: #size, #align; #(#fields),*);
        };
    }
    let shadow = def.has_lifetime();
    let offsets = s
        .fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Member { .. }))
        .map(|f| {
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
    // Padding, and bitfield storage with the getters of its bitfields
    // (compared by value: the bits no bitfield uses are padding too).
    let rest = s
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| !matches!(f.kind, FieldKind::Member { .. }))
        .map(|(i, f)| {
            let field = ident(&f.name);
            let getters: Vec<_> = s
                .bitfields
                .iter()
                .filter(|b| b.storage == i && matches!(b.ty, Ty::Bool | Ty::Int(_) | Ty::Enum(_)))
                .map(|b| ident(&b.getter))
                .collect();
            if getters.is_empty() {
                quote!(#field)
            } else {
                quote!(#field(#(#getters),*))
            }
        });
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
    // A packed struct's members are copied out to be compared; others are
    // borrowed. Floats have no `Eq` (nor `Hash`): such a type gets
    // `PartialEq` alone.
    let packed = s.packed.then(|| quote!(packed));
    let partial = holds_float(skel, s).then(|| quote!(PartialEq));
    quote! {
        __skel::layout!(unsafe #kind: #size, #align #packed #partial; #(#offsets),*; #(#rest),*);
    }
}

/// Does a member of the struct, or of a struct it holds, compare as a
/// float? Unions compare their bytes, so floats in them don't count.
/// Walks each type once (a type reached twice by value is no cycle, but a
/// wide graph of them would be exponential).
fn holds_float(skel: &Skeleton, s: &StructDef) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<&Ty> = member_types(s).collect();
    while let Some(ty) = stack.pop() {
        match ty {
            Ty::Float(_) => return true,
            Ty::Array(elem, _) => stack.push(elem),
            Ty::Composite(r) if seen.insert(*r) => {
                if let TypeDefKind::Struct(inner) = &skel.ty(*r).kind
                    && !inner.union
                {
                    stack.extend(member_types(inner));
                }
            }
            _ => {}
        }
    }
    false
}

fn member_types(s: &StructDef) -> impl Iterator<Item = &Ty> {
    s.fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Member { .. }))
        .map(|f| &f.ty)
}
