//! C spellings of types: one printer of C declarators.
//!
//! C writes a declaration inside out: `int (*handlers[3])(char, ...)` is an
//! array of 3 pointers to functions. [`declaration`] turns a BTF type (a
//! chain of pointers, qualifiers, arrays and prototypes down to a base type)
//! into that syntax: base type first, with the qualifiers that apply to it;
//! then each pointer with its own qualifiers; arrays and prototypes
//! wrapping what is left in parentheses when a pointer binds to them.
//!
//! What a caller spells differently goes through [`Spell`]: how a base type
//! is named (a message says `struct (anon)`, a header prints the anonymous
//! struct's definition in place), whether type tags are printed, parameter
//! names, and the bounds (a message elides with `...`; a header refuses
//! with an error). [`Btf::c_spelling`] is the short form for messages.
//!
//! Qualifiers go where C reads them: on the base type (`const int *`), on
//! a pointer (`int * const`), on an array's elements when BTF puts them on
//! the array (GCC does: `const char[16]`), and nowhere on a function type
//! (which they cannot qualify). A base type gets each qualifier once.

use crate::Btf;
use crate::types::{BtfTypeId, Kind};

/// How many types one [`Btf::c_spelling`] visits at most: a spelling is
/// for people, so a cycle or a huge parameter list must not make it long
/// or slow. Past it, the rest is spelled `...`.
pub const MAX_SPELLING_STEPS: usize = 48;

/// How many dimensions of an array [`Btf::c_spelling`] shows (then `[...]`).
const MAX_SPELLED_DIMS: usize = 8;

/// How many parameters of a prototype [`Btf::c_spelling`] shows (then
/// `...`).
const MAX_SPELLED_PARAMS: usize = 8;

/// What a caller of [`declaration`] decides: the words for base types and
/// type tags, parameter names, and bounds. The declarator syntax is not
/// theirs to change.
pub trait Spell {
    /// What stops a declaration.
    type Error;

    /// Where the text goes.
    fn out(&mut self) -> &mut String;

    /// Called as a declaration (the whole, or a parameter's) starts;
    /// `Ok(false)` spells it `...` instead. [`leave`](Self::leave) follows
    /// every `Ok(true)`.
    fn enter(&mut self, btf: &Btf, id: BtfTypeId) -> Result<bool, Self::Error>;

    /// Called as a declaration ends.
    fn leave(&mut self);

    /// Called for each type of a declaration's chain (pointers, qualifiers,
    /// tags, arrays, prototypes, then the base type), `n` counting them
    /// from 1 for the declaration of `start`. `Ok(false)` stops the walk:
    /// the base type is then spelled `...`. Bound it: the printer recurses
    /// once per array or prototype among the links.
    fn link(
        &mut self,
        btf: &Btf,
        start: BtfTypeId,
        id: BtfTypeId,
        n: usize,
    ) -> Result<bool, Self::Error>;

    /// Writes base type `id`: `void`, an integer or float, a struct, union
    /// or enum (named, or defined in place), a forward declaration, a
    /// typedef; or whatever else ends a chain (a function, a variable, a
    /// data section, a declaration tag), which a header refuses. `lvl` is
    /// the indentation of the declaration, for definitions in place.
    fn base(&mut self, btf: &Btf, id: BtfTypeId, lvl: usize) -> Result<(), Self::Error>;

    /// Whether type tags are written (through [`type_tag`](Self::type_tag))
    /// or looked through.
    fn type_tags(&self) -> bool;

    /// Writes type tag `id`, whose value is `tag`, after what it tags.
    fn type_tag(&mut self, btf: &Btf, id: BtfTypeId, tag: &str) -> Result<(), Self::Error>;

    /// The name to print for a parameter of prototype `proto` named `name`
    /// in BTF: `None` for an abstract declarator.
    fn param_name<'n>(
        &mut self,
        btf: &Btf,
        proto: BtfTypeId,
        name: Option<&'n str>,
    ) -> Result<Option<&'n str>, Self::Error>;

    /// Dimensions of one array shown before the rest is spelled `[...]`.
    fn max_dims(&self) -> usize {
        usize::MAX
    }

    /// Parameters shown before the rest is spelled `...`.
    fn max_params(&self) -> usize {
        usize::MAX
    }
}

