//! Which data sections libbpf can resize: `bpf_map__set_value_size` on a
//! data map rewrites the last variable of its DATASEC, which must be an
//! array, to the length that fills the new size (`map_btf_datasec_resize`).

use crate::model::{FieldKind, IntTy, ResizableArray, Ty, TypeDef, TypeDefKind};
use crate::object::Datasec;
use skel_btf::{Btf, Kind};

/// The array at the end of section `ds`, whose typed view is `view`, if
/// libbpf would resize it.
///
/// libbpf sorts a DATASEC's variables by offset after leaving static ones
/// at offset 0, and takes the last: that is this section's last variable
/// only if it is not static and no other variable shares its offset.
pub fn last_array(btf: &Btf, ds: &Datasec, view: &TypeDef) -> Option<ResizableArray> {
    let last = ds.vars.last()?;
    if last.is_static {
        return None;
    }
    let at_same_offset = ds
        .vars
        .iter()
        .filter(|v| v.offset == last.offset || (last.offset == 0 && v.is_static))
        .count();
    if at_same_offset != 1 {
        return None;
    }
    let array = btf.skip_modifiers(last.ty).ok()?;
    let Kind::Array { elem, len, .. } = btf.get(array).kind() else {
        return None;
    };
    let elem_size = btf.size_of(elem).ok().filter(|&size| size > 0)?;
    let len = u64::from(len);
    let TypeDefKind::Struct(s) = &view.kind else {
        return None;
    };
    let field = s.fields.iter().find(|f| {
        f.byte_offset == last.offset
            && matches!(&f.kind, FieldKind::Member { c_name } if *c_name == last.name)
    })?;
    let elem_ty = match &field.ty {
        Ty::Array(inner, n) if *n == len => (**inner).clone(),
        Ty::CharArray(n) if *n == len && elem_size == 1 => Ty::Int(IntTy::U8),
        Ty::Bytes(n) if Some(*n) == elem_size.checked_mul(len) => Ty::Bytes(elem_size),
        _ => return None,
    };
    Some(ResizableArray {
        var: last.name.clone(),
        byte_offset: last.offset,
        elem: elem_ty,
        elem_size,
        len,
    })
}

#[cfg(test)]
mod tests {
    use super::super::types::Translator;
    use super::*;
    use crate::object::Var;
    use crate::testing::BtfWriter;
    use skel_btf::BtfTypeId;

    struct Section {
        btf: Btf,
        ds: Datasec,
    }

    /// A section of `vars`: (name, type, offset, static).
    fn section(
        w: BtfWriter,
        ds_id: BtfTypeId,
        size: u64,
        vars: &[(&str, BtfTypeId, u64, bool)],
    ) -> Section {
        let btf = w.finish();
        let vars = vars
            .iter()
            .map(|&(name, ty, offset, is_static)| Var {
                name: name.into(),
                ty,
                offset,
                size: btf.size_of(ty).unwrap(),
                is_static,
            })
            .collect();
        Section {
            btf,
            ds: Datasec {
                btf_id: ds_id,
                size,
                vars,
            },
        }
    }

    fn resizable(s: &Section) -> Option<ResizableArray> {
        let mut tr = Translator::new(&s.btf, crate::model::TargetLayout::default());
        let r = tr.declare_datasec(".data.x", &s.ds);
        tr.define_datasec(r, ".data.x", &s.ds);
        assert!(tr.problems.is_empty(), "{:?}", tr.problems);
        last_array(&s.btf, &s.ds, &tr.types[r.0])
    }

    #[test]
    fn a_last_array_after_a_scalar_is_resizable() {
        let mut w = BtfWriter::new();
        let u64_ = w.int("unsigned long long", 8, false);
        let u32_ = w.int("unsigned int", 4, false);
        let arr = w.array(u32_, u32_, 3);
        let a = w.var("head", u64_);
        let b = w.var("cpus", arr);
        let ds = w.datasec(".data.x", 0, &[(a, 0, 8), (b, 0, 12)]);
        let s = section(
            w,
            ds,
            20,
            &[("head", u64_, 0, false), ("cpus", arr, 8, false)],
        );
        let r = resizable(&s).expect("resizable");
        assert_eq!(r.var, "cpus");
        assert_eq!((r.byte_offset, r.elem_size, r.len), (8, 4, 3));
        assert_eq!(r.elem, Ty::Int(IntTy::U32));
    }

    #[test]
    fn a_char_array_has_byte_elements() {
        let mut w = BtfWriter::new();
        let ch = w.char_();
        let arr = w.array(ch, ch, 1);
        let a = w.var("dump", arr);
        let ds = w.datasec(".data.x", 0, &[(a, 0, 1)]);
        let s = section(w, ds, 1, &[("dump", arr, 0, false)]);
        let r = resizable(&s).expect("resizable");
        assert_eq!((r.elem, r.elem_size, r.len), (Ty::Int(IntTy::U8), 1, 1));
    }

    #[test]
    fn no_resize_when_libbpf_would_pick_another_last_variable() {
        let mut w = BtfWriter::new();
        let u32_ = w.int("unsigned int", 4, false);
        let arr = w.array(u32_, u32_, 2);
        let a = w.var("arr", arr);
        let b = w.var("tail", u32_);
        let ds = w.datasec(".data.x", 0, &[(a, 0, 8), (b, 0, 4)]);
        // The last variable is a scalar.
        let s = section(
            w,
            ds,
            12,
            &[("arr", arr, 0, false), ("tail", u32_, 8, false)],
        );
        assert_eq!(resizable(&s), None);

        // The last array is static: libbpf places statics at offset 0.
        let mut w = BtfWriter::new();
        let u32_ = w.int("unsigned int", 4, false);
        let arr = w.array(u32_, u32_, 2);
        let a = w.var("head", u32_);
        let b = w.var("arr", arr);
        let ds = w.datasec(".data.x", 0, &[(a, 0, 4), (b, 0, 8)]);
        let s = section(
            w,
            ds,
            12,
            &[("head", u32_, 0, false), ("arr", arr, 4, true)],
        );
        assert_eq!(resizable(&s), None);

        // A static after the global array: libbpf would resize the array
        // (the static sits at 0 for it), but the static's bytes follow it.
        let mut w = BtfWriter::new();
        let u32_ = w.int("unsigned int", 4, false);
        let arr = w.array(u32_, u32_, 2);
        let a = w.var("arr", arr);
        let b = w.var("hidden", u32_);
        let ds = w.datasec(".data.x", 0, &[(a, 0, 8), (b, 0, 4)]);
        let s = section(
            w,
            ds,
            12,
            &[("arr", arr, 0, false), ("hidden", u32_, 8, true)],
        );
        assert_eq!(resizable(&s), None);
    }
}
