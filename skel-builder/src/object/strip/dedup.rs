//! Structurally identical BTF types merged, as libbpf's `btf__dedup` does
//! in the linker's output (what libbpf-cargo embeds): clang writes some
//! anonymous structs, unions and function prototypes once per place that
//! spells them, and a program including `vmlinux.h` carries a dozen such
//! copies (860 bytes of 52 KB here).
//!
//! Two types are the same when their own bytes are (kind, size, names,
//! offsets, values; names compared as strings) and the types they refer to
//! are the same, recursively, cycles included: the coarsest such partition,
//! found by refining the partition by own bytes until it is stable
//! (Moore's algorithm). Each class keeps its first type; the rest go, and
//! every type id is renumbered: in the types, and in `.BTF.ext`'s function
//! and CO-RE records. The string section is kept as it is. FUNC, VAR,
//! DATASEC and DECL_TAG entries are never merged: they stand for one
//! function, variable or section each. Instructions carry no type ids libbpf
//! checks (`bpf_core_type_id_*` values are rewritten at load from the CO-RE
//! records, as after libbpf's linker renumbers).
//!
//! Anything unexpected (an unknown kind, a record that does not fit, a
//! `.BTF.ext` of another layout) leaves both sections as they are.

use std::collections::HashMap;

use super::Order;

const BTF_MAGIC: u16 = 0xeb9f;

const KIND_INT: u32 = 1;
const KIND_PTR: u32 = 2;
const KIND_ARRAY: u32 = 3;
const KIND_STRUCT: u32 = 4;
const KIND_UNION: u32 = 5;
const KIND_ENUM: u32 = 6;
const KIND_FWD: u32 = 7;
const KIND_TYPEDEF: u32 = 8;
const KIND_VOLATILE: u32 = 9;
const KIND_CONST: u32 = 10;
const KIND_RESTRICT: u32 = 11;
const KIND_FUNC: u32 = 12;
const KIND_FUNC_PROTO: u32 = 13;
const KIND_VAR: u32 = 14;
const KIND_DATASEC: u32 = 15;
const KIND_FLOAT: u32 = 16;
const KIND_DECL_TAG: u32 = 17;
const KIND_TYPE_TAG: u32 = 18;
const KIND_ENUM64: u32 = 19;

/// What a 4-byte word of a type record holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Word {
    /// A string offset: compared as the string.
    Name,
    /// A type id: compared by class, renumbered.
    Type,
    /// Anything else: compared as bytes.
    Plain,
}

/// One type record: where it sits in the type section and what each of its
/// words holds.
struct Record {
    start: usize,
    words: Vec<Word>,
    kind: u32,
}

/// The records of a type section, or `None` when one is of an unknown kind
/// or does not fit.
fn records(types: &[u8], order: Order) -> Option<Vec<Record>> {
    use Word::{Name, Plain, Type};
    let mut out = vec![];
    let mut at = 0;
    while at < types.len() {
        if types.len() - at < 12 {
            return None;
        }
        let info = order.u32(types, at + 4);
        let kind = (info >> 24) & 0x1f;
        let vlen = (info & 0xffff) as usize;
        // name_off, info, then size or type.
        let head = |third: Word| vec![Name, Plain, third];
        let mut words = match kind {
            KIND_PTR | KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_FUNC
            | KIND_TYPE_TAG | KIND_VAR | KIND_DECL_TAG => head(Type),
            KIND_FUNC_PROTO => head(Type),
            KIND_INT | KIND_ARRAY | KIND_STRUCT | KIND_UNION | KIND_ENUM | KIND_FWD
            | KIND_DATASEC | KIND_FLOAT | KIND_ENUM64 => head(Plain),
            _ => return None,
        };
        match kind {
            KIND_INT | KIND_VAR | KIND_DECL_TAG => words.push(Plain),
            KIND_ARRAY => words.extend([Type, Type, Plain]),
            KIND_STRUCT | KIND_UNION => {
                for _ in 0..vlen {
                    words.extend([Name, Type, Plain]);
                }
            }
            KIND_ENUM => {
                for _ in 0..vlen {
                    words.extend([Name, Plain]);
                }
            }
            KIND_ENUM64 => {
                for _ in 0..vlen {
                    words.extend([Name, Plain, Plain]);
                }
            }
            KIND_FUNC_PROTO => {
                for _ in 0..vlen {
                    words.extend([Name, Type]);
                }
            }
            KIND_DATASEC => {
                for _ in 0..vlen {
                    words.extend([Type, Plain, Plain]);
                }
            }
            _ => {}
        }
        let len = words.len() * 4;
        if types.len() - at < len {
            return None;
        }
        out.push(Record {
            start: at,
            words,
            kind,
        });
        at += len;
    }
    Some(out)
}

