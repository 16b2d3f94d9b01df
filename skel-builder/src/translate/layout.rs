//! Offsets, padding and alignment: pure functions, no BTF, no tokens.
//!
//! BTF gives sizes and offsets but not alignment. The generated Rust type
//! takes the largest alignment its members need, never more (libbpf's
//! buffers are only malloc-aligned), and falls back to `packed` when a
//! member sits below its natural alignment or the size is not a multiple of
//! it: skel-btf's rule ([`skel_btf::layout::Alignment`]), the one the
//! vmlinux.h printer and `Btf::align_of` use too. Gaps become explicit
//! padding; a known offset always wins.

use skel_btf::layout::{Alignment, MemberAlign};

use crate::model::Layout;

/// A member already placed at a byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    pub byte_offset: u64,
    pub layout: Layout,
}

impl Placed {
    fn end(&self) -> u64 {
        self.byte_offset + self.layout.size
    }
}

/// The size a data section's typed view takes: the section size rounded
/// up to the members' alignment, so that a section ending in a short
/// variable (`u64 a; u32 b;`: 12 bytes) still gets an aligned, borrowable
/// struct (16 bytes). libbpf backs data sections with whole pages, so the
/// tail bytes exist. Sections with a misplaced member stay at their size
/// (and are packed).
pub fn datasec_size(size: u64, members: &[Placed]) -> u64 {
    let alignment = alignment(members);
    if alignment.misplaced {
        size
    } else {
        size.div_ceil(alignment.natural) * alignment.natural
    }
}

/// What the members say about the alignment of their struct.
fn alignment(members: &[Placed]) -> Alignment {
    Alignment::of_members(
        members
            .iter()
            .map(|m| MemberAlign::at_byte(m.byte_offset, m.layout.align)),
    )
}

/// One slot of a planned struct, in offset order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The member with this index in the input.
    Member(usize),
    Padding {
        byte_offset: u64,
        len: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub layout: Layout,
    pub packed: bool,
    pub slots: Vec<Slot>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutError {
    Overlap { first: usize, second: usize },
    PastEnd { index: usize, end: u64, size: u64 },
}

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Overlap { first, second } => write!(f, "members {first} and {second} overlap"),
            Self::PastEnd { index, end, size } => {
                write!(f, "member {index} ends at byte {end}, past the size {size}")
            }
        }
    }
}

impl std::error::Error for LayoutError {}

/// Plans a struct of `size` bytes from members sorted by offset.
pub fn plan_struct(size: u64, members: &[Placed]) -> Result<Plan, LayoutError> {
    let mut slots = Vec::with_capacity(members.len() * 2 + 1);
    let mut cursor = 0u64;
    let mut prev: Option<usize> = None;
    for (index, m) in members.iter().enumerate() {
        if m.end() > size {
            return Err(LayoutError::PastEnd {
                index,
                end: m.end(),
                size,
            });
        }
        if m.byte_offset < cursor {
            return Err(LayoutError::Overlap {
                first: prev.unwrap_or(index),
                second: index,
            });
        }
        if m.byte_offset > cursor {
            slots.push(Slot::Padding {
                byte_offset: cursor,
                len: m.byte_offset - cursor,
            });
        }
        slots.push(Slot::Member(index));
        cursor = m.end();
        prev = Some(index);
    }
    if cursor < size {
        slots.push(Slot::Padding {
            byte_offset: cursor,
            len: size - cursor,
        });
    }
    let (align, packed) = choose_align(size, members);
    Ok(Plan {
        layout: Layout { size, align },
        packed,
        slots,
    })
}

/// Plans a union of `size` bytes: every member at offset 0, plus one
/// padding member spanning the whole size when no member does.
pub fn plan_union(size: u64, members: &[Layout]) -> Result<Plan, LayoutError> {
    let placed: Vec<Placed> = members
        .iter()
        .map(|&layout| Placed {
            byte_offset: 0,
            layout,
        })
        .collect();
    let mut slots = Vec::with_capacity(members.len() + 1);
    for (index, m) in placed.iter().enumerate() {
        if m.end() > size {
            return Err(LayoutError::PastEnd {
                index,
                end: m.end(),
                size,
            });
        }
        slots.push(Slot::Member(index));
    }
    if placed.iter().all(|m| m.layout.size < size) {
        slots.push(Slot::Padding {
            byte_offset: 0,
            len: size,
        });
    }
    let (align, packed) = choose_align(size, &placed);
    Ok(Plan {
        layout: Layout { size, align },
        packed,
        slots,
    })
}

/// The largest member alignment, unless a member or the size contradicts
/// it, in which case the type is packed (alignment 1).
fn choose_align(size: u64, members: &[Placed]) -> (u64, bool) {
    let alignment = alignment(members);
    (alignment.align(size), alignment.packed(size))
}

/// Bytes holding a run of bitfields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BitfieldStorage {
    pub byte_offset: u64,
    pub len: u64,
    /// Indices of the bitfields stored here (input order).
    pub members: Vec<usize>,
}

