// Bitfield storage of a generated struct is a public field (for
// struct-update syntax), but its bytes are reached only through the
// struct's bitfield accessors: bits no bitfield uses stay zero.
use skel_tests::kinds_skel::types::wide;

fn main() {
    let mut w = wide::default();
    w.__bitfield_0.0[0] = 0xff;
    let _ = skel_runtime::Bitfields::<1>([0xff]);
}