/// Entries that stand for one thing each (a function, a variable, a
/// section, a tag on one of them): never merged.
fn mergeable(kind: u32) -> bool {
    !matches!(kind, KIND_FUNC | KIND_VAR | KIND_DATASEC | KIND_DECL_TAG)
}

/// `.BTF` (and `.BTF.ext`) with identical types merged, or `None` when
/// there is nothing to merge or anything is unexpected.
pub fn dedup(btf: &[u8], ext: Option<&[u8]>, order: Order) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    if btf.len() < 24 || order.u16(btf, 0) != BTF_MAGIC {
        return None;
    }
    let hdr_len = order.u32(btf, 4) as usize;
    let field = |i: usize| order.u32(btf, 8 + 4 * i) as usize;
    let (type_off, type_len, str_off, str_len) = (field(0), field(1), field(2), field(3));
    if hdr_len < 24 || hdr_len > btf.len() {
        return None;
    }
    let body = &btf[hdr_len..];
    let types = body.get(type_off..type_off.checked_add(type_len)?)?;
    let strings = body.get(str_off..str_off.checked_add(str_len)?)?;
    let recs = records(types, order)?;
    // Type ids: 0 is void, record i is id i + 1.
    let count = recs.len() + 1;
    let word = |r: &Record, w: usize| order.u32(types, r.start + 4 * w);
    for r in &recs {
        for (w, kind) in r.words.iter().enumerate() {
            if *kind == Word::Type && word(r, w) as usize >= count {
                return None;
            }
        }
    }
    let name = |off: u32| -> Option<&[u8]> {
        let rest = strings.get(off as usize..)?;
        Some(&rest[..rest.iter().position(|&b| b == 0)?])
    };

    // The partition by own bytes.
    let mut class = vec![0u32; count];
    let mut keys: HashMap<Vec<u8>, u32> = HashMap::new();
    for (i, r) in recs.iter().enumerate() {
        let mut key = Vec::with_capacity(r.words.len() * 4 + 8);
        if !mergeable(r.kind) {
            key.extend_from_slice(b"one:");
            key.extend_from_slice(&(i as u32).to_le_bytes());
        }
        for (w, kind) in r.words.iter().enumerate() {
            let v = word(r, w);
            match kind {
                Word::Name => {
                    key.push(b'n');
                    key.extend_from_slice(name(v)?);
                    key.push(0);
                }
                Word::Type => key.push(b't'),
                Word::Plain => {
                    key.push(b'p');
                    key.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
        let next = keys.len() as u32 + 1;
        class[i + 1] = *keys.entry(key).or_insert(next);
    }
    let mut classes = keys.len() + 1;
    if classes == count {
        return None;
    }
    // Refined by the classes of the types referred to, until stable. Each
    // round splits a class or stops, so at most `count` rounds.
    for _ in 0..count {
        let mut keys: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut next_class = vec![0u32; count];
        for (i, r) in recs.iter().enumerate() {
            let mut key = vec![class[i + 1]];
            for (w, kind) in r.words.iter().enumerate() {
                if *kind == Word::Type {
                    key.push(class[word(r, w) as usize]);
                }
            }
            let next = keys.len() as u32 + 1;
            next_class[i + 1] = *keys.entry(key).or_insert(next);
        }
        class = next_class;
        if keys.len() + 1 == classes {
            break;
        }
        classes = keys.len() + 1;
    }
    if classes == count {
        return None;
    }

    // The first type of each class stays; ids are renumbered in order.
    let mut first: HashMap<u32, usize> = HashMap::new();
    let mut new_id = vec![0u32; count];
    let mut kept = 0u32;
    for id in 1..count {
        match first.get(&class[id]) {
            Some(&rep) => new_id[id] = new_id[rep],
            None => {
                kept += 1;
                first.insert(class[id], id);
                new_id[id] = kept;
            }
        }
    }
    let mut new_types = Vec::with_capacity(types.len());
    for (i, r) in recs.iter().enumerate() {
        if first.get(&class[i + 1]) != Some(&(i + 1)) {
            continue;
        }
        let at = new_types.len();
        new_types.extend_from_slice(&types[r.start..r.start + r.words.len() * 4]);
        for (w, kind) in r.words.iter().enumerate() {
            if *kind == Word::Type {
                let old = order.u32(&new_types, at + 4 * w) as usize;
                order.put_u32(&mut new_types, at + 4 * w, new_id[old]);
            }
        }
    }
    let new_ext = match ext {
        Some(ext) => Some(renumber_ext(ext, order, &new_id)?),
        None => None,
    };
    let mut out = btf[..hdr_len].to_vec();
    order.put_u32(&mut out, 8, 0);
    order.put_u32(&mut out, 12, new_types.len() as u32);
    order.put_u32(&mut out, 16, new_types.len() as u32);
    order.put_u32(&mut out, 20, str_len as u32);
    out.extend_from_slice(&new_types);
    out.extend_from_slice(strings);
    Some((out, new_ext))
}

/// `.BTF.ext` with the type ids of its function records (`func_info`)
/// and CO-RE records (`core_relo`) renumbered; line records hold none.
fn renumber_ext(ext: &[u8], order: Order, new_id: &[u32]) -> Option<Vec<u8>> {
    if ext.len() < 24 || order.u16(ext, 0) != BTF_MAGIC {
        return None;
    }
    let hdr_len = order.u32(ext, 4) as usize;
    if hdr_len < 24 || hdr_len > ext.len() {
        return None;
    }
    let mut out = ext.to_vec();
    // (offset, length) of func_info, then of core_relo when the header has
    // it; each record's type id is its second word.
    let mut parts = vec![(order.u32(ext, 8), order.u32(ext, 12))];
    if hdr_len >= 32 {
        parts.push((order.u32(ext, 24), order.u32(ext, 28)));
    }
    for (off, len) in parts {
        if len == 0 {
            continue;
        }
        let start = hdr_len.checked_add(off as usize)?;
        let end = start.checked_add(len as usize)?;
        if end > ext.len() || len < 4 {
            return None;
        }
        let rec_size = order.u32(ext, start) as usize;
        if rec_size < 8 {
            return None;
        }
        let mut at = start + 4;
        while at < end {
            // sec_name_off, num_info, then the records.
            if end - at < 8 {
                return None;
            }
            let n = order.u32(ext, at + 4) as usize;
            at += 8;
            let bytes = n.checked_mul(rec_size)?;
            if end - at < bytes {
                return None;
            }
            for rec in 0..n {
                let field = at + rec * rec_size + 4;
                let old = order.u32(ext, field) as usize;
                order.put_u32(&mut out, field, *new_id.get(old)?);
            }
            at += bytes;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LE: Order = Order(false);

    /// A .BTF section of `types` (each a list of words) over `strings`.
    fn btf(types: &[Vec<u32>], strings: &[u8]) -> Vec<u8> {
        let body: Vec<u8> = types
            .iter()
            .flatten()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        let mut out = vec![0x9f, 0xeb, 1, 0];
        for v in [
            24u32,
            0,
            body.len() as u32,
            body.len() as u32,
            strings.len() as u32,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&body);
        out.extend_from_slice(strings);
        out
    }

    fn info(kind: u32, vlen: u32) -> u32 {
        kind << 24 | vlen
    }

    #[test]
    fn identical_anonymous_types_merge_and_ids_follow() {
        // "\0int\0a\0"
        let strings = b"\0int\0a\0";
        let int = vec![1, info(KIND_INT, 0), 4, 32];
        // Two copies of `struct { int a; }`, a pointer to each, and a
        // struct referring to itself through a pointer, twice.
        let anon = vec![0, info(KIND_STRUCT, 1), 4, 5, 1, 0];
        let types = vec![
            int,                                       // 1
            anon.clone(),                              // 2
            anon,                                      // 3
            vec![0, info(KIND_PTR, 0), 2],             // 4
            vec![0, info(KIND_PTR, 0), 3],             // 5 = 4
            vec![0, info(KIND_STRUCT, 1), 8, 5, 7, 0], // 6: { T *a }, T = 6
            vec![0, info(KIND_PTR, 0), 6],             // 7
            vec![0, info(KIND_STRUCT, 1), 8, 5, 9, 0], // 8 = 6
            vec![0, info(KIND_PTR, 0), 8],             // 9 = 7
            vec![5, info(KIND_VAR, 0), 3, 1],          // 10: var a of type 3, kept
        ];
        let (out, _) = dedup(&btf(&types, strings), None, LE).unwrap();
        let words: Vec<u32> = out[24..out.len() - strings.len()]
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let expected: Vec<u32> = [
            vec![1, info(KIND_INT, 0), 4, 32],
            vec![0, info(KIND_STRUCT, 1), 4, 5, 1, 0],
            vec![0, info(KIND_PTR, 0), 2],
            vec![0, info(KIND_STRUCT, 1), 8, 5, 5, 0],
            vec![0, info(KIND_PTR, 0), 4],
            vec![5, info(KIND_VAR, 0), 2, 1],
        ]
        .concat();
        assert_eq!(words, expected);
        assert_eq!(&out[out.len() - strings.len()..], strings);
    }

    #[test]
    fn distinct_types_and_vars_stay() {
        let strings = b"\0int\0a\0b\0";
        let types = vec![
            vec![1, info(KIND_INT, 0), 4, 32],
            vec![0, info(KIND_STRUCT, 1), 4, 5, 1, 0],
            vec![0, info(KIND_STRUCT, 1), 4, 7, 1, 0], // member b
            vec![5, info(KIND_VAR, 0), 1, 1],
            vec![5, info(KIND_VAR, 0), 1, 1], // the same VAR twice: kept
        ];
        assert!(dedup(&btf(&types, strings), None, LE).is_none());
    }

    #[test]
    fn ext_type_ids_are_renumbered() {
        let ids = [0u32, 1, 1, 2];
        let mut ext = vec![0x9f, 0xeb, 1, 0];
        // hdr_len 32; func_info at 0 (len 4 + 8 + 8), line_info empty,
        // core_relo after func_info (len 4 + 8 + 16).
        for v in [32u32, 0, 20, 20, 0, 20, 28] {
            ext.extend_from_slice(&v.to_le_bytes());
        }
        for v in [8u32, 0, 1, 0, 3] {
            ext.extend_from_slice(&v.to_le_bytes());
        }
        for v in [16u32, 0, 1, 0, 2, 0, 0] {
            ext.extend_from_slice(&v.to_le_bytes());
        }
        let out = renumber_ext(&ext, LE, &ids).unwrap();
        let word = |at: usize| u32::from_le_bytes(out[at..at + 4].try_into().unwrap());
        assert_eq!(word(32 + 4 + 8 + 4), 2, "func_info type 3 -> 2");
        assert_eq!(word(32 + 20 + 4 + 8 + 4), 1, "core_relo type 2 -> 1");
        // A record past the end: refused, not a panic.
        assert!(renumber_ext(&ext[..ext.len() - 4], LE, &ids).is_none());
    }

    #[test]
    fn garbage_is_none_not_a_panic() {
        for len in 0..120 {
            let mut bytes: Vec<u8> = (0..len).map(|i| (i * 13) as u8).collect();
            if bytes.len() >= 24 {
                bytes[0] = 0x9f;
                bytes[1] = 0xeb;
                bytes[4] = 24;
            }
            let _ = dedup(&bytes, Some(&bytes), LE);
        }
    }
}