/// Groups bitfields, given as `(bit_offset, bits)` sorted by offset, into
/// storage runs: bitfields whose bytes touch share one storage.
pub fn group_bitfields(bitfields: &[(u64, u64)]) -> Vec<BitfieldStorage> {
    let mut out: Vec<BitfieldStorage> = vec![];
    for (i, &(bit_offset, bits)) in bitfields.iter().enumerate() {
        let start = bit_offset / 8;
        let end = (bit_offset + bits.max(1)).div_ceil(8);
        match out.last_mut() {
            Some(last) if start < last.byte_offset + last.len => {
                let new_end = end.max(last.byte_offset + last.len);
                last.len = new_end - last.byte_offset;
                last.members.push(i);
            }
            _ => out.push(BitfieldStorage {
                byte_offset: start,
                len: end - start,
                members: vec![i],
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(byte_offset: u64, size: u64, align: u64) -> Placed {
        Placed {
            byte_offset,
            layout: Layout { size, align },
        }
    }

    #[test]
    fn natural_struct_has_no_padding() {
        let plan = plan_struct(16, &[p(0, 4, 4), p(4, 4, 4), p(8, 8, 8)]).unwrap();
        assert_eq!(plan.layout, Layout { size: 16, align: 8 });
        assert!(!plan.packed);
        assert_eq!(
            plan.slots,
            vec![Slot::Member(0), Slot::Member(1), Slot::Member(2)]
        );
    }

    #[test]
    fn gaps_and_tail_become_padding() {
        let plan = plan_struct(24, &[p(0, 1, 1), p(8, 8, 8)]).unwrap();
        assert_eq!(
            plan.slots,
            vec![
                Slot::Member(0),
                Slot::Padding {
                    byte_offset: 1,
                    len: 7
                },
                Slot::Member(1),
                Slot::Padding {
                    byte_offset: 16,
                    len: 8
                },
            ]
        );
        assert_eq!(plan.layout.align, 8);
    }

    #[test]
    fn packed_when_member_is_misaligned() {
        // struct __attribute__((packed)) { char a; int b; }
        let plan = plan_struct(5, &[p(0, 1, 1), p(1, 4, 4)]).unwrap();
        assert!(plan.packed);
        assert_eq!(plan.layout.align, 1);
    }

    #[test]
    fn packed_when_size_is_not_a_multiple() {
        // struct __attribute__((packed)) { int a; char b; } : size 5
        let plan = plan_struct(5, &[p(0, 4, 4), p(4, 1, 1)]).unwrap();
        assert!(plan.packed);
    }

    #[test]
    fn over_aligned_struct_keeps_member_alignment() {
        // struct { int a; } __attribute__((aligned(64))): size 64, align 4 in Rust
        let plan = plan_struct(64, &[p(0, 4, 4)]).unwrap();
        assert_eq!(plan.layout, Layout { size: 64, align: 4 });
        assert!(!plan.packed);
        assert_eq!(
            plan.slots[1],
            Slot::Padding {
                byte_offset: 4,
                len: 60
            }
        );
    }

    #[test]
    fn overlap_and_past_end_are_errors() {
        assert_eq!(
            plan_struct(8, &[p(0, 4, 4), p(2, 4, 4)]),
            Err(LayoutError::Overlap {
                first: 0,
                second: 1
            })
        );
        assert!(matches!(
            plan_struct(4, &[p(0, 8, 8)]),
            Err(LayoutError::PastEnd { .. })
        ));
    }

    #[test]
    fn zero_sized_members_fit_anywhere_in_order() {
        // struct { int n; char data[]; }
        let plan = plan_struct(4, &[p(0, 4, 4), p(4, 0, 1)]).unwrap();
        assert_eq!(plan.slots, vec![Slot::Member(0), Slot::Member(1)]);
        // empty struct
        let plan = plan_struct(0, &[]).unwrap();
        assert_eq!(plan.layout, Layout { size: 0, align: 1 });
    }

    #[test]
    fn unions() {
        let plan = plan_union(
            8,
            &[Layout { size: 4, align: 4 }, Layout { size: 8, align: 8 }],
        )
        .unwrap();
        assert_eq!(plan.slots, vec![Slot::Member(0), Slot::Member(1)]);
        assert_eq!(plan.layout.align, 8);
        let plan = plan_union(16, &[Layout { size: 4, align: 4 }]).unwrap();
        assert_eq!(
            plan.slots[1],
            Slot::Padding {
                byte_offset: 0,
                len: 16
            }
        );
    }

    #[test]
    fn datasec_tails_round_up_unless_misplaced() {
        assert_eq!(datasec_size(12, &[p(0, 8, 8), p(8, 4, 4)]), 16);
        assert_eq!(datasec_size(16, &[p(0, 8, 8), p(8, 4, 4)]), 16);
        assert_eq!(datasec_size(6, &[p(0, 1, 1), p(4, 2, 2)]), 6);
        assert_eq!(datasec_size(5, &[p(0, 4, 4), p(4, 1, 1)]), 8);
        assert_eq!(datasec_size(5, &[p(0, 1, 1), p(1, 4, 4)]), 5);
        assert_eq!(datasec_size(0, &[]), 0);
    }

    #[test]
    fn bitfield_runs() {
        // a:3 b:5 (byte 0), c:12 at bit 8 (bytes 1-2), d:1 at bit 32
        let g = group_bitfields(&[(0, 3), (3, 5), (8, 12), (32, 1)]);
        assert_eq!(
            g,
            vec![
                BitfieldStorage {
                    byte_offset: 0,
                    len: 1,
                    members: vec![0, 1]
                },
                BitfieldStorage {
                    byte_offset: 1,
                    len: 2,
                    members: vec![2]
                },
                BitfieldStorage {
                    byte_offset: 4,
                    len: 1,
                    members: vec![3]
                },
            ]
        );
        // spanning: a:7 at 0, b:10 at 7 -> one run of 3 bytes
        let g = group_bitfields(&[(0, 7), (7, 10)]);
        assert_eq!(
            g,
            vec![BitfieldStorage {
                byte_offset: 0,
                len: 3,
                members: vec![0, 1]
            }]
        );
    }
}
