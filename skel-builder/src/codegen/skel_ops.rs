//! Generated operations beyond plain accessors: a data section's resizable
//! last array, struct_ops autoattach, attaching one struct_ops map, and
//! reading a struct_ops map back from the kernel.

use proc_macro2::TokenStream;
use quote::quote;

use super::attrs::{code, doc, ident, lit_usize};
use super::ty::outer_type;
use crate::model::{MapDef, ResizableArray, Skeleton};

/// Where a generated method goes: both stages' impl, or one stage's.
#[derive(Default)]
pub struct Methods {
    pub both: Vec<TokenStream>,
    pub open: Vec<TokenStream>,
    pub loaded: Vec<TokenStream>,
}

/// `<m>_array`, `<m>_array_mut` and `<m>_resize` of a data section with a
/// resizable last array: the slice after load only when the section stays
/// mapped, writable after load only when the program may write it too.
pub fn resizable(
    skel: &Skeleton,
    m: &MapDef,
    index: usize,
    array: &ResizableArray,
    mmapable: bool,
    writable: bool,
    out: &mut Methods,
) {
    let (Some(names), Some(resize)) = (&m.idents.array, &m.idents.resize) else {
        return;
    };
    let index = lit_usize(index);
    let offset = lit_usize(array.byte_offset as usize);
    let elem = outer_type(skel, &array.elem);
    let var = &array.var;
    let get = ident(&names.get);
    let get_mut = ident(&names.get_mut);
    let resize = ident(resize);
    let slice_doc = doc(&[format!(
        "`{var}`, the last variable of the section (declared with {} elements), as a slice of its current length: what `{}` made it, if called.",
        array.len,
        m.idents.resize.as_deref().unwrap_or_default()
    )]);
    let slice = quote! {
        #slice_doc
        pub fn #get(&self) -> __skel::Result<&[#elem]> {
            S::array(&self.inner, #index, #offset)
        }
    };
    let slice_mut = |d: TokenStream| {
        quote! {
            #d
            pub fn #get_mut(&mut self) -> __skel::Result<&mut [#elem]> {
                self.inner.array_mut(#index, #offset)
            }
        }
    };
    if mmapable {
        out.both.push(slice);
    } else {
        out.open.push(quote! {
            #slice_doc
            pub fn #get(&self) -> __skel::Result<&[#elem]> {
                self.inner.array(#index, #offset)
            }
        });
    }
    let d = doc(&[format!("[`Self::{}`], writable until load.", names.get)]);
    out.open.push(slice_mut(d));
    if mmapable && writable {
        let d = doc(&[format!("[`Self::{}`], writable.", names.get)]);
        out.loaded.push(slice_mut(d));
    }
    let resize_doc = doc(&[format!(
        "Resizes the section so that `{var}` holds `len` elements (libbpf's `bpf_map__set_value_size`, which rewrites the array in the object's BTF too). Growing keeps the values set so far, the new elements are zero; below the declared length, the typed view's accessors return an error until it grows again."
    )]);
    out.open.push(quote! {
        #resize_doc
        pub fn #resize(&mut self, len: usize) -> __skel::Result<()> {
            self.inner.resize::<#elem>(#index, #offset, #var, len)
        }
    });
}

/// `<m>_autoattach` / `<m>_set_autoattach` of struct_ops map `m` (index
/// `i` among struct_ops maps), both stages; `<m>_clear_missing` before
/// load; `<m>_kernel` after load.
pub fn struct_ops(m: &MapDef, i: usize, kernel_struct: &str, out: &mut Methods) {
    let i = lit_usize(i);
    if let Some(names) = &m.idents.autoattach {
        let get = ident(&names.get);
        let set = ident(&names.get_mut);
        let get_doc = doc(&[format!(
            "Whether `attach()` registers struct_ops map {} (libbpf's autoattach; on unless turned off).",
            code(&m.name)
        )]);
        let set_doc = doc(&[format!(
            "Turns [`Self::{}`] on or off; `attach_<map>()` registers the map either way.",
            names.get
        )]);
        out.both.push(quote! {
            #get_doc
            pub fn #get(&self) -> bool {
                S::autoattach(&self.inner, #i)
            }
            #set_doc
            pub fn #set(&mut self, autoattach: bool) {
                S::set_autoattach(&mut self.inner, #i, autoattach)
            }
        });
    }
    if let Some(clear) = &m.idents.clear_missing {
        let clear = ident(clear);
        let d = doc(&[format!(
            "Clears the members of map {}'s shadow that the running kernel's `struct {kernel_struct}` lacks, and returns those that held something (their programs are then not loaded): to run on older kernels on purpose; without it, `load()` fails on such members.",
            code(&m.name)
        )]);
        out.open.push(quote! {
            #d
            pub fn #clear(&mut self) -> __skel::Result<::std::vec::Vec<&'static str>> {
                self.inner.clear_missing(#i)
            }
        });
    }
    if let Some(kernel) = &m.idents.kernel {
        let get = ident(kernel);
        let d = doc(&[format!(
            "What the kernel holds for struct_ops map {} (`struct {kernel_struct}`, laid out by the running kernel's BTF): its state, members, and the program in each slot by name. Blank (state `Init`) until registered.",
            code(&m.name)
        )]);
        out.loaded.push(quote! {
            #d
            pub fn #get(&self) -> __skel::Result<__skel::KernelStructOps> {
                self.inner.read_back(#i)
            }
        });
    }
}

/// `attach_<link>()` on the loaded skeleton: registers struct_ops map `m`
/// (spec index `index`) alone, into `links.<link>`.
pub fn attach_one(m: &MapDef, index: usize) -> TokenStream {
    let (Some(link), Some(name)) = (&m.idents.link, &m.idents.attach) else {
        return quote!();
    };
    let index = lit_usize(index);
    let f = ident(link);
    let name = ident(name);
    let d = doc(&[format!(
        "Registers struct_ops map {} alone, whatever its autoattach, into `links.{link}` (nothing to do if set). An error names the map and the kernel's errno; other links are not touched.",
        code(&m.name)
    )]);
    quote! {
        #d
        pub fn #name(&mut self) -> __skel::Result<()> {
            self.core.attach_struct_ops(#index, &mut self.links.#f)
        }
    }
}
