//! Which kfuncs and typed kernel variables (`__ksym` externs) each program
//! may reach, so that the runtime can tell, before load, a program that
//! needs a kfunc the running kernel lacks.
//!
//! Only externs declared without `__weak` count: libbpf resolves every
//! extern of the object at load, whichever program uses it, and fails the
//! load for a strong one the kernel lacks; a weak one is left unresolved
//! (the code tests it with `bpf_ksym_exists()`).
//!
//! A program reaches what its instructions reference through relocations,
//! and what the subprograms it calls reach: calls (`call` with
//! `BPF_PSEUDO_CALL`, with or without a relocation) and subprogram
//! addresses (`ld_imm64` relocated against code: callbacks of `bpf_loop`,
//! timers). Targets are found as libbpf finds them. Where the code cannot
//! be followed (a call into the middle of a function, or a reference
//! outside any function), the program is taken to reach every strong
//! extern of the object: an over-approximation, never a miss.

use std::collections::{BTreeSet, HashMap, HashSet};

use skel_btf::{Btf, Kind};

use super::elf::{Binding, ElfObject, SectionType, SymbolKind};
use crate::model::ProgDef;

/// `BPF_JMP | BPF_CALL`.
const CALL: u8 = 0x85;
/// `BPF_LD | BPF_IMM | BPF_DW`, the first half of a 16-byte instruction.
const LD_IMM64: u8 = 0x18;
/// `src_reg` of a call to a BPF subprogram.
const PSEUDO_CALL: u8 = 1;
/// An instruction's size.
const INSN: u64 = 8;

/// A strong `__ksym` extern.
#[derive(Clone, Debug)]
struct Extern {
    name: String,
    /// A function (kfunc); else a typed variable.
    kfunc: bool,
}

/// A function of a code section (a program or a subprogram).
struct Func {
    section: usize,
    start: u64,
    end: u64,
}

/// What each function references directly.
#[derive(Default)]
struct Refs {
    /// Indexes into the strong externs.
    externs: BTreeSet<usize>,
    /// Functions it calls or takes the address of.
    calls: BTreeSet<usize>,
    /// It references code that is no function's start, or that could not
    /// be read.
    unknown: bool,
}

