//! Plain data: the field types generated code uses, and the promise that
//! lets the runtime lay them over libbpf's memory.

use std::fmt;

/// Plain data: bytes the runtime may copy and reinterpret. It lays such
/// types over libbpf's data-section memory, and copies them to and from
/// the kernel (map keys and values, events).
///
/// # Safety
///
/// - No byte of the type is padding: every byte belongs to a field, and
///   every field is `Plain` (so it has no padding either). A union has a
///   field that covers all its bytes, and every value of it that safe code
///   can build has every byte initialised (its fields are private, and its
///   constructors start from zero).
/// - Every bit pattern, all-zero included, is a valid value.
///
/// Both together make any value's bytes initialised, and any bytes a value.
/// Generated types implement this only through `layout!`, which proves the
/// first at compile time (a struct's field sizes add up to its size; a
/// union's largest field is its size; every field is `Plain`).
pub unsafe trait Plain: Copy {}

/// A struct_ops shadow type: plain data plus program slots.
///
/// A generated shadow has exactly the size and member offsets of the BPF
/// struct of its struct_ops maps: it is laid over the bytes libbpf sends
/// to the kernel at load. It is writable before load
/// (`open.struct_ops_mut().<map>()`) and read-only after: libbpf reads it
/// once, at load. Function-pointer members are [`Slot`](crate::Slot)s.
///
/// # Safety
///
/// Every field must be [`Plain`] or a program slot (`Option<&Program>`),
/// so the type is valid for any buffer libbpf fills for a struct_ops map
/// (it writes null or a program of the object into each slot); no byte of
/// the type is padding (the fields' sizes add up to its size), so a copy
/// written back leaves libbpf's buffer initialised; and
/// [`Shadow::MEMBERS`] must list every slot, marked so, at its offset,
/// and only members that lie inside the type. Generated shadows implement
/// this only after a compile-time check of each field and of the sizes.
pub unsafe trait Shadow: Copy {
    /// The BPF struct's C name (`tcp_congestion_ops`, or
    /// `tcp_congestion_ops___v2` for a flavor).
    const NAME: &'static str;
    /// The kernel struct libbpf fills from it: [`Shadow::NAME`] without a
    /// `___flavor` suffix.
    const KERNEL_STRUCT: &'static str;
    /// Every C member (bitfields aside): its C name, offset, size, and
    /// whether it is a program slot. The runtime checks them against the
    /// running kernel's struct before load.
    const MEMBERS: &'static [crate::__private::MemberSpec];
}

/// Field types allowed in a [`Shadow`]: plain data and program slots.
///
/// # Safety
///
/// As for [`Shadow`]; in particular no byte of the type is padding.
pub unsafe trait ShadowField: Copy {}

// SAFETY: plain data is valid anywhere and has no padding.
unsafe impl<T: Plain> ShadowField for T {}
// SAFETY: libbpf writes null or a live program pointer into slots, and
// user code can only store `&Program` tokens handed out by skeletons. A
// pointer has no padding.
unsafe impl ShadowField for Option<&crate::Program<'_>> {}

macro_rules! plain {
    ($($t:ty),*) => {
        // SAFETY: primitive integers and floats have no padding, and every
        // bit pattern is a value.
        $(unsafe impl Plain for $t {})*
    };
}
plain!(u8, i8, u16, i16, u32, i32, u64, i64, u128, i128, f32, f64);
// SAFETY: an array of plain values is plain: its elements have no padding
// and none sits between them (an element's size is a multiple of its
// alignment).
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}

/// C padding: bytes no member of a struct holds.
///
/// Safe code builds it only zeroed (`Padding::default()`, which
/// `..Default::default()` in a struct literal uses) and cannot change it,
/// so the padding of a value built in Rust stays zero, as map keys need
/// (the kernel compares keys byte by byte). A value read from the kernel
/// holds whatever bytes the kernel had there. Padding takes no part in
/// comparisons: any two are equal, and hashing it hashes nothing.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct Padding<const N: usize>([u8; N]);

