// After load the owned form's shadow is read-only too.
use skel_tests::tcp_ca_skel::TcpCaSkelBuilder;

fn main() {
    let mut skel = TcpCaSkelBuilder::default().open_owned().unwrap().load().unwrap();
    skel.with(|skel| skel.struct_ops.skel_ca_mut().flags = 1);
}