/// Writes `<type of id> <name>` in C declarator syntax (`int (*name[3])(char)`;
/// with `name` empty, an abstract declarator: `int (*[3])(char)`).
pub fn declaration<S: Spell + ?Sized>(
    btf: &Btf,
    s: &mut S,
    id: BtfTypeId,
    name: &str,
    lvl: usize,
) -> Result<(), S::Error> {
    declare(btf, s, id, name, lvl).map(|_| ())
}

/// Whether a declaration was written or elided.
#[derive(PartialEq, Eq)]
enum Flow {
    Written,
    Elided,
}

fn declare<S: Spell + ?Sized>(
    btf: &Btf,
    s: &mut S,
    id: BtfTypeId,
    name: &str,
    lvl: usize,
) -> Result<Flow, S::Error> {
    if !s.enter(btf, id)? {
        s.out().push_str("...");
        declarator_name(s.out(), name, false);
        return Ok(Flow::Elided);
    }
    let result = declare_entered(btf, s, id, name, lvl);
    s.leave();
    result.map(|()| Flow::Written)
}

/// Where a qualifier of the chain is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A pointer, array or prototype.
    Link,
    /// A type tag, written in place.
    Tag,
    /// A qualifier of the base type, written before it.
    Prefix,
    /// A qualifier of the pointer at this index, written after its `*`.
    After(usize),
    /// A qualifier of a function type: not written.
    Drop,
}

/// The links of one declaration, outermost first; most are short.
struct Chain {
    inline: [(BtfTypeId, Role); 8],
    len: usize,
    spill: Vec<(BtfTypeId, Role)>,
}

impl Chain {
    fn new() -> Chain {
        Chain {
            inline: [(BtfTypeId::VOID, Role::Link); 8],
            len: 0,
            spill: vec![],
        }
    }

    fn push(&mut self, id: BtfTypeId) {
        if self.len < self.inline.len() {
            self.inline[self.len] = (id, Role::Link);
        } else {
            if self.spill.is_empty() {
                self.spill.extend_from_slice(&self.inline);
            }
            self.spill.push((id, Role::Link));
        }
        self.len += 1;
    }

    fn links(&mut self) -> &mut [(BtfTypeId, Role)] {
        if self.len <= self.inline.len() {
            &mut self.inline[..self.len]
        } else {
            &mut self.spill
        }
    }
}

fn declare_entered<S: Spell + ?Sized>(
    btf: &Btf,
    s: &mut S,
    id: BtfTypeId,
    name: &str,
    lvl: usize,
) -> Result<(), S::Error> {
    // Walk to the base type, keeping every link.
    let mut chain = Chain::new();
    let mut cur = id;
    let mut n = 0;
    let tags = s.type_tags();
    let base = loop {
        n += 1;
        if !s.link(btf, id, cur, n)? {
            break None;
        }
        match btf.get(cur).kind() {
            Kind::TypeTag { target } if !tags => cur = target,
            Kind::Ptr { target }
            | Kind::Const { target }
            | Kind::Volatile { target }
            | Kind::Restrict { target }
            | Kind::TypeTag { target }
            | Kind::Array { elem: target, .. }
            | Kind::FuncProto { ret: target, .. } => {
                chain.push(cur);
                cur = target;
            }
            _ => break Some(cur),
        }
    };
    let links = chain.links();
    assign_roles(btf, links);
    // The base type, with its qualifiers (outermost first, as C reads
    // `const volatile int`; each once: GCC puts `const` on an array of
    // `const` elements).
    let mut written: [&str; 3] = [""; 3];
    for &(q, role) in links.iter() {
        if role == Role::Prefix {
            let word = qualifier(btf, q);
            if let Some(slot) = written.iter_mut().find(|w| w.is_empty() || **w == word) {
                if slot.is_empty() {
                    *slot = word;
                    s.out().push_str(word);
                    s.out().push(' ');
                }
            }
        }
    }
    match base {
        Some(base) => s.base(btf, base, lvl)?,
        None => s.out().push_str("..."),
    }
    let first = links
        .iter()
        .position(|&(_, role)| in_place(role))
        .unwrap_or(links.len());
    let chain = Links {
        links,
        first_in_place: first,
    };
    outward(btf, s, &chain, links.len(), false, name, lvl)
}

