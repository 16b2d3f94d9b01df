//! The object the skeleton embeds: clang's, without what libbpf never reads.
//!
//! `-g` is needed for BTF, but it also emits DWARF (`.debug_*`), often most
//! of the object (600 KB of 700 KB for a program including vmlinux.h).
//! libbpf skips, by name or type and without reading them, DWARF sections
//! and their relocations, the relocations of `.BTF` and `.BTF.ext`,
//! `.llvm_addrsig` and an empty `.text` (`ignore_elf_section` in libbpf.c);
//! libbpf's static linker (what libbpf-cargo embeds) leaves them out. So
//! does this: those sections are removed from the ELF file, with the symbols
//! defined in them, and the rest is renumbered: section indices in section
//! headers (`sh_link`, `sh_info`), symbols (`st_shndx`) and the ELF header
//! (`e_shstrndx`), symbol indices in relocations, and the string tables
//! rebuilt from the names still used (with shared tails, as clang writes
//! them). `.BTF` and `.BTF.ext` name sections by name, never by index; they
//! are kept, with structurally identical types merged as libbpf's linker
//! merges them ([`dedup`]).
//!
//! Written by hand over `object`'s reader rather than with `object`'s
//! `build` writer: this is one narrow rewrite of ELF64 relocatable files
//! (removing sections), and the writer would double the time to compile
//! `object` in every build script (it pulls in `indexmap`, `hashbrown` and
//! `crc32fast`). Objects this does not handle (section groups, extended
//! section indices) are refused with a reason, and the builder embeds them
//! as they are.

mod dedup;

use std::collections::HashMap;

use super::raw::{self, consts as elf};

/// Why an object could not be rewritten. The builder then embeds the
/// object unchanged, with one warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripError(String);

impl std::fmt::Display for StripError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StripError {}

impl From<String> for StripError {
    fn from(e: String) -> Self {
        StripError(format!("malformed ELF: {e}"))
    }
}

fn unsupported(what: impl Into<String>) -> StripError {
    StripError(what.into())
}

const EHDR_LEN: usize = 64;
const SHDR_LEN: usize = 64;
const SYM_LEN: usize = 24;
/// `SHT_LLVM_ADDRSIG`: symbol indices of address-significant symbols, for
/// the linker's identical code folding.
const SHT_LLVM_ADDRSIG: u32 = 0x6fff_4c03;

/// Is this a DWARF section? (libbpf's `is_sec_name_dwarf`.)
fn is_dwarf(name: &[u8]) -> bool {
    name.starts_with(b".debug_")
}

/// Is this the relocation section of a DWARF section (by name, as libbpf
/// tells them)?
fn is_dwarf_rel(name: &[u8]) -> bool {
    name.strip_prefix(b".rel").is_some_and(is_dwarf)
}

/// Reads and writes integers in the object's byte order.
#[derive(Clone, Copy)]
struct Order(bool);

