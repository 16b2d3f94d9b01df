//! The first pass: the named definitions each type needs before it, and
//! then printing each in that order with the forward declarations its
//! pointers need.

use super::*;

impl<'a> Printer<'a> {
    /// Orders `id` and what it needs into `queue`; returns whether the link
    /// that led here is strong (the type must be complete before its
    /// user).
    pub(super) fn order(
        &mut self,
        id: BtfTypeId,
        through_ptr: bool,
        queue: &mut Vec<BtfTypeId>,
    ) -> Result<bool, PrintError> {
        match self.st(id).order {
            Order::Ordered => return Ok(true),
            Order::Ordering => {
                let ty = self.btf.get(id);
                // A loop through a pointer: a forward declaration does.
                if ty.kind().is_composite() && through_ptr && ty.name().is_some() {
                    return Ok(false);
                }
                return Err(PrintError::Cycle {
                    type_id: id,
                    name: self.raw_name(id).to_owned(),
                });
            }
            Order::New => {}
        }
        self.enter(id)?;
        let strong = self.order_new(id, through_ptr, queue);
        self.leave();
        strong
    }

    pub(super) fn order_new(
        &mut self,
        id: BtfTypeId,
        through_ptr: bool,
        queue: &mut Vec<BtfTypeId>,
    ) -> Result<bool, PrintError> {
        let ty = self.btf.get(id);
        let named = ty.name().is_some();
        match ty.kind() {
            Kind::Void | Kind::Int { .. } | Kind::Float { .. } => {
                self.st(id).order = Order::Ordered;
                Ok(false)
            }
            Kind::Ptr { target } => {
                let strong = self.order(target, true, queue);
                self.st(id).order = Order::Ordered;
                strong
            }
            // Array elements must be complete, pointer or not.
            Kind::Array { elem, .. } => self.order(elem, false, queue),
            Kind::Struct(c) | Kind::Union(c) => {
                // Through a pointer a named type needs only its tag; an
                // anonymous one is defined inline, so its members count.
                if through_ptr && named {
                    return Ok(false);
                }
                self.st(id).order = Order::Ordering;
                for m in c.members {
                    self.order(m.ty, false, queue)?;
                }
                if named {
                    queue.push(id);
                }
                self.st(id).order = Order::Ordered;
                Ok(true)
            }
            Kind::Enum { .. } | Kind::Fwd { .. } => {
                // Named ones are top-level declarations; so is an anonymous
                // enum nothing refers to (a list of constants).
                if named || !self.st(id).referenced {
                    queue.push(id);
                }
                self.st(id).order = Order::Ordered;
                Ok(true)
            }
            Kind::Typedef { target } => {
                let strong = self.order(target, through_ptr, queue)?;
                // Like a struct, a typedef reached through a pointer can
                // wait, unless what it names must be complete.
                if through_ptr && !strong {
                    return Ok(false);
                }
                queue.push(id);
                self.st(id).order = Order::Ordered;
                Ok(true)
            }
            Kind::Volatile { target }
            | Kind::Const { target }
            | Kind::Restrict { target }
            | Kind::TypeTag { target } => self.order(target, through_ptr, queue),
            Kind::FuncProto { ret, params } => {
                let mut strong = self.order(ret, through_ptr, queue)?;
                for p in params {
                    strong |= self.order(p.ty, through_ptr, queue)?;
                }
                Ok(strong)
            }
            Kind::Func { .. }
            | Kind::Var { .. }
            | Kind::Datasec { .. }
            | Kind::DeclTag { .. }
            | _ => {
                self.st(id).order = Order::Ordered;
                Ok(false)
            }
        }
    }

    // ---- emission -------------------------------------------------------

