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
/// layout!(unsafe shadow Name<'static> "c_name": SIZE, ALIGN; member OFFSET [slot], ...; padding, ...);
/// layout!(unsafe union Name: SIZE, ALIGN; member, ...);
/// layout!(unsafe newtype Name: SIZE, ALIGN);
/// ```
///
/// Padding and bitfield storage fields are listed without offsets: theirs
/// follow from the members' and the size. A shadow's members marked
/// `slot` are its program slots: [`Shadow::SLOTS`](crate::Shadow::SLOTS)
/// lists them at their `offset_of!` offsets. `plain` and `union` types also
/// get a zeroed `Default`.
///
/// It is `unsafe` to invoke: for unions, the caller promises the member
/// list is complete.
#[doc(hidden)]
#[macro_export]
macro_rules! layout {
    (unsafe plain $name:ident: $size:literal, $align:literal; $($f:ident $off:literal),*; $($rest:ident),*) => {
        $crate::layout!(@size $name, $name: $size, $align);
        $crate::layout!(@offsets $name, $name; $($f $off),*);
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
    (unsafe shadow $name:ident<$lt:lifetime> $c_name:literal: $size:literal, $align:literal;
        $($f:ident $off:literal $($slot:ident)?),*; $($rest:ident),*) => {
        $crate::layout!(@size $name, $name<$lt>: $size, $align);
        $crate::layout!(@offsets $name, $name<$lt>; $($f $off),*);
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
            const SLOTS: &'static [$crate::__private::SlotSpec] = &[
                $($($crate::layout!(@$slot $f),)?)*
            ];
        }
    };
    (unsafe union $name:ident: $size:literal, $align:literal; $($f:ident),*) => {
        $crate::layout!(@size $name, $name: $size, $align);
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
        $crate::layout!(@size $name, $name: $size, $align);
        const _: () = {
            fn _fields(v: &$name) {
                let $name(_) = *v;
                $crate::__private::plain_field(&v.0);
            }
        };
        // SAFETY: its one field is plain.
        unsafe impl $crate::Plain for $name {}
    };
    (@slot $f:ident) => {
        $crate::__private::SlotSpec::new(stringify!($f), ::core::mem::offset_of!(Self, $f))
    };
    (@default $name:ident) => {
        impl ::core::default::Default for $name {
            fn default() -> Self {
                $crate::zeroed()
            }
        }
    };
    (@size $name:ident, $ty:ty: $size:literal, $align:literal) => {
        const _: () = {
            assert!(
                ::core::mem::size_of::<$ty>() == $size,
                concat!("`", stringify!($name), "`: size must be ", stringify!($size), " bytes, as in BTF"),
            );
            assert!(
                ::core::mem::align_of::<$ty>() == $align,
                concat!("`", stringify!($name), "`: alignment must be ", stringify!($align)),
            );
        };
    };
    (@offsets $name:ident, $ty:ty; $($f:ident $off:literal),*) => {
        const _: () = {
            $(assert!(
                ::core::mem::offset_of!($ty, $f) == $off,
                concat!("`", stringify!($name), "::", stringify!($f), "`: offset must be ", stringify!($off), ", as in BTF"),
            );)*
        };
    };
}

#[cfg(test)]
mod tests {
    use crate::{Program, Shadow, Slot};

    #[repr(C)]
    #[derive(Clone, Copy, Debug)]
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

    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Ops<'obj> {
        first: Slot<'obj>,
        flags: u32,
        __padding_0: [u8; 4],
        r#type: Slot<'obj>,
    }
    crate::layout!(unsafe shadow Ops<'static> "ops": 24, 8; first 0 slot, flags 8, r#type 16 slot; __padding_0);

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

    #[test]
    fn shadows_list_their_slots() {
        let slots: Vec<(&str, usize)> = Ops::SLOTS.iter().map(|s| (s.field, s.offset)).collect();
        assert_eq!(slots, [("first", 0), ("type", 16)]);
        assert_eq!(Ops::NAME, "ops");
        let _: Option<&Program<'_>> = None;
    }
}
