// In the owned form, a slot cannot hold a program of another object: the
// two skeletons' lifetimes differ, and a skeleton's lifetime is invariant.
use skel_tests::tcp_ca_skel::TcpCaSkelBuilder;

fn main() {
    let mut a = TcpCaSkelBuilder::default().open_owned().unwrap();
    let mut b = TcpCaSkelBuilder::default().open_owned().unwrap();
    a.with(|a| {
        b.with(|b| {
            a.struct_ops_mut().skel_ca().init = Some(b.progs().ca_init());
        })
    });
}
