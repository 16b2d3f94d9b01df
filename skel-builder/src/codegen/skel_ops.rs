//! Generated operations beyond plain accessors: resizing a data section's
//! last array and reaching it as a slice, struct_ops autoattach, attaching
//! one struct_ops map, and reading a struct_ops map back from the kernel.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::attrs::{code, doc, ident, lit_usize};
use super::ty::field_type;
use crate::model::{MapDef, ResizableArray, Skeleton, Ty};

/// The Rust type of `ty` as the skeleton spells it, outside the `types`
/// module (data sections hold no program slots).
fn outside_types(skel: &Skeleton, ty: &Ty) -> TokenStream {
    match ty {
        Ty::Enum(r) | Ty::Composite(r) => {
            let name = ident(&skel.ty(*r).name);
            quote!(types::#name)
        }
        Ty::Array(elem, n) => {
            let elem = outside_types(skel, elem);
            let n = super::attrs::lit(*n);
            quote!([#elem; #n])
        }
        other => field_type(skel, other, quote!('static)),
    }
}

/// Methods of the maps containers for a section with a resizable array:
/// `<m>_resize` (open only), `<m>_array`, and `<m>_array_mut` where the
/// section is writable in that phase.
pub fn resizable_methods(
    skel: &Skeleton,
    m: &MapDef,
    index: usize,
    section: &str,
    array: &ResizableArray,
    open: bool,
    writable: bool,
) -> TokenStream {
    let index = lit_usize(index);
    let offset = lit_usize(array.byte_offset as usize);
    let elem = outside_types(skel, &array.elem);
    let var = &array.var;
    let array_fn = format_ident!("{}_array", m.ident);
    let array_mut = format_ident!("{}_array_mut", m.ident);
    let resize = format_ident!("{}_resize", m.ident);
    let what = format!(
        "`{var}`, the last variable of {} (declared with {} elements of {} bytes, at byte {})",
        code(section),
        array.len,
        array.elem_size,
        array.byte_offset
    );
    let slice_doc = doc(&[
        format!("The array {what}, as a slice of its current length: the length it was resized to, if it was."),
        "An error if the section is too small to reach it or not mapped (see `skel_runtime::ViewProblem`).".to_owned(),
    ]);
    let mut out = quote! {
        #slice_doc
        pub fn #array_fn(&self) -> ::skel_runtime::Result<&[#elem]> {
            self.inner.array(#index, #offset)
        }
    };
    if writable {
        out.extend(quote! {
            #slice_doc
            pub fn #array_mut(&mut self) -> ::skel_runtime::Result<&mut [#elem]> {
                self.inner.array_mut(#index, #offset)
            }
        });
    }
    if open {
        let resize_doc = doc(&[
            format!(
                "Resizes {} so that {what} holds `len` elements (libbpf's `bpf_map__set_value_size`, which resizes the array in the object's BTF too).",
                code(section)
            ),
            format!(
                "libbpf moves the section's memory; the typed view and `{array_fn}()` follow it. Growing keeps the values set so far; the new elements are zero. Shrinking below the declared length leaves the typed view unusable (its accessors return an error) until the section is grown again; the slice still works."
            ),
        ]);
        out.extend(quote! {
            #resize_doc
            pub fn #resize(&mut self, len: usize) -> ::skel_runtime::Result<()> {
                self.inner.resize::<#elem>(#index, #offset, #var, len)
            }
        });
    }
    out
}

/// `<m>_autoattach` / `<m>_set_autoattach` for struct_ops map `m` (index
/// `i` among struct_ops maps), open or loaded.
pub fn autoattach_methods(m: &MapDef, i: usize) -> TokenStream {
    let i = lit_usize(i);
    let get = format_ident!("{}_autoattach", m.ident);
    let set = format_ident!("{}_set_autoattach", m.ident);
    let get_doc = doc(&[format!(
        "Whether `attach()` registers struct_ops map {} (libbpf's autoattach setting; on unless turned off).",
        code(&m.name)
    )]);
    let set_doc = doc(&[format!(
        "Turns `attach()`'s registration of struct_ops map {} on or off (libbpf's `bpf_map__set_autoattach`). With it off, `attach()` leaves the map alone; the skeleton's `attach_*` method for it still registers it.",
        code(&m.name)
    )]);
    quote! {
        #get_doc
        pub fn #get(&self) -> bool {
            self.inner.autoattach(#i)
        }
        #set_doc
        pub fn #set(&mut self, autoattach: bool) {
            self.inner.set_autoattach(#i, autoattach)
        }
    }
}

/// `<m>_kernel()`: the kernel's copy of struct_ops map `m`.
pub fn read_back_method(m: &MapDef, i: usize, kernel_struct: &str) -> TokenStream {
    let i = lit_usize(i);
    let get = format_ident!("{}_kernel", m.ident);
    let d = doc(&[
        format!(
            "Reads back what the kernel holds for struct_ops map {} (`struct {kernel_struct}`, laid out by the running kernel's BTF): its state, its members, and the program in each slot, named by the skeleton (`program(\"member\")`).",
            code(&m.name)
        ),
        "Until the map is registered (`attach()`), the kernel's copy is blank (state `Init`). A map not created at load is an error naming it.".to_owned(),
    ]);
    quote! {
        #d
        pub fn #get(&self) -> ::skel_runtime::Result<::skel_runtime::KernelStructOps> {
            self.inner.read_back(#i, #kernel_struct)
        }
    }
}

/// `attach_<link>()` on the loaded skeleton: registers struct_ops map `m`
/// (spec index `index`) alone, into `links.<link>`.
pub fn attach_one(m: &MapDef, index: usize, link: &str) -> TokenStream {
    let index = lit_usize(index);
    let f = ident(link);
    let name = format_ident!("attach_{}", link);
    let d = doc(&[
        format!(
            "Registers struct_ops map {} alone, whatever its autoattach setting, and keeps its link in `links.{link}` (nothing to do if that is set already).",
            code(&m.name)
        ),
        "An error names the map and the kernel's errno; other links are not touched.".to_owned(),
    ]);
    quote! {
        #d
        pub fn #name(&mut self) -> ::skel_runtime::Result<()> {
            self.core.attach_struct_ops(#index, &mut self.links.#f)
        }
    }
}
