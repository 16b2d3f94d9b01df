// A generated type whose size differs from the one BTF states does not
// compile; the message names the type.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct pair {
    pub a: u32,
    pub b: u32,
}
::skel_runtime::layout!(unsafe plain pair: 12, 4; a 0, b 4;);

fn main() {}