    /// Emits `id` if it is a top-level definition (`container` 0), else
    /// the forward declarations its use inside `container` needs.
    pub(super) fn emit(&mut self, id: BtfTypeId, container: BtfTypeId) -> Result<(), PrintError> {
        let state = *self.st(id);
        if state.emit == Emit::Emitted {
            return Ok(());
        }
        let ty = self.btf.get(id);
        if state.emit == Emit::Emitting {
            // Referred to from inside its own definition.
            if state.fwd_emitted {
                return Ok(());
            }
            match ty.kind() {
                Kind::Struct(_) | Kind::Union(_) => {
                    if id == container || ty.name().is_none() {
                        return Ok(());
                    }
                    self.tag_fwd(id)?;
                    self.out.push_str(";\n\n");
                    self.st(id).fwd_emitted = true;
                }
                Kind::Typedef { target } => {
                    // Good for uses through pointers; the complete type
                    // follows.
                    self.typedef_def(id, target, 0)?;
                    self.st(id).fwd_emitted = true;
                }
                _ => {}
            }
            return Ok(());
        }
        self.enter(id)?;
        let result = self.emit_new(id, container);
        self.leave();
        result
    }

    pub(super) fn emit_new(
        &mut self,
        id: BtfTypeId,
        container: BtfTypeId,
    ) -> Result<(), PrintError> {
        let ty = self.btf.get(id);
        let top_level = container.0 == 0;
        match ty.kind() {
            Kind::Int { .. } => {
                self.missing_alias(id)?;
                self.st(id).emit = Emit::Emitted;
            }
            Kind::Enum { .. } => {
                if top_level {
                    self.enum_def(id, 0)?;
                    self.out.push_str(";\n\n");
                }
                self.st(id).emit = Emit::Emitted;
            }
            Kind::Ptr { target }
            | Kind::Volatile { target }
            | Kind::Const { target }
            | Kind::Restrict { target }
            | Kind::TypeTag { target } => self.emit(target, container)?,
            Kind::Array { elem, .. } => self.emit(elem, container)?,
            Kind::Fwd { .. } => {
                self.tag_fwd(id)?;
                self.out.push_str(";\n\n");
                self.st(id).emit = Emit::Emitted;
            }
            Kind::Typedef { target } => {
                self.st(id).emit = Emit::Emitting;
                self.emit(target, id)?;
                if !self.st(id).fwd_emitted {
                    self.typedef_def(id, target, 0)?;
                }
                self.st(id).emit = Emit::Emitted;
            }
            Kind::Struct(c) | Kind::Union(c) => {
                self.st(id).emit = Emit::Emitting;
                let named = ty.name().is_some();
                if top_level || !named {
                    // The members are printed here: what they reach
                    // through pointers needs declaring first.
                    let inner = if named { id } else { container };
                    for m in c.members {
                        self.emit(m.ty, inner)?;
                    }
                } else if !self.st(id).fwd_emitted && id != container {
                    self.tag_fwd(id)?;
                    self.out.push_str(";\n\n");
                    self.st(id).fwd_emitted = true;
                }
                if top_level {
                    self.composite_def(id, 0)?;
                    self.out.push_str(";\n\n");
                    self.st(id).emit = Emit::Emitted;
                } else {
                    self.st(id).emit = Emit::New;
                }
            }
            Kind::FuncProto { ret, params } => {
                self.emit(ret, container)?;
                for p in params {
                    self.emit(p.ty, container)?;
                }
            }
            Kind::Void
            | Kind::Float { .. }
            | Kind::Func { .. }
            | Kind::Var { .. }
            | Kind::Datasec { .. }
            | Kind::DeclTag { .. }
            | _ => {}
        }
        Ok(())
    }

    /// GCC's Arm SIMD typedefs name internal types clang does not have.
    pub(super) fn missing_alias(&mut self, id: BtfTypeId) -> Result<(), PrintError> {
        let alias = match self.raw_name(id) {
            "__Poly8_t" => "unsigned char",
            "__Poly16_t" => "unsigned short",
            "__Poly64_t" => "unsigned long long",
            "__Poly128_t" => "unsigned __int128",
            _ => return Ok(()),
        };
        let _ = writeln!(self.out, "typedef {alias} {};\n", self.raw_name(id));
        Ok(())
    }

    pub(super) fn tag_fwd(&mut self, id: BtfTypeId) -> Result<(), PrintError> {
        let keyword = match self.btf.get(id).kind() {
            Kind::Union(_) | Kind::Fwd { union: true } => "union",
            _ => "struct",
        };
        self.out.push_str(keyword);
        self.out.push(' ');
        self.push_name(id)
    }
}
