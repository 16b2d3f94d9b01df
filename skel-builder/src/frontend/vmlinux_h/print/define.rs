//! Printing one definition: typedefs, structs and unions with their
//! padding, enums, and the alignment and sizes they are laid out by.

use super::*;

impl<'a> Printer<'a> {
    /// `typedef <target> <name>;` and a blank line.
    pub(super) fn typedef_def(
        &mut self,
        id: BtfTypeId,
        target: BtfTypeId,
        lvl: usize,
    ) -> Result<(), PrintError> {
        let raw = self.raw_name(id);
        // A compiler built-in: defining it again does not compile.
        if raw == "__builtin_va_list" {
            return Ok(());
        }
        self.check_ident(id, "typedef name", raw)?;
        let name = names::numbered(raw, self.name(id)?.1);
        // Old GCCs describe this one as a typedef of void.
        if target.0 == 0 && raw == "__gnuc_va_list" {
            let _ = write!(self.out, "typedef __builtin_va_list {name};\n\n");
            return Ok(());
        }
        self.out.push_str("typedef ");
        self.decl(target, &name, lvl)?;
        self.out.push_str(";\n\n");
        Ok(())
    }

    // ---- definitions ----------------------------------------------------

    pub(super) fn indent(&mut self, lvl: usize) {
        for _ in 0..lvl {
            self.out.push('\t');
        }
    }

    /// A struct or union definition, without the final `;`.
    pub(super) fn composite_def(&mut self, id: BtfTypeId, lvl: usize) -> Result<(), PrintError> {
        self.composite_def_as(id, lvl, true)
    }

    /// A struct or union definition; with `named` false, an anonymous one
    /// with the members of `id`.
    pub(super) fn composite_def_as(
        &mut self,
        id: BtfTypeId,
        lvl: usize,
        named: bool,
    ) -> Result<(), PrintError> {
        self.enter(id)?;
        let result = self.composite_def_inner(id, lvl, named);
        self.leave();
        result
    }

    /// A member without a name whose type is a named struct or union (or a
    /// typedef of one), not a bitfield: what `-fms-extensions` embeds.
    pub(super) fn embedded_named(&self, ty: BtfTypeId, bits: u32) -> Option<BtfTypeId> {
        if bits != 0 {
            return None;
        }
        let target = self.btf.skip_modifiers(ty).ok()?;
        let t = self.btf.get(target);
        (t.kind().is_composite() && t.name().is_some()).then_some(target)
    }

    pub(super) fn composite_def_inner(
        &mut self,
        id: BtfTypeId,
        lvl: usize,
        named: bool,
    ) -> Result<(), PrintError> {
        let ty = self.btf.get(id);
        let (c, union): (Composite<'a>, bool) = match ty.kind() {
            Kind::Struct(c) => (c, false),
            Kind::Union(c) => (c, true),
            _ => return Ok(()),
        };
        let shape = self.shape(id, c)?;
        self.out.push_str(if union { "union" } else { "struct" });
        if named && ty.name().is_some() {
            self.out.push(' ');
            self.push_name(id)?;
        }
        self.out.push_str(" {");
        let mut end = 0u64;
        for (i, m) in c.members.iter().enumerate() {
            let bits = shape.bitfields[i];
            let align = if shape.packed {
                1
            } else {
                self.align_of(m.ty)?
            };
            let next = Next {
                bit_offset: u64::from(m.bit_offset),
                align_bits: align * 8,
                bitfield: bits != 0,
            };
            self.pad(id, end, next, lvl + 1)?;
            self.out.push('\n');
            self.indent(lvl + 1);
            let name = m.name().unwrap_or("");
            if !name.is_empty() {
                self.check_ident(id, "member name", name)?;
                self.decl(m.ty, name, lvl + 1)?;
            } else if let Some(embedded) = self.embedded_named(m.ty, bits) {
                // `struct foo;` as a member embeds foo only under
                // -fms-extensions (kernels build with it since 6.19); an
                // anonymous copy of its definition has its layout and
                // members in plain C.
                self.composite_def_as(embedded, lvl + 1, false)?;
            } else {
                self.decl(m.ty, name, lvl + 1)?;
            }
            if bits != 0 {
                let _ = write!(self.out, ": {bits}");
                end = u64::from(m.bit_offset) + u64::from(bits);
            } else {
                end = u64::from(m.bit_offset) + self.c_size_of(m.ty) * 8;
            }
            self.out.push(';');
        }
        if let Some(bits) = shape.union_fill_bits {
            self.out.push('\n');
            self.indent(lvl + 1);
            let _ = write!(self.out, "long: {bits};");
        }
        if !union {
            let tail = Next {
                bit_offset: u64::from(c.size) * 8,
                align_bits: shape.align * 8,
                bitfield: false,
            };
            self.pad(id, end, tail, lvl + 1)?;
        }
        if c.members.is_empty() && c.size == 0 {
            self.out.push('}');
        } else {
            self.out.push('\n');
            self.indent(lvl);
            self.out.push('}');
        }
        if shape.packed {
            self.out.push_str(" __attribute__((packed))");
        } else if let Some(align) = shape.union_align {
            let _ = write!(self.out, " __attribute__((aligned({align})))");
        }
        Ok(())
    }