impl Order {
    fn u16(self, b: &[u8], at: usize) -> u16 {
        let v = [b[at], b[at + 1]];
        if self.0 {
            u16::from_be_bytes(v)
        } else {
            u16::from_le_bytes(v)
        }
    }
    fn u32(self, b: &[u8], at: usize) -> u32 {
        let v: [u8; 4] = b[at..at + 4].try_into().expect("bug: 4 bytes");
        if self.0 {
            u32::from_be_bytes(v)
        } else {
            u32::from_le_bytes(v)
        }
    }
    fn u64(self, b: &[u8], at: usize) -> u64 {
        let v: [u8; 8] = b[at..at + 8].try_into().expect("bug: 8 bytes");
        if self.0 {
            u64::from_be_bytes(v)
        } else {
            u64::from_le_bytes(v)
        }
    }
    fn put_u16(self, b: &mut [u8], at: usize, v: u16) {
        let v = if self.0 {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        b[at..at + 2].copy_from_slice(&v);
    }
    fn put_u32(self, b: &mut [u8], at: usize, v: u32) {
        let v = if self.0 {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        b[at..at + 4].copy_from_slice(&v);
    }
    fn put_u64(self, b: &mut [u8], at: usize, v: u64) {
        let v = if self.0 {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        b[at..at + 8].copy_from_slice(&v);
    }
}

/// One section of the input, as the rewrite sees it.
struct Sec<'a> {
    name: &'a [u8],
    /// The raw section header.
    header: [u8; SHDR_LEN],
    sh_type: u32,
    /// Its bytes in the file (empty for NOBITS).
    data: &'a [u8],
}

/// `bytes` without the sections libbpf never reads and with its BTF types
/// merged (see the module doc), or unchanged when there is nothing to do. The result is a valid ELF
/// relocatable file whose length is a multiple of 8 (it ends with the
/// section header table), so it can sit in an 8-aligned static as it is.
pub fn strip_debug(bytes: &[u8]) -> Result<Vec<u8>, StripError> {
    let file = raw::File::parse(bytes)?;
    let order = Order(file.order.big);
    if file.e_type != elf::ET_REL {
        return Err(unsupported("not a relocatable object (ET_REL)"));
    }
    if file.e_machine != elf::EM_BPF {
        return Err(unsupported("not a BPF object (EM_BPF)"));
    }
    if file.e_phnum != 0 || usize::from(file.e_shentsize) != SHDR_LEN {
        return Err(unsupported(
            "unusual ELF header (program headers or section header size)",
        ));
    }
    let count = file.sections.len();
    if usize::from(file.e_shnum) != count || count >= usize::from(elf::SHN_LORESERVE) {
        return Err(unsupported("extended section numbering"));
    }
    let shstrndx = file.shstrndx;
    if shstrndx == 0 || shstrndx >= count {
        return Err(unsupported("no section name table"));
    }
    let names = file.section_names()?;

    let mut secs = Vec::with_capacity(count);
    for sh in &file.sections {
        let name = usize::try_from(sh.sh_name)
            .ok()
            .and_then(|at| names.get(at..))
            .and_then(|rest| rest.split(|&b| b == 0).next().filter(|_| rest.contains(&0)))
            .ok_or_else(|| StripError("malformed ELF: Invalid ELF section name offset".into()))?;
        let sh_type = sh.sh_type;
        if sh_type == elf::SHT_GROUP || sh_type == elf::SHT_SYMTAB_SHNDX {
            return Err(unsupported(
                "section groups or extended symbol section indices",
            ));
        }
        let data = file
            .data(sh)
            .map_err(|_| unsupported("a section lies outside the file"))?;
        let mut raw = [0u8; SHDR_LEN];
        raw.copy_from_slice(sh.raw);
        secs.push(Sec {
            name,
            header: raw,
            sh_type,
            data,
        });
    }
    let link = |s: &Sec| order.u32(&s.header, 40) as usize;
    let info = |s: &Sec| order.u32(&s.header, 44) as usize;
    let is_rel = |s: &Sec| s.sh_type == elf::SHT_REL || s.sh_type == elf::SHT_RELA;

    // The symbol table (a relocatable file has at most one).
    let symtabs: Vec<usize> = (1..count)
        .filter(|&i| secs[i].sh_type == elf::SHT_SYMTAB)
        .collect();
    let symtab = match symtabs.as_slice() {
        [] => None,
        [i] => Some(*i),
        _ => return Err(unsupported("several symbol tables")),
    };
    let syms: &[u8] = match symtab {
        Some(i) => {
            let s = &secs[i];
            if order.u64(&s.header, 56) != SYM_LEN as u64 || s.data.len() % SYM_LEN != 0 {
                return Err(unsupported("symbol table entries are not 24 bytes"));
            }
            s.data
        }
        None => &[],
    };
    let sym_count = syms.len() / SYM_LEN;
    let sym_shndx = |j: usize| usize::from(order.u16(syms, j * SYM_LEN + 6));
    let in_section = |j: usize, i: usize| sym_shndx(j) == i;

    // Which sections go.
    let mut drop = vec![false; count];
    for (i, s) in secs.iter().enumerate().skip(1) {
        drop[i] = is_dwarf(s.name)
            || s.sh_type == SHT_LLVM_ADDRSIG
            || (s.name == b".text"
                && s.sh_type == elf::SHT_PROGBITS
                && s.data.is_empty()
                && !(1..sym_count).any(|j| in_section(j, i))
                && !secs.iter().any(|r| is_rel(r) && info(r) == i));
    }
    for (i, s) in secs.iter().enumerate().skip(1) {
        if !is_rel(s) {
            continue;
        }
        let target = secs.get(info(s)).map(|t| t.name);
        drop[i] = is_dwarf_rel(s.name)
            || drop.get(info(s)).copied().unwrap_or(false)
            || matches!(target, Some(b".BTF" | b".BTF.ext"));
    }
    // .BTF and .BTF.ext with identical types merged.
    let by_name = |name: &[u8]| (1..count).find(|&i| secs[i].name == name && !drop[i]);
    let mut replaced: HashMap<usize, Vec<u8>> = HashMap::new();
    if let Some(btf) = by_name(b".BTF") {
        let ext = by_name(b".BTF.ext");
        if let Some((new_btf, new_ext)) =
            dedup::dedup(secs[btf].data, ext.map(|i| secs[i].data), order)
        {
            replaced.insert(btf, new_btf);
            if let (Some(i), Some(new_ext)) = (ext, new_ext) {
                replaced.insert(i, new_ext);
            }
        }
    }
    if !drop.contains(&true) && replaced.is_empty() {
        let mut out = bytes.to_vec();
        out.resize(out.len().next_multiple_of(8), 0);
        return Ok(out);
    }
    if drop[shstrndx] || symtab.is_some_and(|i| drop[i]) {
        return Err(unsupported(
            "the section name table or symbol table would go",
        ));
    }

    // New section indices.
    let mut new_index = vec![None; count];
    let mut next = 0usize;
    for i in 0..count {
        if !drop[i] {
            new_index[i] = Some(next);
            next += 1;
        }
    }
    let new_count = next;
    let map_section = |i: usize, what: &str| -> Result<usize, StripError> {
        match new_index.get(i) {
            Some(Some(n)) => Ok(*n),
            Some(None) => Err(unsupported(format!(
                "{what} refers to a section that is removed"
            ))),
            None => Err(unsupported(format!(
                "{what} refers to section {i}, out of range"
            ))),
        }
    };

    // Symbols: those defined in removed sections go; the rest keep their
    // order (locals first), with new section indices.
    let mut new_sym = vec![None; sym_count];
    let mut kept_syms: Vec<[u8; SYM_LEN]> = Vec::with_capacity(sym_count);
    let mut kept_locals = 0usize;
    let first_global = symtab.map(|i| info(&secs[i])).unwrap_or(0);
    for j in 0..sym_count {
        let shndx = sym_shndx(j);
        let mut raw = [0u8; SYM_LEN];
        raw.copy_from_slice(&syms[j * SYM_LEN..(j + 1) * SYM_LEN]);
        if j > 0 && shndx != 0 && shndx < usize::from(elf::SHN_LORESERVE) {
            if shndx >= count {
                return Err(unsupported(format!(
                    "symbol {j} is in section {shndx}, out of range"
                )));
            }
            match new_index[shndx] {
                None => continue,
                Some(n) => order.put_u16(&mut raw, 6, n as u16),
            }
        }
        new_sym[j] = Some(kept_syms.len());
        if j < first_global {
            kept_locals += 1;
        }
        kept_syms.push(raw);
    }

    // String tables: the section name table and the symbol name table
    // (often one section), rebuilt from the names still in use.
    let symstr = symtab.map(|i| link(&secs[i]));
    if let Some(s) = symstr
        && (s == 0 || s >= count || secs[s].sh_type != elf::SHT_STRTAB || drop[s])
    {
        return Err(unsupported("the symbol table's string table is missing"));
    }
    if secs[shstrndx].sh_type != elf::SHT_STRTAB {
        return Err(unsupported("the section name table is not a string table"));
    }
    let mut tables: HashMap<usize, Strings> = HashMap::new();
    let name_of = |table: usize, offset: u32| -> Result<&[u8], StripError> {
        let data = secs[table].data;
        let rest = data
            .get(offset as usize..)
            .ok_or_else(|| unsupported("a name lies outside its string table"))?;
        let end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| unsupported("a string table does not end with NUL"))?;
        Ok(&rest[..end])
    };
    for (i, s) in secs.iter().enumerate() {
        if !drop[i] {
            let name = name_of(shstrndx, order.u32(&s.header, 0))?;
            tables.entry(shstrndx).or_default().add(name);
        }
    }
    if let Some(st) = symstr {
        for raw in &kept_syms {
            let name = name_of(st, order.u32(raw, 0))?;
            tables.entry(st).or_default().add(name);
        }
    }
    let tables: HashMap<usize, StringTable> =
        tables.into_iter().map(|(i, t)| (i, t.finish())).collect();
    let offset_in = |table: usize, name: &[u8]| -> u32 { tables[&table].offsets[name] };
    if let Some(st) = symstr {
        for raw in &mut kept_syms {
            let name = name_of(st, order.u32(raw, 0))?;
            order.put_u32(raw, 0, offset_in(st, name));
        }
    }
    let new_symtab: Vec<u8> = kept_syms.concat();

    // Relocations: new symbol indices.
    let mut new_rels: HashMap<usize, Vec<u8>> = HashMap::new();
    for (i, s) in secs.iter().enumerate() {
        if drop[i] || !is_rel(s) {
            continue;
        }
        if Some(link(s)) != symtab {
            return Err(unsupported(
                "a relocation section does not use the symbol table",
            ));
        }
        let entry = if s.sh_type == elf::SHT_RELA { 24 } else { 16 };
        if order.u64(&s.header, 56) != entry as u64 || s.data.len() % entry != 0 {
            return Err(unsupported("unusual relocation entry size"));
        }
        let mut data = s.data.to_vec();
        for at in (0..data.len()).step_by(entry) {
            let r_info = order.u64(&data, at + 8);
            let sym = (r_info >> 32) as usize;
            let new = match new_sym.get(sym) {
                Some(Some(n)) => *n as u64,
                _ => {
                    return Err(unsupported(format!(
                        "a relocation of `{}` refers to a symbol that is removed or missing",
                        String::from_utf8_lossy(s.name)
                    )));
                }
            };
            order.put_u64(&mut data, at + 8, (new << 32) | (r_info & 0xffff_ffff));
        }
        new_rels.insert(i, data);
    }

    // Lay the file out again: header, contents in section order, headers.
    let mut out = bytes[..EHDR_LEN].to_vec();
    let mut headers = Vec::with_capacity(new_count * SHDR_LEN);
    for (i, s) in secs.iter().enumerate() {
        if drop[i] {
            continue;
        }
        let mut shdr = s.header;
        if i != 0 {
            let name = name_of(shstrndx, order.u32(&shdr, 0))?;
            order.put_u32(&mut shdr, 0, offset_in(shstrndx, name));
            let data: &[u8] = if let Some(t) = tables.get(&i) {
                &t.bytes
            } else if Some(i) == symtab {
                &new_symtab
            } else if let Some(r) = new_rels.get(&i) {
                r
            } else if let Some(r) = replaced.get(&i) {
                r
            } else {
                s.data
            };
            let align = order.u64(&shdr, 48).clamp(1, 4096) as usize;
            out.resize(out.len().next_multiple_of(align), 0);
            order.put_u64(&mut shdr, 24, out.len() as u64);
            if s.sh_type != elf::SHT_NOBITS {
                order.put_u64(&mut shdr, 32, data.len() as u64);
                out.extend_from_slice(data);
            }
            let what = format!("section `{}`", String::from_utf8_lossy(s.name));
            let sh_link = link(s);
            if sh_link != 0 {
                order.put_u32(&mut shdr, 40, map_section(sh_link, &what)? as u32);
            }
            let flags = order.u64(&shdr, 8);
            if Some(i) == symtab {
                order.put_u32(&mut shdr, 44, kept_locals as u32);
            } else if is_rel(s) || flags & elf::SHF_INFO_LINK != 0 {
                order.put_u32(&mut shdr, 44, map_section(info(s), &what)? as u32);
            }
        }
        headers.extend_from_slice(&shdr);
    }
    out.resize(out.len().next_multiple_of(8), 0);
    let shoff = out.len() as u64;
    out.extend_from_slice(&headers);
    order.put_u64(&mut out, 40, shoff);
    order.put_u16(&mut out, 60, new_count as u16);
    order.put_u16(
        &mut out,
        62,
        map_section(shstrndx, "the ELF header")? as u16,
    );
    Ok(out)
}

/// A string table under construction: each name once, and a name that
/// ends another (`struct_ops/x` in `.relstruct_ops/x`) stored as its tail.
#[derive(Default)]
struct Strings<'a> {
    names: Vec<&'a [u8]>,
}

