// Padding of a generated struct is a public field, so that
// `T { a: 1, ..Default::default() }` works, but safe code can build it
// only zeroed and cannot change it: a map key built in Rust always has
// zero padding.
use skel_runtime::Padding;
use skel_tests::kinds_skel::types::inner_val;

fn main() {
    let mut key = inner_val {
        a: 1,
        __padding_0: Padding([0xff]),
        ..Default::default()
    };
    key.__padding_0.0 = [0xff];
}
