//! `vmlinux.h`: the kernel's types as C, printed from its BTF in pure Rust
//! (no bpftool, no libbpf), for BPF programs to `#include "vmlinux.h"`.
//!
//! The input is the running kernel's BTF (`/sys/kernel/btf/vmlinux`) or a
//! file: raw BTF, or an ELF file with a `.BTF` section (a `vmlinux`, a
//! kernel module). A module's BTF is split BTF on top of vmlinux's; its
//! base is the running kernel's unless another is given, and the header
//! then holds the base's types and the module's.
//!
//! The output is what CO-RE programs expect, as bpftool's `btf dump ...
//! format c` prints it: every struct and union under
//! `preserve_access_index`, definitions ordered (with forward declarations)
//! so that the file compiles, anonymous types inline, bitfields, packed
//! types, explicit padding wherever BTF places a member (over-aligned
//! types keep their size and offsets), enums of every size and sign.
//! Distinct types sharing a name get `___N` suffixes, which CO-RE ignores.
//!
//! `input` reads files, `print` turns a `Btf` into C, `layout` and
//! `names` hold the pure rules they use. The reader, the C layout rules
//! and the C declarators are skel-btf's, shared with the skeleton
//! generator and skel-runtime.

mod input;
mod layout;
mod names;
mod print;

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::write;
use skel_btf::Btf;

pub use input::RUNNING_KERNEL_BTF;
pub use print::{MAX_DEPTH, PrintError};

/// The file name written next to the skeleton.
pub const FILE_NAME: &str = "vmlinux.h";

/// Where the types of a `vmlinux.h` come from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BtfSource {
    /// The running kernel: [`RUNNING_KERNEL_BTF`].
    RunningKernel,
    /// A file: raw BTF, or an ELF file with a `.BTF` section.
    File(PathBuf),
}

impl BtfSource {
    /// The file the BTF is read from.
    pub fn path(&self) -> &Path {
        match self {
            BtfSource::RunningKernel => Path::new(RUNNING_KERNEL_BTF),
            BtfSource::File(path) => path,
        }
    }
}

/// The BTF of `source` (on top of `base` if it is split BTF), and every
/// file read for it.
pub fn read(source: &BtfSource, base: Option<&Path>) -> Result<(Btf, Vec<PathBuf>), Error> {
    input::read(source.path(), base)
}

/// The text around the types: a first line naming `input`, include guards
/// and the `preserve_access_index` pragma.
fn frame(input: &str) -> (String, &'static str) {
    let input = input.replace(['\n', '\r'], " ").replace("*/", "* /");
    let prologue = format!(
        "/* vmlinux.h: the types of `{input}`, printed by skel-builder {}. Do not edit. */\n\
         #ifndef __VMLINUX_H__\n\
         #define __VMLINUX_H__\n\
         \n\
         #ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n\
         #pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n\
         #endif\n\
         \n",
        env!("CARGO_PKG_VERSION")
    );
    let epilogue = "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n\
                    #pragma clang attribute pop\n\
                    #endif\n\
                    \n\
                    #endif /* __VMLINUX_H__ */\n";
    (prologue, epilogue)
}

/// Prints `btf` as a `vmlinux.h`; `input` names where it came from in the
/// header's first line. Touches no files.
pub fn print(btf: &Btf, input: &str) -> Result<String, PrintError> {
    let (prologue, epilogue) = frame(input);
    print::print(btf, &prologue, epilogue)
}

/// Reads `source` and prints it: the whole of `vmlinux.h`.
pub fn generate(source: &BtfSource, base: Option<&Path>) -> Result<String, Error> {
    let (btf, _) = read(source, base)?;
    let path = source.path();
    print(&btf, &path.display().to_string()).map_err(|e| Error::VmlinuxH {
        path: path.to_owned(),
        source: e,
    })
}

/// Reads `source` and prints it into `out` as it goes, a few kB at a time
/// (a kernel's header is megabytes, and need not be held whole): what
/// [`generate`] returns, written.
pub fn generate_to(
    source: &BtfSource,
    base: Option<&Path>,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    let (btf, _) = read(source, base)?;
    let path = source.path();
    let (prologue, epilogue) = frame(&path.display().to_string());
    let mut sink = |text: &mut String| out.write_all(text.as_bytes());
    print::print_to(&btf, &prologue, epilogue, &mut sink).map_err(|e| match e {
        print::Failure::Print(source) => Error::VmlinuxH {
            path: path.to_owned(),
            source,
        },
        print::Failure::Sink(source) => Error::Io {
            action: "write the vmlinux.h printed from",
            path: path.to_owned(),
            source,
        },
    })
}

/// Writes `dir/vmlinux.h` (only if its content changed). Returns the files
/// it was made from.
pub(crate) fn write_into(
    dir: &Path,
    source: &BtfSource,
    base: Option<&Path>,
) -> Result<Vec<PathBuf>, Error> {
    let (btf, inputs) = read(source, base)?;
    let path = source.path();
    let text = print(&btf, &path.display().to_string()).map_err(|e| Error::VmlinuxH {
        path: path.to_owned(),
        source: e,
    })?;
    write::write_if_changed(&dir.join(FILE_NAME), text.as_bytes())?;
    Ok(inputs)
}
