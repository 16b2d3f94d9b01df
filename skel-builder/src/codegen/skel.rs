//! The skeleton itself: builder, open and loaded skeletons, and their maps,
//! programs, struct_ops and links containers.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::attrs::{code, doc, ident, lit_usize};
use crate::model::{DataKind, MapDef, MapKind, ObjectPath, Skeleton, Ty, TypeDefKind};

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
        }
    }
}

fn map_doc(m: &MapDef) -> String {
    let what = match &m.kind {
        MapKind::Declared { value_type } => format!(
            "Map {} ({}, key {} bytes, value {} bytes{}, max {} entries), declared in `.maps`.",
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

/// Data maps with a typed view: (map index, type name, writable after load).
fn data_views(skel: &Skeleton) -> Vec<(usize, Ident, bool, bool)> {
    skel.maps
        .iter()
        .enumerate()
        .filter_map(|(i, m)| match &m.kind {
            MapKind::Data {
                ty: Some(r),
                kind,
                mmapable,
                ..
            } => Some((
                i,
                ident(&skel.ty(*r).name),
                *kind != DataKind::Rodata,
                *mmapable,
            )),
            _ => None,
        })
        .collect()
}

pub fn skeleton(skel: &Skeleton) -> TokenStream {
    let n = Names::new(skel);
    let spec = spec(skel);
    let builder = builder(skel, &n);
    let open_skel = open_skel(skel, &n);
    let loaded = loaded_skel(skel, &n);
    let maps = maps_containers(skel, &n);
    let progs = progs_containers(skel, &n);
    let struct_ops = struct_ops_containers(skel, &n);
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
    let maps = skel.maps.iter().map(|m| {
        let map_name = &m.name;
        let lookup = &m.lookup_name;
        let data = match &m.kind {
            MapKind::Data { ty: Some(r), .. } => {
                let def = skel.ty(*r);
                let t = ident(&def.name);
                let tn = &def.name;
                let value_size = match &def.kind {
                    TypeDefKind::Struct(s) => lit_usize(s.c_size as usize),
                    TypeDefKind::Enum(_) => lit_usize(def.layout().size as usize),
                };
                quote!(::core::option::Option::Some(::skel_runtime::__private::TypeSpec {
                    type_name: #tn,
                    size: ::core::mem::size_of::<types::#t>(),
                    align: ::core::mem::align_of::<types::#t>(),
                    value_size: #value_size,
                }))
            }
            _ => quote!(::core::option::Option::None),
        };
        quote!(::skel_runtime::__private::MapSpec { name: #map_name, lookup: #lookup, data: #data })
    });
    let progs = skel.progs.iter().map(|p| {
        let pname = &p.name;
        let so = p.struct_ops;
        quote!(::skel_runtime::__private::ProgSpec { name: #pname, struct_ops: #so })
    });
    let struct_ops = skel.maps.iter().enumerate().filter_map(|(i, m)| {
        let MapKind::StructOps { shadow, .. } = &m.kind else {
            return None;
        };
        let def = skel.ty(*shadow);
        let t = ident(&def.name);
        let tn = &def.name;
        let TypeDefKind::Struct(s) = &def.kind else {
            return None;
        };
        let slots = s
            .fields
            .iter()
            .filter(|f| f.ty == Ty::ProgramSlot)
            .map(|f| {
                let field = &f.name;
                let offset = lit_usize(f.byte_offset as usize);
                quote!(::skel_runtime::__private::SlotSpec { field: #field, offset: #offset })
            });
        let index = lit_usize(i);
        let value_size = lit_usize(s.c_size as usize);
        Some(quote!(::skel_runtime::__private::StructOpsSpec {
            map: #index,
            shadow: ::skel_runtime::__private::TypeSpec {
                type_name: #tn,
                size: ::core::mem::size_of::<types::#t<'static>>(),
                align: ::core::mem::align_of::<types::#t<'static>>(),
                value_size: #value_size,
            },
            slots: &[#(#slots),*],
        }))
    });
    quote! {
        static OBJECT: &::skel_runtime::__private::Aligned<[u8]> =
            &::skel_runtime::__private::Aligned(*#bytes);

        static SPEC: ::skel_runtime::__private::SkelSpec = ::skel_runtime::__private::SkelSpec {
            name: #name,
            object: &OBJECT.0,
            maps: &[#(#maps),*],
            progs: &[#(#progs),*],
            struct_ops: &[#(#struct_ops),*],
        };
    }
}

fn builder(skel: &Skeleton, n: &Names) -> TokenStream {
    let Names {
        builder,
        open_skel,
        open_maps,
        open_progs,
        open_struct_ops,
        ..
    } = n;
    let d = doc(&[
        format!(
            "Opens BPF object {} (embedded in the binary) into an `ObjectStorage`.",
            code(&skel.name)
        ),
        format!(
            "libbpf names the object {} (internal maps are called `{}.bss` and so on).",
            code(&skel.object_name),
            skel.object_name
        ),
    ]);
    let obj_doc = doc(&["libbpf open options (debug output, pin root path, custom BTF). The object name is the skeleton's.".to_owned()]);
    let open_doc = doc(&[
        "Opens the object: maps and programs exist, nothing is in the kernel yet.".to_owned(),
        "Checks that every map, program and typed view the skeleton expects is there, with the size and alignment of its generated type.".to_owned(),
    ]);
    quote! {
        #d
        #[derive(Default)]
        pub struct #builder {
            #obj_doc
            pub obj_builder: ::skel_runtime::libbpf_rs::ObjectBuilder,
        }

        impl #builder {
            #open_doc
            pub fn open<'obj>(
                mut self,
                storage: &'obj mut ::skel_runtime::ObjectStorage,
            ) -> ::skel_runtime::Result<#open_skel<'obj>> {
                let core = storage.open(&SPEC, &mut self.obj_builder)?;
                ::core::result::Result::Ok(#open_skel {
                    maps: #open_maps { inner: core.maps() },
                    progs: #open_progs { inner: core.progs() },
                    struct_ops: #open_struct_ops { inner: core.struct_ops() },
                    core,
                })
            }
        }
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
    let d = doc(&[
        format!("BPF object {}, opened but not loaded.", code(&skel.name)),
        "Change what you need before load: map sizes and flags (`maps`), autoload and attach targets (`progs`), struct_ops fields and program slots (`struct_ops`), initial values of globals (`maps.<section>_data_mut()`).".to_owned(),
    ]);
    quote! {
        #d
        pub struct #open_skel<'obj> {
            /// Maps: libbpf-rs handles and typed views of data sections.
            pub maps: #open_maps<'obj>,
            /// Programs: tokens for struct_ops slots and libbpf-rs handles.
            pub progs: #open_progs<'obj>,
            /// Shadows of struct_ops maps, writable until load.
            pub struct_ops: #open_struct_ops<'obj>,
            core: ::skel_runtime::__private::OpenCore<'obj>,
        }

        impl<'obj> #open_skel<'obj> {
            /// Loads the object into the kernel.
            ///
            /// Before libbpf sees the struct_ops shadows, every program slot
            /// is checked: it must be empty or hold a struct_ops program of
            /// this object. Each struct_ops program is then loaded exactly
            /// when a slot of a map that will be created holds it.
            pub fn load(self) -> ::skel_runtime::Result<#skel_name<'obj>> {
                let core = self.core.load()?;
                ::core::result::Result::Ok(#skel_name {
                    maps: #maps { inner: core.maps() },
                    progs: #progs { inner: core.progs() },
                    struct_ops: #struct_ops { inner: core.struct_ops() },
                    links: ::core::default::Default::default(),
                    core,
                })
            }

            /// The raw `struct bpf_object *`, for libbpf calls the skeleton
            /// does not wrap.
            pub fn as_libbpf_object(&self) -> *mut ::skel_runtime::libbpf_sys::bpf_object {
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
    let d = doc(&[format!(
        "BPF object {}, loaded into the kernel.",
        code(&skel.name)
    )]);
    let mut attaches = vec![];
    for (i, p) in skel.progs.iter().enumerate() {
        let Some(link) = &p.idents.link else {
            continue;
        };
        let f = ident(link);
        let index = lit_usize(i);
        attaches.push(quote! {
            if self.links.#f.is_none() {
                self.links.#f = self.core.attach_program(#index)?;
            }
        });
    }
    for (i, m) in skel.maps.iter().enumerate() {
        if let Some(name) = &m.idents.link {
            let f = ident(name);
            let index = lit_usize(i);
            attaches.push(quote! {
                if self.links.#f.is_none() {
                    self.links.#f = self.core.attach_struct_ops(#index)?;
                }
            });
        }
    }
    quote! {
        #d
        pub struct #skel_name<'obj> {
            /// Maps: libbpf-rs handles and typed views of data sections.
            pub maps: #maps<'obj>,
            /// Programs: tokens and libbpf-rs handles.
            pub progs: #progs<'obj>,
            /// Shadows of struct_ops maps, read-only: what was sent at load.
            pub struct_ops: #struct_ops<'obj>,
            /// Links made by `attach`, one per program and struct_ops map.
            /// Dropping a link detaches it (struct_ops: unregisters).
            pub links: #links<'obj>,
            core: ::skel_runtime::__private::LoadedCore<'obj>,
        }

        impl<'obj> #skel_name<'obj> {
            /// Attaches every program whose section names its target, as
            /// libbpf's skeleton attach does, and registers every
            /// struct_ops map that was created (`.struct_ops.link` maps
            /// through a BPF link). Links already set are left alone.
            pub fn attach(&mut self) -> ::skel_runtime::Result<()> {
                #(#attaches)*
                ::core::result::Result::Ok(())
            }

            /// The raw `struct bpf_object *`.
            pub fn as_libbpf_object(&self) -> *mut ::skel_runtime::libbpf_sys::bpf_object {
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

fn maps_containers(skel: &Skeleton, n: &Names) -> TokenStream {
    let Names {
        open_maps, maps, ..
    } = n;
    let views = data_views(skel);
    let mut open_methods = vec![];
    let mut methods = vec![];
    for (i, m) in skel.maps.iter().enumerate() {
        let index = lit_usize(i);
        let get = ident(&m.idents.handle.get);
        let get_mut = ident(&m.idents.handle.get_mut);
        let d = doc(&[map_doc(m)]);
        open_methods.push(quote! {
            #d
            pub fn #get(&self) -> ::skel_runtime::libbpf_rs::OpenMap<'_> {
                self.inner.map(#index)
            }
            #d
            pub fn #get_mut(&mut self) -> ::skel_runtime::libbpf_rs::OpenMapMut<'_> {
                self.inner.map_mut(#index)
            }
        });
        let created = if m.autocreate {
            String::new()
        } else {
            " Panics if the map was not created.".to_owned()
        };
        let d = doc(&[format!("{}{created}", map_doc(m))]);
        methods.push(quote! {
            #d
            pub fn #get(&self) -> ::skel_runtime::libbpf_rs::Map<'_> {
                self.inner.map(#index)
            }
            #d
            pub fn #get_mut(&mut self) -> ::skel_runtime::libbpf_rs::MapMut<'_> {
                self.inner.map_mut(#index)
            }
        });
    }
    for (i, ty, writable, mmapable) in views {
        let m = &skel.maps[i];
        let index = lit_usize(i);
        let (MapKind::Data { section, .. }, Some(names)) = (&m.kind, &m.idents.data) else {
            continue;
        };
        let data = ident(&names.get);
        let data_mut = ident(&names.get_mut);
        let d_open = doc(&[format!(
            "The variables of {} as the program will start with them; change them before load.",
            code(section)
        )]);
        open_methods.push(quote! {
            #d_open
            pub fn #data(&self) -> &types::#ty {
                self.inner.data(#index)
            }
            #d_open
            pub fn #data_mut(&mut self) -> &mut types::#ty {
                self.inner.data_mut(#index)
            }
        });
        if !mmapable {
            continue;
        }
        let d = doc(&[format!(
            "The variables of {}, live: the map's memory, shared with the BPF programs{}.",
            code(section),
            if writable { "" } else { " (read-only)" }
        )]);
        methods.push(quote! {
            #d
            pub fn #data(&self) -> &types::#ty {
                self.inner.data(#index)
            }
        });
        if writable {
            methods.push(quote! {
                #d
                pub fn #data_mut(&mut self) -> &mut types::#ty {
                    self.inner.data_mut(#index)
                }
            });
        }
    }
    let open_doc = doc(&[format!("Maps of the open skeleton {}.", code(&skel.name))]);
    let loaded_doc = doc(&[format!("Maps of the loaded skeleton {}.", code(&skel.name))]);
    quote! {
        #open_doc
        pub struct #open_maps<'obj> {
            inner: ::skel_runtime::__private::OpenMaps<'obj>,
        }
        impl<'obj> #open_maps<'obj> {
            #(#open_methods)*
        }
        #loaded_doc
        pub struct #maps<'obj> {
            inner: ::skel_runtime::__private::Maps<'obj>,
        }
        impl<'obj> #maps<'obj> {
            #(#methods)*
        }
    }
}

fn progs_containers(skel: &Skeleton, n: &Names) -> TokenStream {
    let Names {
        open_progs, progs, ..
    } = n;
    let mut open_methods = vec![];
    let mut methods = vec![];
    for (i, p) in skel.progs.iter().enumerate() {
        let index = lit_usize(i);
        let get = ident(&p.idents.access.get);
        let get_mut = ident(&p.idents.access.get_mut);
        let what = format!(
            "Program {} (section {}{}).",
            code(&p.name),
            code(&p.section),
            if p.struct_ops { ", struct_ops" } else { "" }
        );
        let token_doc = if p.struct_ops {
            "Put this token in a struct_ops program slot to use it; the program loads exactly when a slot holds it."
        } else {
            "A token naming the program."
        };
        let d = doc(&[what.clone(), token_doc.to_owned()]);
        let d_mut = doc(&[what, "The libbpf-rs handle.".to_owned()]);
        open_methods.push(quote! {
            #d
            pub fn #get(&self) -> &'obj ::skel_runtime::Program {
                self.inner.program(#index)
            }
            #d_mut
            pub fn #get_mut(&mut self) -> ::skel_runtime::libbpf_rs::OpenProgramMut<'_> {
                self.inner.program_mut(#index)
            }
        });
        methods.push(quote! {
            #d
            pub fn #get(&self) -> &'obj ::skel_runtime::Program {
                self.inner.program(#index)
            }
            #d_mut
            pub fn #get_mut(&mut self) -> ::skel_runtime::libbpf_rs::ProgramMut<'_> {
                self.inner.program_mut(#index)
            }
        });
    }
    let open_doc = doc(&[format!(
        "Programs of the open skeleton {}.",
        code(&skel.name)
    )]);
    let loaded_doc = doc(&[format!(
        "Programs of the loaded skeleton {}.",
        code(&skel.name)
    )]);
    quote! {
        #open_doc
        pub struct #open_progs<'obj> {
            inner: ::skel_runtime::__private::OpenProgs<'obj>,
        }
        impl<'obj> #open_progs<'obj> {
            #(#open_methods)*
        }
        #loaded_doc
        pub struct #progs<'obj> {
            inner: ::skel_runtime::__private::Progs<'obj>,
        }
        impl<'obj> #progs<'obj> {
            #(#methods)*
        }
    }
}

fn struct_ops_containers(skel: &Skeleton, n: &Names) -> TokenStream {
    let Names {
        open_struct_ops,
        struct_ops,
        ..
    } = n;
    let mut open_methods = vec![];
    let mut methods = vec![];
    let mut index = 0usize;
    for m in &skel.maps {
        let (MapKind::StructOps { shadow, .. }, Some(names)) = (&m.kind, &m.idents.shadow) else {
            continue;
        };
        let i = lit_usize(index);
        index += 1;
        let def = skel.ty(*shadow);
        let t = ident(&def.name);
        let get = ident(&names.get);
        let get_mut = ident(&names.get_mut);
        let d = doc(&[
            format!(
                "Shadow of struct_ops map {} ({}).",
                code(&m.name),
                code(&def.c_name)
            ),
            "Fields are the BPF struct's, at its offsets; function pointers are program slots."
                .to_owned(),
        ]);
        let d_mut = doc(&[
            format!("Shadow of struct_ops map {}, to edit before load.", code(&m.name)),
            "Set scalars, strings and program slots: `ops.slot = Some(open.progs.other())` swaps a callback, `None` clears it. At load, each struct_ops program's autoload follows the slots: a program sitting in a slot of a map that will be created loads, any other does not (no `set_autoload` calls needed). A slot holding a program of another object fails the load with an error naming map and member.".to_owned(),
        ]);
        open_methods.push(quote! {
            #d
            pub fn #get(&self) -> &types::#t<'obj> {
                self.inner.get(#i)
            }
            #d_mut
            pub fn #get_mut(&mut self) -> &mut types::#t<'obj> {
                self.inner.get_mut(#i)
            }
        });
        let d = doc(&[format!(
            "Shadow of struct_ops map {} as it was sent at load (read-only: the kernel's copy is read back with a map lookup).",
            code(&m.name)
        )]);
        methods.push(quote! {
            #d
            pub fn #get(&self) -> &types::#t<'obj> {
                self.inner.get(#i)
            }
        });
    }
    let open_doc = doc(&[format!(
        "struct_ops shadows of the open skeleton {}. Not `Clone`: each shadow is borrowed from the skeleton.",
        code(&skel.name)
    )]);
    let loaded_doc = doc(&[format!(
        "struct_ops shadows of the loaded skeleton {} (read-only).",
        code(&skel.name)
    )]);
    quote! {
        #open_doc
        pub struct #open_struct_ops<'obj> {
            inner: ::skel_runtime::__private::OpenShadows<'obj>,
        }
        impl<'obj> #open_struct_ops<'obj> {
            #(#open_methods)*
        }
        #loaded_doc
        pub struct #struct_ops<'obj> {
            inner: ::skel_runtime::__private::Shadows<'obj>,
        }
        impl<'obj> #struct_ops<'obj> {
            #(#methods)*
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
        let d = doc(&[format!("Link of program {}.", code(&p.name))]);
        fields.push(quote! { #d pub #f: ::core::option::Option<::skel_runtime::Link<'obj>>, });
    }
    for m in &skel.maps {
        if let Some(name) = &m.idents.link {
            let f = ident(name);
            let d = doc(&[format!("Registration of struct_ops map {}.", code(&m.name))]);
            fields.push(quote! { #d pub #f: ::core::option::Option<::skel_runtime::Link<'obj>>, });
        }
    }
    let d = doc(&[format!("Links of skeleton {}.", code(&skel.name))]);
    quote! {
        #d
        #[derive(Debug, Default)]
        pub struct #links<'obj> {
            #(#fields)*
            _obj: ::core::marker::PhantomData<&'obj ()>,
        }
    }
}
