//! BTF → C declarations.
//!
//! Two passes per type, in id order:
//!
//! 1. **Order.** A depth-first walk finds the named definitions a type
//!    needs before it. A member held by value needs its type *complete*
//!    first (a strong link); one reached through a pointer only needs the
//!    tag declared (a weak link, satisfied by `struct foo;`). Anonymous
//!    types are printed inline where they are used, so their members'
//!    needs become their user's. A cycle of strong links cannot be written
//!    in C and is an error.
//! 2. **Emit.** Each definition in that order is printed, and on the way
//!    every tag its members reach through pointers that is not defined yet
//!    gets a forward declaration.
//!
//! Declarators (`int (*name[3])(char)`) are skel-btf's C spelling
//! ([`skel_btf::c`]), with this printer's words for base types: numbered
//! names, anonymous types defined in place, type tags as attributes. The
//! alignment rules (packed or not, scalars) are skel-btf's
//! ([`skel_btf::layout`]); padding and unions' `aligned(N)` are
//! [`super::layout`]'s.
//!
//! Every recursion counts its depth against [`MAX_DEPTH`], so a hostile
//! section (pointer cycles, anonymous types nesting without end) gives an
//! error, never a stack overflow.
//!
//! Text is kept in a buffer that a caller may drain after each top-level
//! definition ([`print_to`]): a kernel's header (a few MB) need not be held
//! whole.

pub use crate::error::vmlinux_h::PrintError;
use std::fmt::Write as _;

use skel_btf::c::{self, Spell};
use skel_btf::layout::{Alignment, MemberAlign, POINTER_SIZE, scalar_align};
use skel_btf::{Btf, BtfTypeId, Composite, EnumValue, Kind};

use super::layout::{self, Next, Pad};
use super::names::{self, Namespace};

/// How deep ordering, emission and declarators may nest. Kernel BTF needs a
/// few dozen levels; hostile input is cut off here.
pub const MAX_DEPTH: usize = 512;

/// Steps (types visited while ordering, emitting and printing) allowed per
/// type, on top of a fixed allowance: kernel BTF takes a few per type;
/// types that share parts without end (function prototypes whose
/// parameters are prototypes, ...) would otherwise take exponential time.
const STEPS_PER_TYPE: u64 = 256;
const BASE_STEPS: u64 = 1 << 20;

/// The largest gap between members filled with padding bitfields (one
/// `long: 64;` line per 8 bytes): 1 MiB.
const MAX_GAP_BITS: u64 = 8 << 20;

/// The largest header printed (a kernel's is a few MB).
pub const MAX_OUTPUT: usize = 256 << 20;

#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Order {
    #[default]
    New,
    Ordering,
    Ordered,
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum Emit {
    #[default]
    New,
    Emitting,
    Emitted,
}

#[derive(Clone, Copy, Default)]
struct State {
    /// Some other type refers to this one: an anonymous enum that nothing
    /// refers to is a top-level list of constants.
    referenced: bool,
    order: Order,
    emit: Emit,
    /// `struct foo;` (or, for a typedef, its definition) is out.
    fwd_emitted: bool,
    /// Cached alignment in bytes; 0 = not computed yet.
    align: u8,
}

/// Prints every type of `btf` as C, in an order that compiles, wrapped in
/// `prologue` and `epilogue`.
pub fn print(btf: &Btf, prologue: &str, epilogue: &str) -> Result<String, PrintError> {
    let mut p = Printer::new(btf, true);
    match p.run::<std::convert::Infallible>(prologue, epilogue, None) {
        Ok(()) => Ok(p.out),
        Err(Failure::Print(e)) => Err(e),
        Err(Failure::Sink(never)) => match never {},
    }
}

/// Why [`print_to`] stopped: the BTF, or the output.
#[derive(Debug)]
pub enum Failure<E> {
    Print(PrintError),
    Sink(E),
}