// SAFETY: initialised bytes; any bytes are valid.
unsafe impl<const N: usize> Plain for Padding<N> {}

impl<const N: usize> Default for Padding<N> {
    #[inline]
    fn default() -> Self {
        Padding([0; N])
    }
}

impl<const N: usize> PartialEq for Padding<N> {
    #[inline]
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<const N: usize> Eq for Padding<N> {}

impl<const N: usize> std::hash::Hash for Padding<N> {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl<const N: usize> fmt::Debug for Padding<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("..")
    }
}

/// The bytes that hold a run of C bitfields, read and written only
/// through the accessors of the struct that holds it (`a()`,
/// `set_a(..)`).
///
/// Safe code builds it only zeroed (`Bitfields::default()`, which
/// `..Default::default()` uses) and changes it only through those
/// accessors, so bits no bitfield uses stay zero in values built in Rust.
/// A struct's `==` and `Hash` compare its bitfields' values, never these
/// bytes.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct Bitfields<const N: usize>([u8; N]);

// SAFETY: initialised bytes; any bytes are valid.
unsafe impl<const N: usize> Plain for Bitfields<N> {}

impl<const N: usize> Default for Bitfields<N> {
    #[inline]
    fn default() -> Self {
        Bitfields([0; N])
    }
}

impl<const N: usize> fmt::Debug for Bitfields<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("..")
    }
}

/// Compile-time check used by generated code: `T` may be compared as a
/// member of a type that is `Eq`.
pub const fn eq_field<T: Eq>(_: &T) {}

