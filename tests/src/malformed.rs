//! Malformed BPF objects, each with the words its error must contain. The
//! `malformed` test checks every case; the fuzzer's seed corpus includes
//! them (`fuzz-seeds`). docs/malformed-inputs.md lists them with their
//! messages.

use skel_builder::testing::{
    BtfTypeId, BtfWriter, ElfWriter, SHF_ALLOC, SHF_WRITE, SHT_PROGBITS, STT_FUNC, STT_OBJECT,
    data_object, finish, kind,
};

/// One malformed input.
pub struct Case {
    /// Short file-name-friendly name (the fuzz seed is called this).
    pub name: &'static str,
    /// What is wrong with it, for the docs table.
    pub what: &'static str,
    pub bytes: Vec<u8>,
    /// Every one of these must appear in the error report.
    pub expect: &'static [&'static str],
}

/// An object whose `.data` section holds one `int` variable `var`, with
/// its writers, for cases that break something else.
fn int_object(var: &str) -> (ElfWriter, BtfWriter) {
    let mut btf = BtfWriter::new();
    let int = btf.int("int", 4, true);
    let elf = data_object(&mut btf, &[(var, int, 4)]);
    (elf, btf)
}

/// A well-formed object without `.BTF`: one `int counter` in `.data`,
/// which libbpf makes a map without BTF.
pub fn valid_without_btf() -> Vec<u8> {
    let mut btf = BtfWriter::new();
    let int = btf.int("int", 4, true);
    data_object(&mut btf, &[("counter", int, 4)]).bytes()
}

/// A well-formed object: one `int counter` in `.data`.
pub fn valid() -> Vec<u8> {
    let (elf, btf) = int_object("counter");
    finish(elf, &btf)
}

/// An object with a `.struct_ops` section of `size` bytes holding `vars`
/// (`(name, type, offset, size)`), and one struct_ops program `prog`.
fn struct_ops_object(
    btf: &mut BtfWriter,
    vars: &[(&str, BtfTypeId, u64, u32)],
    size: usize,
) -> (ElfWriter, u16) {
    let int = btf.int("int", 4, true);
    let proto = btf.func_proto(int, &[int]);
    btf.func("prog", proto);
    let entries: Vec<_> = vars
        .iter()
        .map(|&(name, ty, _, size)| (btf.var(name, ty), 0, size))
        .collect();
    btf.datasec(".struct_ops", 0, &entries);
    let mut elf = ElfWriter::new();
    let text = elf.program_section("struct_ops/prog", 1);
    elf.symbol("prog", text, 0, 8, STT_FUNC);
    let ops = elf.section(
        ".struct_ops",
        SHT_PROGBITS,
        SHF_ALLOC | SHF_WRITE,
        vec![0; size],
    );
    for &(name, _, offset, size) in vars {
        elf.symbol(name, ops, offset, u64::from(size), STT_OBJECT);
    }
    (elf, ops)
}

/// A `.maps` map definition struct: `int (*type)[2]; int (*max_entries)[1];`.
fn map_def(btf: &mut BtfWriter, int: BtfTypeId) -> BtfTypeId {
    let index = btf.int("__ARRAY_SIZE_TYPE__", 4, false);
    let two = btf.array(int, index, 2);
    let one = btf.array(int, index, 1);
    let p2 = btf.ptr(two);
    let p1 = btf.ptr(one);
    btf.struct_("", 16, &[("type", p2, 0, 0), ("max_entries", p1, 64, 0)])
}

