// A union literal sets one member and leaves the other bytes
// uninitialised: `split { f: 1.0 }` would hand 4 uninitialised bytes to
// whatever takes plain data (a map update, a write to a section). Generated
// unions keep their fields private; `split::from_f(1.0)` zeroes the rest.
use skel_tests::kinds_skel::types::split;

/// Stands for any API that copies plain data to the kernel.
fn to_kernel<T: skel_runtime::Plain>(value: &T) -> usize {
    std::mem::size_of_val(value)
}

fn main() {
    let u = split { f: 1.0 };
    to_kernel(&u);
}
