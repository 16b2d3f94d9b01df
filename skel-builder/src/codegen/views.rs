//! The views a skeleton lends: maps, programs and struct_ops, before and
//! after load, shared and exclusive. Each view borrows the skeleton's core
//! and is made anew by `skel.maps()` and friends, so nothing of one
//! skeleton can be swapped into another; its accessors take the view by
//! value and return what borrows the skeleton for the view's `'a`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::attrs::{code, doc, ident, lit_usize};
use super::skel::{Has, Names, frozen_after_load};
use super::ty::outer_type;
use crate::model::{
    DataKind, MapDef, MapKind, ProgDef, ResizableArray, Skeleton, Ty, TypeRef, TypedHandle,
};

/// The stage a view belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Open,
    Loaded,
}

/// One view type: its doc, whether it borrows exclusively, and its
/// accessors.
fn view(
    name: &Ident,
    stage: Stage,
    exclusive: bool,
    doc_text: String,
    methods: Vec<TokenStream>,
) -> TokenStream {
    let core = match stage {
        Stage::Open => quote!(__skel::__private::OpenCore<'obj>),
        Stage::Loaded => quote!(__skel::__private::LoadedCore<'obj>),
    };
    let (field, derive) = if exclusive {
        (quote!(&'a mut #core), quote!())
    } else {
        (quote!(&'a #core), quote!(#[derive(Clone, Copy)]))
    };
    let d = doc(&[doc_text]);
    quote! {
        #d
        #derive
        pub struct #name<'a, 'obj> {
            core: #field,
        }

        impl<'a, 'obj> #name<'a, 'obj> {
            #(#methods)*
        }

        impl ::core::fmt::Debug for #name<'_, '_> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!(#name)).finish_non_exhaustive()
            }
        }
    }
}

pub fn views(skel: &Skeleton, n: &Names, has: &Has) -> TokenStream {
    let mut out = TokenStream::new();
    let name = code(&skel.name);
    if has.maps {
        out.extend(view(
            &n.open_maps,
            Stage::Open,
            false,
            format!("Maps of skeleton {name} before load: `open.maps()`."),
            skel.maps
                .iter()
                .enumerate()
                .flat_map(|(i, m)| open_map(skel, i, m, false))
                .collect(),
        ));
        out.extend(view(
            &n.open_maps_mut,
            Stage::Open,
            true,
            format!("Maps of skeleton {name} before load, to change: `open.maps_mut()`."),
            skel.maps
                .iter()
                .enumerate()
                .flat_map(|(i, m)| open_map(skel, i, m, true))
                .collect(),
        ));
        out.extend(view(
            &n.maps,
            Stage::Loaded,
            false,
            format!("Maps of skeleton {name}: `skel.maps()`."),
            skel.maps
                .iter()
                .enumerate()
                .flat_map(|(i, m)| loaded_map(skel, i, m))
                .collect(),
        ));
    }
    if has.progs {
        let progs = |stage, exclusive| -> Vec<TokenStream> {
            skel.progs
                .iter()
                .enumerate()
                .map(|(i, p)| program(i, p, stage, exclusive))
                .collect()
        };
        out.extend(view(
            &n.open_progs,
            Stage::Open,
            false,
            format!(
                "Programs of skeleton {name} before load: `open.progs()`, their tokens for struct_ops slots."
            ),
            progs(Stage::Open, false),
        ));
        out.extend(view(
            &n.open_progs_mut,
            Stage::Open,
            true,
            format!(
                "Programs of skeleton {name} before load, to change their settings: `open.progs_mut()`."
            ),
            progs(Stage::Open, true),
        ));
        out.extend(view(
            &n.progs,
            Stage::Loaded,
            false,
            format!("Programs of skeleton {name}: `skel.progs()`."),
            progs(Stage::Loaded, false),
        ));
        out.extend(view(
            &n.progs_mut,
            Stage::Loaded,
            true,
            format!(
                "Programs of skeleton {name}, exclusively (libbpf-rs's attach calls): `skel.progs_mut()`."
            ),
            progs(Stage::Loaded, true),
        ));
    }
    if has.struct_ops {
        let ops = |stage, exclusive| -> Vec<TokenStream> {
            skel.maps
                .iter()
                .enumerate()
                .flat_map(|(i, m)| struct_ops(skel, i, m, stage, exclusive))
                .collect()
        };
        out.extend(view(
            &n.open_struct_ops,
            Stage::Open,
            false,
            format!("struct_ops shadows of skeleton {name} before load: `open.struct_ops()`."),
            ops(Stage::Open, false),
        ));
        out.extend(view(
            &n.open_struct_ops_mut,
            Stage::Open,
            true,
            format!(
                "struct_ops shadows of skeleton {name} before load, to change: `open.struct_ops_mut()`. In a shadow, `ops.slot = Some(token)` swaps a callback (a token from `open.progs()`), `None` clears it."
            ),
            ops(Stage::Open, true),
        ));
        out.extend(view(
            &n.struct_ops,
            Stage::Loaded,
            false,
            format!(
                "struct_ops shadows of skeleton {name}: what load sent, and the kernel's copy: `skel.struct_ops()`."
            ),
            ops(Stage::Loaded, false),
        ));
        out.extend(view(
            &n.struct_ops_mut,
            Stage::Loaded,
            true,
            format!(
                "struct_ops settings of skeleton {name}: `skel.struct_ops_mut()`."
            ),
            ops(Stage::Loaded, true),
        ));
    }
    out
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
            section, mmapable, ..
        } => format!(
            "Map {} of data section {} ({} bytes{}).",
            code(&m.name),
            code(section),
            m.value_size,
            if *mmapable {
                ""
            } else {
                ", only static variables: not mapped after load"
            }
        ),
        MapKind::Kconfig => format!(
            "Map {} holding the `.kconfig` externs ({} bytes).",
            code(&m.name),
            m.value_size
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

/// The doc of a data section's typed view.
fn section_doc(section: &str, stage: &str) -> String {
    format!("The variables of {}{stage}.", code(section))
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

/// `Section<'a, T, E>` (or `SectionMut`) and the core call making it.
fn section_view(
    skel: &Skeleton,
    index: usize,
    r: TypeRef,
    array: &ResizableArray,
    ty: TokenStream,
    call: TokenStream,
) -> (TokenStream, TokenStream) {
    let t = ident(&skel.ty(r).name);
    let elem = outer_type(skel, &array.elem);
    let var = &array.var;
    let index = lit_usize(index);
    let offset = lit_usize(array.byte_offset as usize);
    (
        quote!(#ty<'a, types::#t, #elem>),
        quote!(self.core.#call(#index, #var, #offset)),
    )
}

fn resizable_doc(section: &str, array: &ResizableArray) -> String {
    format!(
        "The variables of {}, a resizable section: its last variable `{}` (declared with {} elements) is an array of the length `resize` gives.",
        code(section),
        array.var,
        array.len
    )
}

/// The accessors of map `m` (spec index `index`) in the open stage.
fn open_map(skel: &Skeleton, index: usize, m: &MapDef, exclusive: bool) -> Vec<TokenStream> {
    let i = lit_usize(index);
    let access = ident(&m.idents.access);
    let (handle_ty, handle_call) = if exclusive {
        (quote!(__skel::OpenMapMut<'a>), quote!(self.core.map_mut(#i)))
    } else {
        (quote!(__skel::OpenMap<'a>), quote!(self.core.map(#i)))
    };
    let map_doc = doc(&[map_doc(m)]);
    let Some((section, _, _, r, resizable)) = data_view(m) else {
        return vec![quote! {
            #map_doc
            pub fn #access(self) -> #handle_ty {
                #handle_call
            }
        }];
    };
    let handle = ident(m.idents.handle.as_deref().unwrap_or_default());
    let t = ident(&skel.ty(r).name);
    let view = match resizable {
        Some(array) => {
            let (ty, call) = if exclusive {
                section_view(skel, index, r, array, quote!(__skel::SectionMut), quote!(section_mut))
            } else {
                section_view(skel, index, r, array, quote!(__skel::Section), quote!(section))
            };
            let d = doc(&[resizable_doc(section, array)]);
            quote! {
                #d
                pub fn #access(self) -> #ty {
                    #call
                }
            }
        }
        None if exclusive => {
            let d = doc(&[section_doc(section, ", writable until load")]);
            quote! {
                #d
                pub fn #access(self) -> &'a mut types::#t {
                    self.core.data_mut(#i)
                }
            }
        }
        None => {
            let d = doc(&[section_doc(section, ": their initial values")]);
            quote! {
                #d
                pub fn #access(self) -> &'a types::#t {
                    self.core.data(#i)
                }
            }
        }
    };
    vec![
        view,
        quote! {
            #map_doc
            pub fn #handle(self) -> #handle_ty {
                #handle_call
            }
        },
    ]
}

/// The accessors of map `m` after load.
fn loaded_map(skel: &Skeleton, index: usize, m: &MapDef) -> Vec<TokenStream> {
    let i = lit_usize(index);
    let access = ident(&m.idents.access);
    let map_doc = doc(&[map_doc(m)]);
    if let MapKind::Declared { typed: Some(h), .. } = &m.kind {
        let ty = handle_type(skel, h, quote!('a));
        let path = handle_path(h);
        let call = match h {
            TypedHandle::RingBuf { event } | TypedHandle::PerfEvents { event } => {
                let c_type = c_type_of(skel, event);
                quote!(#path::__new(self.core.map(#i), #c_type))
            }
            _ => quote!(#path::__new(self.core.map(#i))),
        };
        return vec![quote! {
            #map_doc
            pub fn #access(self) -> #ty {
                #call
            }
        }];
    }
    let handle = |name: &Ident| {
        quote! {
            #map_doc
            pub fn #name(self) -> __skel::MapHandle<'a> {
                self.core.map(#i)
            }
        }
    };
    let Some((section, kind, mmapable, r, resizable)) = data_view(m) else {
        return vec![handle(&access)];
    };
    let handle = handle(&ident(m.idents.handle.as_deref().unwrap_or_default()));
    let t = ident(&skel.ty(r).name);
    let view = match (&m.idents.live, resizable) {
        _ if !mmapable => None,
        (Some(live), _) => {
            let live_ty = ident(&live.type_name);
            let call = if resizable.is_some() {
                quote!(self.core.live_section(#i))
            } else {
                quote!(self.core.live(#i))
            };
            let d = doc(&[format!(
                "The variables of {}, live: shared with the BPF programs, read and written one at a time (volatile).",
                code(section)
            )]);
            Some(quote! {
                #d
                pub fn #access(self) -> #live_ty<'a> {
                    #live_ty::__new(#call)
                }
            })
        }
        (None, Some(array)) if kind == DataKind::Rodata => {
            let (ty, call) = section_view(skel, index, r, array, quote!(__skel::Section), quote!(rodata_section));
            let d = doc(&[format!(
                "{} Read-only: frozen at load.",
                resizable_doc(section, array)
            )]);
            Some(quote! {
                #d
                pub fn #access(self) -> #ty {
                    #call
                }
            })
        }
        (None, None) if frozen_after_load(&m.kind) => {
            let d = doc(&[section_doc(section, ": frozen at load")]);
            Some(quote! {
                #d
                pub fn #access(self) -> &'a types::#t {
                    self.core.rodata(#i)
                }
            })
        }
        _ => None,
    };
    view.into_iter().chain([handle]).collect()
}

/// The C spelling of an event type, for messages (`struct event`).
fn c_type_of(skel: &Skeleton, ty: &Ty) -> String {
    match ty {
        Ty::Composite(r) | Ty::Enum(r) => skel.ty(*r).c_name.clone(),
        other => skel.rust_type(other),
    }
}

/// The `skel_runtime` type of a typed handle, borrowing for `lt`.
fn handle_type(skel: &Skeleton, h: &TypedHandle, lt: TokenStream) -> TokenStream {
    let t = |ty: &Ty| outer_type(skel, ty);
    let path = handle_path(h);
    match h {
        TypedHandle::Hash { key, value } | TypedHandle::PerCpuHash { key, value } => {
            let (k, v) = (t(key), t(value));
            quote!(#path<#lt, #k, #v>)
        }
        TypedHandle::Array { value }
        | TypedHandle::PerCpuArray { value }
        | TypedHandle::Queue { value }
        | TypedHandle::RingBuf { event: value }
        | TypedHandle::PerfEvents { event: value } => {
            let v = t(value);
            quote!(#path<#lt, #v>)
        }
        TypedHandle::MapOfMaps { key, inner } => {
            let k = t(key);
            let inner = handle_type(skel, inner, quote!('static));
            quote!(#path<#lt, #k, #inner>)
        }
    }
}

fn handle_path(h: &TypedHandle) -> TokenStream {
    match h {
        TypedHandle::Hash { .. } => quote!(__skel::maps::Hash),
        TypedHandle::Array { .. } => quote!(__skel::maps::Array),
        TypedHandle::PerCpuHash { .. } => quote!(__skel::maps::PerCpuHash),
        TypedHandle::PerCpuArray { .. } => quote!(__skel::maps::PerCpuArray),
        TypedHandle::Queue { .. } => quote!(__skel::maps::Queue),
        TypedHandle::MapOfMaps { .. } => quote!(__skel::maps::MapOfMaps),
        TypedHandle::RingBuf { .. } => quote!(__skel::events::RingBuf),
        TypedHandle::PerfEvents { .. } => quote!(__skel::events::PerfEvents),
    }
}

/// Program `p`'s accessor in one of the four program views.
fn program(index: usize, p: &ProgDef, stage: Stage, exclusive: bool) -> TokenStream {
    let i = lit_usize(index);
    let access = ident(&p.idents.access);
    let d = doc(&[format!(
        "Program {} (section {}).",
        code(&p.name),
        code(&p.section)
    )]);
    let (ty, call) = match (stage, exclusive) {
        (Stage::Open, false) => (
            quote!(&'obj __skel::Program<'obj>),
            quote!(self.core.program(#i)),
        ),
        (Stage::Open, true) => (
            quote!(__skel::OpenProgramMut<'a>),
            quote!(self.core.program_mut(#i)),
        ),
        (Stage::Loaded, false) => (
            quote!(__skel::LoadedProgram<'a>),
            quote!(self.core.program(#i)),
        ),
        (Stage::Loaded, true) => (
            quote!(__skel::LoadedProgramMut<'a>),
            quote!(self.core.program_mut(#i)),
        ),
    };
    quote! {
        #d
        pub fn #access(self) -> #ty {
            #call
        }
    }
}

/// The accessors of struct_ops map `m` in one of the four struct_ops
/// views.
fn struct_ops(
    skel: &Skeleton,
    index: usize,
    m: &MapDef,
    stage: Stage,
    exclusive: bool,
) -> Vec<TokenStream> {
    let (
        MapKind::StructOps {
            shadow,
            kernel_struct,
            ..
        },
        Some(names),
    ) = (&m.kind, &m.idents.struct_ops)
    else {
        return vec![];
    };
    let i = lit_usize(index);
    let t = ident(&skel.ty(*shadow).name);
    let map = code(&m.name);
    let get = ident(&names.shadow);
    let autoattach = ident(&names.autoattach);
    let set_autoattach = ident(&names.set_autoattach);
    let shadow_doc = |what: &str| doc(&[format!("Shadow of struct_ops map {map}: {what}.")]);
    let autoattach_doc = doc(&[format!(
        "Whether `attach()` registers struct_ops map {map} (libbpf's autoattach; on unless turned off)."
    )]);
    let set_doc = doc(&[format!(
        "Turns `{}` on or off; `{}()` registers the map either way.",
        names.autoattach, names.attach
    )]);
    let set = quote! {
        #set_doc
        pub fn #set_autoattach(&mut self, on: bool) {
            self.core.set_autoattach(#i, on)
        }
    };
    match (stage, exclusive) {
        (_, false) => {
            let what = match stage {
                Stage::Open => "what load will send",
                Stage::Loaded => "what load sent",
            };
            let d = shadow_doc(what);
            let mut out = vec![quote! {
                #d
                pub fn #get(self) -> &'a types::#t<'obj> {
                    self.core.shadow(#i)
                }
                #autoattach_doc
                pub fn #autoattach(self) -> bool {
                    self.core.autoattach(#i)
                }
            }];
            if stage == Stage::Loaded {
                let read = ident(&names.read_back);
                let d = doc(&[format!(
                    "Reads what the kernel holds for struct_ops map {map} (`struct {kernel_struct}`, laid out by the running kernel's BTF): its state, members, and the program in each slot by name. Blank (state `Init`) until registered."
                )]);
                out.push(quote! {
                    #d
                    pub fn #read(self) -> __skel::Result<__skel::KernelStructOps> {
                        self.core.read_back(#i)
                    }
                });
            }
            out
        }
        (Stage::Open, true) => {
            let d = shadow_doc("writable until load");
            let clear = ident(&names.clear_missing);
            let clear_doc = doc(&[format!(
                "Clears the members of map {map}'s shadow that the running kernel's `struct {kernel_struct}` lacks, and returns those that held something (their programs are then not loaded): to run on older kernels on purpose; without it, `load()` fails on such members."
            )]);
            vec![quote! {
                #d
                pub fn #get(self) -> &'a mut types::#t<'obj> {
                    self.core.shadow_mut(#i)
                }
                #set
                #clear_doc
                pub fn #clear(&mut self) -> __skel::Result<::std::vec::Vec<&'static str>> {
                    self.core.clear_missing(#i)
                }
            }]
        }
        (Stage::Loaded, true) => vec![set],
    }
}
