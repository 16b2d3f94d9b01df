//! The skeleton itself: its spec for the runtime, the builder, the open and
//! loaded skeletons with their methods, and the links container. The views
//! the skeletons lend are in `views`, live data sections in `live`.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::attrs::{code, doc, ident, lit_usize};
use super::{live, views};
use crate::model::{MapKind, ObjectPath, Skeleton, TypeDefKind};

/// The skeleton's own type names, as tokens.
pub struct Names {
    pub builder: Ident,
    pub open_skel: Ident,
    pub skel: Ident,
    pub open_maps: Ident,
    pub open_maps_mut: Ident,
    pub maps: Ident,
    pub open_progs: Ident,
    pub open_progs_mut: Ident,
    pub progs: Ident,
    pub progs_mut: Ident,
    pub open_struct_ops: Ident,
    pub open_struct_ops_mut: Ident,
    pub struct_ops: Ident,
    pub struct_ops_mut: Ident,
    pub links: Ident,
    pub owned_open: Ident,
    pub owned: Ident,
}

impl Names {
    fn new(skel: &Skeleton) -> Names {
        let ids = &skel.idents;
        Names {
            builder: ident(&ids.builder),
            open_skel: ident(&ids.open_skel),
            skel: ident(&ids.skel),
            open_maps: ident(&ids.open_maps),
            open_maps_mut: ident(&ids.open_maps_mut),
            maps: ident(&ids.maps),
            open_progs: ident(&ids.open_progs),
            open_progs_mut: ident(&ids.open_progs_mut),
            progs: ident(&ids.progs),
            progs_mut: ident(&ids.progs_mut),
            open_struct_ops: ident(&ids.open_struct_ops),
            open_struct_ops_mut: ident(&ids.open_struct_ops_mut),
            struct_ops: ident(&ids.struct_ops),
            struct_ops_mut: ident(&ids.struct_ops_mut),
            links: ident(&ids.links),
            owned_open: ident(&ids.owned_open),
            owned: ident(&ids.owned),
        }
    }
}

/// What the skeleton has, deciding which views and methods exist: no
/// empty containers.
pub struct Has {
    pub maps: bool,
    pub progs: bool,
    pub struct_ops: bool,
    pub links: bool,
}

impl Has {
    fn new(skel: &Skeleton) -> Has {
        Has {
            maps: !skel.maps.is_empty(),
            progs: !skel.progs.is_empty(),
            struct_ops: skel.maps.iter().any(|m| m.idents.struct_ops.is_some()),
            links: skel.progs.iter().any(|p| p.idents.link.is_some())
                || skel.maps.iter().any(|m| m.idents.link.is_some()),
        }
    }
}

