//! Generate typed Rust skeletons for BPF programs at build time, with
//! struct_ops shadow types.
//!
//! The way through is one-directional: `clang` compiles the C source,
//! `object` reads the ELF and BTF into a plain-data `model`, `layout`
//! decides padding and alignment, `codegen` turns the model into tokens and
//! `write` prints them with prettyplease. Only `builder` touches the
//! environment. Beside that line: `link` compiles several sources and links
//! them into one object (libbpf's static linker, the `link` feature), and
//! [`vmlinux_h`] prints a kernel's BTF as the C header CO-RE programs
//! include.
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

mod builder;
mod clang;
mod codegen;
mod error;
pub mod ident;
pub mod layout;
mod link;
pub mod model;
pub mod object;
pub mod vmlinux_h;
mod write;

pub use builder::{Generated, SkeletonBuilder, generate, read_model};
pub use error::{Error, Problem};
pub use link::LinkProblem;
pub use model::Skeleton;
