//! The skeleton itself: builder, open and loaded skeletons, and their maps,
//! programs, struct_ops and links containers.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::attrs::{code, doc, ident, lit_usize};
use super::skel_ops;
use crate::ident::{Namespace, camel_case};
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
        let c = camel_case(&skel.name);
        Names {
            builder: format_ident!("{c}SkelBuilder"),
            open_skel: format_ident!("Open{c}Skel"),
            skel: format_ident!("{c}Skel"),
            open_maps: format_ident!("Open{c}Maps"),
            maps: format_ident!("{c}Maps"),
            open_progs: format_ident!("Open{c}Progs"),
            progs: format_ident!("{c}Progs"),
            open_struct_ops: format_ident!("Open{c}StructOps"),
            struct_ops: format_ident!("{c}StructOps"),
            links: format_ident!("{c}Links"),
        }
    }
}

fn map_type_name(t: u32) -> String {
    const NAMES: &[&str] = &[
        "UNSPEC",
        "HASH",
        "ARRAY",
        "PROG_ARRAY",
        "PERF_EVENT_ARRAY",
        "PERCPU_HASH",
        "PERCPU_ARRAY",
        "STACK_TRACE",
        "CGROUP_ARRAY",
        "LRU_HASH",
        "LRU_PERCPU_HASH",
        "LPM_TRIE",
        "ARRAY_OF_MAPS",
        "HASH_OF_MAPS",
        "DEVMAP",
        "SOCKMAP",
        "CPUMAP",
        "XSKMAP",
        "SOCKHASH",
        "CGROUP_STORAGE",
        "REUSEPORT_SOCKARRAY",
        "PERCPU_CGROUP_STORAGE",
        "QUEUE",
        "STACK",
        "SK_STORAGE",
        "DEVMAP_HASH",
        "STRUCT_OPS",
        "RINGBUF",
        "INODE_STORAGE",
        "TASK_STORAGE",
        "BLOOM_FILTER",
        "USER_RINGBUF",
        "CGRP_STORAGE",
        "ARENA",
    ];
    match NAMES.get(t as usize) {
        Some(n) => format!("BPF_MAP_TYPE_{n}"),
        None => format!("map type {t}"),
    }
}

