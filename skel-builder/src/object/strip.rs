//! The object the skeleton embeds: clang's, without its DWARF.
//!
//! `-g` is needed for BTF, but it also emits DWARF (`.debug_*`), often most
//! of the object (600 KB of 700 KB for a program including vmlinux.h).
//! libbpf reads none of it, so the embedded copy drops every `.debug_*`
//! section and the relocations that apply to them; `.BTF` and `.BTF.ext`
//! stay. libbpf-cargo gets the same effect from libbpf's linker.

use object::LittleEndian as LE;
use object::build::elf::{Builder, SectionData};
use object::elf;
use object::read::elf::{ElfFile64, FileHeader, SectionHeader};

use super::elf::ElfError;

/// `bytes` without DWARF sections (and without `.llvm_addrsig`, whose type
/// the ELF writer does not know), or unchanged when it has none.
pub fn strip_debug(bytes: &[u8]) -> Result<Vec<u8>, ElfError> {
    // clang's `.llvm_addrsig` (SHT_LLVM_ADDRSIG, an OS-specific type libbpf
    // ignores) is given a plain type in a copy, so the builder reads it,
    // then dropped. Other unknown types make the builder fail: the caller
    // then embeds the object as it is.
    let mut patched = bytes.to_vec();
    let mut dropped = vec![];
    {
        let file = ElfFile64::<LE>::parse(bytes).map_err(|e| ElfError::Malformed(e.to_string()))?;
        let table = file.elf_section_table();
        let header = file.elf_header();
        let shoff = header.e_shoff(LE) as usize;
        let shentsize = usize::from(header.e_shentsize(LE));
        for (index, sh) in table.iter().enumerate() {
            let name = table
                .section_name(LE, sh)
                .map_err(|e| ElfError::Malformed(e.to_string()))?;
            if sh.sh_type(LE).0 >= elf::SHT_LOOS && name == b".llvm_addrsig" {
                let at = shoff + index * shentsize + 4;
                if let Some(word) = patched.get_mut(at..at + 4) {
                    word.copy_from_slice(&elf::SHT_PROGBITS.0.to_le_bytes());
                    dropped.push(name.to_vec());
                }
            }
        }
    }
    let mut builder =
        Builder::read(&patched[..]).map_err(|e| ElfError::Malformed(e.to_string()))?;
    // Deleted items vanish from the builder's iterators: decide everything
    // before deleting anything.
    let mut doomed: Vec<_> = builder
        .sections
        .iter()
        .filter(|s| s.name.starts_with(b".debug_") || dropped.iter().any(|d| **d == *s.name))
        .map(|s| s.id())
        .collect();
    if doomed.is_empty() {
        return Ok(bytes.to_vec());
    }
    let relocations: Vec<_> = builder
        .sections
        .iter()
        .filter(|s| {
            s.sh_info_section
                .is_some_and(|target| doomed.contains(&target))
        })
        .map(|s| s.id())
        .collect();
    doomed.extend(relocations);
    for id in doomed {
        builder.sections.get_mut(id).delete = true;
    }
    builder.delete_orphans();
    // clang keeps section names in `.strtab` with the symbol names; the
    // writer wants a section-name table of its own.
    if !builder
        .sections
        .iter()
        .any(|s| matches!(s.data, SectionData::SectionString))
    {
        let shstrtab = builder.sections.add();
        shstrtab.name = (&b".shstrtab"[..]).into();
        shstrtab.sh_type = elf::SHT_STRTAB;
        shstrtab.sh_addralign = 1;
        shstrtab.data = SectionData::SectionString;
    }
    let mut out = Vec::with_capacity(bytes.len() / 2);
    builder
        .write(&mut out)
        .map_err(|e| ElfError::Malformed(e.to_string()))?;
    Ok(out)
}