    pub(super) fn pad(
        &mut self,
        id: BtfTypeId,
        cur: u64,
        next: Next,
        lvl: usize,
    ) -> Result<(), PrintError> {
        let gap = next.bit_offset.saturating_sub(cur);
        if gap > MAX_GAP_BITS {
            return Err(PrintError::HugeGap {
                type_id: id,
                name: self.raw_name(id).to_owned(),
                bytes: gap / 8,
                limit: MAX_GAP_BITS / 8,
            });
        }
        let mut pads = std::mem::take(&mut self.pads);
        layout::padding(cur, next, &mut pads);
        for p in &pads {
            self.out.push('\n');
            self.indent(lvl);
            let _ = write!(self.out, "{}: {};", p.ty.c_name(), p.bits);
        }
        self.pads = pads;
        Ok(())
    }

    /// An enum definition (or `enum name` for one without values), without
    /// the final `;`.
    pub(super) fn enum_def(&mut self, id: BtfTypeId, lvl: usize) -> Result<(), PrintError> {
        let ty = self.btf.get(id);
        let Kind::Enum {
            size,
            signed,
            values,
        } = ty.kind()
        else {
            return Ok(());
        };
        self.out.push_str("enum");
        if ty.name().is_some() {
            self.out.push(' ');
            self.push_name(id)?;
        }
        if values.is_empty() {
            return Ok(());
        }
        self.out.push_str(" {");
        for v in values {
            self.enumerator(id, v, size, signed, lvl + 1)?;
        }
        self.out.push('\n');
        self.indent(lvl);
        self.out.push('}');
        // C picks an enum's size from its values; BTF's size wins.
        let natural_8 = size == 8 && values.iter().any(|v| !fits_32(v.value, signed));
        let mode = match size {
            1 => Some("QI"),
            2 => Some("HI"),
            8 if !natural_8 => Some("DI"),
            _ => None,
        };
        if let Some(mode) = mode {
            let _ = write!(self.out, " __attribute__((mode({mode})))");
        }
        Ok(())
    }

    pub(super) fn enumerator(
        &mut self,
        id: BtfTypeId,
        v: EnumValue<'a>,
        size: u32,
        signed: bool,
        lvl: usize,
    ) -> Result<(), PrintError> {
        let name = v.name();
        self.check_ident(id, "enumerator", name)?;
        // Enumerators share the ordinary namespace with typedefs; an
        // anonymous enum used by two members is printed twice.
        let n = self.idents.take(name);
        self.out.push('\n');
        self.indent(lvl);
        self.out.push_str(name);
        if n > 1 {
            let _ = write!(self.out, "___{n}");
        }
        self.out.push_str(" = ");
        let _ = match (size, signed) {
            (8, true) if v.value == i64::MIN => write!(self.out, "(-9223372036854775807LL - 1)"),
            (8, true) => write!(self.out, "{}LL", v.value),
            (8, false) => write!(self.out, "{}ULL", v.value as u64),
            (_, true) => write!(self.out, "{}", v.value as i32),
            (_, false) => write!(self.out, "{}", v.value as u32),
        };
        self.out.push(',');
        Ok(())
    }

    // ---- declarations -------------------------------------------------

    /// `<type> <name>` in C declarator syntax: `int (*name[3])(char)`.
    pub(super) fn decl(&mut self, id: BtfTypeId, name: &str, lvl: usize) -> Result<(), PrintError> {
        let btf = self.btf;
        c::declaration(btf, self, id, name, lvl)
    }

    // ---- layout ---------------------------------------------------------