fn map_doc(m: &MapDef) -> String {
    let what = match &m.kind {
        MapKind::Declared { value_type } => format!(
            "Map {} ({}, key {} bytes, value {} bytes{}, max {} entries), declared in `.maps`.",
            code(&m.name),
            map_type_name(m.map_type),
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
    let skeleton = &skel.name;
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
            skeleton: #skeleton,
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
        "Change what you need before load: map sizes and flags (`maps`), autoload and attach targets (`progs`), struct_ops fields, program slots and autoattach (`struct_ops`), initial values of globals (`maps.<section>_data_mut()`), the length of a section's last array (`maps.<section>_resize(len)`).".to_owned(),
    ]);
    quote! {
        #d
        pub struct #open_skel<'obj> {
            /// Maps: libbpf-rs handles and typed views of data sections.
            pub maps: #open_maps<'obj>,
            /// Programs: tokens for struct_ops slots and libbpf-rs handles.
            pub progs: #open_progs<'obj>,
            /// struct_ops maps: their shadows, writable until load, and the
            /// autoattach settings.
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
    let link_names = link_names(skel);
    let mut attaches = vec![];
    let mut attach_one = vec![];
    for (i, p) in skel.progs.iter().enumerate() {
        if p.struct_ops {
            continue;
        }
        let f = ident(&link_names.progs[i]);
        let index = lit_usize(i);
        attaches.push(quote! {
            (::skel_runtime::__private::AttachTarget::Program(#index), &mut self.links.#f)
        });
    }
    for (i, m) in skel.maps.iter().enumerate() {
        if let Some(name) = &link_names.maps[i] {
            let f = ident(name);
            let index = lit_usize(i);
            attaches.push(quote! {
                (::skel_runtime::__private::AttachTarget::StructOps(#index), &mut self.links.#f)
            });
            attach_one.push(skel_ops::attach_one(m, i, name));
        }
    }
    quote! {
        #d
        pub struct #skel_name<'obj> {
            /// Maps: libbpf-rs handles and typed views of data sections.
            pub maps: #maps<'obj>,
            /// Programs: tokens and libbpf-rs handles.
            pub progs: #progs<'obj>,
            /// struct_ops maps: their shadows, read-only (what was sent at
            /// load), the kernel's copies and the autoattach settings.
            pub struct_ops: #struct_ops<'obj>,
            /// Links made by `attach` and `attach_<map>`, one per program and
            /// struct_ops map.
            /// Dropping a link detaches it (struct_ops: unregisters).
            pub links: #links<'obj>,
            core: ::skel_runtime::__private::LoadedCore<'obj>,
        }

        impl<'obj> #skel_name<'obj> {
            /// Attaches every program whose section names its target, as
            /// libbpf's skeleton attach does, and registers every
            /// struct_ops map that was created and has autoattach on
            /// (`.struct_ops.link` maps through a BPF link). Links already
            /// set are left alone.
            ///
            /// All or nothing: if one fails, the links this call made are
            /// dropped again (detached, unregistered) and the error names
            /// the program or map, the errno and libbpf's log.
            pub fn attach(&mut self) -> ::skel_runtime::Result<()> {
                self.core.attach_all(&mut [#(#attaches),*])
            }

            #(#attach_one)*

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
        let get = ident(&m.ident);
        let get_mut = format_ident!("{}_mut", m.ident);
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
        let data = format_ident!("{}_data", m.ident);
        let data_mut = format_ident!("{}_data_mut", m.ident);
        let MapKind::Data {
            section, resizable, ..
        } = &m.kind
        else {
            continue;
        };
        let view_error = "An error, never a panic, if the map cannot hold the view now (resized below its declared size; see `skel_runtime::ViewProblem`).".to_owned();
        let d_open = doc(&[
            format!(
                "The variables of {} as the program will start with them; change them before load.",
                code(section)
            ),
            view_error.clone(),
        ]);
        open_methods.push(quote! {
            #d_open
            pub fn #data(&self) -> ::skel_runtime::Result<&types::#ty> {
                self.inner.data(#index)
            }
            #d_open
            pub fn #data_mut(&mut self) -> ::skel_runtime::Result<&mut types::#ty> {
                self.inner.data_mut(#index)
            }
        });
        if let Some(array) = resizable {
            open_methods.push(skel_ops::resizable_methods(
                skel, m, i, section, array, true, true,
            ));
        }
        if !mmapable {
            continue;
        }
        let d = doc(&[
            format!(
                "The variables of {}, live: the map's memory, shared with the BPF programs{}.",
                code(section),
                if writable { "" } else { " (read-only)" }
            ),
            view_error,
        ]);
        methods.push(quote! {
            #d
            pub fn #data(&self) -> ::skel_runtime::Result<&types::#ty> {
                self.inner.data(#index)
            }
        });
        if writable {
            methods.push(quote! {
                #d
                pub fn #data_mut(&mut self) -> ::skel_runtime::Result<&mut types::#ty> {
                    self.inner.data_mut(#index)
                }
            });
        }
        if let Some(array) = resizable {
            methods.push(skel_ops::resizable_methods(
                skel, m, i, section, array, false, writable,
            ));
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
        let get = ident(&p.ident);
        let get_mut = format_ident!("{}_mut", p.ident);
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
        let MapKind::StructOps {
            shadow,
            kernel_struct,
            ..
        } = &m.kind
        else {
            continue;
        };
        let autoattach = skel_ops::autoattach_methods(m, index);
        let read_back = skel_ops::read_back_method(m, index, kernel_struct);
        let i = lit_usize(index);
        index += 1;
        let def = skel.ty(*shadow);
        let t = ident(&def.name);
        let get = ident(&m.ident);
        let get_mut = format_ident!("{}_mut", m.ident);
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
            #autoattach
        });
        let d = doc(&[format!(
            "Shadow of struct_ops map {} as it was sent at load (read-only; the kernel's copy is `{}_kernel()`).",
            code(&m.name),
            m.ident
        )]);
        methods.push(quote! {
            #d
            pub fn #get(&self) -> &types::#t<'obj> {
                self.inner.get(#i)
            }
            #read_back
            #autoattach
        });
    }
    let open_doc = doc(&[format!(
        "struct_ops shadows of the open skeleton {}, and the autoattach settings. Not `Clone`: each shadow is borrowed from the skeleton.",
        code(&skel.name)
    )]);
    let loaded_doc = doc(&[format!(
        "struct_ops shadows of the loaded skeleton {} (read-only), the kernel's copies (`<map>_kernel()`) and the autoattach settings.",
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

struct LinkNames {
    progs: Vec<String>,
    maps: Vec<Option<String>>,
}

/// Link field names: programs first, then struct_ops maps, unique together.
fn link_names(skel: &Skeleton) -> LinkNames {
    let mut ns = Namespace::new();
    ns.reserve(["_obj"]);
    let progs = skel.progs.iter().map(|p| ns.claim(&p.name)).collect();
    let maps = skel
        .maps
        .iter()
        .map(|m| matches!(m.kind, MapKind::StructOps { .. }).then(|| ns.claim(&m.name)))
        .collect();
    LinkNames { progs, maps }
}

fn links(skel: &Skeleton, n: &Names) -> TokenStream {
    let Names { links, .. } = n;
    let names = link_names(skel);
    let mut fields = vec![];
    for (i, p) in skel.progs.iter().enumerate() {
        if p.struct_ops {
            continue;
        }
        let f = ident(&names.progs[i]);
        let d = doc(&[format!("Link of program {}.", code(&p.name))]);
        fields.push(quote! { #d pub #f: ::core::option::Option<::skel_runtime::Link<'obj>>, });
    }
    for (i, m) in skel.maps.iter().enumerate() {
        if let Some(name) = &names.maps[i] {
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
