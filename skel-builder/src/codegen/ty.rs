//! Generated types: structs, unions and enum newtypes, with their docs,
//! accessors and layout checks.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::asserts::struct_asserts;
use super::attrs::{code, doc, ident, lit};
use crate::model::{
    Bitfield, EnumDef, Field, FieldKind, IntTy, MapKind, Origin, Skeleton, StructDef, Ty, TypeDef,
    TypeDefKind,
};

/// The Rust type of a field, inside the `types` module. `lifetime` is what
/// program slots borrow for. The model spells the same types for people
/// ([`Ty::rust_spelling`]); `spellings_agree_with_codegen` below holds the
/// two together.
pub fn field_type(skel: &Skeleton, ty: &Ty, lifetime: TokenStream) -> TokenStream {
    type_path(skel, ty, lifetime, quote!())
}

/// The Rust type of `ty` outside the `types` module (its generated types
/// as `types::name`).
pub fn outer_type(skel: &Skeleton, ty: &Ty) -> TokenStream {
    type_path(skel, ty, quote!('static), quote!(types::))
}

fn type_path(skel: &Skeleton, ty: &Ty, lifetime: TokenStream, prefix: TokenStream) -> TokenStream {
    match ty {
        Ty::Int(i) => int_type(*i),
        Ty::Float(f) => {
            let name = ident(f.rust_name());
            quote!(#name)
        }
        Ty::Bool => quote!(__skel::CBool),
        Ty::CharArray(n) => {
            let n = lit(*n);
            quote!(__skel::CharArray<#n>)
        }
        Ty::Enum(r) | Ty::Composite(r) => {
            let name = ident(&skel.ty(*r).name);
            quote!(#prefix #name)
        }
        Ty::Array(elem, n) => {
            let elem = type_path(skel, elem, lifetime, prefix);
            let n = lit(*n);
            quote!([#elem; #n])
        }
        Ty::Pointer => quote!(__skel::OpaquePtr),
        Ty::ProgramSlot => quote!(__skel::Slot<#lifetime>),
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
        TypeDefKind::Alias { ty, .. } => {
            let name = ident(&def.name);
            let docs = type_doc(skel, def);
            let ty = field_type(skel, ty, quote!('static));
            quote! {
                #docs
                pub type #name = #ty;
            }
        }
    }
}

fn origin_line(skel: &Skeleton, def: &TypeDef) -> String {
    match &def.origin {
        Origin::Datasec { section } => format!("Data section {}.", code(section)),
        Origin::StructOps { maps } => {
            let maps: Vec<String> = maps.iter().map(|m| code(m)).collect();
            format!(
                "Shadow of {} for struct_ops map {} (see `skel_runtime::Shadow`).",
                code(&def.c_name),
                maps.join(", ")
            )
        }
        Origin::Named { .. } => format!("C type {}.", code(&def.c_name)),
        Origin::Typedef { name } => format!(
            "C type {}, declared as typedef {}.",
            code(&def.c_name),
            code(name)
        ),
        Origin::Map { map, role } => format!(
            "C type {}, the {role} of map {}.",
            code(&def.c_name),
            code(map)
        ),
        Origin::Anonymous { parent, member } => format!(
            "C type {} of {}.",
            code(&def.c_name),
            match member {
                Some(m) => format!("member {} of {}", code(m), code(&skel.ty(*parent).name)),
                None => format!("an anonymous member of {}", code(&skel.ty(*parent).name)),
            }
        ),
    }
}

/// One paragraph: where the type comes from, and what it takes to read it.
fn type_doc(skel: &Skeleton, def: &TypeDef) -> TokenStream {
    let mut line = origin_line(skel, def);
    if let TypeDefKind::Struct(s) = &def.kind {
        if s.c_size != s.layout.size {
            line.push_str(&format!(
                " The section holds {} bytes; the view rounds up to {} for alignment (libbpf backs sections with whole pages).",
                s.c_size, s.layout.size
            ));
        }
        if s.packed {
            line.push_str(" Packed: read and assign fields by value, they cannot be borrowed.");
        }
    }
    doc(&[line])
}

/// Whether a member needs no doc line: a number or an array of numbers
/// under its C name, whose Rust type says all its C type would (`u64` for
/// `__u64`, `[u32; 4]` for `u32[4]`). Such lines were a third of a large
/// skeleton.
fn self_evident(f: &Field) -> bool {
    fn numeric(ty: &Ty) -> bool {
        match ty {
            Ty::Int(_) | Ty::Float(_) => true,
            Ty::Array(elem, _) => numeric(elem),
            _ => false,
        }
    }
    matches!(&f.kind, FieldKind::Member { c_name } if *c_name == f.name) && numeric(&f.ty)
}

/// A member's C type, and why it is kept as bytes when it is; nothing for
/// a self-evident one.
fn field_doc(f: &Field) -> TokenStream {
    if self_evident(f) {
        return quote!();
    }
    let c_type = f.c_type.as_deref().unwrap_or("?");
    let mut line = format!("C {}", code(c_type));
    if let FieldKind::Member { c_name } = &f.kind {
        if c_name.is_empty() {
            line.push_str(" (anonymous member)");
        } else if *c_name != f.name {
            line.push_str(&format!(" `{c_name}`"));
        }
    }
    line.push('.');
    if let Ty::Bytes(_) = f.ty {
        line.push_str(&format!(
            " Kept as bytes: {}.",
            f.note.as_deref().unwrap_or("no Rust type with this layout")
        ));
    }
    doc(&[line])
}

fn struct_def(skel: &Skeleton, def: &TypeDef, s: &StructDef) -> TokenStream {
    let name = ident(&def.name);
    let lifetime = def.has_lifetime();
    let generics = if lifetime { quote!(<'obj>) } else { quote!() };
    let repr = if s.packed {
        quote!(#[repr(C, packed)])
    } else {
        quote!(#[repr(C)])
    };
    let docs = type_doc(skel, def);
    // A union's fields are private: a union literal would leave the bytes
    // past its one member uninitialised. Its accessors and constructors
    // stand for them. A struct's are all public, padding and bitfield
    // storage too (as types safe code builds only zeroed), so that
    // `T { a: 1, ..Default::default() }` works.
    let fields = s.fields.iter().enumerate().map(|(i, f)| {
        let fname = ident(&f.name);
        let ty = match f.kind {
            FieldKind::Member { .. } => field_type(skel, &f.ty, quote!('obj)),
            FieldKind::Padding => {
                let n = lit(f.size);
                quote!(__skel::Padding<#n>)
            }
            FieldKind::BitfieldStorage => {
                let n = lit(f.size);
                quote!(__skel::Bitfields<#n>)
            }
        };
        if s.union {
            return quote! { #fname: #ty, };
        }
        let fdoc = match f.kind {
            FieldKind::Member { .. } => field_doc(f),
            FieldKind::Padding => quote!(),
            FieldKind::BitfieldStorage => {
                let held: Vec<String> = s
                    .bitfields
                    .iter()
                    .filter(|b| b.storage == i)
                    .map(|b| code(&b.c_name))
                    .collect();
                let plural = if held.len() == 1 { "" } else { "s" };
                doc(&[format!("Holds bitfield{plural} {}.", held.join(", "))])
            }
        };
        quote! { #fdoc pub #fname: #ty, }
    });
    let keyword = if s.union {
        quote!(union)
    } else {
        quote!(struct)
    };
    // `Debug`, `Default`, `PartialEq`, `Eq` and `Hash` come from `layout!`
    // (members only, `#[inline]`).
    let derive = quote!(#[derive(Clone, Copy)]);
    // Padding and self-evident members go undocumented: `missing_docs` in
    // the user's crate must not see them.
    let undocumented = !s.union
        && s.fields.iter().any(|f| match f.kind {
            FieldKind::Member { .. } => self_evident(f),
            FieldKind::Padding => true,
            FieldKind::BitfieldStorage => false,
        });
    let allow = if undocumented {
        quote!(#[allow(missing_docs)])
    } else {
        quote!()
    };
    let mut methods = vec![];
    if s.union {
        for f in &s.fields {
            if let Some(names) = &f.union_accessors {
                methods.push(union_accessors(skel, def, s, f, names));
            }
        }
    }
    for bf in &s.bitfields {
        methods.push(bitfield_accessors(skel, s, bf));
    }
    let methods = if methods.is_empty() {
        quote!()
    } else {
        quote! {
            impl #generics #name #generics { #(#methods)* }
        }
    };
    let kernel_struct = skel.maps.iter().find_map(|m| match &m.kind {
        MapKind::StructOps {
            shadow,
            kernel_struct,
            ..
        } if std::ptr::eq(skel.ty(*shadow), def) => Some(kernel_struct.as_str()),
        _ => None,
    });
    let asserts = struct_asserts(skel, def, s, kernel_struct);
    quote! {
        #docs
        #repr
        #derive
        #allow
        pub #keyword #name #generics {
            #(#fields)*
        }
        #methods
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
            quote!(__skel::__private::prefix::<Self, __skel::Bitfields<#len>>(self)),
            quote!(__skel::__private::prefix_mut::<Self, __skel::Bitfields<#len>>(self)),
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
    // Big-endian targets number bits from the most significant bit of the
    // first byte (as C and BTF do there): the `_be` twins read them so.
    let (get, get_signed, set) = if skel.target.big_endian {
        (quote!(get_be), quote!(get_signed_be), quote!(set_be))
    } else {
        (quote!(get), quote!(get_signed), quote!(set))
    };
    let (read, read_ty) = if bf.signed {
        (
            quote!(__skel::__private::bits::#get_signed(#bytes, #off, #bits)),
            IntTy::I64,
        )
    } else {
        (
            quote!(__skel::__private::bits::#get(#bytes, #off, #bits)),
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
            __skel::__private::bits::#set(#bytes_mut, #off, #bits, #set_value)
        }
    }
}

/// A union member's accessors, and its constructor.
fn union_accessors(
    skel: &Skeleton,
    def: &TypeDef,
    s: &StructDef,
    f: &Field,
    (get, second, from): &(String, String, String),
) -> TokenStream {
    let ty = field_type(skel, &f.ty, quote!('static));
    let get_id = ident(get);
    let second_id = ident(second);
    let from_id = ident(from);
    let (anon, member) = match &f.kind {
        FieldKind::Member { c_name } if !c_name.is_empty() => ("", code(c_name)),
        _ => ("anonymous ", code(&f.name)),
    };
    let c_type = code(f.c_type.as_deref().unwrap_or("?"));
    let get_doc = doc(&[format!(
        "Reads {anon}union member {member}, C {c_type} (any bytes are a valid value)."
    )]);
    let from_doc = doc(&[format!(
        "A {} holding {anon}member {member}, its other bytes zero.",
        code(&def.name)
    )]);
    let accessors = if s.packed {
        let set_doc = doc(&[format!("Writes {anon}union member {member}.")]);
        quote! {
            #get_doc
            pub fn #get_id(&self) -> #ty {
                __skel::__private::read_prefix(self)
            }
            #set_doc
            pub fn #second_id(&mut self, value: #ty) {
                __skel::__private::write_prefix(self, value)
            }
        }
    } else {
        let mut_doc = doc(&[format!(
            "{}nion member {member}, to modify in place.",
            if anon.is_empty() { "U" } else { "Anonymous u" }
        )]);
        quote! {
            #get_doc
            pub fn #get_id(&self) -> &#ty {
                __skel::__private::prefix(self)
            }
            #mut_doc
            pub fn #second_id(&mut self) -> &mut #ty {
                __skel::__private::prefix_mut(self)
            }
        }
    };
    quote! {
        #accessors
        #from_doc
        pub fn #from_id(value: #ty) -> Self {
            __skel::__private::with_prefix(value)
        }
    }
}

fn enum_def(skel: &Skeleton, def: &TypeDef, e: &EnumDef) -> TokenStream {
    let name = ident(&def.name);
    let repr = int_type(e.repr);
    let docs = type_doc(skel, def);
    let consts = e.values.iter().map(|v| {
        let c = ident(&v.name);
        let value = enum_literal(v.value);
        let d = doc(&[format!("{} = {}", code(&v.c_name), v.value)]);
        quote! { #d pub const #c: #name = #name(#value); }
    });
    let mut seen = std::collections::HashSet::new();
    let arms = e.values.iter().filter(|v| seen.insert(v.value)).map(|v| {
        let value = enum_literal(v.value);
        let label = &v.c_name;
        quote! { #value => #label, }
    });
    let label = &def.name;
    let size = lit(e.repr.size());
    // The alignment only where the target's is not the size (i686's u64).
    let align = def.layout(&skel.target).align;
    let align = (align != e.repr.size()).then(|| {
        let align = lit(align);
        quote!(, #align)
    });
    quote! {
        #docs
        ///
        /// Any value is valid: the known ones are associated constants.
        #[repr(transparent)]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct #name(pub #repr);
        impl #name {
            #(#consts)*
        }
        impl ::core::fmt::Debug for #name {
            #[allow(unreachable_patterns)]
            #[inline]
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                let known = match self.0 {
                    #(#arms)*
                    _ => return f.debug_tuple(#label).field(&self.0).finish(),
                };
                f.write_str(known)
            }
        }
        __skel::layout!(unsafe enum #name: #repr, #size #align);
    }
}

/// An enum value as an unsuffixed literal (negative values become a
/// negated literal).
fn enum_literal(value: i128) -> TokenStream {
    if value < 0 {
        let abs = Literal::u128_unsuffixed(value.unsigned_abs());
        quote!(-#abs)
    } else {
        let v = Literal::u128_unsuffixed(value as u128);
        quote!(#v)
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::{Delimiter, TokenStream, TokenTree};
    use quote::quote;

    use super::field_type;
    use crate::model::{
        EnumDef, FloatTy, IntTy, ObjectPath, Origin, SkelIdents, Skeleton, StructDef, Ty, TypeDef,
        TypeDefKind, TypeRef,
    };

    /// Every token, without the spacing between them.
    fn tokens(stream: TokenStream) -> Vec<String> {
        let mut out = vec![];
        for tree in stream {
            match tree {
                TokenTree::Group(g) => {
                    let (open, close) = match g.delimiter() {
                        Delimiter::Parenthesis => ("(", ")"),
                        Delimiter::Brace => ("{", "}"),
                        Delimiter::Bracket => ("[", "]"),
                        Delimiter::None => ("", ""),
                    };
                    out.push(open.to_owned());
                    out.extend(tokens(g.stream()));
                    out.push(close.to_owned());
                }
                TokenTree::Punct(p) => out.push(p.as_char().to_string()),
                other => out.push(other.to_string()),
            }
        }
        out
    }

    fn skeleton() -> Skeleton {
        let def = |name: &str, kind| TypeDef {
            name: name.to_owned(),
            c_name: name.to_owned(),
            btf_id: None,
            origin: Origin::Named {
                name: name.to_owned(),
            },
            kind,
        };
        let e = EnumDef {
            repr: IntTy::U32,
            values: vec![],
        };
        let s = StructDef::empty();
        Skeleton {
            name: "t".to_owned(),
            object_name: "t".to_owned(),
            object_path: ObjectPath::Path("t.bpf.o".to_owned()),
            maps: vec![],
            progs: vec![],
            types: vec![
                def("color", TypeDefKind::Enum(e)),
                def("type", TypeDefKind::Struct(s)),
            ],
            warnings: vec![],
            has_btf: true,
            idents: SkelIdents::default(),
            target: Default::default(),
        }
    }

    /// One of each shape: adding a variant to `Ty` fails to compile here
    /// until it has a case below.
    fn shapes() -> Vec<Ty> {
        let all = vec![
            Ty::Int(IntTy::I8),
            Ty::Int(IntTy::U128),
            Ty::Float(FloatTy::F32),
            Ty::Float(FloatTy::F64),
            Ty::Bool,
            Ty::CharArray(16),
            Ty::Enum(TypeRef(0)),
            Ty::Composite(TypeRef(1)),
            Ty::Array(Box::new(Ty::Array(Box::new(Ty::Pointer), 2)), 3),
            Ty::Array(Box::new(Ty::CharArray(4)), 5),
            Ty::Pointer,
            Ty::ProgramSlot,
            Ty::Bytes(4),
        ];
        for ty in &all {
            match ty {
                Ty::Int(_)
                | Ty::Float(_)
                | Ty::Bool
                | Ty::CharArray(_)
                | Ty::Enum(_)
                | Ty::Composite(_)
                | Ty::Array(..)
                | Ty::Pointer
                | Ty::ProgramSlot
                | Ty::Bytes(_) => {}
            }
        }
        all
    }

    #[test]
    fn spellings_agree_with_codegen() {
        let skel = skeleton();
        for ty in shapes() {
            // Codegen names the runtime by its alias in the generated
            // modules, `__skel`.
            let printed: Vec<String> = tokens(field_type(&skel, &ty, quote!('obj)))
                .into_iter()
                .map(|t| {
                    if t == "__skel" {
                        "skel_runtime".into()
                    } else {
                        t
                    }
                })
                .collect();
            let spelled = skel.rust_type(&ty);
            let parsed = tokens(spelled.parse().unwrap());
            assert_eq!(printed, parsed, "{ty:?} spelled {spelled}");
        }
        assert_eq!(
            skel.rust_type(&Ty::Array(Box::new(Ty::ProgramSlot), 2)),
            "[skel_runtime::Slot<'obj>; 2]"
        );
        assert_eq!(skel.rust_type(&Ty::Composite(TypeRef(1))), "r#type");
    }
}
