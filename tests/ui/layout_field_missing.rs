// The fields listed are all the type has: a field left out of the list
// does not compile (nothing unchecked may sit in the type). rustc words it
// as a pattern needing `..`: the macro's exhaustive pattern has no `..`;
// and the fields listed no longer hold every byte of the type.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct pair {
    pub a: u32,
    pub b: u32,
}
::skel_runtime::layout!(unsafe plain pair: 8, 4; a 0;);

fn main() {}
