//! The layout checks and marker impls generated types carry, as one macro
//! invocation per type.

/// Implements [`Plain`](crate::Plain) or [`Shadow`](crate::Shadow) for a
/// generated type after checking its layout at compile time: its size, its
/// alignment and the offset of every member, each against the number BTF
/// gives, with a message naming the type and member; and that every field
/// may sit in the type (plain data, or for shadows also program slots).
/// For structs it also checks that the fields listed are all the type has.
///
/// ```text
/// layout!(unsafe plain Name: SIZE, ALIGN; member OFFSET, ...; padding, ...);
/// layout!(unsafe shadow Name<'static> "c_name" [as "kernel_struct"]: SIZE, ALIGN;
///         member [= "c_member"] OFFSET [slot], ...; padding, ...);
/// layout!(unsafe union Name: SIZE, ALIGN; member, ...);
/// layout!(unsafe newtype Name: SIZE, ALIGN);
/// layout!(unsafe enum Name: REPR, SIZE);
/// ```
///
/// Padding and bitfield storage fields are listed without offsets: theirs
/// follow from the members' and the size. A shadow lists its members in
/// [`Shadow::MEMBERS`](crate::Shadow::MEMBERS) from the type's own facts:
/// offsets by `offset_of!`, sizes from the field types, the C name from
/// the field's (`= "c_member"` where the two differ), and `slot` marking
/// program slots. The kernel struct is the C name unless `as` names
/// another (a `___flavor` suffix dropped). `plain` and `union` types also
/// get a zeroed `Default`; `plain` and `shadow` structs a `Debug` that
/// shows the members (padding and bitfield storage as `..`). The checks
/// are one `const` evaluation per type, and the impls `#[inline]`, so
/// that a crate pays codegen only for the impls it uses.
///
/// An `enum` is a newtype over its integer `REPR`. So that a plain integer
/// member (a `u64 flags` filled from an enum's constants) takes the
/// constants without casts, it gets `From<Name>` and `BitOrAssign<Name>`
/// for every integer type that holds all values of `REPR` (`u32`: `u32`,
/// `u64`, `u128`, `i64`, `i128`), and `|` between its own values:
/// `ops.flags = (flags::A | flags::B).into()`, `ops.flags |= flags::C`.
///
/// It is `unsafe` to invoke: for unions, the caller promises the member
/// list is complete.
#[doc(hidden)]
#[macro_export]
macro_rules! layout {
    (unsafe plain $name:ident: $size:literal, $align:literal; $($f:ident $off:literal),*; $($rest:ident),*) => {
        $crate::layout!(@check $name, $name: $size, $align; $($f $off),*);
        $crate::layout!(@debug $name, $name; $($f),*; $($rest),*);
        const _: () = {
            fn _fields(v: &$name) {
                let $name { $($f: _,)* $($rest: _,)* } = *v;
                $($crate::__private::plain_field(&{ v.$f });)*
                $($crate::__private::plain_field(&{ v.$rest });)*
            }
        };
        // SAFETY: every field is listed (the pattern above is exhaustive)
        // and plain.
        unsafe impl $crate::Plain for $name {}
        $crate::layout!(@default $name);
    };
    (unsafe shadow $name:ident<$lt:lifetime> $c_name:literal $(as $kernel:literal)?: $size:literal, $align:literal;
        $($f:ident $(= $c:literal)? $off:literal $($slot:ident)?),*; $($rest:ident),*) => {
        $crate::layout!(@check $name, $name<$lt>: $size, $align; $($f $off),*);
        $crate::layout!(@debug $name, $name<'_>; $($f),*; $($rest),*);
        const _: () = {
            fn _fields(v: &$name<$lt>) {
                let $name { $($f: _,)* $($rest: _,)* } = *v;
                $($crate::__private::shadow_field(&{ v.$f });)*
                $($crate::__private::shadow_field(&{ v.$rest });)*
            }
        };
        // SAFETY: every field is listed (the pattern above is exhaustive)
        // and plain or a slot; the slots are the members marked `slot`,
        // which the generator marks for every `Slot` field.
        unsafe impl<'obj> $crate::Shadow for $name<'obj> {
            const NAME: &'static str = $c_name;
            const KERNEL_STRUCT: &'static str = $crate::layout!(@first $($kernel,)? $c_name);
            const MEMBERS: &'static [$crate::__private::MemberSpec] = &[
                $($crate::layout!(@member $f [$($c)?] [$($slot)?]),)*
            ];
        }
    };
    (unsafe union $name:ident: $size:literal, $align:literal; $($f:ident),*) => {
        $crate::layout!(@check $name, $name: $size, $align;);
        const _: () = {
            fn _fields(v: &$name) {
                // SAFETY: never called; the reads stand for the field types.
                $($crate::__private::plain_field(&unsafe { v.$f });)*
            }
        };
        // SAFETY: every field is plain; the caller lists them all.
        unsafe impl $crate::Plain for $name {}
        $crate::layout!(@default $name);
    };
    (unsafe newtype $name:ident: $size:literal, $align:literal) => {
        $crate::layout!(@check $name, $name: $size, $align;);
        const _: () = {
            fn _fields(v: &$name) {
                let $name(_) = *v;
                $crate::__private::plain_field(&v.0);
            }
        };
        // SAFETY: its one field is plain.
        unsafe impl $crate::Plain for $name {}
    };
    (unsafe enum $name:ident: $repr:ident, $size:literal) => {
        $crate::layout!(unsafe newtype $name: $size, $size);
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
    (@default $name:ident) => {
        impl ::core::default::Default for $name {
            #[inline]
            fn default() -> Self {
                $crate::zeroed()
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
    // Members by name; padding and bitfield storage shown as `..`.
    (@debug $name:ident, $ty:ty; $($f:ident),*; ) => {
        impl ::core::fmt::Debug for $ty {
            #[inline]
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!($name))
                    $(.field($crate::__private::strip_raw(stringify!($f)), &{ self.$f }))*
                    .finish()
            }
        }
    };
    (@debug $name:ident, $ty:ty; $($f:ident),*; $($rest:ident),+) => {
        impl ::core::fmt::Debug for $ty {
            #[inline]
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!($name))
                    $(.field($crate::__private::strip_raw(stringify!($f)), &{ self.$f }))*
                    .finish_non_exhaustive()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::{Program, Shadow, Slot};

    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Two {
        a: u32,
        __padding_0: [u8; 4],
        b: u64,
    }
    crate::layout!(unsafe plain Two: 16, 8; a 0, b 8; __padding_0);

    #[repr(C, packed)]
    #[derive(Clone, Copy)]
    struct Packed {
        c: u8,
        i: u32,
    }
    crate::layout!(unsafe plain Packed: 5, 1; c 0, i 1;);

    #[repr(C)]
    #[derive(Clone, Copy)]
    union U {
        i: u32,
        raw: [u8; 8],
    }
    crate::layout!(unsafe union U: 8, 4; i, raw);

    #[repr(transparent)]
    #[derive(Clone, Copy)]
    struct E(i32);
    crate::layout!(unsafe newtype E: 4, 4);

    #[repr(transparent)]
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Flags(u32);
    crate::layout!(unsafe enum Flags: u32, 4);

    #[test]
    fn debug_shows_members_and_hides_padding() {
        let two = Two {
            a: 1,
            __padding_0: [9; 4],
            b: 2,
        };
        assert_eq!(format!("{two:?}"), "Two { a: 1, b: 2, .. }");
        let packed = Packed { c: 3, i: 4 };
        assert_eq!(format!("{packed:?}"), "Packed { c: 3, i: 4 }");
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
        __padding_0: [u8; 2],
        r#type: Slot<'obj>,
        name: [u8; 3],
        __padding_1: [u8; 5],
    }
    crate::layout!(unsafe shadow Ops<'static> "ops___v2" as "ops": 32, 8;
        first 0 slot, flags 8, self_ = "self" 12, r#type 16 slot, name 24; __padding_0, __padding_1);

    #[repr(C, packed)]
    #[derive(Clone, Copy)]
    struct PackedOps<'obj> {
        c: u8,
        f: Slot<'obj>,
    }
    crate::layout!(unsafe shadow PackedOps<'static> "packed_ops": 9, 1; c 0, f 1 slot;);

    #[test]
    fn checked_types_default_to_zero() {
        let t = Two::default();
        assert_eq!((t.a, t.b, t.__padding_0), (0, 0, [0; 4]));
        let p = Packed::default();
        assert_eq!(({ p.c }, { p.i }), (0, 0));
        // SAFETY: plain data.
        assert_eq!(unsafe { U::default().raw }, [0; 8]);
        assert_eq!(crate::zeroed::<E>().0, 0);
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
}
