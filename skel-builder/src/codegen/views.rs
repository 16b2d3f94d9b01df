//! The views a skeleton lends: maps, programs and struct_ops, before and
//! after load, shared and exclusive. Each container is one invocation of a
//! skel-runtime macro (`maps!`, `progs!`, `struct_ops!`) with one line per
//! map or program: the generated file says what the skeleton has, the
//! runtime how each view reaches it.

use proc_macro2::TokenStream;
use quote::quote;

use super::attrs::{code, doc, ident, lit_usize};
use super::skel::{Has, Names};
use super::ty::outer_type;
use crate::model::{DataKind, MapDef, MapKind, ResizableArray, Skeleton, Ty, TypeRef, TypedHandle};

pub fn views(skel: &Skeleton, n: &Names, has: &Has) -> TokenStream {
    let (open, loaded) = (&n.open_skel, &n.skel);
    let mut out = TokenStream::new();
    if has.maps {
        let (os, ox, ls) = (&n.open_maps, &n.open_maps_mut, &n.maps);
        let maps = skel
            .maps
            .iter()
            .enumerate()
            .map(|(i, m)| map_line(skel, i, m));
        out.extend(quote! {
            __skel::maps!(#open #loaded; #os #ox #ls; #(#maps)*);
        });
    }
    if has.progs {
        let (os, ox, ls, lx) = (&n.open_progs, &n.open_progs_mut, &n.progs, &n.progs_mut);
        let progs = skel.progs.iter().enumerate().map(|(i, p)| {
            let name = ident(&p.idents.access);
            let index = lit_usize(i);
            let d = doc(&[format!(
                "Program {} (section {}).",
                code(&p.name),
                code(&p.section)
            )]);
            match p.syscall_ctx {
                Some(ctx) => {
                    let t = ident(&skel.ty(ctx).name);
                    quote!(#d #name #index: syscall(types::#t);)
                }
                None => quote!(#d #name #index;),
            }
        });
        out.extend(quote! {
            __skel::progs!(#open #loaded; #os #ox #ls #lx; #(#progs)*);
        });
    }
    if has.struct_ops {
        let (os, ox, ls, lx) = (
            &n.open_struct_ops,
            &n.open_struct_ops_mut,
            &n.struct_ops,
            &n.struct_ops_mut,
        );
        let ops = skel.maps.iter().enumerate().filter_map(|(i, m)| {
            let (MapKind::StructOps { shadow, .. }, Some(names)) = (&m.kind, &m.idents.struct_ops)
            else {
                return None;
            };
            let t = ident(&skel.ty(*shadow).name);
            let index = lit_usize(i);
            let d = doc(&[format!(
                "Shadow of struct_ops map {} ({}).",
                code(&m.name),
                code(&skel.ty(*shadow).c_name)
            )]);
            let [name, auto, set, clear, read, attach] = [
                &names.shadow,
                &names.autoattach,
                &names.set_autoattach,
                &names.clear_missing,
                &names.read_back,
                &names.attach,
            ]
            .map(|s| ident(s));
            Some(quote!(#d #name #index: types::#t, #auto #set #clear #read #attach;))
        });
        out.extend(quote! {
            __skel::struct_ops!(#open #loaded; #os #ox #ls #lx; #(#ops)*);
        });
    }
    out
}

/// One map's line in `maps!`: its doc, accessor and index, and what the
/// skeleton gives for it (see skel-runtime's `maps!`).
fn map_line(skel: &Skeleton, index: usize, m: &MapDef) -> TokenStream {
    let i = lit_usize(index);
    let name = ident(&m.idents.access);
    let d = doc(&[map_doc(m)]);
    if let MapKind::Declared { typed: Some(h), .. } = &m.kind {
        let spec = typed_spec(skel, h);
        return quote!(#d #name #i: #spec;);
    }
    if let (MapKind::Kconfig { ty: Some(r) }, Some(handle)) = (&m.kind, &m.idents.handle) {
        let handle = ident(handle);
        let t = ident(&skel.ty(*r).name);
        return quote!(#d #name #i #handle: kconfig(types::#t););
    }
    let Some((_, kind, mmapable, r, resizable)) = data_view(m) else {
        return quote!(#d #name #i: handle;);
    };
    let handle = ident(m.idents.handle.as_deref().unwrap_or_default());
    let t = ident(&skel.ty(r).name);
    let view = match resizable {
        Some(array) => {
            let elem = outer_type(skel, &array.elem);
            let var = &array.var;
            let offset = lit_usize(array.byte_offset as usize);
            quote!(section(types::#t, #elem, #var, #offset))
        }
        None => quote!(fixed(types::#t)),
    };
    let after = match (&m.idents.live, mmapable, kind) {
        (Some(live), true, _) => {
            let live = ident(&live.type_name);
            quote!(live(#live))
        }
        (None, true, DataKind::Rodata) => quote!(frozen),
        // Not mmapped (only `static` variables): a copy through the map.
        (_, false, DataKind::Rodata) if resizable.is_none() => quote!(unmapped(ro)),
        (_, false, _) if resizable.is_none() => quote!(unmapped(rw)),
        _ => quote!(unmapped),
    };
    quote!(#d #name #i #handle: #view #after;)
}

/// `typed(Hash, K, V)` or `events(RingBuf, T, "struct t")`.
fn typed_spec(skel: &Skeleton, h: &TypedHandle) -> TokenStream {
    let t = |ty: &Ty| outer_type(skel, ty);
    let (kind, args) = match h {
        TypedHandle::Hash { key, value } => ("Hash", vec![t(key), t(value)]),
        TypedHandle::PerCpuHash { key, value } => ("PerCpuHash", vec![t(key), t(value)]),
        TypedHandle::Array { value } => ("Array", vec![t(value)]),
        TypedHandle::PerCpuArray { value } => ("PerCpuArray", vec![t(value)]),
        TypedHandle::Queue { value } => ("Queue", vec![t(value)]),
        TypedHandle::MapOfMaps { key, inner } => {
            ("MapOfMaps", vec![t(key), inner_type(skel, inner)])
        }
        TypedHandle::RingBuf { event } | TypedHandle::PerfEvents { event } => {
            let kind = ident(match h {
                TypedHandle::RingBuf { .. } => "RingBuf",
                _ => "PerfEvents",
            });
            let ev = t(event);
            let c = c_type_of(skel, event);
            return quote!(events(#kind, #ev, #c));
        }
    };
    let kind = ident(kind);
    quote!(typed(#kind, #(#args),*))
}

/// The owned typed handle of an inner map: `Hash<'static, K, V>`.
fn inner_type(skel: &Skeleton, h: &TypedHandle) -> TokenStream {
    let t = |ty: &Ty| outer_type(skel, ty);
    match h {
        TypedHandle::Hash { key, value } => {
            let (k, v) = (t(key), t(value));
            quote!(__skel::maps::Hash<'static, #k, #v>)
        }
        TypedHandle::PerCpuHash { key, value } => {
            let (k, v) = (t(key), t(value));
            quote!(__skel::maps::PerCpuHash<'static, #k, #v>)
        }
        TypedHandle::Array { value } => {
            let v = t(value);
            quote!(__skel::maps::Array<'static, #v>)
        }
        TypedHandle::PerCpuArray { value } => {
            let v = t(value);
            quote!(__skel::maps::PerCpuArray<'static, #v>)
        }
        TypedHandle::Queue { value } => {
            let v = t(value);
            quote!(__skel::maps::Queue<'static, #v>)
        }
        TypedHandle::MapOfMaps { key, inner } => {
            let k = t(key);
            let i = inner_type(skel, inner);
            quote!(__skel::maps::MapOfMaps<'static, #k, #i>)
        }
        TypedHandle::RingBuf { event } => {
            let e = t(event);
            quote!(__skel::events::RingBuf<'static, #e>)
        }
        TypedHandle::PerfEvents { event } => {
            let e = t(event);
            quote!(__skel::events::PerfEvents<'static, #e>)
        }
    }
}

/// What a map is, for its accessor's doc.
fn map_doc(m: &MapDef) -> String {
    let what = match &m.kind {
        MapKind::Declared { value_type, .. } => format!(
            "Map {} ({}, key {} bytes, value {} bytes{}, max {} entries).",
            code(&m.name),
            crate::uapi::map_type_name(m.map_type),
            m.key_size,
            m.value_size,
            value_type
                .as_deref()
                .map(|t| format!(": {}", code(t)))
                .unwrap_or_default(),
            m.max_entries
        ),
        MapKind::Data {
            section,
            mmapable,
            ty,
            ..
        } => format!(
            "Data section {} ({} bytes{}){}",
            code(section),
            m.value_size,
            if *mmapable {
                ""
            } else {
                ", only static variables: not mapped after load"
            },
            if ty.is_some() {
                ": its variables."
            } else {
                "."
            }
        ),
        MapKind::Kconfig { ty } => format!(
            "Map {} holding the `.kconfig` externs ({} bytes){}",
            code(&m.name),
            m.value_size,
            if ty.is_some() {
                ": their values, as libbpf filled them from the running kernel at load \
                 (read-only, after load)."
            } else {
                "."
            }
        ),
        MapKind::StructOps { section, link, .. } => format!(
            "struct_ops map {} ({} bytes), from section {}{}.",
            code(&m.name),
            m.value_size,
            code(section),
            if *link {
                ", attached as a BPF link"
            } else {
                ""
            }
        ),
    };
    if m.autocreate {
        what
    } else {
        format!("{what} Not created unless its autocreate is turned on before load.")
    }
}

/// A data section's view type and resizable array, when it has a typed
/// view.
fn data_view(m: &MapDef) -> Option<(&str, DataKind, bool, TypeRef, Option<&ResizableArray>)> {
    match &m.kind {
        MapKind::Data {
            section,
            kind,
            mmapable,
            ty: Some(r),
            resizable,
        } => Some((section, *kind, *mmapable, *r, resizable.as_ref())),
        _ => None,
    }
}

/// The C spelling of an event type, for messages (`struct event`).
fn c_type_of(skel: &Skeleton, ty: &Ty) -> String {
    match ty {
        Ty::Composite(r) | Ty::Enum(r) => skel.ty(*r).c_name.clone(),
        other => skel.rust_type(other),
    }
}