/// Fills each program's `kfuncs` and `ksyms` with the strong externs it
/// may reach.
pub fn fill(obj: &ElfObject<'_>, btf: &Btf, progs: &mut [ProgDef]) {
    let externs = strong_externs(obj, btf);
    if externs.is_empty() {
        return;
    }
    let by_symbol: HashMap<usize, usize> = externs
        .iter()
        .enumerate()
        .map(|(i, (sym, _))| (*sym, i))
        .collect();
    let code: HashSet<usize> = obj
        .sections
        .iter()
        .filter(|s| s.executable && s.sh_type == SectionType::ProgBits)
        .map(|s| s.index)
        .collect();
    let mut funcs: Vec<Func> = obj
        .symbols
        .iter()
        .filter(|s| s.kind == SymbolKind::Func && s.size > 0)
        .filter_map(|s| {
            let section = s.section.filter(|i| code.contains(i))?;
            Some(Func {
                section,
                start: s.value,
                end: s.value.checked_add(s.size)?,
            })
        })
        .collect();
    funcs.sort_by_key(|f| (f.section, f.start));
    funcs.dedup_by_key(|f| (f.section, f.start));
    let find = |section: usize, at: u64| -> Option<usize> {
        let i = funcs.partition_point(|f| (f.section, f.start) <= (section, at));
        let f = funcs.get(i.checked_sub(1)?)?;
        (f.section == section && f.start == at).then_some(i - 1)
    };

    let mut refs: Vec<Refs> = funcs.iter().map(|_| Refs::default()).collect();
    // A strong extern referenced outside every function: every program is
    // taken to reach it.
    let mut everywhere = BTreeSet::new();
    let mut sections: Vec<usize> = code.iter().copied().collect();
    sections.sort_unstable();
    for section in sections {
        let data = obj.sections[section].data;
        let Ok(relocs) = obj.relocations_for(section) else {
            // Unreadable relocations: nothing in this section can be
            // followed.
            for (f, r) in funcs.iter().zip(refs.iter_mut()) {
                r.unknown |= f.section == section;
            }
            continue;
        };
        let relocs: HashMap<u64, usize> = relocs.iter().map(|r| (r.offset, r.symbol)).collect();
        let owner = |at: u64| {
            let i = funcs.partition_point(|f| (f.section, f.start) <= (section, at));
            let f = funcs.get(i.checked_sub(1)?)?;
            (f.section == section && at < f.end).then_some(i - 1)
        };
        // References outside functions.
        for (&at, sym) in &relocs {
            if let Some(&e) = by_symbol.get(sym)
                && owner(at).is_none()
            {
                everywhere.insert(e);
            }
        }
        for (index, f) in funcs
            .iter()
            .enumerate()
            .filter(|(_, f)| f.section == section)
        {
            let r = &mut refs[index];
            let mut at = f.start;
            while at < f.end {
                let Some(insn) = data
                    .get(at as usize..(at + INSN) as usize)
                    .and_then(|b| <&[u8; 8]>::try_from(b).ok())
                else {
                    r.unknown = true;
                    break;
                };
                let code_byte = insn[0];
                let src_reg = insn[1] >> 4;
                let imm = i64::from(i32::from_le_bytes([insn[4], insn[5], insn[6], insn[7]]));
                let target = match relocs.get(&at) {
                    Some(sym) => {
                        if let Some(&e) = by_symbol.get(sym) {
                            r.externs.insert(e);
                            None
                        } else {
                            let s = obj.symbols.get(*sym);
                            match s.and_then(|s| Some((s, s.section?))) {
                                Some((s, into)) if code.contains(&into) => {
                                    let value = i64::try_from(s.value).ok();
                                    let byte = match (code_byte, src_reg) {
                                        // libbpf: sym_off / 8 + imm + 1 insns.
                                        (CALL, PSEUDO_CALL) => {
                                            value.map(|v| (v / INSN as i64 + imm + 1) * INSN as i64)
                                        }
                                        // libbpf: sym_off + imm bytes.
                                        (LD_IMM64, _) => value.map(|v| v + imm),
                                        _ => None,
                                    };
                                    Some((into, byte))
                                }
                                _ => None,
                            }
                        }
                    }
                    // A call within the section, relative to itself.
                    None if code_byte == CALL && src_reg == PSEUDO_CALL => {
                        let here = i64::try_from(at).ok();
                        Some((section, here.map(|h| h + (imm + 1) * INSN as i64)))
                    }
                    None => None,
                };
                if let Some((into, byte)) = target {
                    match byte
                        .and_then(|b| u64::try_from(b).ok())
                        .and_then(|b| find(into, b))
                    {
                        Some(callee) => {
                            r.calls.insert(callee);
                        }
                        None => r.unknown = true,
                    }
                }
                at += if code_byte == LD_IMM64 {
                    2 * INSN
                } else {
                    INSN
                };
            }
        }
    }

    for prog in progs.iter_mut() {
        let Some(root) = obj
            .symbols
            .iter()
            .find(|s| {
                s.kind == SymbolKind::Func && s.name == prog.name && s.binding != Binding::Local
            })
            .and_then(|s| find(s.section?, s.value))
        else {
            continue;
        };
        let mut reached = everywhere.clone();
        let mut seen = HashSet::from([root]);
        let mut stack = vec![root];
        let mut unknown = false;
        while let Some(f) = stack.pop() {
            unknown |= refs[f].unknown;
            reached.extend(refs[f].externs.iter().copied());
            for &callee in &refs[f].calls {
                if seen.insert(callee) {
                    stack.push(callee);
                }
            }
        }
        if unknown {
            reached = (0..externs.len()).collect();
        }
        let mut kfuncs = vec![];
        let mut ksyms = vec![];
        for e in reached {
            let (_, ext) = &externs[e];
            if ext.kfunc {
                kfuncs.push(ext.name.clone());
            } else {
                ksyms.push(ext.name.clone());
            }
        }
        kfuncs.sort();
        kfuncs.dedup();
        ksyms.sort();
        ksyms.dedup();
        prog.kfuncs = kfuncs;
        prog.ksyms = ksyms;
    }
}

/// The object's strong `__ksym` externs, by symbol index: undefined global
/// (not weak) symbols that the `.ksyms` DATASEC holds as a function
/// (kfunc) or a typed variable. Untyped ksyms (`const void`, resolved from
/// `/proc/kallsyms`) are left out.
fn strong_externs(obj: &ElfObject<'_>, btf: &Btf) -> Vec<(usize, Extern)> {
    let mut in_ksyms: HashMap<&str, bool> = HashMap::new();
    for t in btf.iter() {
        let Kind::Datasec { vars, .. } = t.kind() else {
            continue;
        };
        if t.name() != Some(".ksyms") {
            continue;
        }
        for v in vars.iter() {
            let member = btf.get(v.ty);
            let Some(name) = member.name().filter(|n| !n.is_empty()) else {
                continue;
            };
            match member.kind() {
                Kind::Func { .. } => {
                    in_ksyms.insert(name, true);
                }
                Kind::Var { ty, .. } => {
                    let untyped = btf
                        .skip_modifiers(ty)
                        .is_ok_and(|t| matches!(btf.get(t).kind(), Kind::Void));
                    if !untyped {
                        in_ksyms.insert(name, false);
                    }
                }
                _ => {}
            }
        }
    }
    if in_ksyms.is_empty() {
        return vec![];
    }
    obj.symbols
        .iter()
        .filter(|s| s.section.is_none() && s.binding == Binding::Global)
        .filter_map(|s| {
            let kfunc = *in_ksyms.get(s.name.as_str())?;
            Some((
                s.index,
                Extern {
                    name: s.name.clone(),
                    kfunc,
                },
            ))
        })
        .collect()
}

