// In the owned form, two skeletons cannot swap their containers (each
// would then point into the other's object): a skeleton has no container
// fields, and the views it lends per call carry its own `'obj`, which
// differs from the other skeleton's inside `with`, so even two views do
// not swap.
use skel_tests::tcp_ca_skel::{OwnedTcpCaSkel, TcpCaSkelBuilder};

fn containers(a: &mut OwnedTcpCaSkel, b: &mut OwnedTcpCaSkel) {
    a.with(|a| {
        b.with(|b| {
            std::mem::swap(&mut a.maps, &mut b.maps);
        })
    });
}

fn views(a: &mut OwnedTcpCaSkel, b: &mut OwnedTcpCaSkel) {
    a.with(|a| {
        b.with(|b| {
            let mut va = a.maps();
            let mut vb = b.maps();
            std::mem::swap(&mut va, &mut vb);
            va.bss().set_calls_init(1);
        })
    });
}

fn main() {
    let mut a = TcpCaSkelBuilder::default().open_owned().unwrap().load().unwrap();
    let mut b = TcpCaSkelBuilder::default().open_owned().unwrap().load().unwrap();
    containers(&mut a, &mut b);
    views(&mut a, &mut b);
}
