// A struct whose fields leave a gap does not compile, even with the right
// size, alignment and offsets: the gap is padding, which plain data must
// not have (generated types fill it with a `Padding` field).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct padded {
    pub a: u8,
    pub b: u32,
}
::skel_runtime::layout!(unsafe plain padded: 8, 4; a 0, b 4;);

fn main() {}