/// A declaration's links with their roles, and the index of the first
/// (outermost) one written in place: whether an array or prototype has
/// anything outside it to wrap in parentheses is `first_in_place < i`.
struct Links<'l> {
    links: &'l [(BtfTypeId, Role)],
    first_in_place: usize,
}

/// Decides where each qualifier of `links` goes: on the nearest pointer
/// below it, or on the base type (through arrays, whose qualifiers are
/// their elements'), or nowhere (on a function type).
fn assign_roles(btf: &Btf, links: &mut [(BtfTypeId, Role)]) {
    let mut attach = Role::Prefix;
    for i in (0..links.len()).rev() {
        let (id, _) = links[i];
        links[i].1 = match btf.get(id).kind() {
            Kind::Ptr { .. } => {
                attach = Role::After(i);
                Role::Link
            }
            Kind::FuncProto { .. } => {
                attach = Role::Drop;
                Role::Link
            }
            Kind::Array { .. } => Role::Link,
            Kind::TypeTag { .. } => Role::Tag,
            _ => attach,
        };
    }
}

fn qualifier(btf: &Btf, id: BtfTypeId) -> &'static str {
    match btf.get(id).kind() {
        Kind::Volatile { .. } => "volatile",
        Kind::Restrict { .. } => "restrict",
        _ => "const",
    }
}

/// Whether a link is written where it stands (not a qualifier written
/// elsewhere).
fn in_place(role: Role) -> bool {
    matches!(role, Role::Link | Role::Tag)
}

fn declarator_name(out: &mut String, name: &str, after_ptr: bool) {
    if !name.is_empty() && !after_ptr {
        out.push(' ');
    }
    out.push_str(name);
}

/// Writes `links[..end]` from the innermost out, then the name: pointers
/// as they come; an array or prototype wraps the links outside it in
/// parentheses (when there are any) and ends the declarator.
fn outward<S: Spell + ?Sized>(
    btf: &Btf,
    s: &mut S,
    chain: &Links<'_>,
    end: usize,
    mut after_ptr: bool,
    name: &str,
    lvl: usize,
) -> Result<(), S::Error> {
    let links = chain.links;
    let mut i = end;
    while i > 0 {
        i -= 1;
        let (id, role) = links[i];
        if role == Role::Tag {
            let tag = btf.get(id).name().unwrap_or("");
            s.type_tag(btf, id, tag)?;
            after_ptr = false;
            continue;
        }
        if role != Role::Link {
            continue;
        }
        match btf.get(id).kind() {
            Kind::Ptr { .. } => {
                s.out().push_str(if after_ptr { "*" } else { " *" });
                after_ptr = true;
                // Its qualifiers, innermost first: `* const volatile`. They
                // are among the links up to the next pointer or prototype
                // out (through arrays and tags), so each link is looked at
                // once per declaration.
                for k in (0..i).rev() {
                    let (q, role) = links[k];
                    if role == Role::After(i) {
                        let word = qualifier(btf, q);
                        s.out().push(' ');
                        s.out().push_str(word);
                        after_ptr = false;
                    } else if role == Role::Link
                        && matches!(btf.get(q).kind(), Kind::Ptr { .. } | Kind::FuncProto { .. })
                    {
                        break;
                    }
                }
            }
            Kind::Array { .. } => {
                // The run of dimensions this one ends: `[2][3]` is an array
                // of 2 arrays of 3, the outermost written first.
                let mut first = i;
                for k in (0..i).rev() {
                    match links[k].1 {
                        Role::Link if matches!(btf.get(links[k].0).kind(), Kind::Array { .. }) => {
                            first = k
                        }
                        Role::Link | Role::Tag => break,
                        _ => {}
                    }
                }
                // `char (*)[16]`, `int (*name)[4]`, `int *(*name)[4]`.
                wrap(btf, s, chain, first, after_ptr, !after_ptr, name, lvl)?;
                let max = s.max_dims();
                let mut shown = 0;
                for &(k, role) in &links[first..=i] {
                    if role != Role::Link {
                        continue;
                    }
                    if let Kind::Array { len, .. } = btf.get(k).kind() {
                        if shown < max {
                            let out = s.out();
                            out.push('[');
                            push_u32(out, len);
                            out.push(']');
                        } else if shown == max {
                            s.out().push_str("[...]");
                        }
                        shown += 1;
                    }
                }
                return Ok(());
            }
            Kind::FuncProto { params, .. } => {
                // `int (*)(void)`, `void * (*name)(int)`.
                wrap(btf, s, chain, i, after_ptr, true, name, lvl)?;
                s.out().push('(');
                // No parameters, or clang's single `void` one.
                if params.is_empty() || (params.len() == 1 && params.iter().all(|p| p.ty.0 == 0)) {
                    s.out().push_str("void)");
                    return Ok(());
                }
                let max = s.max_params();
                for (n, p) in params.iter().enumerate() {
                    if n > 0 {
                        s.out().push_str(", ");
                    }
                    // A last parameter of type void means `...`.
                    if (n + 1 == params.len() && p.ty.0 == 0) || n == max {
                        s.out().push_str("...");
                        break;
                    }
                    let pname = s.param_name(btf, id, p.name())?.unwrap_or("");
                    if declare(btf, s, p.ty, pname, lvl)? == Flow::Elided {
                        break;
                    }
                }
                s.out().push(')');
                return Ok(());
            }
            // Qualifiers all have other roles.
            _ => {}
        }
    }
    declarator_name(s.out(), name, after_ptr);
    Ok(())
}

