//! Generated types: structs, unions and enum newtypes, with their docs,
//! accessors and layout checks.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::asserts::struct_asserts;
use super::attrs::{code, doc, ident, lit};
use crate::model::{
    Bitfield, EnumDef, Field, FieldKind, FloatTy, IntTy, Origin, Skeleton, StructDef, Ty, TypeDef,
    TypeDefKind,
};

/// The Rust type of a field. `lifetime` is what program slots borrow for.
pub fn field_type(skel: &Skeleton, ty: &Ty, lifetime: TokenStream) -> TokenStream {
    match ty {
        Ty::Int(i) => int_type(*i),
        Ty::Float(FloatTy::F32) => quote!(f32),
        Ty::Float(FloatTy::F64) => quote!(f64),
        Ty::Bool => quote!(::skel_runtime::CBool),
        Ty::CharArray(n) => {
            let n = lit(*n);
            quote!(::skel_runtime::CharArray<#n>)
        }
        Ty::Enum(r) | Ty::Composite(r) => {
            let name = ident(&skel.ty(*r).name);
            quote!(#name)
        }
        Ty::Array(elem, n) => {
            let elem = field_type(skel, elem, lifetime);
            let n = lit(*n);
            quote!([#elem; #n])
        }
        Ty::Pointer => quote!(::skel_runtime::OpaquePtr),
        Ty::ProgramSlot => quote!(::core::option::Option<&#lifetime ::skel_runtime::Program>),
        Ty::Bytes(n) => {
            let n = lit(*n);
            quote!([u8; #n])
        }
    }
}

fn int_type(i: IntTy) -> TokenStream {
    let name = ident(i.rust_name());
    quote!(#name)
}

pub fn type_def(skel: &Skeleton, def: &TypeDef) -> TokenStream {
    match &def.kind {
        TypeDefKind::Struct(s) => struct_def(skel, def, s),
        TypeDefKind::Enum(e) => enum_def(skel, def, e),
    }
}

fn origin_line(skel: &Skeleton, def: &TypeDef) -> String {
    match &def.origin {
        Origin::Datasec { section } => format!(
            "The variables of data section {}, laid out as libbpf maps them.",
            code(section)
        ),
        Origin::StructOps { maps } => {
            let maps: Vec<String> = maps.iter().map(|m| code(m)).collect();
            format!(
                "Shadow of {} for struct_ops map {}: the bytes libbpf sends to the kernel at load. \
                 Writable before load (`open.struct_ops.<map>_mut()`), read-only after; writes after load are \
                 not possible.",
                code(&def.c_name),
                maps.join(", ")
            )
        }
        Origin::Named { .. } => format!("C type {}.", code(&def.c_name)),
        Origin::Typedef { name } => format!(
            "Anonymous C type {}, declared through typedef {}.",
            code(&def.c_name),
            code(name)
        ),
        Origin::Anonymous { parent, member } => format!(
            "Anonymous C type {}, named for its place in {}: {}.",
            code(&def.c_name),
            code(&skel.ty(*parent).name),
            match member {
                Some(m) => format!("member {}", code(m)),
                None => "an anonymous member".to_owned(),
            }
        ),
    }
}

fn type_doc(skel: &Skeleton, def: &TypeDef) -> TokenStream {
    let layout = def.layout();
    let mut lines = vec![origin_line(skel, def)];
    let btf = def
        .btf_id
        .map(|id| format!(", BTF type id {id}"))
        .unwrap_or_default();
    lines.push(format!(
        "Size {} bytes, alignment {}{btf}.",
        layout.size, layout.align
    ));
    if let TypeDefKind::Struct(s) = &def.kind {
        if s.c_size != s.layout.size {
            lines.push(format!(
                "The section holds {} bytes; the view rounds up to {} for alignment (libbpf backs sections with whole pages).",
                s.c_size, s.layout.size
            ));
        }
        if s.packed {
            lines.push(
                "Packed: some member sits below its natural alignment, so fields cannot be borrowed; \
                 read and assign them by value."
                    .to_owned(),
            );
        }
    }
    doc(&lines)
}

fn field_doc(f: &Field) -> TokenStream {
    let mut lines = vec![];
    match &f.kind {
        FieldKind::Member { c_name } => {
            let c_type = f.c_type.as_deref().unwrap_or("?");
            let name = if c_name.is_empty() {
                "(anonymous member)".to_owned()
            } else {
                code(c_name)
            };
            lines.push(format!(
                "{name}: C type {}, at byte {}, {} bytes.",
                code(c_type),
                f.byte_offset,
                f.size
            ));
            match &f.ty {
                Ty::ProgramSlot => lines.push(
                    "Program slot: `None`, or a struct_ops program of this skeleton (`open.progs.<name>()`). \
                     The program sitting here is loaded; one left in no slot is not."
                        .to_owned(),
                ),
                Ty::Bytes(_) => lines.push(format!(
                    "Kept as bytes: {}.",
                    f.note.as_deref().unwrap_or("no Rust type with this layout")
                )),
                Ty::Pointer => lines.push("A BPF-side pointer, kept opaque.".to_owned()),
                Ty::Bool => lines.push("C `_Bool`; any byte value is accepted (non-zero is true).".to_owned()),
                Ty::CharArray(_) => lines.push("C string: use `set(\"...\")` and `to_str()`.".to_owned()),
                _ => {}
            }
        }
        FieldKind::Padding => lines.push(format!(
            "Padding: bytes {}..{}, kept zero.",
            f.byte_offset,
            f.byte_offset + f.size
        )),
        FieldKind::BitfieldStorage => lines.push(format!(
            "Storage of bitfields (bytes {}..{}); use the accessor methods.",
            f.byte_offset,
            f.byte_offset + f.size
        )),
    }
    doc(&lines)
}

fn struct_def(skel: &Skeleton, def: &TypeDef, s: &StructDef) -> TokenStream {
    let name = ident(&def.name);
    let lifetime = def.has_lifetime();
    let generics = if lifetime { quote!(<'obj>) } else { quote!() };
    let generics_any = if lifetime { quote!(<'_>) } else { quote!() };
    let repr = if s.packed {
        quote!(#[repr(C, packed)])
    } else {
        quote!(#[repr(C)])
    };
    let docs = type_doc(skel, def);
    let fields = s.fields.iter().map(|f| {
        let fname = ident(&f.name);
        let fdoc = field_doc(f);
        let ty = field_type(skel, &f.ty, quote!('obj));
        let vis = match f.kind {
            FieldKind::Member { .. } => quote!(pub),
            _ => quote!(),
        };
        quote! { #fdoc #vis #fname: #ty, }
    });
    let keyword = if s.union {
        quote!(union)
    } else {
        quote!(struct)
    };
    let derive = if s.union {
        quote!(#[derive(Clone, Copy)])
    } else {
        quote!(#[derive(Clone, Copy, Debug)])
    };
    let mut methods = vec![];
    for bf in &s.bitfields {
        methods.push(bitfield_accessors(skel, s, bf));
    }
    if s.union {
        for f in &s.fields {
            if let Some((get, second)) = &f.union_accessors {
                methods.push(union_accessors(skel, s, f, get, second));
            }
        }
    }
    let methods = if methods.is_empty() {
        quote!()
    } else {
        quote! {
            impl #generics #name #generics { #(#methods)* }
        }
    };
    let debug = if s.union {
        let label = &def.name;
        quote! {
            impl ::core::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct(#label).finish_non_exhaustive()
                }
            }
        }
    } else {
        quote!()
    };
    let (marker, default) = if lifetime {
        (
            quote! {
                // SAFETY: every field is plain data or a program slot (checked below).
                unsafe impl ::skel_runtime::Shadow for #name #generics_any {}
            },
            quote!(),
        )
    } else {
        (
            quote! {
                // SAFETY: every field is plain data (checked below).
                unsafe impl ::skel_runtime::Plain for #name {}
            },
            quote! {
                impl ::core::default::Default for #name {
                    fn default() -> Self {
                        ::skel_runtime::zeroed()
                    }
                }
            },
        )
    };
    let asserts = struct_asserts(skel, def, s);
    quote! {
        #docs
        #repr
        #derive
        pub #keyword #name #generics {
            #(#fields)*
        }
        #methods
        #debug
        #default
        #marker
        #asserts
    }
}

fn bitfield_accessors(skel: &Skeleton, s: &StructDef, bf: &Bitfield) -> TokenStream {
    let getter = ident(&bf.getter);
    let setter = ident(&bf.setter);
    let storage_field = &s.fields[bf.storage];
    let storage = ident(&storage_field.name);
    let len = lit(storage_field.size);
    let (bytes, bytes_mut) = if s.union {
        (
            quote!(::skel_runtime::prefix::<Self, [u8; #len]>(self)),
            quote!(::skel_runtime::prefix_mut::<Self, [u8; #len]>(self)),
        )
    } else {
        (quote!(&self.#storage), quote!(&mut self.#storage))
    };
    let off = Literal::u32_unsuffixed(bf.bit_offset);
    let bits = Literal::u32_unsuffixed(bf.bits);
    let ty = field_type(skel, &bf.ty, quote!('static));
    // `bits::get` reads a u64, `bits::get_signed` an i64 and `bits::set`
    // takes a u64: cast only between different types (clippy's
    // `unnecessary_cast` is an error under `-D warnings`).
    let (read, read_ty) = if bf.signed {
        (
            quote!(::skel_runtime::bits::get_signed(#bytes, #off, #bits)),
            IntTy::I64,
        )
    } else {
        (
            quote!(::skel_runtime::bits::get(#bytes, #off, #bits)),
            IntTy::U64,
        )
    };
    let cast = |expr: TokenStream, from: IntTy, to: IntTy| {
        if from == to {
            expr
        } else {
            let to = int_type(to);
            quote!(#expr as #to)
        }
    };
    let (get_body, set_value) = match &bf.ty {
        Ty::Bool => (quote!(#read != 0), quote!(u64::from(value))),
        Ty::Int(i) => (cast(read, read_ty, *i), cast(quote!(value), *i, IntTy::U64)),
        Ty::Enum(r) => {
            let repr = match &skel.ty(*r).kind {
                TypeDefKind::Enum(e) => e.repr,
                _ => IntTy::U64,
            };
            let get = cast(read, read_ty, repr);
            (quote!(#ty(#get)), cast(quote!(value.0), repr, IntTy::U64))
        }
        _ => return quote!(),
    };
    let ret = if matches!(bf.ty, Ty::Bool) {
        quote!(bool)
    } else {
        ty.clone()
    };
    let get_doc = doc(&[format!(
        "Bitfield {} ({}, {} bits at bit {} of {}).",
        code(&bf.c_name),
        code(&bf.c_type),
        bf.bits,
        bf.bit_offset,
        code(&storage_field.name)
    )]);
    let set_doc = doc(&[format!(
        "Sets bitfield {}; bits of `value` above its {} bits are dropped.",
        code(&bf.c_name),
        bf.bits
    )]);
    quote! {
        #get_doc
        pub fn #getter(&self) -> #ret {
            #get_body
        }
        #set_doc
        pub fn #setter(&mut self, value: #ret) {
            ::skel_runtime::bits::set(#bytes_mut, #off, #bits, #set_value)
        }
    }
}

fn union_accessors(
    skel: &Skeleton,
    s: &StructDef,
    f: &Field,
    get: &str,
    second: &str,
) -> TokenStream {
    let ty = field_type(skel, &f.ty, quote!('static));
    let get_id = ident(get);
    let second_id = ident(second);
    let (member, member_cap) = match &f.kind {
        FieldKind::Member { c_name } if !c_name.is_empty() => (
            format!("union member {}", code(c_name)),
            format!("Union member {}", code(c_name)),
        ),
        _ => (
            format!("anonymous union member {}", code(&f.name)),
            format!("Anonymous union member {}", code(&f.name)),
        ),
    };
    let get_doc = doc(&[format!("Reads {member} (any bytes are a valid value).")]);
    if s.packed {
        let set_doc = doc(&[format!("Writes {member}.")]);
        quote! {
            #get_doc
            pub fn #get_id(&self) -> #ty {
                ::skel_runtime::read_prefix(self)
            }
            #set_doc
            pub fn #second_id(&mut self, value: #ty) {
                ::skel_runtime::write_prefix(self, value)
            }
        }
    } else {
        let mut_doc = doc(&[format!("{member_cap}, to modify in place.")]);
        quote! {
            #get_doc
            pub fn #get_id(&self) -> &#ty {
                ::skel_runtime::prefix(self)
            }
            #mut_doc
            pub fn #second_id(&mut self) -> &mut #ty {
                ::skel_runtime::prefix_mut(self)
            }
        }
    }
}

fn enum_def(skel: &Skeleton, def: &TypeDef, e: &EnumDef) -> TokenStream {
    let name = ident(&def.name);
    let repr = int_type(e.repr);
    let docs = type_doc(skel, def);
    let extra = doc(&["Any value is valid: the known ones are associated constants.".to_owned()]);
    let consts = e.values.iter().map(|v| {
        let c = ident(&v.name);
        let value = enum_literal(e.repr, v.value);
        let d = doc(&[format!("{} = {}", code(&v.c_name), v.value)]);
        quote! { #d pub const #c: #name = #name(#value); }
    });
    let mut seen = std::collections::HashSet::new();
    let arms = e.values.iter().filter(|v| seen.insert(v.value)).map(|v| {
        let value = enum_literal(e.repr, v.value);
        let label = &v.c_name;
        quote! { #value => #label, }
    });
    let label = &def.name;
    let size = lit(e.repr.size());
    let size_msg = format!(
        "`{}`: size must be {} bytes, as in BTF",
        def.name,
        e.repr.size()
    );
    quote! {
        #docs
        #extra
        #[repr(transparent)]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct #name(pub #repr);
        impl #name {
            #(#consts)*
        }
        impl ::core::fmt::Debug for #name {
            #[allow(unreachable_patterns)]
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                let known = match self.0 {
                    #(#arms)*
                    _ => return f.debug_tuple(#label).field(&self.0).finish(),
                };
                f.write_str(known)
            }
        }
        // SAFETY: a transparent integer.
        unsafe impl ::skel_runtime::Plain for #name {}
        const _: () = {
            let size = ::core::mem::size_of::<#name>();
            assert!(size == #size, #size_msg);
        };
    }
}

/// An enum value as a literal of its representation (negative values
/// become a negated literal).
fn enum_literal(repr: IntTy, value: i128) -> TokenStream {
    let _ = repr;
    if value < 0 {
        let abs = Literal::u128_unsuffixed(value.unsigned_abs());
        quote!(-#abs)
    } else {
        let v = Literal::u128_unsuffixed(value as u128);
        quote!(#v)
    }
}