pub fn skeleton(skel: &Skeleton) -> TokenStream {
    let n = Names::new(skel);
    let has = Has::new(skel);
    let spec = spec(skel);
    let builder = builder(skel, &n, &has);
    let open_skel = open_skel(skel, &n, &has);
    let loaded = loaded_skel(skel, &n, &has);
    let views = views::views(skel, &n, &has);
    let live = live::live_types(skel);
    let links = if has.links { links(skel, &n) } else { quote!() };
    quote! {
        #spec
        #builder
        #open_skel
        #loaded
        #views
        #live
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
            MapKind::Data {
                ty: Some(r),
                resizable,
                ..
            } => {
                let def = skel.ty(*r);
                let t = ident(&def.name);
                let tn = &def.name;
                let value_size = match &def.kind {
                    TypeDefKind::Struct(s) => lit_usize(s.c_size as usize),
                    _ => lit_usize(def.layout(&skel.target).size as usize),
                };
                let resizable = resizable.is_some();
                quote!(s::MapSpec::data(#map_name, #lookup, s::TypeSpec::of::<types::#t>(#tn, #value_size), #resizable))
            }
            MapKind::Kconfig { ty: Some(r) } => {
                let def = skel.ty(*r);
                let t = ident(&def.name);
                let tn = &def.name;
                let value_size = lit_usize(m.value_size as usize);
                quote!(s::MapSpec::data(#map_name, #lookup, s::TypeSpec::of::<types::#t>(#tn, #value_size), false))
            }
            MapKind::StructOps { shadow, .. } => {
                let t = ident(&skel.ty(*shadow).name);
                quote!(s::MapSpec::struct_ops::<types::#t<'static>>(#map_name))
            }
            _ => quote!(s::MapSpec::new(#map_name, #lookup)),
        }
    });
    let progs = skel.progs.iter().map(|p| {
        let pname = &p.name;
        let so = p.struct_ops;
        let optional = p.optional.then(|| quote!(.optional()));
        let kfuncs = &p.kfuncs;
        let kfuncs = (!kfuncs.is_empty()).then(|| quote!(.kfuncs(&[#(#kfuncs),*])));
        let ksyms = &p.ksyms;
        let ksyms = (!ksyms.is_empty()).then(|| quote!(.ksyms(&[#(#ksyms),*])));
        quote!(s::ProgSpec::new(#pname, #so) #optional #kfuncs #ksyms)
    });
    // The object sits by value in a `.bpf.objs` section of the binary,
    // as libbpf-cargo 0.26 puts it (`#[unsafe(link_section)]`, no `#[used]`),
    // so tools extract it by the symbol's address and size. Its length
    // comes from the file, so the code does not change with the object.
    // `unsafe(...)` attributes need Rust 1.82, below skel-runtime's 1.88.
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
            }
        };
    }
}

fn builder(skel: &Skeleton, n: &Names, has: &Has) -> TokenStream {
    let Names {
        builder,
        open_skel,
        skel: skel_name,
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
    let attach = if has.links {
        quote!(skel.attach())
    } else {
        quote!({
            let _ = skel;
            ::core::result::Result::Ok(())
        })
    };
    quote! {
        #d
        #[derive(Default)]
        pub struct #builder {
            /// libbpf's open options (custom BTF, pin root path, kconfig,
            /// kernel log level).
            pub open_options: __skel::OpenOptions,
        }

        impl #builder {
            /// Opens the object into `storage`, checking that every map,
            /// program and typed view is there, with the size and alignment
            /// of its generated type.
            pub fn open<'obj>(
                self,
                storage: &'obj mut __skel::ObjectStorage,
            ) -> __skel::Result<#open_skel<'obj>> {
                let core = __skel::__private::OpenCore::open(storage, &SPEC, &self.open_options)?;
                ::core::result::Result::Ok(#open_skel { core })
            }

            /// Opens the object into storage of its own: the owned form.
            pub fn open_owned(self) -> __skel::Result<#owned_open> {
                __skel::OwnedOpen::new(self)
            }
        }

        /// SAFETY: the open and loaded skeletons hold a private core that
        /// borrows only the storage `__open` is given, and links of their
        /// own object; both are invariant in `'obj` (the core's brand), and
        /// nothing whose type mentions `'obj` can be stored through a shared
        /// reference.
        unsafe impl __skel::SkelBuilder for #builder {
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
                #attach
            }
        }

        #owned_open_doc
        pub type #owned_open = __skel::OwnedOpen<#builder>;
        #owned_doc
        pub type #owned = __skel::Owned<#builder>;
    }
}

fn open_skel(skel: &Skeleton, n: &Names, has: &Has) -> TokenStream {
    let Names {
        open_skel,
        skel: skel_name,
        ..
    } = n;
    let d = doc(&[format!(
        "BPF object {}, opened: change maps, programs, struct_ops shadows and globals, then `load()`.",
        code(&skel.name)
    )]);
    let fill = skel.idents.fill_kernel_consts.as_deref().map(|name| {
        let f = ident(name);
        quote! {
            /// Fills the `.rodata` kernel constants, variables named after
            /// an enum constant of the kernel with two underscores before
            /// (as sched_ext's `__SCX_DSQ_LOCAL` takes `SCX_DSQ_LOCAL`),
            /// from the running kernel's BTF; those it lacks are left as
            /// they were, and reported (see `skel_runtime::KernelConsts`).
            pub fn #f(&mut self) -> __skel::Result<__skel::KernelConsts> {
                self.core.fill_kernel_consts()
            }
        }
    });
    // The data sections whose views the loaded skeleton hands out: libbpf
    // must map them at load.
    let mapped: Vec<_> = skel
        .maps
        .iter()
        .enumerate()
        .filter(|(_, m)| {
            matches!(
                m.kind,
                MapKind::Data {
                    mmapable: true,
                    ty: Some(_),
                    resizable: None,
                    ..
                }
            )
        })
        .map(|(i, _)| lit_usize(i))
        .collect();
    let core = if mapped.is_empty() {
        quote!(self.core.load()?)
    } else {
        quote!(self.core.load()?.require_mapped(&[#(#mapped),*])?)
    };
    let links = has
        .links
        .then(|| quote!(links: ::core::default::Default::default(),));
    quote! {
        #d
        pub struct #open_skel<'obj> {
            core: __skel::__private::OpenCore<'obj>,
        }

        impl<'obj> #open_skel<'obj> {
            /// Loads the object. Every struct_ops slot must be empty or hold
            /// a struct_ops program of this object; each struct_ops program
            /// is loaded exactly when a slot of a map that will be created
            /// holds it.
            pub fn load(self) -> __skel::Result<#skel_name<'obj>> {
                ::core::result::Result::Ok(#skel_name {
                    core: #core,
                    #links
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

fn loaded_skel(skel: &Skeleton, n: &Names, has: &Has) -> TokenStream {
    let Names {
        skel: skel_name,
        links,
        ..
    } = n;
    let d = doc(&[format!("BPF object {}, loaded.", code(&skel.name))]);
    let mut attaches = vec![];
    let mut attach_one = vec![];
    for (i, p) in skel.progs.iter().enumerate() {
        let (Some(link), Some(name)) = (&p.idents.link, &p.idents.attach) else {
            continue;
        };
        let f = ident(link);
        let m = ident(name);
        let index = lit_usize(i);
        attaches.push(quote!((s::AttachTarget::Program(#index), &mut self.links.#f)));
        let d = doc(&[format!(
            "Attaches program {} alone, as its section {} says, whatever its autoattach, into `links.{link}` (nothing to do if set).",
            code(&p.name),
            code(&p.section)
        )]);
        attach_one.push(quote! {
            #d
            pub fn #m(&mut self) -> __skel::Result<()> {
                self.core.attach_one_program(#index, &mut self.links.#f)
            }
        });
    }
    for (i, m) in skel.maps.iter().enumerate() {
        let (Some(link), Some(so)) = (&m.idents.link, &m.idents.struct_ops) else {
            continue;
        };
        let f = ident(link);
        let name = ident(&so.attach);
        let index = lit_usize(i);
        attaches.push(quote!((s::AttachTarget::StructOps(#index), &mut self.links.#f)));
        let d = doc(&[format!(
            "Registers struct_ops map {} alone, whatever its autoattach, into `links.{link}` (nothing to do if set).",
            code(&m.name)
        )]);
        attach_one.push(quote! {
            #d
            pub fn #name(&mut self) -> __skel::Result<()> {
                self.core.attach_struct_ops(#index, &mut self.links.#f)
            }
        });
    }
    let (links_field, attach) = if has.links {
        (
            quote! {
                /// Links made by `attach()` and `attach_<...>()`; dropping
                /// one (`links.<name> = None`, or `take()`) detaches it
                /// (struct_ops: unregisters).
                pub links: #links<'obj>,
            },
            quote! {
                /// Attaches every program whose section names its target, as
                /// libbpf's skeleton attach does, and registers every struct_ops
                /// map that was created and has autoattach on. Links already set
                /// are left alone. All or nothing: if one fails, the links this
                /// call made are dropped again, and the error names the program
                /// or map, the errno and libbpf's log.
                pub fn attach(&mut self) -> __skel::Result<()> {
                    use __skel::__private as s;
                    self.core.attach_all(&mut [#(#attaches),*])
                }

                #(#attach_one)*
            },
        )
    } else {
        (quote!(), quote!())
    };
    let skipped = skel.progs.iter().any(|p| p.optional).then(|| {
        let optional: Vec<String> = skel
            .progs
            .iter()
            .filter(|p| p.optional)
            .map(|p| code(&p.name))
            .collect();
        let d = doc(&[
            format!(
                "The optional programs ({}) that `load()` skipped because the running kernel lacks what they need: the target of their section, a kfunc, their program type. They are not loaded, and `attach()` leaves them alone; each prints as one line saying what it lacks.",
                optional.join(", ")
            ),
        ]);
        quote! {
            #d
            pub fn skipped_programs(&self) -> &[__skel::SkippedProgram] {
                self.core.skipped_programs()
            }
        }
    });
    let struct_ops_maps: Vec<&str> = skel
        .maps
        .iter()
        .filter(|m| matches!(m.kind, MapKind::StructOps { .. }))
        .map(|m| m.name.as_str())
        .collect();
    let association = match struct_ops_maps.as_slice() {
        [map] => {
            let d = doc(&[format!(
                "What `load()` did to associate every loaded program that is not a struct_ops program with struct_ops map {} (`BPF_PROG_ASSOC_STRUCT_OPS`, as sched_ext's `SCX_OPS_LOAD` does): on kernels without it nothing was done, and this says so; it is never an error.",
                code(map)
            )]);
            quote! {
                #d
                pub fn struct_ops_association(&self) -> &__skel::StructOpsAssociation {
                    self.core.struct_ops_association()
                }
            }
        }
        _ => quote!(),
    };
    quote! {
        #d
        pub struct #skel_name<'obj> {
            core: __skel::__private::LoadedCore<'obj>,
            #links_field
        }

        impl<'obj> #skel_name<'obj> {
            #attach

            #skipped

            #association

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