/// Writes the links before `end` (those outside an array or prototype) in
/// parentheses (after a space if `space`), or just the name when there
/// are none.
#[allow(clippy::too_many_arguments)]
fn wrap<S: Spell + ?Sized>(
    btf: &Btf,
    s: &mut S,
    chain: &Links<'_>,
    end: usize,
    after_ptr: bool,
    space: bool,
    name: &str,
    lvl: usize,
) -> Result<(), S::Error> {
    if chain.first_in_place < end {
        s.out().push_str(if space { " (" } else { "(" });
        outward(btf, s, chain, end, true, name, lvl)?;
        s.out().push(')');
    } else {
        declarator_name(s.out(), name, after_ptr);
    }
    Ok(())
}

fn push_u32(out: &mut String, n: u32) {
    use std::fmt::Write as _;
    let _ = write!(out, "{n}");
}

/// The [`Spell`] of [`Btf::c_spelling`]: short, for messages and docs.
struct Spelling {
    out: String,
    budget: usize,
}

impl Spell for Spelling {
    type Error = std::convert::Infallible;

    fn out(&mut self) -> &mut String {
        &mut self.out
    }

    fn enter(&mut self, _: &Btf, _: BtfTypeId) -> Result<bool, Self::Error> {
        Ok(self.budget > 0)
    }

    fn leave(&mut self) {}

    fn link(&mut self, _: &Btf, _: BtfTypeId, _: BtfTypeId, _: usize) -> Result<bool, Self::Error> {
        if self.budget == 0 {
            return Ok(false);
        }
        self.budget -= 1;
        Ok(true)
    }

    fn base(&mut self, btf: &Btf, id: BtfTypeId, lvl: usize) -> Result<(), Self::Error> {
        let ty = btf.get(id);
        let prefix = match ty.kind() {
            Kind::Void => {
                self.out.push_str("void");
                return Ok(());
            }
            // What declares an object: spell its type.
            Kind::Var { ty: target, .. } | Kind::DeclTag { target, .. } => {
                return declaration(btf, self, target, "", lvl);
            }
            Kind::Struct(_) | Kind::Fwd { union: false } => "struct ",
            Kind::Union(_) | Kind::Fwd { union: true } => "union ",
            Kind::Enum { .. } => "enum ",
            Kind::Func { .. } => "func ",
            Kind::Datasec { .. } => "section ",
            _ => "",
        };
        self.out.push_str(prefix);
        self.out.push_str(ty.name().unwrap_or("(anon)"));
        Ok(())
    }

