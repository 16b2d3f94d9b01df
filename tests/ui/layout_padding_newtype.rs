// A newtype whose one field does not fill it has padding too (here an
// over-aligned `u32`: 4 bytes past it), even with the right size and
// alignment: it does not compile, so it never becomes `Plain`. Generated
// newtypes (enums) are `repr(transparent)`.
#[repr(C, align(8))]
#[derive(Clone, Copy)]
pub struct wide(pub u32);
::skel_runtime::layout!(unsafe newtype wide: 8, 8);

fn plain<T: skel_runtime::Plain>() {}

fn main() {
    plain::<wide>();
}
