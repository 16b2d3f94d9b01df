//! Live views of data sections after load: one type per writable section
//! libbpf maps, with a volatile getter and setter per variable, through
//! skel-runtime's `live!` macro (one line per variable).

use proc_macro2::TokenStream;
use quote::quote;

use super::attrs::{code, doc, ident};
use super::ty::outer_type;
use crate::model::{FieldKind, MapKind, Skeleton, TypeDefKind};

pub fn live_types(skel: &Skeleton) -> TokenStream {
    let mut out = TokenStream::new();
    for m in &skel.maps {
        let (
            Some(live),
            MapKind::Data {
                section,
                ty: Some(r),
                resizable,
                ..
            },
        ) = (&m.idents.live, &m.kind)
        else {
            continue;
        };
        let TypeDefKind::Struct(s) = &skel.ty(*r).kind else {
            continue;
        };
        let name = ident(&live.type_name);
        let t = ident(&skel.ty(*r).name);
        let d = doc(&[format!(
            "The variables of data section {} after load, live: each getter and setter is one volatile access to memory the BPF programs share (`skel.maps().{}()`).",
            code(section),
            m.idents.access
        )]);
        let mut vars = vec![];
        let mut last = None;
        for v in &live.vars {
            let f = &s.fields[v.field];
            let field = ident(&f.name);
            let getter = ident(&v.getter);
            let c_name = match &f.kind {
                FieldKind::Member { c_name } => c_name.as_str(),
                _ => f.name.as_str(),
            };
            let c_type = f.c_type.as_deref().unwrap_or("?");
            match (&v.setter, resizable) {
                (Some(setter), _) => {
                    let ty = outer_type(skel, &f.ty);
                    let setter = ident(setter);
                    let d = doc(&[format!("`{c_name}` (C `{c_type}`).")]);
                    vars.push(quote!(#d #field: #ty => #getter, #setter));
                }
                (None, Some(array)) => {
                    let elem = outer_type(skel, &array.elem);
                    let d = doc(&[format!(
                        "`{c_name}` (C `{c_type}`), the section's last array, of the length it was resized to."
                    )]);
                    last = Some(quote!(last #d #field: #elem => #getter));
                }
                (None, None) => {}
            }
        }
        out.extend(match last {
            Some(last) => quote! {
                __skel::live!(resizable #d #name: types::#t; #last; #(#vars);*);
            },
            None => quote! {
                __skel::live!(fixed #d #name: types::#t; #(#vars);*);
            },
        });
    }
    out
}
