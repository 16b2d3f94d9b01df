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

mod define;
mod order;

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
mod tests;
