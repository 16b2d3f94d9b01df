//! The C layout rules BTF leaves implicit: BTF gives sizes and offsets but
//! no alignment, so alignment is derived, here and nowhere else.
//!
//! - A scalar (integer, enum, float) of `n` bytes is aligned to `n` when
//!   `n` is a power of two, up to [`MAX_SCALAR_ALIGN`] (`__int128` and
//!   `long double` are 16-aligned on x86-64 and BPF alike); C has no other
//!   scalar sizes, so anything else gets 1.
//! - A pointer is aligned to its size.
//! - A struct or union is aligned to its largest member's alignment,
//!   unless it is *packed*: a member that is not a bitfield sits below its
//!   type's alignment, or the size is not a multiple of that alignment.
//!   A packed type is aligned to 1. ([`Alignment`]; this is libbpf's
//!   `btf__align_of`.)
//!
//! An over-aligned type (`__attribute__((aligned(64)))`) cannot be told
//! from BTF alone: its size shows the padding, but its members do not ask
//! for the alignment, so it derives its members' alignment.

/// The size and alignment of a pointer in BPF programs (and in the
/// kernels BTF describes): 8 bytes.
pub const POINTER_SIZE: u64 = 8;

/// The largest alignment a scalar gets.
pub const MAX_SCALAR_ALIGN: u64 = 16;

/// The alignment of an integer, enum or float of `size` bytes.
///
/// libbpf's `btf__align_of` caps this at the pointer size (8) instead: the
/// two differ only for 16-byte scalars, which no `.kconfig` or `.ksyms`
/// extern (the layouts libbpf computes with it) can have.
pub fn scalar_align(size: u64) -> u64 {
    if size.is_power_of_two() {
        size.min(MAX_SCALAR_ALIGN)
    } else {
        1
    }
}

/// One member of a struct or union, as the alignment rule sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberAlign {
    /// Its offset in the struct, in bits.
    pub bit_offset: u64,
    /// Its type's alignment in bytes.
    pub align: u64,
    /// Whether it is a bitfield: a bitfield may sit anywhere.
    pub bitfield: bool,
}

impl MemberAlign {
    /// A member that is not a bitfield, at a byte offset.
    pub fn at_byte(byte_offset: u64, align: u64) -> MemberAlign {
        MemberAlign {
            bit_offset: byte_offset.saturating_mul(8),
            align,
            bitfield: false,
        }
    }
}

/// What the members of a struct or union say about its alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alignment {
    /// The largest alignment of a member (1 without members).
    pub natural: u64,
    /// A member that is not a bitfield sits below its type's alignment.
    pub misplaced: bool,
}

impl Alignment {
    /// Derives the alignment from the members.
    pub fn of_members(members: impl IntoIterator<Item = MemberAlign>) -> Alignment {
        let mut out = Alignment {
            natural: 1,
            misplaced: false,
        };
        for m in members {
            let align = m.align.max(1);
            if !m.bitfield && m.bit_offset % align.saturating_mul(8) != 0 {
                out.misplaced = true;
            }
            out.natural = out.natural.max(align);
        }
        out
    }

    /// Whether a type of `size` bytes with these members is packed: a member
    /// is misplaced, or the size is not a multiple of the natural alignment.
    pub fn packed(&self, size: u64) -> bool {
        self.misplaced || size % self.natural != 0
    }

    /// The alignment of a type of `size` bytes with these members: the
    /// natural one, or 1 when packed.
    pub fn align(&self, size: u64) -> u64 {
        if self.packed(size) { 1 } else { self.natural }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(byte_offset: u64, align: u64) -> MemberAlign {
        MemberAlign::at_byte(byte_offset, align)
    }

    #[test]
    fn scalars() {
        let cases = [
            (1, 1),
            (2, 2),
            (4, 4),
            (8, 8),
            (16, 16),
            (32, 16),
            (3, 1),
            (0, 1),
            (12, 1),
        ];
        for (size, align) in cases {
            assert_eq!(scalar_align(size), align, "{size}");
        }
    }

    #[test]
    fn natural_struct() {
        // struct { char c; int x; long l; }
        let a = Alignment::of_members([at(0, 1), at(4, 4), at(8, 8)]);
        assert_eq!(
            a,
            Alignment {
                natural: 8,
                misplaced: false
            }
        );
        assert!(!a.packed(16));
        assert_eq!(a.align(16), 8);
        // Without members.
        assert_eq!(Alignment::of_members([]).align(0), 1);
    }

    #[test]
    fn packed_by_a_misplaced_member() {
        // struct __attribute__((packed)) { char c; int x; }: x at byte 1.
        let a = Alignment::of_members([at(0, 1), at(1, 4)]);
        assert!(a.misplaced && a.packed(5));
        assert_eq!(a.align(5), 1);
    }

    #[test]
    fn packed_by_the_size() {
        // struct __attribute__((packed)) { int a; char b; }: 5 bytes.
        let a = Alignment::of_members([at(0, 4), at(4, 1)]);
        assert!(!a.misplaced && a.packed(5));
        assert_eq!(a.align(8), 4);
    }

    #[test]
    fn bitfields_sit_anywhere() {
        let bit = |bit_offset, align| MemberAlign {
            bit_offset,
            align,
            bitfield: true,
        };
        let a = Alignment::of_members([bit(0, 4), bit(3, 4)]);
        assert!(!a.packed(4));
        assert_eq!(a.align(4), 4);
    }

    #[test]
    fn over_aligned_keeps_the_members_alignment() {
        // struct { int a; } __attribute__((aligned(64))): 64 bytes.
        assert_eq!(Alignment::of_members([at(0, 4)]).align(64), 4);
    }

    #[test]
    fn zero_alignment_counts_as_one() {
        let a = Alignment::of_members([at(3, 0)]);
        assert_eq!(
            a,
            Alignment {
                natural: 1,
                misplaced: false
            }
        );
    }
}
