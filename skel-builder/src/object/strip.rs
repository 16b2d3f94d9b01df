//! The object the skeleton embeds: clang's, without its DWARF bytes.
//!
//! `-g` is needed for BTF, but it also emits DWARF (`.debug_*`), often most
//! of the object (600 KB of 700 KB for a program including vmlinux.h).
//! libbpf skips DWARF sections and their relocations by name without
//! reading them, so the embedded copy keeps every section header (no
//! section, symbol or relocation is renumbered) but turns those sections
//! into `SHT_NOBITS`, which occupy no bytes in the file, and lays the other
//! sections out again. libbpf-cargo gets the same effect from libbpf's
//! linker; this needs no ELF writer.

use object::LittleEndian as LE;
use object::elf;
use object::read::elf::{ElfFile64, FileHeader, SectionHeader};

use super::elf::ElfError;

const EHDR_LEN: usize = 64;
const SHDR_LEN: usize = 64;

/// Is this a DWARF section, or the relocations of one? (libbpf's
/// `is_sec_name_dwarf` and `ignore_elf_section`.)
fn is_dwarf(name: &[u8]) -> bool {
    let name = name.strip_prefix(b".rel").unwrap_or(name);
    name.starts_with(b".debug_")
}

/// `bytes` with the contents of its DWARF sections dropped, or unchanged
/// when it has none.
pub fn strip_debug(bytes: &[u8]) -> Result<Vec<u8>, ElfError> {
    let malformed = |e: object::Error| ElfError::Malformed(e.to_string());
    let file = ElfFile64::<LE>::parse(bytes).map_err(malformed)?;
    let header = file.elf_header();
    let table = file.elf_section_table();
    if usize::from(header.e_shentsize(LE)) != SHDR_LEN || header.e_phnum(LE) != 0 {
        return Ok(bytes.to_vec());
    }
    let mut dwarf = Vec::with_capacity(table.len());
    for sh in table.iter() {
        let name = table.section_name(LE, sh).map_err(malformed)?;
        dwarf.push(is_dwarf(name) && sh.sh_type(LE) != elf::SHT_NOBITS);
    }
    if !dwarf.contains(&true) {
        return Ok(bytes.to_vec());
    }

    // Section contents, each at its alignment, after the ELF header.
    let mut out = bytes[..EHDR_LEN].to_vec();
    let mut headers = Vec::with_capacity(table.len() * SHDR_LEN);
    for (index, sh) in table.iter().enumerate() {
        let raw: &[u8] = object::pod::bytes_of(sh);
        let mut shdr = raw.to_vec();
        let has_bytes = index != 0 && sh.sh_type(LE) != elf::SHT_NOBITS;
        if dwarf[index] {
            shdr[4..8].copy_from_slice(&elf::SHT_NOBITS.0.to_le_bytes());
            shdr[24..32].copy_from_slice(&(out.len() as u64).to_le_bytes());
        } else if has_bytes {
            let data = sh.data(LE, bytes).map_err(malformed)?;
            let align = sh.sh_addralign(LE).clamp(1, 4096) as usize;
            out.resize(out.len().div_ceil(align) * align, 0);
            shdr[24..32].copy_from_slice(&(out.len() as u64).to_le_bytes());
            out.extend_from_slice(data);
        }
        headers.extend_from_slice(&shdr);
    }
    out.resize(out.len().div_ceil(8) * 8, 0);
    let shoff = out.len() as u64;
    out.extend_from_slice(&headers);
    // e_shoff: the section header table moved.
    out[40..48].copy_from_slice(&shoff.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dwarf_names() {
        assert!(is_dwarf(b".debug_info"));
        assert!(is_dwarf(b".rel.debug_info"));
        assert!(!is_dwarf(b".BTF"));
        assert!(!is_dwarf(b".rel.BTF.ext"));
        assert!(!is_dwarf(b"debug_info"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let _ = strip_debug(&bytes);
        }
    }
}