pub fn cases() -> Vec<Case> {
    let mut cases = vec![];
    let good = valid();

    cases.push(Case {
        name: "truncated-elf-header",
        what: "ELF cut inside its header (40 bytes)",
        bytes: good[..40].to_vec(),
        expect: &[
            "is not a usable BPF object",
            "malformed ELF: Invalid ELF header size or alignment (the file is 40 bytes long: truncated?)",
        ],
    });
    cases.push(Case {
        name: "truncated-elf-sections",
        what: "ELF cut before its section headers",
        bytes: good[..good.len() - 100].to_vec(),
        expect: &[
            "is not a usable BPF object",
            "malformed ELF: Invalid ELF section header offset/size/alignment",
            "truncated?",
        ],
    });
    cases.push(Case {
        name: "not-elf",
        what: "not an ELF file at all",
        bytes: b"int main(void) { return 0; }\n".to_vec(),
        expect: &["is not a usable BPF object", "not an ELF file"],
    });

    {
        let (mut elf, btf) = int_object("counter");
        elf.machine = 62;
        cases.push(Case {
            name: "wrong-machine",
            what: "ELF for another machine (x86-64)",
            bytes: finish(elf, &btf),
            expect: &["ELF machine is 62 (x86-64), not BPF (247)", "-target bpf"],
        });
    }

    {
        // Without .BTF, libbpf still opens programs and data sections, but
        // not struct_ops maps (their type is BTF). The BTF written here is
        // left out of the object.
        let mut btf = BtfWriter::new();
        let int = btf.int("int", 4, true);
        let (elf, _) = struct_ops_object(&mut btf, &[("ops", int, 0, 8)], 8);
        cases.push(Case {
            name: "no-btf",
            what: "no `.BTF` section, and a struct_ops map",
            bytes: elf.bytes(),
            expect: &[
                "has no .BTF section, which libbpf needs for struct_ops map `ops` (section `.struct_ops`)",
                "compile with `-g`",
            ],
        });
    }

    {
        // Found by the fuzzer: libbpf refuses a `.BTF` that is not
        // PROGBITS, so the builder must too (and must not strip it).
        let (mut elf, btf) = int_object("counter");
        elf.section(".BTF", 0x6fff_4c03, 0, btf.bytes());
        cases.push(Case {
            name: "btf-not-progbits",
            what: "`.BTF` of an ELF type other than PROGBITS",
            bytes: elf.bytes(),
            expect: &["has an invalid .BTF section", "not PROGBITS"],
        });
    }

    {
        let (mut elf, btf) = int_object("counter");
        elf.section(".BTF", SHT_PROGBITS, 0, btf.bytes()[..20].to_vec());
        cases.push(Case {
            name: "btf-truncated-header",
            what: "`.BTF` shorter than its header",
            bytes: elf.bytes(),
            expect: &["has an invalid .BTF section", "truncated header at byte 0"],
        });
    }

    {
        let (mut elf, btf) = int_object("counter");
        let bytes = btf.bytes();
        elf.section(".BTF", SHT_PROGBITS, 0, bytes[..bytes.len() - 8].to_vec());
        cases.push(Case {
            name: "btf-truncated-strings",
            what: "`.BTF` cut inside its string table",
            bytes: elf.bytes(),
            expect: &[
                "has an invalid .BTF section",
                "header field `str_off + str_len`",
                "beyond the",
            ],
        });
    }

    {
        let mut btf = BtfWriter::new();
        let int = btf.raw(100_000, kind::INT, false, 0, 4, &[(1 << 24) | 32]);
        let elf = data_object(&mut btf, &[("counter", int, 4)]);
        cases.push(Case {
            name: "btf-string-offset",
            what: "a type name's string offset past the string table",
            bytes: finish(elf, &btf),
            expect: &["type [1] names string offset 100000, outside the"],
        });
    }

    {
        let mut btf = BtfWriter::new();
        let p = btf.ptr(BtfTypeId(999));
        let elf = data_object(&mut btf, &[("p", p, 8)]);
        cases.push(Case {
            name: "btf-dangling-id",
            what: "a type id past the last type",
            bytes: finish(elf, &btf),
            expect: &["type [1] refers to type id 999, but the section has only"],
        });
    }

    {
        let mut btf = BtfWriter::new();
        // [1] typedef a -> [2], [2] typedef b -> [1]
        let a = btf.typedef("a", BtfTypeId(2));
        btf.typedef("b", a);
        let elf = data_object(&mut btf, &[("x", a, 4)]);
        cases.push(Case {
            name: "btf-typedef-cycle",
            what: "typedefs that refer to each other",
            bytes: finish(elf, &btf),
            expect: &["chain of typedefs, modifiers or array dimensions longer than 32 (a cycle?)"],
        });
    }

    {
        let mut btf = BtfWriter::new();
        // [1] const -> [2] const -> [1]
        let a = btf.const_(BtfTypeId(2));
        btf.const_(a);
        let int = btf.int("int", 4, true);
        let s = btf.struct_("holder", 4, &[("x", a, 0, 0)]);
        let elf = data_object(&mut btf, &[("h", s, 4), ("i", int, 4)]);
        cases.push(Case {
            name: "btf-const-cycle-in-struct",
            what: "a struct member whose type is a cycle of `const`s",
            bytes: finish(elf, &btf),
            expect: &["chain of typedefs, modifiers or array dimensions longer than 32 (a cycle?)"],
        });
    }

    {
        let mut btf = BtfWriter::new();
        // [1] int [1][...]: an array of itself
        let int = btf.int("int", 4, true);
        let arr = btf.array(BtfTypeId(2), int, 2);
        let elf = data_object(&mut btf, &[("a", arr, 8)]);
        cases.push(Case {
            name: "btf-array-cycle",
            what: "an array whose element type is itself",
            bytes: finish(elf, &btf),
            expect: &[
                "type `...[2][2][2][2][2][2][2][2][...]` [2]",
                "array dimensions longer than 32 (a cycle?)",
            ],
        });
    }

    {
        let mut btf = BtfWriter::new();
        let int = btf.int("int", 4, true);
        let s = btf.struct_("s", 4, &[("a", int, 0, 0), ("b", int, 32, 0)]);
        let elf = data_object(&mut btf, &[("v", s, 4)]);
        cases.push(Case {
            name: "struct-member-past-end",
            what: "a struct member that runs past the struct's size",
            bytes: finish(elf, &btf),
            expect: &[
                "type `struct s` [2], member `b`: ends at byte 8, past the type's size of 4 bytes",
            ],
        });
    }

    {
        let mut btf = BtfWriter::new();
        let int = btf.int("int", 4, true);
        let s = btf.struct_("s", 8, &[("a", int, 0, 0), ("b", int, 16, 0)]);
        let elf = data_object(&mut btf, &[("v", s, 8)]);
        cases.push(Case {
            name: "struct-members-overlap",
            what: "struct members that overlap",
            bytes: finish(elf, &btf),
            expect: &["type `struct s` [2], member `b`: overlaps `a`"],
        });
    }

    {
        let mut btf = BtfWriter::new();
        let int = btf.int("int", 4, true);
        let n = btf.string("s");
        btf.raw(n, kind::STRUCT, false, 0xffff, 4, &[]);
        let elf = data_object(&mut btf, &[("i", int, 4)]);
        cases.push(Case {
            name: "btf-vlen-too-large",
            what: "a struct claiming 65535 members with no data after it",
            bytes: finish(elf, &btf),
            expect: &["type [2] claims 65535 members, but only"],
        });
    }

    {
        let (mut elf, btf) = int_object("x");
        elf.symbols[0].value = 8;
        cases.push(Case {
            name: "datasec-var-outside",
            what: "a data variable whose symbol lies past its section's end",
            bytes: finish(elf, &btf),
            expect: &[
                "data section `.data`: variable `x` at 8+4 lies outside the section (4 bytes)",
            ],
        });
    }

    {
        let mut btf = BtfWriter::new();
        let long = btf.int("long", 8, true);
        let (elf, _) = struct_ops_object(&mut btf, &[("ops", long, 0, 8)], 8);
        cases.push(Case {
            name: "struct-ops-not-struct",
            what: "a struct_ops variable whose type is not a struct",
            bytes: finish(elf, &btf),
            expect: &["struct_ops map `ops`: its type `long` [1] is not a struct"],
        });
    }

    {
        let mut btf = BtfWriter::new();
        let int = btf.int("int", 4, true);
        let def = map_def(&mut btf, int);
        let v1 = btf.var("m", def);
        let v2 = btf.var("m", def);
        btf.datasec(".maps", 0, &[(v1, 0, 16), (v2, 0, 16)]);
        let mut elf = ElfWriter::new();
        let maps = elf.section(".maps", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, vec![0; 32]);
        elf.symbol("m", maps, 0, 16, STT_OBJECT);
        elf.symbol("m", maps, 16, 16, STT_OBJECT);
        cases.push(Case {
            name: "duplicate-map",
            what: "two maps with the same name",
            bytes: finish(elf, &btf),
            expect: &["two maps are named `m`"],
        });
    }

    {
        let (mut elf, btf) = int_object("x");
        elf.symbols[0].shndx = 200;
        cases.push(Case {
            name: "symbol-bad-section",
            what: "a symbol in a section that does not exist",
            bytes: finish(elf, &btf),
            expect: &["symbol `x` is in section 200, but the object has only"],
        });
    }

    {
        let mut btf = BtfWriter::new();
        let int = btf.int("int", 4, true);
        let proto = btf.func_proto(int, &[int]);
        let fp = btf.ptr(proto);
        let s = btf.struct_("ops_t", 16, &[("slot", fp, 0, 0), ("x", int, 64, 0)]);
        let (mut elf, ops) = struct_ops_object(&mut btf, &[("ops", s, 0, 16)], 16);
        elf.relocations(ops, &[(0, 99)]);
        cases.push(Case {
            name: "relocation-bad-symbol",
            what: "a struct_ops slot relocated against a symbol that does not exist",
            bytes: finish(elf, &btf),
            expect: &["relocation at byte 0 of section `.struct_ops` refers to symbol 99, but the symbol table has only"],
        });
    }

    {
        let mut btf = BtfWriter::new();
        let int = btf.int("int", 4, true);
        let long = "x".repeat(600);
        let elf = data_object(&mut btf, &[(long.as_str(), int, 4)]);
        cases.push(Case {
            name: "btf-name-too-long",
            what: "a BTF name of 600 bytes",
            bytes: finish(elf, &btf),
            expect: &["type [2] has a name at string offset 5 longer than 511 bytes"],
        });
    }

    {
        let (mut elf, btf) = int_object("x");
        elf.section(".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, vec![0; 4]);
        cases.push(Case {
            name: "duplicate-section",
            what: "two `.data` sections",
            bytes: finish(elf, &btf),
            expect: &["two sections are named `.data`"],
        });
    }

    {
        let mut btf = BtfWriter::new();
        let int = btf.int("int", 4, true);
        let s = btf.struct_("ops_t", 4, &[("x", int, 0, 0)]);
        let (elf, _) = struct_ops_object(&mut btf, &[("a", s, 0, 4), ("b", s, 0, 4)], 4);
        cases.push(Case {
            name: "struct-ops-overlap",
            what: "two struct_ops variables sharing bytes",
            bytes: finish(elf, &btf),
            expect: &["struct_ops map `b` shares bytes with struct_ops map `a`"],
        });
    }

    {
        let mut btf = BtfWriter::new();
        let long = btf.int("long", 8, true);
        let v = btf.var("x", long);
        btf.datasec(".bss", 0, &[(v, 0, 8)]);
        let mut elf = ElfWriter::new();
        let bss = elf.nobits(".bss", u64::MAX);
        elf.symbol("x", bss, 0, 8, STT_OBJECT);
        cases.push(Case {
            name: "huge-bss",
            what: "a `.bss` section of 2^64-1 bytes (NOBITS: no file space)",
            bytes: finish(elf, &btf),
            expect: &["section `.bss` is 18446744073709551615 bytes"],
        });
    }

    {
        // Found by the btf fuzzer: an INT of no bits at bit 16 made its
        // member a plain one, moved two bytes from where BTF puts it.
        let mut btf = BtfWriter::new();
        let int = btf.int("int", 4, true);
        let n = btf.string("long long");
        let odd = btf.raw(n, kind::INT, false, 0, 8, &[(1 << 24) | (16 << 16)]);
        let s = btf.struct_("s", 16, &[("i", int, 0, 0), ("l", odd, 64, 0)]);
        let elf = data_object(&mut btf, &[("v", s, 16)]);
        cases.push(Case {
            name: "btf-int-no-bits",
            what: "a struct member whose INT type has 0 bits at bit offset 16",
            bytes: finish(elf, &btf),
            expect: &["type `struct s` [3], member `l`: its int type [2] has no bits"],
        });
    }

    {
        let mut btf = BtfWriter::new();
        let n = btf.string("int");
        let wide = btf.raw(n, kind::INT, false, 0, 4, &[(1 << 24) | (8 << 16) | 30]);
        let s = btf.struct_("s", 8, &[("b", wide, 0, 0)]);
        let elf = data_object(&mut btf, &[("v", s, 8)]);
        cases.push(Case {
            name: "btf-int-bits-past-size",
            what: "a struct member whose 4-byte INT type has bits 8..38",
            bytes: finish(elf, &btf),
            expect: &["type `struct s` [2], member `b`: its int type [1] has bits 8..38, past its 4 bytes"],
        });
    }

    {
        let (mut elf, btf) = int_object("x");
        elf.symbols[0].name = "y".repeat(5000);
        cases.push(Case {
            name: "elf-name-too-long",
            what: "an ELF symbol name of 5000 bytes",
            bytes: finish(elf, &btf),
            expect: &["symbol 1 has a name longer than 4096 bytes"],
        });
    }

    {
        let mut btf = BtfWriter::new();
        let int = btf.int("int", 4, true);
        btf.raw(0, 25, false, 0, 0, &[]);
        let elf = data_object(&mut btf, &[("x", int, 4)]);
        cases.push(Case {
            name: "btf-unknown-kind",
            what: "a BTF type of unknown kind (25)",
            bytes: finish(elf, &btf),
            expect: &["type [2] has unknown kind 25"],
        });
    }

    {
        let (mut elf, btf) = int_object("x");
        let mut bytes = btf.bytes();
        bytes[..2].copy_from_slice(&0xeb9f_u16.to_be_bytes());
        elf.section(".BTF", SHT_PROGBITS, 0, bytes);
        cases.push(Case {
            name: "btf-big-endian",
            what: "big-endian BTF",
            bytes: elf.bytes(),
            expect: &["big-endian BTF in a little-endian ELF file"],
        });
    }

    cases
}
