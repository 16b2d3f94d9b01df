//! Members and variables: the type of each (scalars, arrays, pointers,
//! bitfields) and enums.

use super::*;

impl Translator<'_> {
    /// Translates the type of a member or variable. `arrays` counts the
    /// array dimensions already walked: like modifier chains, they are
    /// bounded (an array may even contain itself in hostile BTF).
    pub(super) fn member_ty(
        &mut self,
        id: BtfTypeId,
        place: &Place,
        slots: bool,
        arrays: usize,
    ) -> Result<(Ty, Layout), MemberError> {
        let btf = self.btf;
        if arrays > btf::MAX_RESOLVE_DEPTH {
            return Err(MemberError::Problem(
                self.bad_type(id, BtfError::ChainTooLong { type_id: id }),
            ));
        }
        let mut cur = id;
        let mut typedef_name: Option<&str> = None;
        for _ in 0..=btf::MAX_RESOLVE_DEPTH {
            match btf.get(cur).kind() {
                Kind::Typedef { target } => {
                    if typedef_name.is_none() {
                        typedef_name = btf.get(cur).name();
                    }
                    cur = target;
                }
                k => match k.modifier_target() {
                    Some(next) => cur = next,
                    None => break,
                },
            }
        }
        let ty = btf.get(cur);
        let ty = match ty.kind() {
            Kind::Int {
                size,
                signed,
                is_bool,
                ..
            } => {
                let size = u64::from(size);
                if is_bool && size == 1 {
                    Ty::Bool
                } else if let Some(i) = IntTy::new(size, signed) {
                    Ty::Int(i)
                } else {
                    return Err(MemberError::Bytes(format!(
                        "no Rust integer has {size} bytes"
                    )));
                }
            }
            Kind::Float { size } => match size {
                4 => Ty::Float(FloatTy::F32),
                8 => Ty::Float(FloatTy::F64),
                _ => {
                    return Err(MemberError::Bytes(format!(
                        "no Rust float has {size} bytes"
                    )));
                }
            },
            Kind::Enum { size, signed, .. } => {
                if IntTy::new(u64::from(size), signed).is_none() {
                    return Err(MemberError::Bytes(format!("enum of {size} bytes")));
                }
                let origin = naming_origin(typedef_name, place);
                Ty::Enum(self.enum_def(cur, origin))
            }
            Kind::Ptr { .. } => {
                if slots && btf.is_func_pointer(cur).unwrap_or(false) {
                    Ty::ProgramSlot
                } else {
                    Ty::Pointer
                }
            }
            Kind::Array { elem, len, .. } => {
                let len = u64::from(len);
                // Only elements written as `char` are strings; `__u8 x[N]`
                // (a typedef) and `unsigned char x[N]` stay byte arrays.
                let elem_written = btf
                    .skip_qualifiers(elem)
                    .map_err(|e| MemberError::Problem(self.bad_type(id, e)))?;
                if is_char(btf, elem_written) {
                    Ty::CharArray(len)
                } else {
                    let (elem_ty, elem_layout) = self.member_ty(elem, place, false, arrays + 1)?;
                    if elem_layout
                        .size
                        .checked_mul(len)
                        .is_none_or(|s| s > u64::from(u32::MAX))
                    {
                        return Err(MemberError::Problem(
                            self.bad_type(id, BtfError::TooLarge { type_id: id }),
                        ));
                    }
                    Ty::Array(Box::new(elem_ty), len)
                }
            }
            Kind::Struct(_) | Kind::Union(_) => {
                let origin = naming_origin(typedef_name, place);
                Ty::Composite(self.composite(cur, origin).map_err(MemberError::Problem)?)
            }
            Kind::Fwd { .. } => {
                return Err(MemberError::Bytes(
                    "incomplete type (forward declaration)".to_owned(),
                ));
            }
            Kind::Void if typedef_name.is_none() && cur != id => {
                return Err(MemberError::Bytes("void".to_owned()));
            }
            other => {
                let what = if other.modifier_target().is_some() {
                    BtfError::ChainTooLong { type_id: id }
                } else {
                    BtfError::NoSize {
                        type_id: cur,
                        kind: other.name(),
                    }
                };
                return Err(MemberError::Problem(self.bad_type(id, what)));
            }
        };
        let layout = self.ty_layout(&ty);
        Ok((ty, layout))
    }

    /// The enum newtype of enum `id`; `origin` names it if it is anonymous.
    pub(super) fn enum_def(&mut self, id: BtfTypeId, origin: Origin) -> TypeRef {
        if let Some(&r) = self.enums.get(&id) {
            return r;
        }
        let ty = self.btf.get(id);
        let Kind::Enum {
            size,
            signed,
            values,
        } = ty.kind()
        else {
            unreachable!("bug: enum_def on a non-enum")
        };
        let repr = IntTy::new(u64::from(size), signed).expect("bug: checked by caller");
        let bits = u64::from(size) * 8;
        let values = values
            .iter()
            .map(|v| {
                let raw = v.value as u64;
                let truncated = if bits >= 64 {
                    raw
                } else {
                    raw & ((1u64 << bits) - 1)
                };
                let value = if repr.signed() && bits < 64 && truncated >> (bits - 1) == 1 {
                    i128::from(truncated) - (1i128 << bits)
                } else if repr.signed() {
                    i128::from(truncated as i64)
                } else {
                    i128::from(truncated)
                };
                EnumValue {
                    name: String::new(),
                    c_name: v.name().to_owned(),
                    value,
                }
            })
            .collect();
        let (c_name, origin) = match ty.name() {
            Some(n) => (format!("enum {n}"), Origin::Named { name: n.to_owned() }),
            None => ("enum (anon)".to_owned(), origin),
        };
        let r = self.push(TypeDef {
            name: String::new(),
            c_name,
            btf_id: Some(id.0),
            origin,
            kind: TypeDefKind::Enum(EnumDef { repr, values }),
        });
        self.enums.insert(id, r);
        r
    }
}