    /// The alignment in bytes that the printed C gives a type.
    pub(super) fn align_of(&mut self, id: BtfTypeId) -> Result<u64, PrintError> {
        let cached = self.st(id).align;
        if cached != 0 {
            return Ok(u64::from(cached));
        }
        self.enter(id)?;
        let align = self.align_uncached(id);
        self.leave();
        let align = align?;
        self.st(id).align = u8::try_from(align).unwrap_or(u8::MAX);
        Ok(align)
    }

    pub(super) fn align_uncached(&mut self, id: BtfTypeId) -> Result<u64, PrintError> {
        Ok(match self.btf.get(id).kind() {
            Kind::Int { size, .. } | Kind::Enum { size, .. } | Kind::Float { size } => {
                scalar_align(u64::from(size))
            }
            Kind::Ptr { .. } => POINTER_SIZE,
            Kind::Typedef { target }
            | Kind::Volatile { target }
            | Kind::Const { target }
            | Kind::Restrict { target }
            | Kind::TypeTag { target } => self.align_of(target)?,
            Kind::Array { elem, .. } => self.align_of(elem)?,
            Kind::Struct(c) | Kind::Union(c) => {
                let shape = self.shape(id, c)?;
                shape.align
            }
            _ => 1,
        })
    }

    /// How a struct or union is printed: packed or not, its alignment, and
    /// the width of each member that is a bitfield.
    pub(super) fn shape(&mut self, id: BtfTypeId, c: Composite<'a>) -> Result<Shape, PrintError> {
        let union = matches!(self.btf.get(id).kind(), Kind::Union(_));
        let mut members = Vec::with_capacity(c.members.len());
        let mut bitfields = Vec::with_capacity(c.members.len());
        let mut natural_size = 0u64;
        for m in c.members {
            let align = self.align_of(m.ty)?;
            let bits = self.bitfield_bits(m.ty, m.bitfield_size);
            members.push(MemberAlign {
                bit_offset: u64::from(m.bit_offset),
                align,
                bitfield: bits != 0,
            });
            bitfields.push(bits);
            let size = if bits != 0 {
                u64::from(bits).div_ceil(8)
            } else {
                self.c_size_of(m.ty)
            };
            natural_size = natural_size.max(size);
        }
        let alignment = Alignment::of_members(members);
        let packed = alignment.packed(u64::from(c.size));
        let max_align = alignment.natural;
        let mut shape = Shape {
            packed,
            align: if packed { 1 } else { max_align },
            union_align: None,
            union_fill_bits: None,
            bitfields,
        };
        let size = u64::from(c.size);
        let natural = natural_size.div_ceil(max_align) * max_align;
        if union && !packed && natural < size {
            if let Some(align) = layout::union_alignment(natural, max_align, size) {
                shape.union_align = Some(align);
                shape.align = align;
            } else if size <= 8 {
                // Members BTF left out (pahole drops some): an unnamed
                // bitfield takes their room without raising alignment.
                shape.union_fill_bits = Some(size * 8);
            }
        }
        Ok(shape)
    }

    /// The size C gives a member's type: BTF's, except for the compiler's
    /// own `__builtin_va_list` (not printed), which is a pointer on BPF
    /// whatever it was where the kernel was built (24 bytes on x86-64).
    pub(super) fn c_size_of(&self, id: BtfTypeId) -> u64 {
        let mut cur = id;
        for _ in 0..=MAX_DEPTH {
            let ty = self.btf.get(cur);
            match ty.kind() {
                Kind::Typedef { .. } if ty.name() == Some("__builtin_va_list") => {
                    return 8;
                }
                Kind::Typedef { target }
                | Kind::Volatile { target }
                | Kind::Const { target }
                | Kind::Restrict { target }
                | Kind::TypeTag { target } => cur = target,
                _ => break,
            }
        }
        self.btf.size_of(id).unwrap_or(0)
    }

    /// A member's width if it is a bitfield: from the member (`kind_flag`
    /// BTF), or from an INT narrower than its size (old encoding).
    pub(super) fn bitfield_bits(&self, ty: BtfTypeId, member_bits: u32) -> u32 {
        if member_bits != 0 {
            return member_bits;
        }
        let Ok(base) = self.btf.skip_modifiers(ty) else {
            return 0;
        };
        match self.btf.get(base).kind() {
            Kind::Int { size, bits, .. } if bits != 0 && u64::from(bits) < u64::from(size) * 8 => {
                bits
            }
            _ => 0,
        }
    }
}
