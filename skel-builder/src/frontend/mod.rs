//! The front end: from the build script's C sources to one BPF object.
//! `clang` compiles each source, `link` links several objects into one
//! (libbpf's static linker, the `link` feature), and [`vmlinux_h`] prints a
//! kernel's BTF as the C header CO-RE sources include (the `vmlinux-h`
//! feature). Only [`crate::builder`] calls it; the pipeline after it
//! (`crate::pipeline`) reads the object bytes it leaves.

pub(crate) mod clang;
pub(crate) mod link;
#[cfg(feature = "vmlinux-h")]
pub mod vmlinux_h;
