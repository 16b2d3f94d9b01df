//! Test support: BPF objects written byte by byte, and the parts of the
//! object reader that tests and the fuzzer check results against.
//!
//! **Not a stable API.** This module exists for skel's own tests (the unit
//! tests here, the `skel-tests` crate, the fuzz targets); it is compiled
//! only with the `testing` feature and may change in any release.
//!
//! - [`BtfWriter`] (skel-btf's) writes a `.BTF` section, type by type; [`ElfWriter`]
//!   writes a relocatable BPF ELF object around it. Neither checks its
//!   input: writing broken objects is the point.
//! - [`data_object`], [`data_vars`] and [`finish`] put the two together
//!   for the common shape: variables in a data section, described by a
//!   DATASEC.
//! - [`Btf`] (with [`BtfTypeId`] and [`Kind`]) is the reader skel-builder
//!   uses (skel-btf's); [`btf_section`] finds an object's `.BTF` the way the builder
//!   does, and [`strip_debug`] is the copy the builder embeds.

mod elf;

pub use self::elf::{
    ElfWriter, R_BPF_64_ABS64, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS, SHT_PROGBITS,
    SHT_REL, STB_GLOBAL, STT_FUNC, STT_OBJECT, Section, Symbol,
};
pub use crate::object::strip_debug;
/// The BTF reader and writer: skel-btf's, with its `writer` feature.
pub use skel_btf::{Btf, BtfTypeId, BtfWriter, Kind, kind};

/// The `.BTF` section of an ELF object, as the builder finds it; `None`
/// when the object does not parse or has none.
pub fn btf_section(object: &[u8]) -> Option<&[u8]> {
    let elf = crate::object::elf::ElfObject::parse(object).ok()?;
    elf.section_by_name(".BTF").map(|s| s.data)
}

/// Adds data section `section` to `elf`, holding `vars` (`(name, BTF
/// type, size)`) one after another, each with a global symbol, and their
/// VARs and the section's DATASEC to `btf` (size and offsets 0, as clang
/// writes them: libbpf fixes them up from the ELF). A `.bss*` section is
/// NOBITS. Returns the section's ELF index.
pub fn data_vars(
    elf: &mut ElfWriter,
    btf: &mut BtfWriter,
    section: &str,
    vars: &[(&str, BtfTypeId, u32)],
) -> u16 {
    let entries: Vec<_> = vars
        .iter()
        .map(|&(name, ty, size)| (btf.var(name, ty), 0, size))
        .collect();
    btf.datasec(section, 0, &entries);
    let symbols: Vec<(&str, u64)> = vars
        .iter()
        .map(|&(name, _, size)| (name, u64::from(size)))
        .collect();
    elf.data_section(section, &symbols, 1)
}

/// An object whose `.data` section holds `vars` (see [`data_vars`]). The
/// caller may add more before [`finish`].
pub fn data_object(btf: &mut BtfWriter, vars: &[(&str, BtfTypeId, u32)]) -> ElfWriter {
    let mut elf = ElfWriter::new();
    data_vars(&mut elf, btf, ".data", vars);
    elf
}

/// Adds `btf` as the `.BTF` section and returns the object's bytes.
pub fn finish(mut elf: ElfWriter, btf: &BtfWriter) -> Vec<u8> {
    elf.btf(btf);
    elf.bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_objects_read_back() {
        let mut btf = BtfWriter::new();
        let int = btf.int("int", 4, true);
        let long = btf.int("long", 8, true);
        let mut elf = data_object(&mut btf, &[("a", int, 4), ("b", long, 8)]);
        data_vars(&mut elf, &mut btf, ".bss", &[("big", long, 1 << 31)]);
        let bytes = finish(elf, &btf);

        let obj = crate::object::elf::ElfObject::parse(&bytes).unwrap();
        let data = obj.section_by_name(".data").unwrap();
        assert_eq!(data.size, 12);
        let bss = obj.section_by_name(".bss").unwrap();
        assert_eq!(
            (bss.size, bss.sh_type),
            (1 << 31, crate::object::elf::SectionType::NoBits)
        );
        let b = obj.global_object("b").unwrap();
        assert_eq!((b.section, b.value, b.size), (Some(data.index), 4, 8));

        let parsed = Btf::parse(btf_section(&bytes).unwrap()).unwrap();
        let Kind::Datasec { vars, .. } = parsed.get(BtfTypeId(5)).kind() else {
            panic!("{:?}", parsed.get(BtfTypeId(5)));
        };
        assert_eq!(vars.len(), 2);
        assert_eq!(parsed.name(BtfTypeId(5)), ".data");
    }
}