/// Compile-time layout check used by generated code: each `(actual,
/// expected, message)` must agree, or the build fails with `message`.
pub const fn check_layout(checks: &[(usize, usize, &'static str)]) {
    let mut i = 0;
    while i < checks.len() {
        if checks[i].0 != checks[i].1 {
            panic!("{}", checks[i].2);
        }
        i += 1;
    }
}

/// Compile-time check used by generated code: the fields of a type of
/// `size` bytes, of sizes `fields`, hold every byte of it, so none is
/// padding. A struct's fields (`union` false) follow each other, so their
/// sizes must add up to `size`; a union's overlap, so its largest field
/// must be `size`. Fails the build with `message` otherwise.
pub const fn check_no_padding(size: usize, union: bool, fields: &[usize], message: &'static str) {
    let mut covered = 0usize;
    let mut i = 0;
    while i < fields.len() {
        covered = if union {
            if fields[i] > covered {
                fields[i]
            } else {
                covered
            }
        } else {
            covered.saturating_add(fields[i])
        };
        i += 1;
    }
    if covered != size {
        panic!("{}", message);
    }
}

/// Compile-time check used by generated code: the field `field` points to
/// is [`Plain`]; its size. The pointer is never read.
pub const fn plain_size<F: Plain>(_field: *const F) -> usize {
    std::mem::size_of::<F>()
}

/// Compile-time check used by generated code: the field `field` points to
/// may sit in a shadow; its size. The pointer is never read.
pub const fn shadow_size<F: ShadowField>(_field: *const F) -> usize {
    std::mem::size_of::<F>()
}

/// `&T` over the first bytes of `u` (union member access without
/// `unsafe` in generated code).
#[inline]
pub fn prefix<U: Plain, T: Plain>(u: &U) -> &T {
    const { assert!(std::mem::size_of::<T>() <= std::mem::size_of::<U>()) };
    const { assert!(std::mem::align_of::<T>() <= std::mem::align_of::<U>()) };
    // SAFETY: T fits in U at offset 0 and is aligned there; U's bytes are
    // all initialised (plain data has no padding), and any bytes are a
    // valid T.
    unsafe { &*(u as *const U).cast::<T>() }
}

/// `&mut T` over the first bytes of `u`.
#[inline]
pub fn prefix_mut<U: Plain, T: Plain>(u: &mut U) -> &mut T {
    const { assert!(std::mem::size_of::<T>() <= std::mem::size_of::<U>()) };
    const { assert!(std::mem::align_of::<T>() <= std::mem::align_of::<U>()) };
    // SAFETY: as in `prefix`; whatever T is written holds initialised
    // bytes only (T has no padding), which leave U a valid value.
    unsafe { &mut *(u as *mut U).cast::<T>() }
}

/// Reads a `T` from the first bytes of `u`, which may be unaligned for it.
#[inline]
pub fn read_prefix<U: Plain, T: Plain>(u: &U) -> T {
    const { assert!(std::mem::size_of::<T>() <= std::mem::size_of::<U>()) };
    // SAFETY: T fits in U, whose bytes are all initialised; any bytes are
    // a valid T.
    unsafe { (u as *const U).cast::<T>().read_unaligned() }
}

/// Writes `value` over the first bytes of `u`, which may be unaligned.
#[inline]
pub fn write_prefix<U: Plain, T: Plain>(u: &mut U, value: T) {
    const { assert!(std::mem::size_of::<T>() <= std::mem::size_of::<U>()) };
    // SAFETY: T fits in U; its bytes are initialised, so U stays a valid
    // value with every byte initialised.
    unsafe { (u as *mut U).cast::<T>().write_unaligned(value) }
}

/// A `U` whose first bytes hold `value` and the rest zero: a union built
/// from one member, every byte initialised.
#[inline]
pub fn with_prefix<U: Plain, T: Plain>(value: T) -> U {
    let mut u = zeroed::<U>();
    write_prefix(&mut u, value);
    u
}

/// A zeroed value of a plain type.
#[inline]
pub fn zeroed<T: Plain>() -> T {
    // SAFETY: all-zero is a valid value of every `Plain` type.
    unsafe { std::mem::zeroed() }
}

/// The bytes of a plain value.
#[inline]
pub fn bytes<T: Plain>(v: &T) -> &[u8] {
    // SAFETY: `v` is `size_of::<T>()` readable bytes, all initialised
    // (plain data has no padding), borrowed for as long as `v`.
    unsafe { std::slice::from_raw_parts((v as *const T).cast::<u8>(), std::mem::size_of::<T>()) }
}

/// C `_Bool`: one byte that may hold any value (BPF code can store
/// anything there); non-zero reads as `true`.
#[repr(transparent)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CBool(pub u8);

// SAFETY: any byte is valid.
unsafe impl Plain for CBool {}

impl CBool {
    /// C's `false` (0).
    pub const FALSE: CBool = CBool(0);
    /// C's `true` (1).
    pub const TRUE: CBool = CBool(1);

    /// Whether the byte is non-zero, as C reads a `bool`.
    pub fn get(self) -> bool {
        self.0 != 0
    }

    /// Stores `value` as 1 or 0.
    pub fn set(&mut self, value: bool) {
        self.0 = u8::from(value);
    }
}

impl From<bool> for CBool {
    fn from(value: bool) -> Self {
        CBool(u8::from(value))
    }
}

impl From<CBool> for bool {
    fn from(value: CBool) -> Self {
        value.get()
    }
}

impl PartialEq<bool> for CBool {
    fn eq(&self, other: &bool) -> bool {
        self.get() == *other
    }
}

impl fmt::Debug for CBool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("false"),
            1 => f.write_str("true"),
            n => write!(f, "true({n})"),
        }
    }
}

/// A BPF-side data pointer, kept opaque: its 8 bytes, readable as an
/// address. It can't be dereferenced from user space.
#[repr(transparent)]
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct OpaquePtr(pub u64);

// SAFETY: any 8 bytes are valid.
unsafe impl Plain for OpaquePtr {}

impl OpaquePtr {
    /// The pointer's value, as an address.
    pub fn addr(self) -> u64 {
        self.0
    }