impl<E> From<PrintError> for Failure<E> {
    fn from(e: PrintError) -> Self {
        Failure::Print(e)
    }
}

/// What takes the printed text, piece by piece.
type Sink<'s, E> = &'s mut dyn FnMut(&mut String) -> Result<(), E>;

/// How much text is kept before [`print_to`] hands it on.
const CHUNK: usize = 64 << 10;

/// As [`print`], handing the text to `sink` in pieces of about [`CHUNK`]
/// bytes (whole definitions), which it must take (`String::clear`s it
/// after).
pub fn print_to<E>(
    btf: &Btf,
    prologue: &str,
    epilogue: &str,
    sink: Sink<'_, E>,
) -> Result<(), Failure<E>> {
    let mut p = Printer::new(btf, false);
    p.run(prologue, epilogue, Some(&mut *sink))?;
    sink(&mut p.out).map_err(Failure::Sink)
}

struct Printer<'a> {
    btf: &'a Btf,
    out: String,
    /// Bytes handed on already.
    flushed: usize,
    state: Vec<State>,
    /// How many times the name of each struct/union/enum/typedef id is
    /// taken in its namespace when it is named (`name___N` from 2); 0: not
    /// named yet.
    names: Vec<u32>,
    tags: Namespace<'a>,
    idents: Namespace<'a>,
    depth: usize,
    steps: u64,
    max_steps: u64,
    pads: Vec<Pad>,
}

impl<'a> Printer<'a> {
    /// A printer; `whole`: the text is kept whole (else drained in chunks).
    fn new(btf: &'a Btf, whole: bool) -> Self {
        let mut state = vec![State::default(); btf.len()];
        // void is always there.
        state[0].order = Order::Ordered;
        state[0].emit = Emit::Emitted;
        Printer {
            btf,
            out: String::with_capacity(if whole { btf.len() * 32 } else { 2 * CHUNK }),
            flushed: 0,
            state,
            names: vec![0; btf.len()],
            tags: Namespace::default(),
            idents: Namespace::default(),
            depth: 0,
            steps: 0,
            max_steps: BASE_STEPS + STEPS_PER_TYPE * btf.len() as u64,
            pads: vec![],
        }
    }

    /// Prints everything; with a `sink`, hands it the text after each
    /// definition once it holds [`CHUNK`] bytes (else keeps it all).
    fn run<E>(
        &mut self,
        prologue: &str,
        epilogue: &str,
        mut sink: Option<Sink<'_, E>>,
    ) -> Result<(), Failure<E>> {
        self.out.push_str(prologue);
        self.mark_referenced();
        let mut queue = vec![];
        for index in 1..self.btf.len() {
            let id = BtfTypeId(index as u32);
            queue.clear();
            self.order(id, false, &mut queue)?;
            for &queued in &queue {
                self.emit(queued, BtfTypeId(0))?;
            }
            if let Some(sink) = sink.as_mut()
                && self.out.len() >= CHUNK
            {
                self.flushed += self.out.len();
                sink(&mut self.out).map_err(Failure::Sink)?;
                self.out.clear();
            }
        }
        self.out.push_str(epilogue);
        Ok(())
    }

    fn st(&mut self, id: BtfTypeId) -> &mut State {
        &mut self.state[id.0 as usize]
    }