    fn type_tags(&self) -> bool {
        false
    }

    fn type_tag(&mut self, _: &Btf, _: BtfTypeId, _: &str) -> Result<(), Self::Error> {
        Ok(())
    }

    fn param_name<'n>(
        &mut self,
        _: &Btf,
        _: BtfTypeId,
        _: Option<&'n str>,
    ) -> Result<Option<&'n str>, Self::Error> {
        Ok(None)
    }

    fn max_dims(&self) -> usize {
        MAX_SPELLED_DIMS
    }

    fn max_params(&self) -> usize {
        MAX_SPELLED_PARAMS
    }
}

/// See [`Btf::c_spelling`].
pub(crate) fn spelling(btf: &Btf, id: BtfTypeId) -> String {
    let mut s = Spelling {
        out: String::new(),
        budget: MAX_SPELLING_STEPS,
    };
    match declaration(btf, &mut s, id, "", 0) {
        Ok(()) => s.out,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BtfWriter;

    #[test]
    fn c_spellings_are_c_declarators() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let ch = w.char_();
        let s = w.struct_("sock", 0, &[]);
        let ps = w.ptr(s);
        let pint = w.ptr(int);
        let cint = w.const_(int);
        let pcint = w.ptr(cint);
        let cpint = w.const_(pint);
        let vcpint = w.volatile(cpint);
        let arr = w.array(ch, int, 16);
        let arr2 = w.array(arr, int, 2);
        let parr = w.ptr(arr);
        let void_proto = w.func_proto(BtfTypeId(0), &[]);
        let fp_void = w.ptr(void_proto);
        let proto = w.func_proto(int, &[ps, int]);
        let fp = w.ptr(proto);
        let cfp = w.const_(fp);
        let fp_arr = w.array(fp, int, 3);
        let variadic = w.func_proto(int, &[pcint, BtfTypeId(0)]);
        let fp_variadic = w.ptr(variadic);
        // A function returning a pointer to a function.
        let ret_fp = w.func_proto(fp, &[int]);
        let fp_ret_fp = w.ptr(ret_fp);
        let ppint = w.ptr(pint);
        let cv = w.volatile(cint);
        let ccv = w.const_(cv);
        // GCC's `const` on an array: its elements' qualifier.
        let carr = w.const_(arr);
        let cvarr = w.volatile(carr);
        let carr_elems = w.array(cv, int, 8);
        let cparr = w.array(cpint, int, 4);
        let anon = w.struct_("", 4, &[("x", int, 0, 0)]);
        let anon_u = w.union_("", 4, &[("x", int, 0, 0)]);
        let anon_e = w.enum_("", 4, false, &[("A", 1)]);
        let fwd = w.fwd("later", true);
        let td = w.typedef("myint", cint);
        let f = w.func("prog", proto);
        let v = w.var("v", fp);
        let ds = w.datasec(".data", 0, &[(v, 0, 8)]);
        let tag = w.type_tag("rcu", s);
        let ptag = w.ptr(tag);
        let ret_ptr = w.func_proto(ps, &[]);
        let fp_ret_ptr = w.ptr(ret_ptr);
        let fl = w.float("double", 8);
        let farr = w.array(fl, int, 3);
        let btf = w.finish();
        let cases = [
            (pint, "int *"),
            (pcint, "const int *"),
            (cpint, "int * const"),
            (vcpint, "int * const volatile"),
            (arr2, "char[2][16]"),
            (parr, "char (*)[16]"),
            (fp_void, "void (*)(void)"),
            (fp, "int (*)(struct sock *, int)"),
            (cfp, "int (* const)(struct sock *, int)"),
            (fp_arr, "int (*[3])(struct sock *, int)"),
            (fp_variadic, "int (*)(const int *, ...)"),
            (fp_ret_fp, "int (* (*)(int))(struct sock *, int)"),
            (ppint, "int **"),
            (ccv, "const volatile int"),
            (carr, "const char[16]"),
            (cvarr, "volatile const char[16]"),
            (carr_elems, "volatile const int[8]"),
            (cparr, "int * const[4]"),
            (anon, "struct (anon)"),
            (anon_u, "union (anon)"),
            (anon_e, "enum (anon)"),
            (fwd, "union later"),
            (td, "myint"),
            (f, "func prog"),
            (v, "int (*)(struct sock *, int)"),
            (ds, "section .data"),
            (ptag, "struct sock *"),
            (fp_ret_ptr, "struct sock * (*)(void)"),
            (farr, "double[3]"),
            (BtfTypeId(0), "void"),
        ];
        for (id, want) in cases {
            assert_eq!(btf.c_spelling(id), want, "{id}");
        }
    }

    #[test]
    fn c_spelling_of_a_cycle_or_huge_prototype_is_bounded() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        // id 2 is a pointer to itself.
        let p = w.ptr(BtfTypeId(2));
        assert_eq!(p, BtfTypeId(2));
        // A prototype whose parameters are pointers to itself.
        let fp = BtfTypeId(4);
        let proto = w.func_proto(int, &[fp; 1000]);
        let fp2 = w.ptr(proto);
        assert_eq!(fp2, fp);
        // An array of itself.
        let arr = w.array(BtfTypeId(5), int, 2);
        assert_eq!(arr, BtfTypeId(5));
        let btf = w.finish();
        let cycle = btf.c_spelling(p);
        assert!(cycle.starts_with("...") && cycle.len() < 200, "{cycle}");
        let huge = btf.c_spelling(fp);
        assert!(huge.len() < 4096, "{} bytes", huge.len());
        assert!(huge.starts_with("int (*)("), "{huge}");
        assert_eq!(btf.c_spelling(arr), "...[2][2][2][2][2][2][2][2][...]");
    }

    /// A [`Spell`] as a header printer writes: names, tags, in-place
    /// definitions left to the caller.
    struct Header(String);

    impl Spell for Header {
        type Error = String;
        fn out(&mut self) -> &mut String {
            &mut self.0
        }
        fn enter(&mut self, _: &Btf, _: BtfTypeId) -> Result<bool, String> {
            Ok(true)
        }
        fn leave(&mut self) {}
        fn link(&mut self, _: &Btf, _: BtfTypeId, id: BtfTypeId, n: usize) -> Result<bool, String> {
            if n > 20 {
                return Err(format!("too deep at {id}"));
            }
            Ok(true)
        }
        fn base(&mut self, btf: &Btf, id: BtfTypeId, _: usize) -> Result<(), String> {
            let ty = btf.get(id);
            let kw = match ty.kind() {
                Kind::Struct(_) | Kind::Fwd { union: false } => "struct ",
                Kind::Union(_) => "union ",
                Kind::Enum { .. } => "enum ",
                Kind::Void => "void",
                Kind::Func { .. } => return Err("a func".into()),
                _ => "",
            };
            self.0.push_str(kw);
            self.0.push_str(ty.name().unwrap_or(""));
            Ok(())
        }
        fn type_tags(&self) -> bool {
            true
        }
        fn type_tag(&mut self, _: &Btf, _: BtfTypeId, tag: &str) -> Result<(), String> {
            self.0
                .push_str(&format!(" __attribute__((btf_type_tag(\"{tag}\")))"));
            Ok(())
        }
        fn param_name<'n>(
            &mut self,
            _: &Btf,
            _: BtfTypeId,
            name: Option<&'n str>,
        ) -> Result<Option<&'n str>, String> {
            Ok(name)
        }
    }

    #[test]
    fn declarations_of_members_as_a_header_writes_them() {
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
        let ret_fp = w.func_proto(fp, &[int]);
        let fp_ret_fp = w.ptr(ret_fp);
        let opaque = w.fwd("opaque", false);
        let tagged = w.type_tag("rcu", opaque);
        let ptag = w.ptr(tagged);
        let ctag = w.const_(tagged);
        let pctag = w.ptr(ctag);
        let (a, b) = (w.string("a"), w.string("b"));
        let named_params = w.raw(
            0,
            crate::kind::FUNC_PROTO,
            false,
            2,
            int.0,
            &[a, int.0, b, pcint.0],
        );
        let pnamed = w.ptr(named_params);
        let f = w.func("f", proto);
        let pf = w.ptr(f);
        let btf = w.finish();
        let decl = |id, name: &str| {
            let mut h = Header(String::new());
            declaration(&btf, &mut h, id, name, 1).map(|()| h.0)
        };
        let cases = [
            (fps, "handlers", "int (*handlers[3])(char, ...)"),
            (vfp, "done", "void (*done)(void)"),
            (cp, "p", "const int * const p"),
            (grid, "grid", "int grid[2][4]"),
            (pgrid, "pg", "int (*pg)[2][4]"),
            (fp_ret_fp, "pick", "int (* (*pick)(int))(char, ...)"),
            (
                ptag,
                "o",
                "struct opaque __attribute__((btf_type_tag(\"rcu\"))) *o",
            ),
            (
                pctag,
                "c",
                "const struct opaque __attribute__((btf_type_tag(\"rcu\"))) *c",
            ),
            (pnamed, "cb", "int (*cb)(int a, const int *b)"),
            (int, "x", "int x"),
            (pcint, "", "const int *"),
        ];
        for (id, name, want) in cases {
            assert_eq!(decl(id, name).unwrap(), want);
        }
        assert_eq!(decl(pf, "f").unwrap_err(), "a func");
    }

    /// Pointers, qualifiers and arrays 3 × 300 deep: each link is looked
    /// at a bounded number of times (the spelling is right, and quick).
    #[test]
    fn long_mixed_chains_are_spelled_in_linear_time() {
        let mut w = BtfWriter::new();
        let int = w.int("int", 4, true);
        let mut cur = int;
        for _ in 0..300 {
            let p = w.ptr(cur);
            let c = w.const_(p);
            cur = w.array(c, int, 2);
        }
        let btf = w.finish();
        struct Unbounded(String, usize);
        impl Spell for Unbounded {
            type Error = std::convert::Infallible;
            fn out(&mut self) -> &mut String {
                &mut self.0
            }
            fn enter(&mut self, _: &Btf, _: BtfTypeId) -> Result<bool, Self::Error> {
                Ok(true)
            }
            fn leave(&mut self) {}
            fn link(
                &mut self,
                _: &Btf,
                _: BtfTypeId,
                _: BtfTypeId,
                n: usize,
            ) -> Result<bool, Self::Error> {
                self.1 = n;
                Ok(true)
            }
            fn base(&mut self, btf: &Btf, id: BtfTypeId, _: usize) -> Result<(), Self::Error> {
                self.0.push_str(btf.name(id));
                Ok(())
            }
            fn type_tags(&self) -> bool {
                false
            }
            fn type_tag(&mut self, _: &Btf, _: BtfTypeId, _: &str) -> Result<(), Self::Error> {
                Ok(())
            }
            fn param_name<'n>(
                &mut self,
                _: &Btf,
                _: BtfTypeId,
                _: Option<&'n str>,
            ) -> Result<Option<&'n str>, Self::Error> {
                Ok(None)
            }
        }
        let start = std::time::Instant::now();
        for _ in 0..200 {
            let mut u = Unbounded(String::new(), 0);
            declaration(&btf, &mut u, cur, "x", 0).unwrap();
            assert_eq!(u.1, 901);
            assert!(
                u.0.starts_with("int * const (* const (* const"),
                "{}",
                &u.0[..40]
            );
            assert!(u.0.ends_with(")[2])[2])[2]"));
        }
        assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    }

    #[test]
    fn long_chains_stop_where_the_caller_says() {
        let mut w = BtfWriter::new();
        w.ptr(BtfTypeId(1));
        let btf = w.finish();
        let mut h = Header(String::new());
        assert_eq!(
            declaration(&btf, &mut h, BtfTypeId(1), "p", 0).unwrap_err(),
            "too deep at [1]"
        );
    }
}
