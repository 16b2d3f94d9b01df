//! The skeleton itself: builder, open and loaded skeletons, and their maps,
//! programs, struct_ops and links containers.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::attrs::{code, doc, ident, lit_usize};
use super::skel_ops;
use super::ty::outer_type;
use crate::model::{DataKind, MapDef, MapKind, ObjectPath, Skeleton, Ty, TypeDefKind, TypedHandle};

struct Names {
    builder: Ident,
    open_skel: Ident,
    skel: Ident,
    open_maps: Ident,
    maps: Ident,
    open_progs: Ident,
    progs: Ident,
    open_struct_ops: Ident,
    struct_ops: Ident,
    links: Ident,
    owned_open: Ident,
    owned: Ident,
}

impl Names {
    fn new(skel: &Skeleton) -> Names {
        let ids = &skel.idents;
        Names {
            builder: ident(&ids.builder),
            open_skel: ident(&ids.open_skel),
            skel: ident(&ids.skel),
            open_maps: ident(&ids.open_maps),
            maps: ident(&ids.maps),
            open_progs: ident(&ids.open_progs),
            progs: ident(&ids.progs),
            open_struct_ops: ident(&ids.open_struct_ops),
            struct_ops: ident(&ids.struct_ops),
            links: ident(&ids.links),
            owned_open: ident(&ids.owned_open),
            owned: ident(&ids.owned),
        }
    }
}

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
            kind,
            mmapable,
            ..
        } => format!(
            "Map {} holding data section {} ({} bytes, {}{}).",
            code(&m.name),
            code(section),
            m.value_size,
            match kind {
                DataKind::Rodata => "read-only for BPF programs",
                DataKind::Data => "initialized data",
                DataKind::Bss => "zero-initialized data",
            },
            if *mmapable {
                ", memory-mapped"
            } else {
                ", not memory-mapped: only static variables"
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

pub fn skeleton(skel: &Skeleton) -> TokenStream {
    let n = Names::new(skel);
    let spec = spec(skel);
    let builder = builder(skel, &n);
    let open_skel = open_skel(skel, &n);
    let loaded = loaded_skel(skel, &n);
    let maps = maps_container(skel, &n);
    let progs = progs_container(skel, &n);
    let struct_ops = struct_ops_container(skel, &n);
    let links = links(skel, &n);
    quote! {
        #spec
        #builder
        #open_skel
        #loaded
        #maps
        #progs
        #struct_ops
        #links
    }
}

fn spec(skel: &Skeleton) -> TokenStream {
    let bytes = match &skel.object_path {
        ObjectPath::OutDir(file) => {
            let file = format!("/{file}");
            quote!(include_bytes!(concat!(env!("OUT_DIR"), #file)))
        }
        ObjectPath::Path(path) => quote!(include_bytes!(#path)),
    };
    let name = &skel.object_name;
    let skeleton = &skel.name;
    let maps = skel.maps.iter().map(|m| {
        let map_name = &m.name;
        let lookup = &m.lookup_name;
        match &m.kind {
            MapKind::Data { ty: Some(r), .. } => {
                let def = skel.ty(*r);
                let t = ident(&def.name);
                let tn = &def.name;
                let value_size = match &def.kind {
                    TypeDefKind::Struct(s) => lit_usize(s.c_size as usize),
                    _ => lit_usize(def.layout().size as usize),
                };
                quote!(s::MapSpec::data(#map_name, #lookup, s::TypeSpec::of::<types::#t>(#tn, #value_size)))
            }
            _ => quote!(s::MapSpec::new(#map_name, #lookup)),
        }
    });
    let progs = skel.progs.iter().map(|p| {
        let pname = &p.name;
        let so = p.struct_ops;
        quote!(s::ProgSpec::new(#pname, #so))
    });
    let struct_ops = skel.maps.iter().enumerate().filter_map(|(i, m)| {
        let MapKind::StructOps { shadow, .. } = &m.kind else {
            return None;
        };
        let t = ident(&skel.ty(*shadow).name);
        let index = lit_usize(i);
        Some(quote!(s::StructOpsSpec::of::<types::#t<'static>>(#index)))
    });
    // The object sits by value in a `.bpf.objs` section of the binary,
    // as libbpf-cargo 0.26 puts it (`#[unsafe(link_section)]`, no `#[used]`),
    // so tools extract it by the symbol's address and size. Its length
    // comes from the file, so the code does not change with the object.
    // `unsafe(...)` attributes need Rust 1.82, below skel-runtime's 1.85.
    quote! {
        /// The BPF object. It also sits in the binary's `.bpf.objs`
        /// section, where tools (veristat scripts) find it.
        #[unsafe(link_section = ".bpf.objs")]
        static OBJECT: __skel::__private::Aligned<[u8; #bytes.len()]> =
            __skel::__private::Aligned(*#bytes);

        static SPEC: __skel::__private::SkelSpec = {
            use __skel::__private as s;
            s::SkelSpec {
                skeleton: #skeleton,
                name: #name,
                object: &OBJECT.0,
                maps: &[#(#maps),*],
                progs: &[#(#progs),*],
                struct_ops: &[#(#struct_ops),*],
            }
        };
    }
}

fn builder(skel: &Skeleton, n: &Names) -> TokenStream {
    let Names {
        builder,
        open_skel,
        skel: skel_name,
        open_maps,
        open_progs,
        open_struct_ops,
        owned_open,
        owned,
        ..
    } = n;
    let owned_open_doc = doc(&[format!(
        "Skeleton {}, opened, in its owned form: no lifetime, `Send`, closes the object when dropped. Read it with `get()`, change it in `with(|open| ...)`, then `load()`.",
        code(&skel.name)
    )]);
    let owned_doc = doc(&[format!(
        "Skeleton {}, loaded, in its owned form: no lifetime, `Send`, detaches and closes the object when dropped. Read it with `get()`, change it in `with(|skel| ...)`.",
        code(&skel.name)
    )]);
    let d = doc(&[format!(
        "Opens BPF object {}, embedded in the binary (libbpf names it {}).",
        code(&skel.name),
        code(&skel.object_name),
    )]);
    quote! {
        #d
        #[derive(Default)]
        pub struct #builder {
            /// libbpf open options (debug output, pin root path, custom BTF).
            pub obj_builder: __skel::libbpf_rs::ObjectBuilder,
        }

        impl #builder {
            /// Opens the object into `storage`, checking that every map,
            /// program and typed view is there, with the size and alignment
            /// of its generated type.
            pub fn open<'obj>(
                mut self,
                storage: &'obj mut __skel::ObjectStorage,
            ) -> __skel::Result<#open_skel<'obj>> {
                let core = storage.open(&SPEC, &mut self.obj_builder)?;
                ::core::result::Result::Ok(#open_skel {
                    maps: #open_maps { inner: core.maps() },
                    progs: #open_progs { inner: core.progs() },
                    struct_ops: #open_struct_ops { inner: core.struct_ops() },
                    core,
                })
            }

            /// Opens the object into storage of its own: the owned form.
            pub fn open_owned(self) -> __skel::Result<#owned_open> {
                __skel::OwnedOpen::new(self)
            }
        }

        impl __skel::SkelBuilder for #builder {
            type Open<'obj> = #open_skel<'obj>;
            type Loaded<'obj> = #skel_name<'obj>;
            fn __open(
                self,
                storage: &mut __skel::ObjectStorage,
            ) -> __skel::Result<Self::Open<'_>> {
                self.open(storage)
            }
            fn __load(open: Self::Open<'_>) -> __skel::Result<Self::Loaded<'_>> {
                open.load()
            }
            fn __attach(skel: &mut Self::Loaded<'_>) -> __skel::Result<()> {
                skel.attach()
            }
        }

        #owned_open_doc
        pub type #owned_open = __skel::OwnedOpen<#builder>;
        #owned_doc
        pub type #owned = __skel::Owned<#builder>;
    }
}

fn open_skel(skel: &Skeleton, n: &Names) -> TokenStream {
    let Names {
        open_skel,
        skel: skel_name,
        open_maps,
        open_progs,
        open_struct_ops,
        maps,
        progs,
        struct_ops,
        ..
    } = n;
    let d = doc(&[format!(
        "BPF object {}, opened: change maps, programs, struct_ops shadows and globals, then load.",
        code(&skel.name)
    )]);
    let fill = skel.idents.fill_kernel_consts.as_deref().map(|name| {
        let f = ident(name);
        quote! {
            /// Fills the `.rodata` kernel constants (`__SCX_DSQ_LOCAL`:
            /// enum constant `SCX_DSQ_LOCAL`) from the running kernel's
            /// BTF; those it lacks are left as they were, and reported
            /// (see `skel_runtime::KernelConsts`).
            pub fn #f(&mut self) -> __skel::Result<__skel::KernelConsts> {
                self.core.fill_kernel_consts()
            }
        }
    });
    quote! {
        #d
        pub struct #open_skel<'obj> {
            /// Maps: libbpf-rs handles and typed views of data sections.
            pub maps: #open_maps<'obj>,
            /// Programs: tokens for struct_ops slots and libbpf-rs handles.
            pub progs: #open_progs<'obj>,
            /// Shadows of struct_ops maps, writable until load.
            pub struct_ops: #open_struct_ops<'obj>,
            core: __skel::__private::OpenCore<'obj>,
        }

        impl<'obj> #open_skel<'obj> {
            /// Loads the object. Every struct_ops slot must be empty or hold
            /// a struct_ops program of this object; each struct_ops program
            /// is loaded exactly when a slot of a map that will be created
            /// holds it.
            pub fn load(self) -> __skel::Result<#skel_name<'obj>> {
                let core = self.core.load()?;
                ::core::result::Result::Ok(#skel_name {
                    maps: #maps { inner: core.maps() },
                    progs: #progs { inner: core.progs() },
                    struct_ops: #struct_ops { inner: core.struct_ops() },
                    links: ::core::default::Default::default(),
                    core,
                })
            }

            #fill

            /// The raw `struct bpf_object *`.
            pub fn as_libbpf_object(&self) -> *mut __skel::libbpf_sys::bpf_object {
                self.core.as_ptr()
            }
        }

        impl ::core::fmt::Debug for #open_skel<'_> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!(#open_skel)).finish_non_exhaustive()
            }
        }
    }
}

fn loaded_skel(skel: &Skeleton, n: &Names) -> TokenStream {
    let Names {
        skel: skel_name,
        maps,
        progs,
        struct_ops,
        links,
        ..
    } = n;
    let d = doc(&[format!("BPF object {}, loaded.", code(&skel.name))]);
    let mut attaches = vec![];
    let mut attach_one = vec![];
    for (i, p) in skel.progs.iter().enumerate() {
        let Some(link) = &p.idents.link else {
            continue;
        };
        let f = ident(link);
        let index = lit_usize(i);
        attaches.push(quote!((s::AttachTarget::Program(#index), &mut self.links.#f)));
    }
    for (i, m) in skel.maps.iter().enumerate() {
        if let Some(name) = &m.idents.link {
            let f = ident(name);
            let index = lit_usize(i);
            attaches.push(quote!((s::AttachTarget::StructOps(#index), &mut self.links.#f)));
            attach_one.push(skel_ops::attach_one(m, i));
        }
    }
    let use_private = (!attaches.is_empty()).then(|| {
        quote!(
            use __skel::__private as s;
        )
    });
    quote! {
        #d
        pub struct #skel_name<'obj> {
            /// Maps: libbpf-rs handles and typed views of data sections.
            pub maps: #maps<'obj>,
            /// Programs: tokens and libbpf-rs handles.
            pub progs: #progs<'obj>,
            /// Shadows of struct_ops maps, read-only: what was sent at load.
            pub struct_ops: #struct_ops<'obj>,
            /// Links made by `attach`; dropping one detaches it
            /// (struct_ops: unregisters).
            pub links: #links<'obj>,
            core: __skel::__private::LoadedCore<'obj>,
        }

        impl<'obj> #skel_name<'obj> {
            /// Attaches every program whose section names its target, as
            /// libbpf's skeleton attach does, and registers every struct_ops
            /// map that was created and has autoattach on. Links already set
            /// are left alone. All or nothing: if one fails, the links this
            /// call made are dropped again, and the error names the program
            /// or map, the errno and libbpf's log.
            pub fn attach(&mut self) -> __skel::Result<()> {
                #use_private
                self.core.attach_all(&mut [#(#attaches),*])
            }

            #(#attach_one)*

            /// The raw `struct bpf_object *`.
            pub fn as_libbpf_object(&self) -> *mut __skel::libbpf_sys::bpf_object {
                self.core.as_ptr()
            }
        }

        impl ::core::fmt::Debug for #skel_name<'_> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!(#skel_name)).finish_non_exhaustive()
            }
        }
    }
}

/// A container generic over the stage, with an alias for the open stage:
/// `inner` is the runtime's container of that stage (`S::<field>`), and
/// the methods are those of both stages, then of each.
struct Container<'a> {
    kind: &'a str,
    /// A sentence more for the container's doc.
    about: &'a str,
    name: &'a Ident,
    open_alias: &'a Ident,
    /// `Maps`, `Progs` or `Shadows`: the `Stage` type the field holds.
    inner: TokenStream,
    both: Vec<TokenStream>,
    open_only: Vec<TokenStream>,
    loaded_only: Vec<TokenStream>,
}

impl Container<'_> {
    fn tokens(self, skel: &Skeleton) -> TokenStream {
        let Container {
            kind,
            about,
            name,
            open_alias,
            inner,
            both,
            open_only,
            loaded_only,
        } = self;
        let d = doc(&[format!(
            "{kind} of skeleton {}: [`{open_alias}`] before load, `{name}` after. {about}",
            code(&skel.name)
        )
        .trim_end()
        .to_owned()]);
        let alias_doc = doc(&[format!(
            "{kind} of skeleton {} before load.",
            code(&skel.name)
        )]);
        let open_impl = (!open_only.is_empty()).then(|| {
            quote! {
                impl<'obj> #open_alias<'obj> {
                    #(#open_only)*
                }
            }
        });
        let loaded_impl = (!loaded_only.is_empty()).then(|| {
            quote! {
                impl<'obj> #name<'obj> {
                    #(#loaded_only)*
                }
            }
        });
        quote! {
            #d
            pub struct #name<'obj, S: __skel::Stage = __skel::Loaded> {
                inner: S::#inner<'obj>,
            }
            #alias_doc
            pub type #open_alias<'obj> = #name<'obj, __skel::Open>;
            impl<'obj, S: __skel::Stage> #name<'obj, S> {
                #(#both)*
            }
            #open_impl
            #loaded_impl
        }
    }
}

fn maps_container(skel: &Skeleton, n: &Names) -> TokenStream {
    let mut ops = skel_ops::Methods::default();
    for (i, m) in skel.maps.iter().enumerate() {
        let index = lit_usize(i);
        let get = ident(&m.idents.handle.get);
        let get_mut = ident(&m.idents.handle.get_mut);
        let d = doc(&[map_doc(m)]);
        let d_mut = doc(&[format!("[`Self::{}`], exclusive.", m.idents.handle.get)]);
        ops.both.push(quote! {
            #d
            pub fn #get(&self) -> S::Map<'_> {
                S::map(&self.inner, #index)
            }
            #d_mut
            pub fn #get_mut(&mut self) -> S::MapMut<'_> {
                S::map_mut(&mut self.inner, #index)
            }
        });
        if let (MapKind::Declared { typed: Some(h), .. }, Some(typed)) = (&m.kind, &m.idents.typed)
        {
            let typed = ident(typed);
            let handle = handle_type(skel, h, quote!('_));
            let path = handle_path(h);
            let what = match h {
                TypedHandle::RingBuf { .. } | TypedHandle::PerfEvents { .. } => "events",
                _ => "key and value",
            };
            let d = doc(&[format!("[`Self::{}`], typed {what}.", m.idents.handle.get)]);
            ops.loaded.push(quote! {
                #d
                pub fn #typed(&self) -> #handle {
                    #path::__new(&self.inner, #index)
                }
            });
        }
        let (
            MapKind::Data {
                section,
                kind,
                mmapable,
                ty: Some(r),
                resizable,
            },
            Some(names),
        ) = (&m.kind, &m.idents.data)
        else {
            continue;
        };
        let ty = ident(&skel.ty(*r).name);
        let data = ident(&names.get);
        let data_mut = ident(&names.get_mut);
        let section = code(section);
        let writable = *kind != DataKind::Rodata;
        if *mmapable {
            let d = doc(&[format!(
                "The variables of {section}: their initial values before load, live (shared with the BPF programs) after. An error, not a panic, when the map cannot hold the view (see `skel_runtime::ViewProblem`)."
            )]);
            ops.both.push(quote! {
                #d
                pub fn #data(&self) -> __skel::Result<&types::#ty> {
                    S::data(&self.inner, #index)
                }
            });
        } else {
            let d = doc(&[format!(
                "The initial values of the variables of {section} (only static variables: not mapped after load). An error, not a panic, when the map cannot hold the view."
            )]);
            ops.open.push(quote! {
                #d
                pub fn #data(&self) -> __skel::Result<&types::#ty> {
                    self.inner.data(#index)
                }
            });
        }
        let d = doc(&[format!("[`Self::{}`], writable until load.", names.get)]);
        ops.open.push(quote! {
            #d
            pub fn #data_mut(&mut self) -> __skel::Result<&mut types::#ty> {
                self.inner.data_mut(#index)
            }
        });
        if *mmapable && writable {
            let d = doc(&[format!("[`Self::{}`], writable.", names.get)]);
            ops.loaded.push(quote! {
                #d
                pub fn #data_mut(&mut self) -> __skel::Result<&mut types::#ty> {
                    self.inner.data_mut(#index)
                }
            });
        }
        if let Some(array) = resizable {
            skel_ops::resizable(skel, m, i, array, *mmapable, writable, &mut ops);
        }
    }
    Container {
        kind: "Maps",
        about: "",
        name: &n.maps,
        open_alias: &n.open_maps,
        inner: quote!(Maps),
        both: ops.both,
        open_only: ops.open,
        loaded_only: ops.loaded,
    }
    .tokens(skel)
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

fn progs_container(skel: &Skeleton, n: &Names) -> TokenStream {
    let mut both = vec![];
    for (i, p) in skel.progs.iter().enumerate() {
        let index = lit_usize(i);
        let get = ident(&p.idents.access.get);
        let get_mut = ident(&p.idents.access.get_mut);
        let d = doc(&[format!(
            "Program {} (section {}).",
            code(&p.name),
            code(&p.section),
        )]);
        let d_mut = doc(&[format!(
            "[`Self::{}`]'s libbpf-rs handle.",
            p.idents.access.get
        )]);
        both.push(quote! {
            #d
            pub fn #get(&self) -> &'obj __skel::Program<'obj> {
                S::program(&self.inner, #index)
            }
            #d_mut
            pub fn #get_mut(&mut self) -> S::ProgramMut<'_> {
                S::program_mut(&mut self.inner, #index)
            }
        });
    }
    Container {
        kind: "Programs",
        about: "A program's token (`&Program`) is what struct_ops slots hold.",
        name: &n.progs,
        open_alias: &n.open_progs,
        inner: quote!(Progs),
        both,
        open_only: vec![],
        loaded_only: vec![],
    }
    .tokens(skel)
}

fn struct_ops_container(skel: &Skeleton, n: &Names) -> TokenStream {
    let mut ops = skel_ops::Methods::default();
    let struct_ops = skel
        .maps
        .iter()
        .filter_map(|m| match (&m.kind, &m.idents.shadow) {
            (
                MapKind::StructOps {
                    shadow,
                    kernel_struct,
                    ..
                },
                Some(names),
            ) => Some((m, *shadow, kernel_struct, names)),
            _ => None,
        });
    for (i, (m, shadow, kernel_struct, names)) in struct_ops.enumerate() {
        let index = lit_usize(i);
        let t = ident(&skel.ty(shadow).name);
        let get = ident(&names.get);
        let get_mut = ident(&names.get_mut);
        let d = doc(&[format!(
            "Shadow of struct_ops map {}: what load will send, then what it sent.",
            code(&m.name)
        )]);
        ops.both.push(quote! {
            #d
            pub fn #get(&self) -> &types::#t<'obj> {
                S::shadow(&self.inner, #index)
            }
        });
        let d = doc(&[format!("[`Self::{}`], writable until load.", names.get)]);
        ops.open.push(quote! {
            #d
            pub fn #get_mut(&mut self) -> &mut types::#t<'obj> {
                self.inner.get_mut(#index)
            }
        });
        skel_ops::struct_ops(m, i, kernel_struct, &mut ops);
    }
    Container {
        kind: "struct_ops shadows",
        about: "In a shadow, `ops.slot = Some(open.progs.other())` swaps a callback, `None` clears it.",
        name: &n.struct_ops,
        open_alias: &n.open_struct_ops,
        inner: quote!(Shadows),
        both: ops.both,
        open_only: ops.open,
        loaded_only: ops.loaded,
    }
    .tokens(skel)
}

fn links(skel: &Skeleton, n: &Names) -> TokenStream {
    let Names { links, .. } = n;
    let mut fields = vec![];
    for p in &skel.progs {
        let Some(link) = &p.idents.link else {
            continue;
        };
        let f = ident(link);
        let d = doc(&[format!("Program {}.", code(&p.name))]);
        fields.push(quote! { #d pub #f: ::core::option::Option<__skel::Link<'obj>>, });
    }
    for m in &skel.maps {
        if let Some(name) = &m.idents.link {
            let f = ident(name);
            let d = doc(&[format!("struct_ops map {}.", code(&m.name))]);
            fields.push(quote! { #d pub #f: ::core::option::Option<__skel::Link<'obj>>, });
        }
    }
    let d = doc(&[format!("Links of skeleton {}.", code(&skel.name))]);
    quote! {
        #d
        #[derive(Debug, Default)]
        pub struct #links<'obj> {
            #(#fields)*
            _obj: ::core::marker::PhantomData<fn(&'obj ()) -> &'obj ()>,
        }
    }
}
