// A member at another offset than BTF states does not compile; the
// message names the type and the member.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct pair {
    pub a: u32,
    pub b: u32,
}
::skel_runtime::layout!(unsafe plain pair: 8, 4; a 0, b 2;);

fn main() {}