    /// Whether the pointer is null.
    pub fn is_null(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Debug for OpaquePtr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// Why a string does not fit a C `char[N]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CharArrayError {
    /// The string (and its terminating NUL) is longer than the array.
    TooLong {
        /// The string's length, in bytes.
        len: usize,
        /// The array's size, `N`.
        capacity: usize,
    },
    /// The string holds a NUL byte, where C would end it.
    InteriorNul {
        /// Its byte offset.
        at: usize,
    },
}

impl fmt::Display for CharArrayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { len, capacity } => {
                write!(f, "{len} bytes and a NUL do not fit in char[{capacity}]")
            }
            Self::InteriorNul { at } => write!(f, "text holds a NUL byte at {at}"),
        }
    }
}

impl std::error::Error for CharArrayError {}

/// C `char name[N]`: the bytes, with string helpers. `set` always leaves a
/// NUL-terminated string with zeroed bytes after it.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CharArray<const N: usize>(pub [u8; N]);

// SAFETY: any bytes are valid.
unsafe impl<const N: usize> Plain for CharArray<N> {}

impl<const N: usize> Default for CharArray<N> {
    fn default() -> Self {
        CharArray([0; N])
    }
}

impl<const N: usize> From<[u8; N]> for CharArray<N> {
    fn from(bytes: [u8; N]) -> Self {
        CharArray(bytes)
    }
}

impl<const N: usize> CharArray<N> {
    /// Stores `text` and a terminating NUL, zeroing the rest.
    pub fn set(&mut self, text: &str) -> Result<(), CharArrayError> {
        self.set_bytes(text.as_bytes())
    }

    /// As [`CharArray::set`], for bytes that need not be UTF-8.
    pub fn set_bytes(&mut self, bytes: &[u8]) -> Result<(), CharArrayError> {
        if let Some(at) = bytes.iter().position(|&b| b == 0) {
            return Err(CharArrayError::InteriorNul { at });
        }
        if bytes.len() >= N {
            return Err(CharArrayError::TooLong {
                len: bytes.len(),
                capacity: N,
            });
        }
        self.0 = [0; N];
        self.0[..bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    /// The bytes up to the first NUL (all of them if there is none).
    pub fn to_bytes(&self) -> &[u8] {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(N);
        &self.0[..end]
    }

    /// The text up to the first NUL, if it is UTF-8.
    pub fn to_str(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(self.to_bytes())
    }

    /// The text up to the first NUL, with invalid UTF-8 replaced.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(self.to_bytes()).into_owned()
    }

    /// The array's bytes, the terminating NUL and what follows it included.
    pub fn as_bytes(&self) -> &[u8; N] {
        &self.0
    }

    /// The array's size, `N` (the terminating NUL included).
    pub fn capacity(&self) -> usize {
        N
    }
}

impl<const N: usize> fmt::Debug for CharArray<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string_lossy(), f)
    }
}

/// Bitfield access for generated accessors. Bits are numbered from the
/// least significant bit of the first byte (little-endian BPF).
pub mod bits {
    use super::Bitfields;

    /// Reads `bits` (1..=64) bits at `offset` as an unsigned value.
    pub fn get<const N: usize>(unit: &Bitfields<N>, offset: u32, bits: u32) -> u64 {
        let mut value = 0u64;
        for i in 0..bits.min(64) {
            let bit = offset + i;
            let byte = unit.0.get((bit / 8) as usize).copied().unwrap_or(0);
            if byte >> (bit % 8) & 1 == 1 {
                value |= 1 << i;
            }
        }
        value
    }

    /// Reads a signed bitfield, sign-extending its top bit.
    pub fn get_signed<const N: usize>(unit: &Bitfields<N>, offset: u32, bits: u32) -> i64 {
        let raw = get(unit, offset, bits);
        if bits == 0 || bits >= 64 {
            return raw as i64;
        }
        let shift = 64 - bits;
        ((raw << shift) as i64) >> shift
    }

    /// Writes the low `bits` bits of `value` at `offset`.
    pub fn set<const N: usize>(unit: &mut Bitfields<N>, offset: u32, bits: u32, value: u64) {
        for i in 0..bits.min(64) {
            let bit = offset + i;
            if let Some(byte) = unit.0.get_mut((bit / 8) as usize) {
                let mask = 1u8 << (bit % 8);
                if value >> i & 1 == 1 {
                    *byte |= mask;
                } else {
                    *byte &= !mask;
                }
            }
        }
    }

