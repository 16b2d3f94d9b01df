//! Generate typed Rust skeletons for BPF programs at build time, with
//! struct_ops shadow types.
//!
//! The way through is one-directional, one folder a stage: `frontend`
//! compiles the C sources with clang (and links several objects, and prints
//! [`vmlinux_h`]); then the pure `pipeline`: `object` reads the ELF and BTF
//! as libbpf will see them; `translate` turns that into the plain-data
//! [`model`], its `layout` deciding padding and alignment and its `naming`
//! giving every item its Rust name; `codegen` turns the model into tokens
//! and `write` prints them with prettyplease. Only `builder` touches the
//! environment and the files; `error` is a leaf every stage reports
//! through.
//!
//! # Example
//!
//! `build.rs`:
//!
//! ```no_run
//! skel_builder::SkeletonBuilder::new()
//!     .source("src/bpf/foo.bpf.c")
//!     .build()
//!     .unwrap();
//! ```
//!
//! `src/main.rs`:
//!
//! ```ignore
//! mod foo {
//!     include!(concat!(env!("OUT_DIR"), "/foo.skel.rs"));
//! }
//! use foo::FooSkelBuilder;
//!
//! fn main() -> Result<(), skel_runtime::Error> {
//!     let mut storage = skel_runtime::ObjectStorage::new();
//!     let mut open = FooSkelBuilder::default().open(&mut storage)?;
//!     open.struct_ops.testmap_mut().foo = 13;
//!     let mut skel = open.load()?;
//!     skel.attach()?;
//!     Ok(())
//! }
//! ```
//!
//! The BPF headers (`bpf/bpf_helpers.h`, ...) come from the libbpf that
//! `skel-runtime` links: its build script passes their directory to the
//! build script of every crate depending on it (`DEP_SKEL_RUNTIME_INCLUDE`).
//!
//! # API
//!
//! [`SkeletonBuilder`] is the one entry. In a build script,
//! [`build`](SkeletonBuilder::build) compiles, writes and returns what it
//! generated ([`Built`]: the path, the [`model`], the warnings): the plain
//! data the code is printed from, for build scripts that describe what was
//! generated (field types, offsets, sizes).
//! [`build_to`](SkeletonBuilder::build_to) does the same outside a build
//! script, and [`generate`](SkeletonBuilder::generate) is the pipeline
//! alone, with the same options: object bytes in, code and model out, no
//! clang, files or environment. Every error is an [`Error`];
//! problems in an object are [`Problem`]s, reported together.

#![deny(missing_docs)]

// The stages, in the order data flows through them (see the README's
// "Architecture"): front end (C to object), the pure pipeline (object to
// code: object, translate, model, codegen, write), and the builder that
// runs them; `error` is a leaf every stage reports through.
mod frontend;
mod pipeline;

mod codegen;
pub mod model;
mod object;
mod translate;
mod write;

mod builder;
mod error;

mod suggest;
mod target;
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod testing;
mod uapi;

pub use builder::checked_in::StaleInput;
pub use builder::{Built, ObjectLocation, SkeletonBuilder, default_clang};
pub use error::{Error, NeedsBtf, Problem};
pub use frontend::link::LinkProblem;
#[cfg(feature = "vmlinux-h")]
pub use frontend::vmlinux_h;
pub use model::Skeleton;
/// The causes [`Error`] and [`Problem`] carry.
pub use object::elf::ElfError;
pub use pipeline::Generated;
pub use skel_btf::{BtfError, BtfTypeId};
pub use target::{Endian, Target};
