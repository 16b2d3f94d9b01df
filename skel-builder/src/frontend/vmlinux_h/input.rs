//! Reading kernel BTF from a file: raw BTF (`/sys/kernel/btf/*`) or the
//! `.BTF` section of an ELF file (`vmlinux`, a module's `.ko`), and split
//! BTF on top of its base.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object::LittleEndian as LE;
use object::read::elf::{ElfFile32, ElfFile64};
use object::read::{Object, ObjectSection};

use crate::error::Error;
use skel_btf::Btf;

/// The running kernel's BTF.
pub const RUNNING_KERNEL_BTF: &str = "/sys/kernel/btf/vmlinux";

/// Where the running kernel publishes its modules' BTF.
const SYSFS_BTF_DIR: &str = "/sys/kernel/btf";

const BTF_MAGIC: [u8; 2] = [0x9f, 0xeb];

/// The BTF bytes of a file, and whether it is a module's (split) BTF.
struct Found {
    bytes: Vec<u8>,
    module: bool,
}

fn no_btf(path: &Path, reason: impl Into<String>) -> Error {
    Error::NoKernelBtf {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::Io {
        action: "read kernel BTF",
        path: path.to_owned(),
        source,
    })
}

/// The BTF in `path`: the whole file if it is raw BTF, else the `.BTF`
/// section of an ELF file.
fn find(path: &Path) -> Result<Found, Error> {
    let bytes = read_file(path)?;
    if bytes.starts_with(&BTF_MAGIC) {
        let module = path.parent() == Some(Path::new(SYSFS_BTF_DIR))
            && path.file_name().is_some_and(|f| f != "vmlinux");
        return Ok(Found { bytes, module });
    }
    if !bytes.starts_with(b"\x7fELF") {
        return Err(no_btf(
            path,
            "it is neither raw BTF (magic 0xeb9f) nor an ELF file",
        ));
    }
    let sections = match ElfFile64::<LE>::parse(&*bytes) {
        Ok(elf) => elf_btf(&elf),
        Err(_) => match ElfFile32::<LE>::parse(&*bytes) {
            Ok(elf) => elf_btf(&elf),
            Err(e) => return Err(no_btf(path, format!("it is not a readable ELF file: {e}"))),
        },
    };
    match sections {
        ElfBtf::Found { data, module } => Ok(Found {
            bytes: data,
            module,
        }),
        ElfBtf::Missing => Err(no_btf(
            path,
            "the ELF file has no .BTF section (build the kernel with CONFIG_DEBUG_INFO_BTF=y)",
        )),
        ElfBtf::DistilledBase => Err(no_btf(
            path,
            "the module carries a distilled base (.BTF.base), which skel-builder does not \
             relocate; give the module's BTF from /sys/kernel/btf/<module> instead",
        )),
        ElfBtf::Unreadable(e) => Err(no_btf(path, format!("cannot read its .BTF section: {e}"))),
    }
}

enum ElfBtf {
    Found { data: Vec<u8>, module: bool },
    Missing,
    DistilledBase,
    Unreadable(String),
}

fn elf_btf<'data>(elf: &impl Object<'data>) -> ElfBtf {
    if elf.section_by_name(".BTF.base").is_some() {
        return ElfBtf::DistilledBase;
    }
    let Some(section) = elf.section_by_name(".BTF") else {
        return ElfBtf::Missing;
    };
    match section.data() {
        Ok(data) => ElfBtf::Found {
            data: data.to_vec(),
            module: elf.section_by_name(".modinfo").is_some()
                || elf.section_by_name(".gnu.linkonce.this_module").is_some(),
        },
        Err(e) => ElfBtf::Unreadable(e.to_string()),
    }
}

fn parse(path: &Path, bytes: Vec<u8>) -> Result<Btf, Error> {
    Btf::parse(bytes).map_err(|source| Error::Btf {
        path: path.to_owned(),
        source,
    })
}

fn parse_split(path: &Path, base_path: &Path, bytes: Vec<u8>) -> Result<Btf, Error> {
    let base = find(base_path)?;
    let base_btf = parse(base_path, base.bytes)?;
    Btf::parse_split(Arc::new(base_btf), bytes).map_err(|source| Error::Btf {
        path: path.to_owned(),
        source,
    })
}

/// Reads the BTF of `path`. Split BTF (a module's, or any given a `base`)
/// is read on top of `base`, by default the running kernel's. Raw BTF that
/// does not read alone is tried as split BTF on the running kernel's.
/// Returns the BTF and every file read.
pub fn read(path: &Path, base: Option<&Path>) -> Result<(Btf, Vec<PathBuf>), Error> {
    let found = find(path)?;
    if let Some(base) = base {
        let btf = parse_split(path, base, found.bytes)?;
        return Ok((btf, vec![path.to_owned(), base.to_owned()]));
    }
    let default_base = Path::new(RUNNING_KERNEL_BTF);
    if found.module {
        let btf = parse_split(path, default_base, found.bytes).map_err(|e| match e {
            Error::Io { .. } => no_btf(
                path,
                format!(
                    "it is a module's split BTF, and its base, the running kernel's \
                     {RUNNING_KERNEL_BTF}, cannot be read; give one with \
                     `vmlinux_h_base(path)`"
                ),
            ),
            other => other,
        })?;
        return Ok((btf, vec![path.to_owned(), default_base.to_owned()]));
    }
    // The bytes move into the table (a kernel's BTF is megabytes): a
    // second try reads the file again.
    match parse(path, found.bytes) {
        Ok(btf) => Ok((btf, vec![path.to_owned()])),
        Err(alone) if path != default_base && default_base.exists() => {
            match parse_split(path, default_base, find(path)?.bytes) {
                Ok(btf) => Ok((btf, vec![path.to_owned(), default_base.to_owned()])),
                Err(_) => Err(alone),
            }
        }
        Err(alone) => Err(alone),
    }
}
