// Hole 4 of issue 21, as it was reproduced: `Plain` promised only that
// every byte pattern is valid, so `layout!` accepted a struct with 3 bytes
// of implicit padding, and the safe `read_prefix` then returned those
// uninitialised bytes inside a `u64`. Now `layout!` proves that the fields
// hold every byte of the type (the check fails, naming the type), and the
// reinterpreting helpers are no public API.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct padded {
    pub a: u8,
    pub b: u32,
}
::skel_runtime::layout!(unsafe plain padded: 8, 4; a 0, b 4;);

fn main() {
    let p = padded { a: 1, b: 2 };
    let leaked: u64 = skel_runtime::read_prefix(&p);
    println!("{leaked:#x}");
}
