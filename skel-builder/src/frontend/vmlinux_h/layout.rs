//! Padding between the members of a printed struct: pure functions over bit
//! offsets. (Whether a struct is packed, and the alignment of scalars, are
//! skel-btf's rules: [`skel_btf::layout`].)
//!
//! BTF gives each member's offset but no alignment, so the printed C must
//! make the compiler put every member exactly where BTF says. Gaps are
//! filled with unnamed bitfields (`long: 64;`, `char: 3;`), which take room
//! but, unlike named members, do not raise the struct's alignment (SysV and
//! BPF ABIs alike). Each one starts at a multiple of its own width, so it
//! never crosses a unit boundary and lands where it is meant to.

/// The type of one unnamed padding bitfield.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PadType {
    Char,
    Short,
    Int,
    Long,
}

impl PadType {
    pub fn c_name(self) -> &'static str {
        match self {
            PadType::Char => "char",
            PadType::Short => "short",
            PadType::Int => "int",
            PadType::Long => "long",
        }
    }

    pub fn bits(self) -> u64 {
        match self {
            PadType::Char => 8,
            PadType::Short => 16,
            PadType::Int => 32,
            PadType::Long => 64,
        }
    }
}

/// One unnamed bitfield: `<ty>: <bits>;`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pad {
    pub ty: PadType,
    pub bits: u64,
}

/// Where the next member goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Next {
    /// Its bit offset in the struct (or the struct's size in bits, for the
    /// tail).
    pub bit_offset: u64,
    /// Its alignment in bits as the printed C gives it (8 in a packed
    /// struct).
    pub align_bits: u64,
    /// A bitfield is placed at the current bit; anything else at the next
    /// multiple of its alignment.
    pub bitfield: bool,
}

/// The unnamed bitfields that bring the compiler from bit `cur` (the end of
/// the previous member) to `next`. None when the compiler gets there by
/// itself: the next member is not a bitfield and aligning `cur` reaches it.
pub fn padding(cur: u64, next: Next, out: &mut Vec<Pad>) {
    out.clear();
    if cur >= next.bit_offset {
        return;
    }
    let align = next.align_bits.max(1);
    if !next.bitfield && cur.div_ceil(align).saturating_mul(align) == next.bit_offset {
        return;
    }
    let mut pos = cur;
    while pos < next.bit_offset {
        let gap = next.bit_offset - pos;
        let whole = [PadType::Long, PadType::Int, PadType::Short, PadType::Char]
            .into_iter()
            .find(|t| pos.is_multiple_of(t.bits()) && t.bits() <= gap);
        let pad = match whole {
            Some(ty) => Pad {
                ty,
                bits: ty.bits(),
            },
            // Up to the next byte, within the current one.
            None => Pad {
                ty: PadType::Char,
                bits: gap.min(8 - pos % 8),
            },
        };
        pos += pad.bits;
        out.push(pad);
    }
}

/// For a union that BTF says is larger than its largest member: the
/// largest alignment (a power of two, at least the natural one) that makes
/// C round it up to `size`, if one does. Over-alignment is the usual cause,
/// and then the alignment divides the size.
pub fn union_alignment(natural_size: u64, natural_align: u64, size: u64) -> Option<u64> {
    if size <= natural_size || size == 0 {
        return None;
    }
    let natural_align = natural_align.max(1);
    // The largest power of two dividing the size.
    let mut align = 1u64 << size.trailing_zeros().min(63);
    while align >= natural_align {
        if natural_size.div_ceil(align) * align == size {
            return Some(align);
        }
        align /= 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pads(
        cur: u64,
        bit_offset: u64,
        align_bits: u64,
        bitfield: bool,
    ) -> Vec<(&'static str, u64)> {
        let mut out = vec![];
        padding(
            cur,
            Next {
                bit_offset,
                align_bits,
                bitfield,
            },
            &mut out,
        );
        out.iter().map(|p| (p.ty.c_name(), p.bits)).collect()
    }

    /// Where the compiler puts each pad and then the next member: the
    /// pads must end exactly at the member, and none may cross a unit.
    fn simulate(cur: u64, bit_offset: u64, align_bits: u64, bitfield: bool) -> u64 {
        let mut out = vec![];
        let next = Next {
            bit_offset,
            align_bits,
            bitfield,
        };
        padding(cur, next, &mut out);
        let mut pos = cur;
        for p in out {
            assert_eq!(
                pos / p.ty.bits(),
                (pos + p.bits - 1) / p.ty.bits(),
                "{p:?} crosses"
            );
            pos += p.bits;
        }
        if bitfield {
            pos
        } else {
            pos.div_ceil(align_bits) * align_bits
        }
    }

    #[test]
    fn natural_alignment_needs_no_padding() {
        // char c; int x;  (x at 32)
        assert_eq!(pads(8, 32, 32, false), vec![]);
        // int a:3; int b:5;
        assert_eq!(pads(3, 3, 32, true), vec![]);
        // int a:3; char c;  (c at 8)
        assert_eq!(pads(3, 8, 8, false), vec![]);
    }

    #[test]
    fn gaps_are_filled_exactly() {
        // char c; <gap>; long x at 128: the compiler would put x at 64.
        assert_eq!(
            pads(8, 128, 64, false),
            vec![("char", 8), ("short", 16), ("int", 32), ("long", 64)]
        );
        // int a:3; <gap>; int b:5 at 32.
        assert_eq!(
            pads(3, 32, 32, true),
            vec![("char", 5), ("char", 8), ("short", 16)]
        );
        // A gap inside one byte.
        assert_eq!(pads(3, 6, 32, true), vec![("char", 3)]);
        // Tail of an over-aligned struct: 200 bytes used, 256 long.
        assert_eq!(pads(1600, 2048, 64, false), vec![("long", 64); 7]);
    }

    #[test]
    fn every_gap_lands_the_member_where_btf_says() {
        for cur in 0..80 {
            for next in cur..200 {
                for align in [8, 16, 32, 64] {
                    if next % align == 0 {
                        assert_eq!(simulate(cur, next, align, false), next, "{cur} -> {next}");
                    }
                    assert_eq!(simulate(cur, next, align, true), next, "{cur} -> {next}");
                }
            }
        }
    }

    #[test]
    fn union_alignment_explains_a_larger_size() {
        assert_eq!(union_alignment(5, 1, 8), Some(8));
        assert_eq!(union_alignment(4, 4, 64), Some(64));
        assert_eq!(union_alignment(8, 8, 8), None);
        assert_eq!(union_alignment(5, 1, 12), None);
    }
}
