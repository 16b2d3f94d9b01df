// A union none of whose fields covers all of it has padding too: the two
// bytes past `b` (generated unions add a `Padding` field of the whole size).
#[repr(C)]
#[derive(Clone, Copy)]
pub union short {
    a: u32,
    b: [u8; 6],
}
::skel_runtime::layout!(unsafe union short: 8, 4; a, b);

fn main() {}
