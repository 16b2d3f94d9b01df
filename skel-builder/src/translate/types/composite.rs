//! Structs and unions: their members translated and laid out (padding,
//! bitfield storage, alignment) for the target.

use super::*;

impl Translator<'_> {
    /// A nested struct or union, translated once.
    pub(super) fn composite(&mut self, id: BtfTypeId, origin: Origin) -> Result<TypeRef, Problem> {
        if self.in_progress.contains(&id) {
            return Err(self.bad_type(id, BtfError::Recursive { type_id: id }));
        }
        if let Some(&r) = self.composites.get(&id) {
            return Ok(r);
        }
        if self.depth >= MAX_NESTING {
            return Err(Problem::TooDeep {
                type_name: self.btf.c_spelling(id),
                type_id: id,
                limit: MAX_NESTING,
            });
        }
        let ty = self.btf.get(id);
        let union = matches!(ty.kind(), Kind::Union(_));
        let keyword = if union { "union" } else { "struct" };
        let (c_name, origin) = match ty.name() {
            Some(n) => (
                format!("{keyword} {n}"),
                Origin::Named { name: n.to_owned() },
            ),
            None => (format!("{keyword} (anon)"), origin),
        };
        let r = self.placeholder(c_name, Some(id), origin);
        self.composites.insert(id, r);
        self.in_progress.insert(id);
        self.depth += 1;
        let body = self.composite_body(id, r, false);
        self.depth -= 1;
        self.in_progress.remove(&id);
        match body {
            Ok(def) => {
                self.types[r.0].kind = TypeDefKind::Struct(def);
                Ok(r)
            }
            Err(p) => {
                self.composites.remove(&id);
                Err(p)
            }
        }
    }

    pub(super) fn composite_body(
        &mut self,
        id: BtfTypeId,
        r: TypeRef,
        slots: bool,
    ) -> Result<StructDef, Problem> {
        let btf = self.btf;
        let ty = btf.get(id);
        let (comp, union) = match ty.kind() {
            Kind::Struct(c) => (c, false),
            Kind::Union(c) => (c, true),
            other => {
                return Err(self.bad_type(
                    id,
                    BtfError::NoSize {
                        type_id: id,
                        kind: other.name(),
                    },
                ));
            }
        };
        let c_name = btf.c_spelling(id);
        let mut shapes = Vec::with_capacity(comp.members.len());
        for (index, m) in comp.members.iter().enumerate() {
            let shown = m
                .name()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("(anon #{index})"));
            let bad = |reason: String| Problem::BadMember {
                type_name: c_name.clone(),
                type_id: id,
                field: shown.clone(),
                reason,
            };
            let c_type = btf.c_spelling(m.ty);
            let resolved = btf.skip_modifiers(m.ty).map_err(|e| self.bad_type(id, e))?;
            let (mut bit_offset, mut bits) = (u64::from(m.bit_offset), u64::from(m.bitfield_size));
            if bits == 0 {
                // Without kind_flag, a bitfield's width lives in its INT type.
                if let Kind::Int {
                    size,
                    bit_offset: int_off,
                    bits: int_bits,
                    ..
                } = btf.get(resolved).kind()
                    && (int_off != 0 || u64::from(int_bits) != u64::from(size) * 8)
                {
                    // The kernel refuses bits past the INT's size; no
                    // bits at all would make a bitfield a plain member
                    // moved by the INT's offset.
                    if int_bits == 0 {
                        return Err(bad(format!("its int type {resolved} has no bits")));
                    }
                    if u64::from(int_off + int_bits) > u64::from(size) * 8 {
                        return Err(bad(format!(
                            "its int type {resolved} has bits {int_off}..{}, past its {size} bytes",
                            int_off + int_bits
                        )));
                    }
                    bit_offset += u64::from(int_off);
                    bits = u64::from(int_bits);
                }
            }
            if bits > 0 {
                let access = bitfield_access(btf, resolved, bits).map(|(ty, signed)| match ty {
                    BitTy::Plain(t) => (t, signed),
                    BitTy::Enum => {
                        let origin = Origin::Anonymous {
                            parent: r,
                            member: m.name().map(str::to_owned),
                        };
                        (Ty::Enum(self.enum_def(resolved, origin)), signed)
                    }
                });
                if access.is_none() {
                    self.warn(c_name.clone(), &shown, "bitfield wider than 64 bits or of a non-integer type: no accessor, storage bytes only");
                }
                if union && bit_offset != 0 {
                    return Err(bad(format!("union member at bit offset {bit_offset}")));
                }
                shapes.push(Shape::Bitfield {
                    name: m.name().map(str::to_owned),
                    bit_offset,
                    bits,
                    access,
                    c_type,
                });
                continue;
            }
            if bit_offset % 8 != 0 {
                return Err(bad(format!("bit offset {bit_offset} is not a whole byte")));
            }
            if union && bit_offset != 0 {
                return Err(bad(format!("union member at bit offset {bit_offset}")));
            }
            let place = Place::Member {
                parent: r,
                member: m.name().map(str::to_owned),
            };
            match self.member_ty(m.ty, &place, slots, 0) {
                Ok((ty, layout)) => shapes.push(Shape::Plain {
                    name: m.name().map(str::to_owned),
                    byte_offset: bit_offset / 8,
                    ty,
                    layout,
                    c_type,
                    note: None,
                }),
                Err(MemberError::Bytes(note)) => {
                    let size = btf.size_of(m.ty).unwrap_or(0);
                    self.warn(c_name.clone(), &shown, &note);
                    shapes.push(Shape::Plain {
                        name: m.name().map(str::to_owned),
                        byte_offset: bit_offset / 8,
                        ty: Ty::Bytes(size),
                        layout: Layout { size, align: 1 },
                        c_type,
                        note: Some(note),
                    });
                }
                Err(MemberError::Problem(p)) => return Err(p),
            }
        }
        let mut def = self.lay_out(&c_name, id, union, u64::from(comp.size), false, shapes)?;
        def.program_slots = def.fields.iter().any(|f| matches!(f.ty, Ty::ProgramSlot));
        Ok(def)
    }

    /// Places members, bitfield storage and padding; names every field.
    /// `round_tail`: a data section, whose view may end in tail padding
    /// (see [`layout::datasec_size`]).
    pub(super) fn lay_out(
        &mut self,
        c_name: &str,
        id: BtfTypeId,
        union: bool,
        c_size: u64,
        round_tail: bool,
        shapes: Vec<Shape>,
    ) -> Result<StructDef, Problem> {
        // Bitfields, sorted by bit offset, grouped into storage runs.
        let mut bit_list: Vec<(usize, u64, u64)> = shapes
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                Shape::Bitfield {
                    bit_offset, bits, ..
                } => Some((i, *bit_offset, *bits)),
                Shape::Plain { .. } => None,
            })
            .collect();
        bit_list.sort_by_key(|&(_, off, _)| off);
        let storages = if union {
            // In a union every bitfield starts at 0 and gets its own storage.
            bit_list
                .iter()
                .enumerate()
                .map(|(k, &(_, off, bits))| layout::BitfieldStorage {
                    byte_offset: 0,
                    len: (off + bits).div_ceil(8),
                    members: vec![k],
                })
                .collect()
        } else {
            let pairs: Vec<(u64, u64)> = bit_list.iter().map(|&(_, o, b)| (o, b)).collect();
            layout::group_bitfields(&pairs)
        };

        // Units to place: plain members and storages.
        enum Unit {
            Plain(usize),
            Storage(usize),
        }
        let mut units: Vec<(Placed, Unit)> = vec![];
        for (i, s) in shapes.iter().enumerate() {
            if let Shape::Plain {
                byte_offset,
                layout,
                ..
            } = s
            {
                units.push((
                    Placed {
                        byte_offset: *byte_offset,
                        layout: *layout,
                    },
                    Unit::Plain(i),
                ));
            }
        }
        for (k, st) in storages.iter().enumerate() {
            units.push((
                Placed {
                    byte_offset: st.byte_offset,
                    layout: Layout {
                        size: st.len,
                        align: 1,
                    },
                },
                Unit::Storage(k),
            ));
        }
        units.sort_by_key(|(p, _)| (p.byte_offset, p.layout.size));
        let placed: Vec<Placed> = units.iter().map(|(p, _)| *p).collect();
        let size = if round_tail {
            layout::datasec_size(c_size, &placed)
        } else {
            c_size
        };
        let shape_name = |u: &Unit| -> String {
            match u {
                Unit::Plain(i) => match &shapes[*i] {
                    Shape::Plain { name, .. } | Shape::Bitfield { name, .. } => {
                        name.clone().unwrap_or_else(|| "(anon)".to_owned())
                    }
                },
                Unit::Storage(k) => {
                    let first = bit_list[storages[*k].members[0]].0;
                    match &shapes[first] {
                        Shape::Plain { name, .. } | Shape::Bitfield { name, .. } => {
                            name.clone().unwrap_or_else(|| "(anon bitfield)".to_owned())
                        }
                    }
                }
            }
        };
        let plan = if union {
            layout::plan_union(size, &placed.iter().map(|p| p.layout).collect::<Vec<_>>())
        } else {
            layout::plan_struct(size, &placed)
        };
        let plan = plan.map_err(|e| {
            let (field, reason) = match e {
                layout::LayoutError::Overlap { first, second } => (
                    shape_name(&units[second].1),
                    format!("overlaps `{}`", shape_name(&units[first].1)),
                ),
                layout::LayoutError::PastEnd { index, end, size } => (
                    shape_name(&units[index].1),
                    format!("ends at byte {end}, past the type's size of {size} bytes"),
                ),
            };
            Problem::BadMember {
                type_name: c_name.to_owned(),
                type_id: id,
                field,
                reason,
            }
        })?;

        let mut fields = Vec::with_capacity(plan.slots.len());
        let mut bitfields = vec![];
        for slot in &plan.slots {
            match *slot {
                Slot::Padding { byte_offset, len } => fields.push(Field {
                    name: String::new(),
                    kind: FieldKind::Padding,
                    byte_offset,
                    size: len,
                    ty: Ty::Bytes(len),
                    c_type: None,
                    note: None,
                    union_accessors: None,
                }),
                Slot::Member(u) => match &units[u].1 {
                    Unit::Plain(i) => {
                        let Shape::Plain {
                            name,
                            byte_offset,
                            ty,
                            layout,
                            c_type,
                            note,
                        } = &shapes[*i]
                        else {
                            unreachable!("bug: plain unit is a plain shape")
                        };
                        fields.push(Field {
                            kind: FieldKind::Member {
                                c_name: name.clone().unwrap_or_default(),
                            },
                            name: String::new(),
                            byte_offset: *byte_offset,
                            size: layout.size,
                            ty: ty.clone(),
                            c_type: Some(c_type.clone()),
                            note: note.clone(),
                            union_accessors: None,
                        });
                    }
                    Unit::Storage(k) => {
                        let st = &storages[*k];
                        let storage_index = fields.len();
                        fields.push(Field {
                            name: String::new(),
                            kind: FieldKind::BitfieldStorage,
                            byte_offset: st.byte_offset,
                            size: st.len,
                            ty: Ty::Bytes(st.len),
                            c_type: None,
                            note: None,
                            union_accessors: None,
                        });
                        for &member in &st.members {
                            let (shape_index, bit_offset, bits) = bit_list[member];
                            let Shape::Bitfield {
                                name,
                                access,
                                c_type,
                                ..
                            } = &shapes[shape_index]
                            else {
                                unreachable!("bug: storage member is a bitfield")
                            };
                            let (Some(c), Some((ty, signed))) = (name, access) else {
                                continue;
                            };
                            bitfields.push(Bitfield {
                                c_name: c.clone(),
                                getter: String::new(),
                                setter: String::new(),
                                storage: storage_index,
                                bit_offset: (bit_offset - st.byte_offset * 8) as u32,
                                bits: bits as u32,
                                ty: ty.clone(),
                                signed: *signed,
                                c_type: c_type.clone(),
                            });
                        }
                    }
                },
            }
        }
        Ok(StructDef {
            union,
            layout: plan.layout,
            c_size,
            packed: plan.packed,
            fields,
            bitfields,
            program_slots: false,
        })
    }
}