    fn raw_name(&self, id: BtfTypeId) -> &'a str {
        self.btf.get(id).name().unwrap_or("")
    }

    /// Counts one level of nesting and one step; every recursion goes
    /// through here, so depth, time and output are all bounded.
    fn enter(&mut self, id: BtfTypeId) -> Result<(), PrintError> {
        self.depth += 1;
        self.steps += 1;
        if self.depth > MAX_DEPTH {
            return Err(PrintError::TooDeep {
                type_id: id,
                name: self.raw_name(id).to_owned(),
                limit: MAX_DEPTH,
            });
        }
        if self.steps > self.max_steps || self.flushed + self.out.len() > MAX_OUTPUT {
            return Err(PrintError::TooLarge {
                type_id: id,
                name: self.raw_name(id).to_owned(),
                limit: format!("{} steps or {MAX_OUTPUT} bytes", self.max_steps),
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn mark_referenced(&mut self) {
        for ty in self.btf.iter() {
            let mut mark = |id: BtfTypeId| {
                if let Some(s) = self.state.get_mut(id.0 as usize) {
                    s.referenced = true;
                }
            };
            match ty.kind() {
                Kind::Array { elem, index, .. } => {
                    mark(elem);
                    mark(index);
                }
                Kind::Struct(c) | Kind::Union(c) => c.members.iter().for_each(|m| mark(m.ty)),
                Kind::FuncProto { params, .. } => params.iter().for_each(|p| mark(p.ty)),
                Kind::Datasec { vars, .. } => vars.iter().for_each(|v| mark(v.ty)),
                Kind::Ptr { target }
                | Kind::Typedef { target }
                | Kind::Volatile { target }
                | Kind::Const { target }
                | Kind::Restrict { target }
                | Kind::TypeTag { target }
                | Kind::DeclTag { target, .. } => mark(target),
                Kind::Func { proto, .. } => mark(proto),
                Kind::Var { ty, .. } => mark(ty),
                Kind::Void
                | Kind::Int { .. }
                | Kind::Enum { .. }
                | Kind::Fwd { .. }
                | Kind::Float { .. }
                | _ => {}
            }
        }
    }

    // ---- names ----------------------------------------------------------

    /// The C name of a struct, union, enum, fwd or typedef, numbered if
    /// its namespace already holds it; given at first use.
    fn name(&mut self, id: BtfTypeId) -> Result<(&'a str, u32), PrintError> {
        let index = id.0 as usize;
        let raw = self.raw_name(id);
        if self.names[index] == 0 {
            self.names[index] = if raw.is_empty() {
                1
            } else {
                if !names::is_identifier(raw) {
                    return Err(PrintError::BadName {
                        type_id: id,
                        what: "type name",
                        name: raw.to_owned(),
                    });
                }
                match self.btf.get(id).kind() {
                    // Forward declarations name whichever type has the tag;
                    // an enum without values is one.
                    Kind::Fwd { .. } => 1,
                    Kind::Enum { values, .. } if values.is_empty() => 1,
                    Kind::Typedef { .. } => self.idents.take(raw),
                    _ => self.tags.take(raw),
                }
            };
        }
        Ok((raw, self.names[index]))
    }

    fn push_name(&mut self, id: BtfTypeId) -> Result<(), PrintError> {
        let (raw, n) = self.name(id)?;
        self.out.push_str(raw);
        if n > 1 {
            let _ = write!(self.out, "___{n}");
        }
        Ok(())
    }

    fn check_ident(&self, id: BtfTypeId, what: &'static str, name: &str) -> Result<(), PrintError> {
        if names::is_identifier(name) {
            Ok(())
        } else {
            Err(PrintError::BadName {
                type_id: id,
                what,
                name: name.to_owned(),
            })
        }
    }

    // ---- ordering -------------------------------------------------------

    /// Orders `id` and what it needs into `queue`; returns whether the link
    /// that led here is strong (the type must be complete before its
    /// user).
    fn order(
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

    fn order_new(
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
    fn emit(&mut self, id: BtfTypeId, container: BtfTypeId) -> Result<(), PrintError> {
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

    fn emit_new(&mut self, id: BtfTypeId, container: BtfTypeId) -> Result<(), PrintError> {
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
    fn missing_alias(&mut self, id: BtfTypeId) -> Result<(), PrintError> {
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

    fn tag_fwd(&mut self, id: BtfTypeId) -> Result<(), PrintError> {
        let keyword = match self.btf.get(id).kind() {
            Kind::Union(_) | Kind::Fwd { union: true } => "union",
            _ => "struct",
        };
        self.out.push_str(keyword);
        self.out.push(' ');
        self.push_name(id)
    }

    /// `typedef <target> <name>;` and a blank line.
    fn typedef_def(
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

    fn indent(&mut self, lvl: usize) {
        for _ in 0..lvl {
            self.out.push('\t');
        }
    }

    /// A struct or union definition, without the final `;`.
    fn composite_def(&mut self, id: BtfTypeId, lvl: usize) -> Result<(), PrintError> {
        self.composite_def_as(id, lvl, true)
    }

    /// A struct or union definition; with `named` false, an anonymous one
    /// with the members of `id`.
    fn composite_def_as(
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
    fn embedded_named(&self, ty: BtfTypeId, bits: u32) -> Option<BtfTypeId> {
        if bits != 0 {
            return None;
        }
        let target = self.btf.skip_modifiers(ty).ok()?;
        let t = self.btf.get(target);
        (t.kind().is_composite() && t.name().is_some()).then_some(target)
    }

    fn composite_def_inner(
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

    fn pad(&mut self, id: BtfTypeId, cur: u64, next: Next, lvl: usize) -> Result<(), PrintError> {
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
    fn enum_def(&mut self, id: BtfTypeId, lvl: usize) -> Result<(), PrintError> {
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

    fn enumerator(
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
    fn decl(&mut self, id: BtfTypeId, name: &str, lvl: usize) -> Result<(), PrintError> {
        let btf = self.btf;
        c::declaration(btf, self, id, name, lvl)
    }

    // ---- layout ---------------------------------------------------------

    /// The alignment in bytes that the printed C gives a type.
    fn align_of(&mut self, id: BtfTypeId) -> Result<u64, PrintError> {
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

    fn align_uncached(&mut self, id: BtfTypeId) -> Result<u64, PrintError> {
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
    fn shape(&mut self, id: BtfTypeId, c: Composite<'a>) -> Result<Shape, PrintError> {
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
    fn c_size_of(&self, id: BtfTypeId) -> u64 {
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
    fn bitfield_bits(&self, ty: BtfTypeId, member_bits: u32) -> u32 {
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

/// The words of this header in skel-btf's C declarators: numbered names,
/// anonymous types defined in place, checked identifiers, type tags as
/// attributes, and the printer's bounds.
impl Spell for Printer<'_> {
    type Error = PrintError;

    fn out(&mut self) -> &mut String {
        &mut self.out
    }

    fn enter(&mut self, _: &Btf, id: BtfTypeId) -> Result<bool, PrintError> {
        Printer::enter(self, id).map(|()| true)
    }

    fn leave(&mut self) {
        Printer::leave(self);
    }

    fn link(
        &mut self,
        _: &Btf,
        start: BtfTypeId,
        _: BtfTypeId,
        n: usize,
    ) -> Result<bool, PrintError> {
        if n > MAX_DEPTH + 1 {
            return Err(PrintError::TooDeep {
                type_id: start,
                name: self.raw_name(start).to_owned(),
                limit: MAX_DEPTH,
            });
        }
        Ok(true)
    }

    fn base(&mut self, btf: &Btf, id: BtfTypeId, lvl: usize) -> Result<(), PrintError> {
        let ty = btf.get(id);
        match ty.kind() {
            Kind::Void => self.out.push_str("void"),
            Kind::Int { .. } | Kind::Float { .. } => {
                let base = self.raw_name(id);
                if !names::is_base_type_name(base) {
                    return Err(PrintError::BadName {
                        type_id: id,
                        what: "base type name",
                        name: base.to_owned(),
                    });
                }
                self.out.push_str(base);
            }
            Kind::Struct(_) | Kind::Union(_) => {
                if ty.name().is_none() {
                    self.composite_def(id, lvl)?;
                } else {
                    self.tag_fwd(id)?;
                }
            }
            Kind::Enum { .. } => {
                if ty.name().is_none() {
                    self.enum_def(id, lvl)?;
                } else {
                    self.out.push_str("enum ");
                    self.push_name(id)?;
                }
            }
            Kind::Fwd { .. } => self.tag_fwd(id)?,
            Kind::Typedef { .. } => self.push_name(id)?,
            other => {
                return Err(PrintError::UnexpectedKind {
                    type_id: id,
                    kind: other.name(),
                });
            }
        }
        Ok(())
    }

    fn type_tags(&self) -> bool {
        true
    }

    fn type_tag(&mut self, _: &Btf, id: BtfTypeId, tag: &str) -> Result<(), PrintError> {
        if !names::is_tag_text(tag) {
            return Err(PrintError::BadName {
                type_id: id,
                what: "type tag",
                name: tag.to_owned(),
            });
        }
        let _ = write!(self.out, " __attribute__((btf_type_tag(\"{tag}\")))");
        Ok(())
    }

    fn param_name<'n>(
        &mut self,
        _: &Btf,
        proto: BtfTypeId,
        name: Option<&'n str>,
    ) -> Result<Option<&'n str>, PrintError> {
        match name {
            Some(name) if !name.is_empty() => {
                self.check_ident(proto, "parameter name", name)?;
                Ok(Some(name))
            }
            _ => Ok(None),
        }
    }
}

struct Shape {
    packed: bool,
    align: u64,
    /// `aligned(N)` for a union BTF says is larger than its members.
    union_align: Option<u64>,
    /// `long: N;` for a union larger than its members that no alignment
    /// explains (one with no members, say).
    union_fill_bits: Option<u64>,
    bitfields: Vec<u32>,
}

fn fits_32(value: i64, signed: bool) -> bool {
    if signed {
        i32::try_from(value).is_ok()
    } else {
        u32::try_from(value as u64).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::BtfWriter;

    const FWD: u32 = 7;
    const TYPE_TAG: u32 = 18;

    fn c(w: &BtfWriter) -> String {
        print(&w.finish(), "", "").unwrap()
    }

    /// `needle` occurs in `text`, and before `later` if given.
    fn has(text: &str, needle: &str) {
        assert!(text.contains(needle), "no `{needle}` in:\n{text}");
    }

    fn before(text: &str, first: &str, second: &str) {
        let a = text
            .find(first)
            .unwrap_or_else(|| panic!("no `{first}` in:\n{text}"));
        let b = text
            .find(second)
            .unwrap_or_else(|| panic!("no `{second}` in:\n{text}"));
        assert!(a < b, "`{first}` comes after `{second}` in:\n{text}");
    }

    #[test]
    fn by_value_members_are_defined_first_pointers_get_forward_declarations() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        // struct list { struct list *next; struct item *item; }
        // struct item { int v; }   struct holder { struct list l; }
        let list_ptr = w.ptr(BtfTypeId(4));
        let item_ptr = w.ptr(BtfTypeId(5));
        let list = w.struct_(
            "list",
            16,
            &[("next", list_ptr, 0, 0), ("item", item_ptr, 64, 0)],
        );
        assert_eq!(list, BtfTypeId(4));
        let item = w.struct_("item", 4, &[("v", int, 0, 0)]);
        assert_eq!(item, BtfTypeId(5));
        w.struct_("holder", 16, &[("l", list, 0, 0)]);
        let text = c(&w);
        has(
            &text,
            "struct item;\n\nstruct list {\n\tstruct list *next;\n\tstruct item *item;\n};",
        );
        before(&text, "struct list {", "struct holder {");
        assert!(
            !text.contains("struct list;"),
            "no forward declaration of itself:\n{text}"
        );
    }

    #[test]
    fn typedef_cycles_through_pointers_compile() {
        let mut w = BtfWriter::new();
        // typedef struct node node_t; struct node { node_t *next; }
        let node_t = w.typedef("node_t", BtfTypeId(3));
        let p = w.ptr(node_t);
        let node = w.struct_("node", 8, &[("next", p, 0, 0)]);
        assert_eq!(node, BtfTypeId(3));
        let text = c(&w);
        has(
            &text,
            "struct node;\n\ntypedef struct node node_t;\n\nstruct node {\n\tnode_t *next;\n};",
        );
    }

    #[test]
    fn a_struct_containing_itself_by_value_is_an_error() {
        let mut w = BtfWriter::new();
        let arr = w.array(BtfTypeId(2), BtfTypeId(0), 1);
        w.struct_("loop", 8, &[("self", arr, 0, 0)]);
        let err = print(&w.finish(), "", "").unwrap_err();
        assert!(matches!(err, PrintError::Cycle { .. }), "{err}");
    }

    #[test]
    fn pointer_cycles_are_cut_off() {
        let mut w = BtfWriter::new();
        // [1] ptr -> [2], [2] ptr -> [1]
        w.ptr(BtfTypeId(2));
        w.ptr(BtfTypeId(1));
        let err = print(&w.finish(), "", "").unwrap_err();
        assert!(matches!(err, PrintError::TooDeep { .. }), "{err}");
    }

    #[test]
    fn prototypes_sharing_parts_without_end_are_cut_off() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        // Each prototype takes the next one twice, 40 deep: 2^40 walks.
        let mut proto = w.func_proto(int, &[int]);
        for _ in 0..40 {
            proto = w.func_proto(int, &[proto, proto]);
        }
        let p = w.ptr(proto);
        w.struct_("s", 8, &[("f", p, 0, 0)]);
        let err = print(&w.finish(), "", "").unwrap_err();
        assert!(matches!(err, PrintError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn huge_gaps_are_refused() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        w.struct_("far", u32::MAX, &[("a", int, 0, 0)]);
        let err = print(&w.finish(), "", "").unwrap_err();
        assert!(matches!(err, PrintError::HugeGap { .. }), "{err}");
    }

    #[test]
    fn same_names_are_numbered_per_namespace() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let long = w.int("long int", 8, true);
        w.struct_("foo", 4, &[("a", int, 0, 0)]);
        w.struct_("foo", 8, &[("b", long, 0, 0)]);
        // A typedef may share a struct's name: another namespace.
        w.typedef("foo", int);
        // A union shares the tag namespace with structs.
        w.union_("foo", 4, &[("u", int, 0, 0)]);
        let text = c(&w);
        has(&text, "struct foo {\n\tint a;\n};");
        has(&text, "struct foo___2 {\n\tlong int b;\n};");
        has(&text, "typedef int foo;");
        has(&text, "union foo___3 {\n\tint u;\n};");
    }

    #[test]
    fn declarators_of_function_pointers_and_arrays() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let ch = w.char_();
        let proto = w.func_proto(int, &[ch, BtfTypeId(0)]);
        let fp = w.ptr(proto);
        let fps = w.array(fp, int, 3);
        let void_proto = w.func_proto(BtfTypeId(0), &[]);
        let vfp = w.ptr(void_proto);
        let cint = w.const_(int);
        let pcint = w.ptr(cint);
        let cp = w.const_(pcint);
        let grid = w.array(int, int, 4);
        let grid = w.array(grid, int, 2);
        let pgrid = w.ptr(grid);
        // A function returning a pointer to a function.
        let ret_fp = w.func_proto(fp, &[int]);
        let fp_ret_fp = w.ptr(ret_fp);
        w.struct_(
            "s",
            80,
            &[
                ("handlers", fps, 0, 0),
                ("done", vfp, 192, 0),
                ("p", cp, 256, 0),
                ("grid", grid, 320, 0),
                ("pg", pgrid, 576, 0),
                ("pick", fp_ret_fp, 576, 0),
            ],
        );
        let text = c(&w);
        has(&text, "\tint (*handlers[3])(char, ...);");
        has(&text, "\tvoid (*done)(void);");
        has(&text, "\tconst int * const p;");
        has(&text, "\tint grid[2][4];");
        has(&text, "\tint (*pg)[2][4];");
        has(&text, "\tint (* (*pick)(int))(char, ...);");
    }

    #[test]
    fn packed_over_aligned_and_bitfields_keep_their_offsets() {
        let mut w = BtfWriter::new();
        let ch = w.char_();
        let int = w.int("int", 4, true);
        let uint = w.int("unsigned int", 4, false);
        let long = w.int("long int", 8, true);
        // struct p { char c; int x; } __packed: x at byte 1.
        w.struct_("p", 5, &[("c", ch, 0, 0), ("x", int, 8, 0)]);
        // An over-aligned struct: 8 bytes used, 64 long.
        w.struct_("big", 64, &[("v", long, 0, 0)]);
        // Bitfields, with a gap before `b` and a member after them.
        w.struct_(
            "bits",
            8,
            &[
                ("a", uint, 0, 3),
                ("b", uint, 8, 5),
                ("c", ch, 16, 0),
                ("d", int, 32, 0),
            ],
        );
        let text = c(&w);
        has(
            &text,
            "struct p {\n\tchar c;\n\tint x;\n} __attribute__((packed));",
        );
        has(
            &text,
            "struct big {\n\tlong int v;\n\tlong: 64;\n\tlong: 64;",
        );
        has(
            &text,
            "\tunsigned int a: 3;\n\tchar: 5;\n\tunsigned int b: 5;\n\tchar c;\n\tint d;",
        );
    }

    #[test]
    fn anonymous_types_are_inline_and_top_level_anonymous_enums_stand_alone() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let inner = w.struct_("", 4, &[("x", int, 0, 0)]);
        let u = w.union_("", 4, &[("s", inner, 0, 0), ("i", int, 0, 0)]);
        w.struct_("outer", 4, &[("", u, 0, 0)]);
        w.enum_("", 4, false, &[("CONST_A", 1), ("CONST_B", 2)]);
        let text = c(&w);
        has(
            &text,
            "struct outer {\n\tunion {\n\t\tstruct {\n\t\t\tint x;\n\t\t} s;\n\t\tint i;\n\t};\n};",
        );
        has(&text, "enum {\n\tCONST_A = 1,\n\tCONST_B = 2,\n};");
    }

    #[test]
    fn enums_keep_their_size_sign_and_64_bit_values() {
        let mut w = BtfWriter::new();
        w.enum_("small", 1, false, &[("S", 1)]);
        w.enum_("half", 2, true, &[("H", -3)]);
        w.enum_("neg", 4, true, &[("N", -1), ("M", i64::from(i32::MIN))]);
        w.enum_("big", 4, false, &[("U", 0xffff_ffff)]);
        w.enum_("e64", 8, false, &[("E", 0x1_0000_0000), ("F", -1)]);
        w.enum_("e64s", 8, true, &[("G", i64::MIN), ("K", -2)]);
        w.enum_("wide", 8, false, &[("W", 1)]);
        let text = c(&w);
        has(
            &text,
            "enum small {\n\tS = 1,\n} __attribute__((mode(QI)));",
        );
        has(
            &text,
            "enum half {\n\tH = -3,\n} __attribute__((mode(HI)));",
        );
        has(&text, "\tN = -1,\n\tM = -2147483648,\n};");
        has(&text, "\tU = 4294967295,\n};");
        has(
            &text,
            "\tE = 4294967296ULL,\n\tF = 18446744073709551615ULL,\n};",
        );
        has(
            &text,
            "\tG = (-9223372036854775807LL - 1),\n\tK = -2LL,\n};",
        );
        has(
            &text,
            "enum wide {\n\tW = 1ULL,\n} __attribute__((mode(DI)));",
        );
    }

    #[test]
    fn forward_declared_types_and_type_tags() {
        let mut w = BtfWriter::new();
        let fwd = w.named("opaque", FWD, false, 0, 0, &[]);
        let ufwd = w.named("uopaque", FWD, true, 0, 0, &[]);
        let tagged = w.named("rcu", TYPE_TAG, false, 0, fwd.0, &[]);
        let p = w.ptr(tagged);
        let pu = w.ptr(ufwd);
        w.struct_("user", 16, &[("o", p, 0, 0), ("u", pu, 64, 0)]);
        let text = c(&w);
        has(&text, "struct opaque;\n\n");
        has(&text, "union uopaque;\n\n");
        has(
            &text,
            "\tstruct opaque __attribute__((btf_type_tag(\"rcu\"))) *o;",
        );
    }

    #[test]
    fn names_that_are_not_identifiers_are_refused() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        w.struct_("x */ int y; /*", 4, &[("a", int, 0, 0)]);
        let err = print(&w.finish(), "", "").unwrap_err();
        assert!(matches!(err, PrintError::BadName { .. }), "{err}");

        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        w.struct_("ok", 4, &[("a;b", int, 0, 0)]);
        let err = print(&w.finish(), "", "").unwrap_err();
        assert!(err.to_string().contains("member name `a;b`"), "{err}");
    }

    #[test]
    fn named_structs_embedded_without_a_name_become_anonymous_copies() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let inner = w.struct_("ns_common", 8, &[("a", int, 0, 0), ("b", int, 32, 0)]);
        // `struct ns_common;` as a member (-fms-extensions).
        w.struct_("user_ns", 12, &[("", inner, 0, 0), ("c", int, 64, 0)]);
        let text = c(&w);
        has(
            &text,
            "struct user_ns {\n\tstruct {\n\t\tint a;\n\t\tint b;\n\t};\n\tint c;\n};",
        );
        before(&text, "struct ns_common {", "struct user_ns {");
    }

    /// Whole or in pieces, the same text (more than one piece of it).
    #[test]
    fn printed_whole_or_streamed_alike() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        for i in 0..6000 {
            w.struct_(&format!("s{i}"), 8, &[("a", int, 0, 0), ("b", int, 32, 0)]);
        }
        let btf = w.finish();
        let whole = print(&btf, "/* start */\n", "/* end */\n").unwrap();
        assert!(whole.len() > 2 * CHUNK, "{}", whole.len());
        let mut pieces = vec![];
        let mut sink = |text: &mut String| {
            pieces.push(text.clone());
            Ok::<(), ()>(())
        };
        print_to(&btf, "/* start */\n", "/* end */\n", &mut sink).unwrap();
        assert!(pieces.len() > 2, "{} pieces", pieces.len());
        assert_eq!(pieces.concat(), whole);
        assert!(whole.starts_with("/* start */\nstruct s0 {"));
        // A sink that fails stops the printer with its error.
        let mut failing = |_: &mut String| Err("full");
        assert!(matches!(
            print_to(&btf, "", "", &mut failing),
            Err(Failure::Sink("full"))
        ));
    }

    #[test]
    fn members_btf_leaves_out_still_take_their_room() {
        let mut w = BtfWriter::new();
        let u = w.union_("", 8, &[]);
        w.typedef("arg_t", u);
        let ch = w.char_();
        // A union larger than its members, by alignment.
        let arr = w.array(ch, ch, 5);
        w.union_("u8", 8, &[("b", arr, 0, 0)]);
        let text = c(&w);
        has(&text, "typedef union {\n\tlong: 64;\n} arg_t;");
        has(
            &text,
            "union u8 {\n\tchar b[5];\n} __attribute__((aligned(8)));",
        );
    }
}