    /// [`get`] on a big-endian target, where C numbers a bitfield's bits
    /// from the most significant bit of its first byte (bit 0 is `0x80`
    /// of byte 0) and its value's most significant bit comes first.
    pub fn get_be<const N: usize>(unit: &Bitfields<N>, offset: u32, bits: u32) -> u64 {
        let bits = bits.min(64);
        let mut value = 0u64;
        for i in 0..bits {
            let bit = offset + i;
            let byte = unit.0.get((bit / 8) as usize).copied().unwrap_or(0);
            if byte >> (7 - bit % 8) & 1 == 1 {
                value |= 1 << (bits - 1 - i);
            }
        }
        value
    }

    /// [`get_signed`] on a big-endian target (see [`get_be`]).
    pub fn get_signed_be<const N: usize>(unit: &Bitfields<N>, offset: u32, bits: u32) -> i64 {
        let raw = get_be(unit, offset, bits);
        if bits == 0 || bits >= 64 {
            return raw as i64;
        }
        let shift = 64 - bits;
        ((raw << shift) as i64) >> shift
    }

    /// [`set`] on a big-endian target (see [`get_be`]).
    pub fn set_be<const N: usize>(unit: &mut Bitfields<N>, offset: u32, bits: u32, value: u64) {
        let bits = bits.min(64);
        for i in 0..bits {
            let bit = offset + i;
            if let Some(byte) = unit.0.get_mut((bit / 8) as usize) {
                let mask = 1u8 << (7 - bit % 8);
                if value >> (bits - 1 - i) & 1 == 1 {
                    *byte |= mask;
                } else {
                    *byte &= !mask;
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn big_endian_numbering() {
            // struct { unsigned a:3, b:5; unsigned short c:12; } on a
            // big-endian machine: `a` is the top 3 bits of byte 0, `c`
            // the top 12 bits of bytes 1-2, its value most significant
            // first.
            let mut b = Bitfields::<4>::default();
            set_be(&mut b, 0, 3, 0b101);
            assert_eq!(b.0, [0b1010_0000, 0, 0, 0]);
            set_be(&mut b, 3, 5, 0b10011);
            assert_eq!(b.0, [0b1011_0011, 0, 0, 0]);
            set_be(&mut b, 8, 12, 0xabc);
            assert_eq!(b.0, [0b1011_0011, 0xab, 0xc0, 0]);
            assert_eq!(get_be(&b, 0, 3), 0b101);
            assert_eq!(get_be(&b, 3, 5), 0b10011);
            assert_eq!(get_be(&b, 8, 12), 0xabc);
            assert_eq!(get_signed_be(&b, 8, 12), 0xabc - 0x1000);
            // The same bytes as a big-endian integer: c is bits 12..24
            // counted from the top of the 32-bit word.
            let word = u32::from_be_bytes(b.0);
            assert_eq!((word >> (32 - 8 - 12)) & 0xfff, 0xabc);
            set_be(&mut b, 3, 5, 0);
            assert_eq!(get_be(&b, 0, 3), 0b101);
            assert_eq!(get_be(&b, 8, 12), 0xabc);
            set_be(&mut b, 0, 64, u64::MAX);
            assert_eq!(b.0, [0xff; 4]);
        }

        #[test]
        fn round_trip() {
            let mut b = Bitfields::<4>::default();
            set(&mut b, 3, 5, 0b10110);
            assert_eq!(get(&b, 3, 5), 0b10110);
            assert_eq!(b.0, [0b1011_0000, 0, 0, 0]);
            set(&mut b, 7, 10, 0x3ff);
            assert_eq!(get(&b, 7, 10), 0x3ff);
            assert_eq!(get_signed(&b, 7, 10), -1);
            set(&mut b, 0, 3, 3);
            assert_eq!(get_signed(&b, 0, 3), 3);
            assert_eq!(get(&b, 7, 10), 0x3ff);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_array() {
        let mut a = CharArray::<8>::default();
        a.set("hello").unwrap();
        assert_eq!(a.to_str().unwrap(), "hello");
        assert_eq!(a.0, *b"hello\0\0\0");
        assert_eq!(a.set("1234567"), Ok(()));
        assert_eq!(
            a.set("12345678"),
            Err(CharArrayError::TooLong {
                len: 8,
                capacity: 8
            })
        );
        assert_eq!(a.set("a\0b"), Err(CharArrayError::InteriorNul { at: 1 }));
        assert_eq!(a.to_str().unwrap(), "1234567");
        a.0 = *b"abcdefgh";
        assert_eq!(a.to_bytes(), b"abcdefgh");
    }

    #[test]
    fn fields_must_hold_every_byte() {
        // A struct's fields add up; a union's largest one counts.
        check_no_padding(8, false, &[1, 3, 4], "");
        check_no_padding(8, true, &[4, 8, 2], "");
        check_no_padding(0, false, &[], "");
        let gap = std::panic::catch_unwind(|| check_no_padding(8, false, &[1, 4], "`padded`"));
        assert_eq!(
            gap.unwrap_err().downcast_ref::<String>().unwrap(),
            "`padded`"
        );
        assert!(std::panic::catch_unwind(|| check_no_padding(8, true, &[4, 6], "")).is_err());
        assert!(std::panic::catch_unwind(|| check_no_padding(4, false, &[4, 4], "")).is_err());
    }

    /// The helpers generated unions use, at the edges Miri checks: a
    /// prefix as large as the value, reads and writes misaligned for the
    /// prefix's type.
    #[test]
    fn reinterpreting_helpers_stay_inside_their_value() {
        let mut raw = [1u8, 2, 3, 4, 5, 6, 7, 8];
        let whole: u64 = read_prefix(&raw);
        assert_eq!(whole, u64::from_ne_bytes([1, 2, 3, 4, 5, 6, 7, 8]));
        write_prefix(&mut raw, 0x0a0b_0c0du32);
        assert_eq!(raw[..4], 0x0a0b_0c0du32.to_ne_bytes());
        assert_eq!(raw[4..], [5, 6, 7, 8]);
        let mut words = [0x0102_0304u32, 5];
        let front: &u16 = prefix(&words);
        assert_eq!(front.to_ne_bytes(), 0x0102_0304u32.to_ne_bytes()[..2]);
        *prefix_mut::<_, [u32; 2]>(&mut words) = [0, 7];
        assert_eq!(words, [0, 7]);
        *prefix_mut::<_, [u8; 3]>(&mut words) = [9; 3];
        assert_eq!(bytes(&words)[..4], [9, 9, 9, 0]);
        let built: [u16; 3] = with_prefix([1u8; 6]);
        assert_eq!(built, [0x0101; 3]);
        assert_eq!(zeroed::<[f64; 2]>(), [0.0; 2]);
        assert!(bytes(&[0u8; 0]).is_empty());
    }

    #[test]
    fn padding_is_zero_and_takes_no_part_in_comparisons() {
        use std::hash::{BuildHasher, RandomState};
        let p = Padding::<3>::default();
        assert_eq!(p.0, [0; 3]);
        let other = Padding([1, 2, 3]);
        assert_eq!(p, other);
        let s = RandomState::new();
        assert_eq!(s.hash_one(p), s.hash_one(other));
        assert_eq!(format!("{other:?}"), "..");
        assert_eq!(Bitfields::<2>::default().0, [0; 2]);
        assert_eq!(bytes(&[1u16, 2]), [1, 0, 2, 0]);
        let u: [u32; 2] = with_prefix(0x0102_0304u32);
        assert_eq!(u, [0x0102_0304, 0]);
        assert_eq!(read_prefix::<[u32; 2], [u8; 2]>(&u), [4, 3]);
    }

    #[test]
    fn cbool_any_byte() {
        let b = CBool(7);
        assert!(b.get());
        assert_eq!(format!("{b:?}"), "true(7)");
        assert!(!CBool::default().get());
    }
}