impl<'a> Strings<'a> {
    fn add(&mut self, name: &'a [u8]) {
        self.names.push(name);
    }

    /// The table's bytes and each name's offset in it.
    fn finish(mut self) -> StringTable {
        // Sorted by their reversed bytes, longest first among names that
        // end alike: a name that is the tail of another comes right after
        // the longest name it ends (or after another tail of it).
        self.names
            .sort_by(|a, b| b.iter().rev().cmp(a.iter().rev()));
        self.names.dedup();
        let mut table = vec![0u8];
        let mut offsets = HashMap::with_capacity(self.names.len());
        offsets.insert(Vec::new(), 0);
        let mut previous: Option<(&[u8], u32)> = None;
        for name in self.names {
            if name.is_empty() {
                continue;
            }
            let offset = match previous {
                Some((p, at)) if p.ends_with(name) => at + (p.len() - name.len()) as u32,
                _ => {
                    let at = table.len() as u32;
                    table.extend_from_slice(name);
                    table.push(0);
                    previous = Some((name, at));
                    at
                }
            };
            offsets.insert(name.to_vec(), offset);
        }
        StringTable {
            bytes: table,
            offsets,
        }
    }
}

/// A string table written by [`Strings`].
struct StringTable {
    bytes: Vec<u8>,
    /// Each name's offset in `bytes`.
    offsets: HashMap<Vec<u8>, u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dwarf_names() {
        assert!(is_dwarf(b".debug_info"));
        assert!(is_dwarf_rel(b".rel.debug_info"));
        assert!(!is_dwarf(b".BTF"));
        assert!(!is_dwarf_rel(b".rel.BTF.ext"));
        assert!(!is_dwarf(b"debug_info"));
        assert!(!is_dwarf_rel(b".relstruct_ops/debug_x"));
    }

    #[test]
    fn string_tables_share_tails() {
        let mut s = Strings::default();
        for n in [
            &b"struct_ops/a"[..],
            b".relstruct_ops/a",
            b"a",
            b"",
            b".text",
            b"struct_ops/a",
            b"xt",
        ] {
            s.add(n);
        }
        let StringTable {
            bytes: table,
            offsets,
        } = s.finish();
        assert_eq!(table, b"\0.text\0.relstruct_ops/a\0");
        for (name, offset) in &offsets {
            let at = *offset as usize;
            assert_eq!(&table[at..at + name.len()], name.as_slice());
            assert_eq!(table[at + name.len()], 0);
        }
        assert_eq!(offsets.len(), 6);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let _ = strip_debug(&bytes);
        }
    }
}
