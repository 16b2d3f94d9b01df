//! A checked, dependency-free reader of BTF, the BPF Type Format: the
//! types the kernel publishes in `/sys/kernel/btf/*` and clang writes into
//! the `.BTF` section of BPF objects.
//!
//! # Layers
//!
//! As in btf-rs, the wire format stays private under a typed view:
//!
//! - `wire` (private) knows the bytes: the header, the string table, the
//!   records and their kind numbers. [`Btf::parse`] runs its one checking
//!   pass: the header's offsets, each record's length against the bytes
//!   present (before anything is allocated for it), every name a record
//!   gives (in the table, NUL-terminated within [`MAX_NAME_LEN`] bytes,
//!   UTF-8), every type id it refers to. Either byte order is read.
//! - [`Btf`], [`Type`] and [`Kind`] are the view: types read in place, no
//!   allocation per type, and no accessor that can fail on what the pass
//!   accepted. Ids are [`BtfTypeId`]s; offsets say their unit
//!   (`bit_offset`, `offset` in bytes).
//! - Questions that walk types ([`Btf::skip_modifiers`], [`Btf::size_of`],
//!   [`Btf::align_of`], [`Btf::is_func_pointer`]) stop after
//!   [`MAX_RESOLVE_DEPTH`] links, so cycles in hostile BTF are errors
//!   ([`BtfError::ChainTooLong`]), never hangs.
//! - [`layout`] holds the C layout rules BTF leaves implicit (alignment of
//!   scalars, of structs from their members, packed detection); [`c`] the
//!   one C declarator printer ([`Btf::c_spelling`] for messages, [`c::Spell`]
//!   for whole headers).
//!
//! Split BTF (a kernel module's, on top of vmlinux) is read with
//! [`Btf::parse_split`]: its ids and string offsets continue its base's.
//!
//! This crate reads bytes: BTF inside an ELF file is handed in as the
//! contents of its `.BTF` section.
//!
//! ```
//! # fn main() -> Result<(), skel_btf::BtfError> {
//! # let bytes = {
//! #     let mut w = skel_btf::BtfWriter::new();
//! #     let int = w.int("int", 4, true);
//! #     let ptr = w.ptr(int);
//! #     let proto = w.func_proto(int, &[ptr]);
//! #     let fp = w.ptr(proto);
//! #     w.struct_("ops", 16, &[("count", int, 0, 0), ("run", fp, 64, 0)]);
//! #     w.bytes()
//! # };
//! use skel_btf::{Btf, Kind};
//!
//! let btf = Btf::parse(bytes)?; // e.g. std::fs::read("/sys/kernel/btf/vmlinux")
//! let ops = btf.find("ops", |k| matches!(k, Kind::Struct(_))).unwrap();
//! let Kind::Struct(s) = btf.get(ops).kind() else { unreachable!() };
//! for m in s.members {
//!     println!("{} at byte {}: {}", m.name().unwrap_or("?"), m.bit_offset / 8, btf.c_spelling(m.ty));
//! }
//! assert_eq!(btf.c_spelling(s.members.get(1).unwrap().ty), "int (*)(int *)");
//! assert_eq!(btf.align_of(ops)?, 8);
//! # Ok(())
//! # }
//! ```
//!
//! Feature `writer`: `BtfWriter`, BTF written type by type in memory, for
//! tests.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod btf;
pub mod c;
mod error;
pub mod layout;
mod types;
mod wire;
#[cfg(any(test, feature = "writer"))]
mod writer;

pub use btf::Btf;
pub use error::BtfError;
pub use types::{
    BtfTypeId, Composite, DatasecVar, DatasecVars, DatasecVarsIter, EnumValue, Enumerators,
    EnumeratorsIter, Kind, Linkage, Member, Members, MembersIter, Param, Params, ParamsIter, Type,
};
#[cfg(any(test, feature = "writer"))]
pub use writer::{BtfWriter, kind};

/// Chains of typedefs, modifiers or array dimensions longer than this are
/// refused ([`BtfError::ChainTooLong`]); libbpf uses 32 too.
pub const MAX_RESOLVE_DEPTH: usize = 32;

/// The longest name accepted, in bytes: the kernel refuses BTF names of
/// `KSYM_NAME_LEN` (512) bytes or more, so such BTF could not load anyway.
/// Bounding names bounds everything derived from them.
pub const MAX_NAME_LEN: usize = 511;

#[cfg(test)]
mod tests;