/// `bytes` (an object) with the strong undefined symbols named in `names`
/// made weak (`STB_WEAK`): the embedded copy's kfuncs and ksyms that only
/// optional programs reach, so that libbpf, which resolves every extern of
/// the object at load, leaves them unresolved on a kernel without them
/// instead of failing the load for programs the runtime skips. Where the
/// kernel has them, weak and strong externs resolve alike.
pub fn weaken(bytes: &[u8], names: &BTreeSet<String>) -> Result<Vec<u8>, super::elf::ElfError> {
    /// ELF64 `Elf64_Sym`: 24 bytes, `st_info` at 4.
    const SYM_LEN: usize = 24;
    const ST_INFO: usize = 4;
    const STB_WEAK: u8 = 2;
    let obj = ElfObject::parse(bytes)?;
    let mut out = bytes.to_vec();
    let Some(symtab) = obj
        .sections
        .iter()
        .find(|s| s.sh_type == SectionType::SymTab)
    else {
        return Ok(out);
    };
    // The table's data is a slice of `bytes`: where it starts in the file.
    let base = symtab.data.as_ptr() as usize - bytes.as_ptr() as usize;
    for sym in obj
        .symbols
        .iter()
        .filter(|s| s.section.is_none() && s.binding == Binding::Global && names.contains(&s.name))
    {
        let at = base + sym.index * SYM_LEN + ST_INFO;
        if let Some(info) = out.get_mut(at) {
            *info = (STB_WEAK << 4) | (*info & 0xf);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use skel_btf::BtfWriter;

    use super::*;
    use crate::testing::{ElfWriter, SHF_ALLOC, SHF_EXECINSTR, SHT_PROGBITS, STT_FUNC};

    const STT_NOTYPE: u8 = 0;
    const STT_SECTION: u8 = 3;
    const STB_WEAK: u8 = 2;
    const EXIT: [u8; 8] = [0x95, 0, 0, 0, 0, 0, 0, 0];

    fn insn(code: u8, src_reg: u8, imm: i32) -> Vec<u8> {
        let mut i = vec![code, src_reg << 4, 0, 0];
        i.extend_from_slice(&imm.to_le_bytes());
        i
    }

    fn call(imm: i32) -> Vec<u8> {
        insn(CALL, PSEUDO_CALL, imm)
    }

    /// A kfunc call (a relocation names the kfunc).
    fn kfunc_call() -> Vec<u8> {
        call(-1)
    }

    fn ld_imm64(imm: i32) -> Vec<u8> {
        let mut i = insn(LD_IMM64, 0, imm);
        i.extend_from_slice(&[0; 8]);
        i
    }

    /// `.text`: `sub1` (0) calls `kf_b`; `sub2` (16) calls `sub1` with no
    /// relocation; `cb` (32) calls `kf_c`. A program section: `p1` (0)
    /// calls `sub2` through the section symbol, takes `cb`'s address, calls
    /// `kf_a`; `p2` (40) calls into the middle of `sub1`; `p3` (56) calls
    /// the weak `kf_weak` only; `p4` (72) uses nothing.
    fn object() -> (Vec<u8>, Vec<u8>) {
        let mut b = BtfWriter::new();
        let int = b.int("int", 4, true);
        let proto = b.func_proto(int, &[]);
        let funcs: Vec<_> = ["kf_a", "kf_b", "kf_c", "kf_weak", "kf_unused"]
            .iter()
            .map(|n| b.func(n, proto))
            .collect();
        let ks = b.var("ks", int);
        let mut vars: Vec<_> = funcs.iter().map(|&f| (f, 0, 0)).collect();
        vars.push((ks, 0, 4));
        b.datasec(".ksyms", 0, &vars);

        let text: Vec<u8> = [
            kfunc_call(),
            EXIT.to_vec(),
            call(-3),
            EXIT.to_vec(),
            kfunc_call(),
            EXIT.to_vec(),
        ]
        .concat();
        let prog: Vec<u8> = [
            call(1),
            ld_imm64(32),
            kfunc_call(),
            EXIT.to_vec(),
            call(0),
            EXIT.to_vec(),
            kfunc_call(),
            EXIT.to_vec(),
            EXIT.to_vec(),
        ]
        .concat();
        let mut w = ElfWriter::new();
        let text_i = w.section(".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, text);
        let prog_i = w.section("tp/x/y", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, prog);
        let sym = |w: &mut ElfWriter, name: &str, shndx: u16, value: u64, size: u64, kind: u8| {
            w.symbol(name, shndx, value, size, kind)
        };
        let text_sym = sym(&mut w, ".text", text_i, 0, 0, STT_SECTION);
        sym(&mut w, "sub1", text_i, 0, 16, STT_FUNC);
        sym(&mut w, "sub2", text_i, 16, 16, STT_FUNC);
        sym(&mut w, "cb", text_i, 32, 16, STT_FUNC);
        sym(&mut w, "p1", prog_i, 0, 40, STT_FUNC);
        sym(&mut w, "p2", prog_i, 40, 16, STT_FUNC);
        sym(&mut w, "p3", prog_i, 56, 16, STT_FUNC);
        sym(&mut w, "p4", prog_i, 72, 8, STT_FUNC);
        let kf_a = sym(&mut w, "kf_a", 0, 0, 0, STT_NOTYPE);
        let kf_b = sym(&mut w, "kf_b", 0, 0, 0, STT_NOTYPE);
        let kf_c = sym(&mut w, "kf_c", 0, 0, 0, STT_NOTYPE);
        let kf_weak = sym(&mut w, "kf_weak", 0, 0, 0, STT_NOTYPE);
        w.symbols[kf_weak - 1].bind = STB_WEAK;
        sym(&mut w, "kf_unused", 0, 0, 0, STT_NOTYPE);
        sym(&mut w, "ks", 0, 0, 0, STT_NOTYPE);
        w.relocations(text_i, &[(0, kf_b), (32, kf_c)]);
        w.relocations(
            prog_i,
            &[
                (0, text_sym),
                (8, text_sym),
                (24, kf_a),
                (40, text_sym),
                (56, kf_weak),
            ],
        );
        w.btf(&b);
        (w.bytes(), b.bytes())
    }

    fn reached() -> Vec<(String, Vec<String>, Vec<String>)> {
        let (bytes, btf) = object();
        let obj = ElfObject::parse(&bytes).unwrap();
        let btf = Btf::parse(btf).unwrap();
        let mut progs: Vec<ProgDef> = ["p1", "p2", "p3", "p4"]
            .iter()
            .map(|n| ProgDef {
                name: (*n).to_owned(),
                ..ProgDef::default()
            })
            .collect();
        fill(&obj, &btf, &mut progs);
        progs
            .into_iter()
            .map(|p| (p.name, p.kfuncs, p.ksyms))
            .collect()
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn calls_and_callbacks_are_followed_and_unreadable_code_reaches_everything() {
        let got = reached();
        let want = vec![
            // Direct, through sub2 -> sub1, and cb's address.
            ("p1".to_owned(), names(&["kf_a", "kf_b", "kf_c"]), vec![]),
            // A call into the middle of sub1: every strong extern.
            (
                "p2".to_owned(),
                names(&["kf_a", "kf_b", "kf_c", "kf_unused"]),
                names(&["ks"]),
            ),
            // Weak: nothing needed.
            ("p3".to_owned(), vec![], vec![]),
            ("p4".to_owned(), vec![], vec![]),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn weaken_changes_only_the_binding_of_the_named_externs() {
        let (bytes, _) = object();
        let names: BTreeSet<String> = ["kf_a", "kf_c", "sub1"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let out = weaken(&bytes, &names).unwrap();
        assert_eq!(out.len(), bytes.len());
        let before = ElfObject::parse(&bytes).unwrap();
        let after = ElfObject::parse(&out).unwrap();
        for (b, a) in before.symbols.iter().zip(&after.symbols) {
            let want = match b.name.as_str() {
                // Undefined and named: weak. (`sub1` is defined: left.)
                "kf_a" | "kf_c" => Binding::Weak,
                _ => b.binding,
            };
            assert_eq!(a.binding, want, "{}", b.name);
            assert_eq!((a.kind, a.value, a.section), (b.kind, b.value, b.section));
        }
        let changed = bytes.iter().zip(&out).filter(|(a, b)| a != b).count();
        assert_eq!(changed, 2, "one byte per symbol");
    }
}
