//! The layout checks and marker impls generated types carry, as one macro
//! invocation per type.

/// Implements [`Plain`](crate::Plain) or [`Shadow`](crate::Shadow) for a
/// generated type after checking its layout at compile time: its size, its
/// alignment and the offset of every member, each against the number BTF
/// gives, with a message naming the type and member; that every field
/// may sit in the type (plain data, or for shadows also program slots);
/// and that no byte of it is padding (a struct's field sizes add up to its
/// size, a union's largest field is its size), so a type with a gap no
/// field fills fails to compile, naming the type. For structs it also
/// checks that the fields listed are all the type has.
///
/// ```text
/// layout!(unsafe plain Name: SIZE, ALIGN [packed] [PartialEq]; member OFFSET, ...;
///         other [(bitfield, ...)], ...);
/// layout!(unsafe shadow Name<'static> "c_name" [as "kernel_struct"]: SIZE, ALIGN [packed] [PartialEq];
///         member [= "c_member"] OFFSET [slot], ...; other [(bitfield, ...)], ...);
/// layout!(unsafe union Name: SIZE, ALIGN; field, ...);
/// layout!(unsafe newtype Name: SIZE, ALIGN);
/// layout!(unsafe enum Name: REPR, SIZE [, ALIGN]);
/// ```
///
/// The other fields of a struct, padding ([`Padding`](crate::Padding))
/// and bitfield storage ([`Bitfields`](crate::Bitfields)), are listed
/// without offsets: theirs follow from the members' and the size. Storage
/// lists the getters of the bitfields it holds. A shadow lists its members
/// in [`Shadow::MEMBERS`](crate::Shadow::MEMBERS) from the type's own
/// facts: offsets by `offset_of!`, sizes from the field types, the C name
/// from the field's (`= "c_member"` where the two differ), and `slot`
/// marking program slots. The kernel struct is the C name unless `as`
/// names another (a `___flavor` suffix dropped).
///
/// What each type gets besides:
/// - `plain` structs: a zeroed `Default`; a `Debug` that shows the members
///   and bitfields (padding and unused bits as `..`); `PartialEq`, `Eq`
///   and `Hash` over the members and the bitfields' values, never padding
///   nor bits no bitfield uses. `PartialEq` after the alignment says the
///   members hold floats: the type gets `PartialEq` alone. `packed` says
///   the struct is `repr(packed)`: its members are copied out to be
///   compared and shown, where others are borrowed (a large array in a
///   data section is not copied); leaving it out of a packed struct whose
///   members need alignment fails to compile.
/// - `shadow` structs: the same `Debug`, and `PartialEq` (with `Eq` unless
///   marked `PartialEq`) over the members; slots compare which program
///   they hold. No `Hash`, no `Default`.
/// - `union`s: a zeroed `Default`, a `Debug` that shows no member (which
///   one is meant is not known), and `PartialEq`, `Eq` and `Hash` over all
///   their bytes: the bytes no member in use covers too (which the union's
///   constructors zero), as the kernel compares map keys; a float member
///   compares by its bits.
///
/// The checks are one `const` evaluation per type, and the impls
/// `#[inline]`, so that a crate pays codegen only for the impls it uses.
///
/// An `enum` is a newtype over its integer `REPR`. So that a plain integer
/// member (a `u64 flags` filled from an enum's constants) takes the
/// constants without casts, it gets `From<Name>` and `BitOrAssign<Name>`
/// for every integer type that holds all values of `REPR` (`u32`: `u32`,
/// `u64`, `u128`, `i64`, `i128`), and `|` between its own values:
/// `ops.flags = (flags::A | flags::B).into()`, `ops.flags |= flags::C`.
///
/// It is `unsafe` to invoke: for unions, the caller promises that the
/// field list is complete and that no field is visible outside the
/// module (a union literal `U { small: 1 }` would leave the other bytes
/// uninitialised); values are built by `Default` and constructors that
/// start from zero.
#[doc(hidden)]
#[macro_export]
macro_rules! layout {
    (unsafe plain $name:ident: $size:literal, $align:literal $($flag:ident)*;
        $($f:ident $off:literal),*; $($rest:ident $(($($g:ident),*))?),*) => {
        $crate::layout!(@check $name, $name: $size, $align; $($f $off),*);
        $crate::layout!(@no_padding plain_size false $name, $name; $($f,)* $($rest,)*);
        const _: () = {
            fn _fields(v: &$name) {
                let $name { $($f: _,)* $($rest: _,)* } = *v;
            }
        };
        // SAFETY: every field is listed (the pattern above is exhaustive)
        // and plain, and their sizes add up to the type's: no byte is
        // padding.
        unsafe impl $crate::Plain for $name {}
        $crate::layout!(@default $name);
        $crate::layout!(@with_flags [$($flag)*] [Hash] $name, $name;
            $($f),*; $($rest),*; $($($($g,)*)?)*);
    };
    (unsafe shadow $name:ident<$lt:lifetime> $c_name:literal $(as $kernel:literal)?: $size:literal, $align:literal $($flag:ident)*;
        $($f:ident $(= $c:literal)? $off:literal $($slot:ident)?),*; $($rest:ident $(($($g:ident),*))?),*) => {
        $crate::layout!(@check $name, $name<$lt>: $size, $align; $($f $off),*);
        $crate::layout!(@no_padding shadow_size false $name<$lt>, $name; $($f,)* $($rest,)*);
        const _: () = {
            fn _fields(v: &$name<$lt>) {
                let $name { $($f: _,)* $($rest: _,)* } = *v;
            }
        };
        // SAFETY: every field is listed (the pattern above is exhaustive)
        // and plain or a slot, and their sizes add up to the type's: no
        // byte is padding. The slots are the members marked `slot`, which
        // the generator marks for every `Slot` field.
        unsafe impl<'obj> $crate::Shadow for $name<'obj> {
            const NAME: &'static str = $c_name;
            const KERNEL_STRUCT: &'static str = $crate::layout!(@first $($kernel,)? $c_name);
            const MEMBERS: &'static [$crate::__private::MemberSpec] = &[
                $($crate::layout!(@member $f [$($c)?] [$($slot)?]),)*
            ];
        }
        $crate::layout!(@with_flags [$($flag)*] [] $name, $name<'_>;
            $($f),*; $($rest),*; $($($($g,)*)?)*);
    };
    (unsafe union $name:ident: $size:literal, $align:literal; $($f:ident),*) => {
        $crate::layout!(@check $name, $name: $size, $align;);
        $crate::layout!(@no_padding plain_size true $name, $name; $($f,)*);
        // SAFETY: every field is plain (the caller lists them all), and the
        // largest is the union's size: no byte is padding. The caller
        // keeps the fields private, so safe code builds values only through
        // `Default` and the generated constructors, which initialise every
        // byte.
        unsafe impl $crate::Plain for $name {}
        $crate::layout!(@default $name);
        impl ::core::fmt::Debug for $name {
            #[inline]
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct($crate::__private::strip_raw(stringify!($name))).finish_non_exhaustive()
            }
        }
        impl ::core::cmp::PartialEq for $name {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                $crate::__private::bytes(self) == $crate::__private::bytes(other)
            }
        }
        impl ::core::cmp::Eq for $name {}
        impl ::core::hash::Hash for $name {
            #[inline]
            fn hash<H: ::core::hash::Hasher>(&self, state: &mut H) {
                ::core::hash::Hash::hash($crate::__private::bytes(self), state)
            }
        }
    };
    (unsafe newtype $name:ident: $size:literal, $align:literal) => {
        $crate::layout!(@check $name, $name: $size, $align;);
        const _: () = {
            fn _fields(v: &$name) {
                let $name(_) = *v;
            }
        };
        // Its one field is plain and as large as it: no byte is padding
        // (an over-aligned newtype would have some).
        const _: () = {
            let v = ::core::mem::MaybeUninit::<$name>::uninit();
            let p = v.as_ptr();
            // SAFETY: `p` points to a live, if uninitialised, value; taking
            // the address of its field reads nothing.
            let size = unsafe { $crate::__private::plain_size(::core::ptr::addr_of!((*p).0)) };
            $crate::__private::check_no_padding(::core::mem::size_of::<$name>(), false, &[size],
                $crate::layout!(@padding_message $name));
        };
        // SAFETY: its one field (the pattern above is exhaustive) is plain,
        // and as large as the type (checked above): no byte is padding.
        unsafe impl $crate::Plain for $name {}
    };
    (unsafe enum $name:ident: $repr:ident, $size:literal) => {
        $crate::layout!(unsafe enum $name: $repr, $size, $size);
    };
    // The alignment, where the target's differs from the size (a u64 is
    // 4-aligned on i686).
    (unsafe enum $name:ident: $repr:ident, $size:literal, $align:literal) => {
        $crate::layout!(unsafe newtype $name: $size, $align);
        $crate::layout!(@into $name: $repr);
        impl ::core::ops::BitOr for $name {
            type Output = $name;
            #[inline]
            fn bitor(self, other: $name) -> $name {
                $name(self.0 | other.0)
            }
        }
        impl ::core::ops::BitOrAssign for $name {
            #[inline]
            fn bitor_assign(&mut self, other: $name) {
                self.0 |= other.0;
            }
        }
    };
    (@into $name:ident: u8) => { $crate::layout!(@from $name: u8 => u8, u16, u32, u64, u128, i16, i32, i64, i128); };
    (@into $name:ident: u16) => { $crate::layout!(@from $name: u16 => u16, u32, u64, u128, i32, i64, i128); };
    (@into $name:ident: u32) => { $crate::layout!(@from $name: u32 => u32, u64, u128, i64, i128); };
    (@into $name:ident: u64) => { $crate::layout!(@from $name: u64 => u64, u128, i128); };
    (@into $name:ident: i8) => { $crate::layout!(@from $name: i8 => i8, i16, i32, i64, i128); };
    (@into $name:ident: i16) => { $crate::layout!(@from $name: i16 => i16, i32, i64, i128); };
    (@into $name:ident: i32) => { $crate::layout!(@from $name: i32 => i32, i64, i128); };
    (@into $name:ident: i64) => { $crate::layout!(@from $name: i64 => i64, i128); };
    (@from $name:ident: $repr:ident => $($t:ident),*) => {
        $(
            impl ::core::convert::From<$name> for $t {
                #[inline]
                fn from(v: $name) -> $t {
                    <$t>::from(v.0)
                }
            }
            impl ::core::ops::BitOrAssign<$name> for $t {
                #[inline]
                fn bitor_assign(&mut self, v: $name) {
                    *self |= <$t>::from(v.0);
                }
            }
        )*
    };
    (@member $f:ident [$($c:literal)?] [$($slot:ident)?]) => {
        $crate::__private::MemberSpec::new(
            $crate::layout!(@first $($c,)? $crate::__private::strip_raw(stringify!($f))),
            ::core::mem::offset_of!(Self, $f),
            $crate::__private::size_of_field(|v: Self| v.$f),
            $crate::layout!(@is_slot $($slot)?),
        )
    };
    (@is_slot slot) => { true };
    (@is_slot) => { false };
    (@first $first:expr $(, $rest:expr)*) => { $first };
    // Each field's size, checked to be plain data (`plain_size`) or a
    // shadow field (`shadow_size`), in one const body: from raw pointers
    // to the fields of an uninitialised value.
    (@no_padding $check:ident $union:literal $ty:ty, $name:ident; ) => {
        const _: () = $crate::__private::check_no_padding(::core::mem::size_of::<$ty>(), $union,
            &[], $crate::layout!(@padding_message $name));
    };
    (@no_padding $check:ident $union:literal $ty:ty, $name:ident; $($f:ident,)+) => {
        const _: () = {
            let v = ::core::mem::MaybeUninit::<$ty>::uninit();
            let p = v.as_ptr();
            // SAFETY: `p` points to a live, if uninitialised, value; taking
            // the address of its fields reads nothing.
            let sizes = unsafe { [$($crate::__private::$check(::core::ptr::addr_of!((*p).$f)),)+] };
            $crate::__private::check_no_padding(::core::mem::size_of::<$ty>(), $union, &sizes,
                $crate::layout!(@padding_message $name));
        };
    };
    (@padding_message $name:ident) => {
        concat!("`", stringify!($name), "`: its fields must hold every byte of it: a byte no field ",
            "holds is padding, which plain data must not have (fill it with a `Padding` field)")
    };
    (@default $name:ident) => {
        impl ::core::default::Default for $name {
            #[inline]
            fn default() -> Self {
                $crate::__private::zeroed()
            }
        }
    };
    (@check $name:ident, $ty:ty: $size:literal, $align:literal; $($f:ident $off:literal),*) => {
        const _: () = $crate::__private::check_layout(&[
            (::core::mem::size_of::<$ty>(), $size,
                concat!("`", stringify!($name), "`: size must be ", stringify!($size), " bytes, as in BTF")),
            (::core::mem::align_of::<$ty>(), $align,
                concat!("`", stringify!($name), "`: alignment must be ", stringify!($align))),
            $((::core::mem::offset_of!($ty, $f), $off,
                concat!("`", stringify!($name), "::", stringify!($f), "`: offset must be ", stringify!($off), ", as in BTF")),)*
        ]);
    };
    // `packed` (fields are read by copy: they cannot be borrowed) and
    // `PartialEq` (floats: no `Eq`, no `Hash`), in this order.
    (@with_flags [] $($rest:tt)*) => { $crate::layout!(@impls [] [Eq] $($rest)*); };
    (@with_flags [PartialEq] $($rest:tt)*) => { $crate::layout!(@impls [] [] $($rest)*); };
    (@with_flags [packed] $($rest:tt)*) => { $crate::layout!(@impls [packed] [Eq] $($rest)*); };
    (@with_flags [packed PartialEq] $($rest:tt)*) => { $crate::layout!(@impls [packed] [] $($rest)*); };
    // `Debug`, and comparisons over members and bitfield values: padding
    // and unused bits take no part.
    (@impls $mode:tt [$($eq:ident)?] [$($hash:ident)?] $name:ident, $ty:ty;
        $($f:ident),*; $($rest:ident),*; $($g:ident,)*) => {
        $crate::layout!(@debug $mode $name, $ty; $($f,)*; $($rest),*; $($g,)*);
        $crate::layout!(@partial_eq $mode $ty; $($f,)*; $($g,)*);
        $crate::layout!(@eq [$($eq)?] [$($hash)?] $ty; $($f,)*);
        $crate::layout!(@hash [$($eq)? $($hash)?] $mode $ty; $($f,)*; $($g,)*);
    };
    // Members and bitfields by name; padding and unused bits shown as `..`.
    // Members are borrowed, or copied out of a packed struct (`$mode`:
    // `[]` or `[packed]`).
    (@debug $mode:tt $name:ident, $ty:ty; $($f:ident,)*; ; $($g:ident,)*) => {
        $crate::layout!(@debug_impl $mode finish $name, $ty; $($f,)*; $($g,)*);
    };
    (@debug $mode:tt $name:ident, $ty:ty; $($f:ident,)*; $($rest:ident),+; $($g:ident,)*) => {
        $crate::layout!(@debug_impl $mode finish_non_exhaustive $name, $ty; $($f,)*; $($g,)*);
    };
    (@debug_impl [] $finish:ident $name:ident, $ty:ty; $($f:ident,)*; $($g:ident,)*) => {
        impl ::core::fmt::Debug for $ty {
            #[inline]
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct($crate::__private::strip_raw(stringify!($name)))
                    $(.field($crate::__private::strip_raw(stringify!($f)), &self.$f))*
                    $(.field($crate::__private::strip_raw(stringify!($g)), &self.$g()))*
                    .$finish()
            }
        }
    };
    (@debug_impl [packed] $finish:ident $name:ident, $ty:ty; $($f:ident,)*; $($g:ident,)*) => {
        impl ::core::fmt::Debug for $ty {
            #[inline]
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct($crate::__private::strip_raw(stringify!($name)))
                    $(.field($crate::__private::strip_raw(stringify!($f)), &{ self.$f }))*
                    $(.field($crate::__private::strip_raw(stringify!($g)), &self.$g()))*
                    .$finish()
            }
        }
    };
    (@partial_eq $mode:tt $ty:ty; ; ) => {
        impl ::core::cmp::PartialEq for $ty {
            #[inline]
            fn eq(&self, _: &Self) -> bool {
                true
            }
        }
    };
    (@partial_eq [] $ty:ty; $($f:ident,)*; $($g:ident,)*) => {
        impl ::core::cmp::PartialEq for $ty {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                true $(&& self.$f == other.$f)* $(&& self.$g() == other.$g())*
            }
        }
    };
    (@partial_eq [packed] $ty:ty; $($f:ident,)*; $($g:ident,)*) => {
        impl ::core::cmp::PartialEq for $ty {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                true $(&& { self.$f } == { other.$f })* $(&& self.$g() == other.$g())*
            }
        }
    };
    // `Eq`: where `Hash` is implemented too, its calls prove the members
    // hash, which all types here that hash also do `Eq`; shadows check.
    (@eq [] $($rest:tt)*) => {};
    (@eq [Eq] [Hash] $ty:ty; $($f:ident,)*) => {
        impl ::core::cmp::Eq for $ty {}
    };
    (@eq [Eq] [] $ty:ty; $($f:ident,)*) => {
        const _: () = {
            fn _eq(_v: &$ty) {
                $($crate::__private::eq_field(&{ _v.$f });)*
            }
        };
        impl ::core::cmp::Eq for $ty {}
    };
    // `Hash` for types that are `Eq` and asked for it (not shadows: slots
    // don't hash).
    (@hash [Eq Hash] $mode:tt $ty:ty; ; ) => {
        impl ::core::hash::Hash for $ty {
            #[inline]
            fn hash<H: ::core::hash::Hasher>(&self, _: &mut H) {}
        }
    };
    (@hash [Eq Hash] [] $ty:ty; $($f:ident,)*; $($g:ident,)*) => {
        impl ::core::hash::Hash for $ty {
            #[inline]
            fn hash<H: ::core::hash::Hasher>(&self, state: &mut H) {
                $(::core::hash::Hash::hash(&self.$f, state);)*
                $(::core::hash::Hash::hash(&self.$g(), state);)*
            }
        }
    };
    (@hash [Eq Hash] [packed] $ty:ty; $($f:ident,)*; $($g:ident,)*) => {
        impl ::core::hash::Hash for $ty {
            #[inline]
            fn hash<H: ::core::hash::Hasher>(&self, state: &mut H) {
                $(::core::hash::Hash::hash(&{ self.$f }, state);)*
                $(::core::hash::Hash::hash(&self.$g(), state);)*
            }
        }
    };
    (@hash [$($other:ident)*] $($rest:tt)*) => {};
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::__private::{bits, bytes, prefix, prefix_mut, with_prefix};
    use crate::{Bitfields, Padding, Program, Shadow, Slot};

    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Two {
        a: u32,
        __padding_0: Padding<4>,
        b: u64,
    }
    crate::layout!(unsafe plain Two: 16, 8; a 0, b 8; __padding_0);

    #[repr(C, packed)]
    #[derive(Clone, Copy)]
    struct Packed {
        c: u8,
        i: u32,
    }
    crate::layout!(unsafe plain Packed: 5, 1 packed; c 0, i 1;);

    /// Over-aligned in C: the tail is explicit padding.
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Tail {
        v: i32,
        __padding_0: Padding<60>,
    }
    crate::layout!(unsafe plain Tail: 64, 4; v 0; __padding_0);

    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Empty {}
    crate::layout!(unsafe plain Empty: 0, 1;;);

    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Floats {
        x: f32,
        __padding_0: Padding<4>,
        y: [f64; 1],
    }
    crate::layout!(unsafe plain Floats: 16, 8 PartialEq; x 0, y 8; __padding_0);

    #[repr(C, packed)]
    #[derive(Clone, Copy)]
    struct PackedFloat {
        c: u8,
        f: f32,
    }
    crate::layout!(unsafe plain PackedFloat: 5, 1 packed PartialEq; c 0, f 1;);

    /// `struct { unsigned a : 3, b : 5; int c : 7; }` with a spare bit.
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Bits {
        n: u8,
        __bitfield_0: Bitfields<2>,
        __padding_0: Padding<1>,
    }
    impl Bits {
        fn a(&self) -> u32 {
            bits::get(&self.__bitfield_0, 0, 3) as u32
        }
        fn set_a(&mut self, value: u32) {
            bits::set(&mut self.__bitfield_0, 0, 3, u64::from(value))
        }
        fn b(&self) -> u32 {
            bits::get(&self.__bitfield_0, 3, 5) as u32
        }
        fn c(&self) -> i32 {
            bits::get_signed(&self.__bitfield_0, 8, 7) as i32
        }
        fn set_c(&mut self, value: i32) {
            bits::set(&mut self.__bitfield_0, 8, 7, value as u64)
        }
    }
    crate::layout!(unsafe plain Bits: 4, 1; n 0; __bitfield_0(a, b, c), __padding_0);

    #[repr(C)]
    #[derive(Clone, Copy)]
    union U {
        i: u32,
        raw: [u8; 8],
    }
    // SAFETY: every field is listed, and private to this module (tests
    // build values with `Default` and `with_prefix`).
    crate::layout!(unsafe union U: 8, 4; i, raw);

    /// No member covers the union: a padding field does.
    #[repr(C)]
    #[derive(Clone, Copy)]
    union Wide {
        i: u32,
        s: [u8; 6],
        __padding_0: Padding<8>,
    }
    // SAFETY: as for `U`.
    crate::layout!(unsafe union Wide: 8, 4; i, s, __padding_0);

    #[repr(transparent)]
    #[derive(Clone, Copy)]
    struct E(i32);
    crate::layout!(unsafe newtype E: 4, 4);

    #[repr(transparent)]
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Flags(u32);
    crate::layout!(unsafe enum Flags: u32, 4);

    #[test]
    fn debug_shows_members_and_bitfields_and_hides_padding() {
        let two = Two {
            a: 1,
            b: 2,
            ..Default::default()
        };
        assert_eq!(format!("{two:?}"), "Two { a: 1, b: 2, .. }");
        let packed = Packed { c: 3, i: 4 };
        assert_eq!(format!("{packed:?}"), "Packed { c: 3, i: 4 }");
        let mut bits = Bits {
            n: 9,
            ..Default::default()
        };
        bits.set_a(5);
        bits.set_c(-3);
        assert_eq!(format!("{bits:?}"), "Bits { n: 9, a: 5, b: 0, c: -3, .. }");
        assert_eq!(format!("{:?}", U::default()), "U { .. }");
        assert_eq!(format!("{:?}", Empty {}), "Empty");
    }

    #[test]
    fn struct_update_syntax_leaves_padding_zero() {
        let two = Two {
            a: u32::MAX,
            b: u64::MAX,
            ..Default::default()
        };
        assert_eq!(bytes(&two)[4..8], [0; 4]);
        let tail = Tail {
            v: -1,
            ..Default::default()
        };
        assert!(bytes(&tail)[4..].iter().all(|&b| b == 0));
    }

    fn hash_of<T: std::hash::Hash>(v: &T) -> u64 {
        use std::hash::{BuildHasher, RandomState};
        thread_local!(static STATE: RandomState = RandomState::new());
        STATE.with(|s| s.hash_one(v))
    }

    #[test]
    fn equality_compares_members_never_padding() {
        let one = Two {
            a: 1,
            b: 2,
            ..Default::default()
        };
        let mut other = one;
        // Padding as the kernel may hand it back: any bytes.
        *prefix_mut::<Two, [u8; 8]>(&mut other) = [1, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd];
        assert_ne!(bytes(&one), bytes(&other));
        assert_eq!(one, other);
        assert_eq!(hash_of(&one), hash_of(&other));
        other.b = 3;
        assert_ne!(one, other);
        let set: HashSet<Two> = [one, other, one].into_iter().collect();
        assert_eq!(set.len(), 2);
        assert_eq!(Packed { c: 1, i: 2 }, Packed { c: 1, i: 2 });
        assert_ne!(Packed { c: 1, i: 2 }, Packed { c: 1, i: 3 });
        assert_eq!(Empty {}, Empty {});
        assert_eq!(hash_of(&Empty {}), hash_of(&Empty {}));
    }

    #[test]
    fn floats_compare_as_floats() {
        let nan = Floats {
            x: f32::NAN,
            ..Default::default()
        };
        assert_ne!(nan, nan);
        let zero = Floats::default();
        let neg = Floats {
            x: -0.0,
            ..Default::default()
        };
        assert_eq!(zero, neg);
        let p = PackedFloat { c: 1, f: f32::NAN };
        assert_ne!(p, p);
        assert_eq!(PackedFloat { c: 1, f: 0.0 }, PackedFloat { c: 1, f: -0.0 });
        assert_eq!(
            format!("{:?}", PackedFloat { c: 1, f: 2.5 }),
            "PackedFloat { c: 1, f: 2.5 }"
        );
    }

    #[test]
    fn bitfields_compare_by_value_never_unused_bits() {
        let mut one = Bits::default();
        one.set_a(3);
        let mut other = one;
        // Bit 15 belongs to no bitfield.
        prefix_mut::<Bits, [u8; 3]>(&mut other)[2] = 0x80;
        assert_eq!(one, other);
        assert_eq!(hash_of(&one), hash_of(&other));
        other.set_c(1);
        assert_ne!(one, other);
        assert_eq!((other.a(), other.b(), other.c()), (3, 0, 1));
    }

    #[test]
    fn unions_compare_every_byte() {
        let small: U = with_prefix(7u32);
        assert_eq!(*prefix::<U, [u8; 8]>(&small), [7, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(small, with_prefix([7u8, 0, 0, 0, 0, 0, 0, 0]));
        let mut other = small;
        prefix_mut::<U, [u8; 8]>(&mut other)[6] = 1;
        assert_eq!(*prefix::<U, u32>(&other), 7);
        assert_ne!(small, other, "bytes no member in use covers count too");
        assert_eq!(hash_of(&small), hash_of(&with_prefix::<U, u32>(7)));
        let wide: Wide = with_prefix([1u8; 6]);
        assert_eq!(bytes(&wide), [1, 1, 1, 1, 1, 1, 0, 0]);
        assert_eq!(Wide::default(), with_prefix(0u32));
    }

    #[test]
    fn enum_constants_fill_wider_integers_without_casts() {
        const A: Flags = Flags(1);
        const B: Flags = Flags(8);
        let mut flags: u64 = (A | B).into();
        assert_eq!(flags, 9);
        flags |= Flags(1 << 31);
        assert_eq!(flags, 9 | 1 << 31);
        let mut narrow: u32 = 0;
        narrow |= A;
        assert_eq!((narrow, i64::from(B), i128::from(B)), (1, 8, 8));
        let mut f = A;
        f |= B;
        assert_eq!(f, Flags(9));
    }

    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Ops<'obj> {
        first: Slot<'obj>,
        flags: u32,
        self_: u16,
        __padding_0: Padding<2>,
        r#type: Slot<'obj>,
        name: [u8; 3],
        __padding_1: Padding<5>,
    }
    crate::layout!(unsafe shadow Ops<'static> "ops___v2" as "ops": 32, 8;
        first 0 slot, flags 8, self_ = "self" 12, r#type 16 slot, name 24; __padding_0, __padding_1);

    #[repr(C, packed)]
    #[derive(Clone, Copy)]
    struct PackedOps<'obj> {
        c: u8,
        f: Slot<'obj>,
    }
    crate::layout!(unsafe shadow PackedOps<'static> "packed_ops": 9, 1 packed; c 0, f 1 slot;);

    #[test]
    fn checked_types_default_to_zero() {
        let t = Two::default();
        assert_eq!((t.a, t.b), (0, 0));
        assert_eq!(bytes(&t), [0; 16]);
        let p = Packed::default();
        assert_eq!(({ p.c }, { p.i }), (0, 0));
        assert_eq!(bytes(&U::default()), [0; 8]);
        assert_eq!(crate::__private::zeroed::<E>().0, 0);
    }

    fn members<T: Shadow>() -> Vec<(&'static str, usize, usize, bool)> {
        T::MEMBERS
            .iter()
            .map(|m| (m.name, m.offset, m.size, m.slot))
            .collect()
    }

    #[test]
    fn shadows_list_their_members() {
        assert_eq!(
            members::<Ops<'_>>(),
            [
                ("first", 0, 8, true),
                ("flags", 8, 4, false),
                ("self", 12, 2, false),
                ("type", 16, 8, true),
                ("name", 24, 3, false),
            ]
        );
        assert_eq!((Ops::NAME, Ops::KERNEL_STRUCT), ("ops___v2", "ops"));
        assert_eq!(
            members::<PackedOps<'_>>(),
            [("c", 0, 1, false), ("f", 1, 8, true)]
        );
        assert_eq!(PackedOps::KERNEL_STRUCT, "packed_ops");
        let _: Option<&Program<'_>> = None;
    }

    #[test]
    fn shadows_take_struct_update_syntax_and_compare_members() {
        let ops = Ops {
            first: None,
            flags: 1,
            self_: 2,
            __padding_0: Padding::default(),
            r#type: None,
            name: *b"abc",
            __padding_1: Padding::default(),
        };
        let other = Ops { flags: 3, ..ops };
        assert_eq!(ops, Ops { flags: 1, ..other });
        assert_ne!(ops, other);
        assert_eq!(
            format!("{ops:?}"),
            "Ops { first: None, flags: 1, self_: 2, type: None, name: [97, 98, 99], .. }"
        );
        let p = PackedOps { c: 1, f: None };
        assert_eq!(p, PackedOps { c: 1, f: None });
    }
}
