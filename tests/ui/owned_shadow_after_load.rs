// After load the owned form's shadow is read-only too: the loaded
// skeleton's `struct_ops_mut()` changes settings only (autoattach), and
// `struct_ops()` lends the shadow shared.
use skel_tests::tcp_ca_skel::{OwnedTcpCaSkel, TcpCaSkelBuilder};

fn through_the_exclusive_view(skel: &mut OwnedTcpCaSkel) {
    skel.with(|skel| skel.struct_ops_mut().skel_ca().flags = 1);
}

fn through_the_shared_view(skel: &mut OwnedTcpCaSkel) {
    skel.with(|skel| skel.struct_ops().skel_ca().flags = 1);
}

fn main() {
    let mut skel = TcpCaSkelBuilder::default().open_owned().unwrap().load().unwrap();
    through_the_exclusive_view(&mut skel);
    through_the_shared_view(&mut skel);
}
