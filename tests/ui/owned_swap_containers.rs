// In the owned form, two skeletons cannot swap their containers (each
// would then point into the other's object).
use skel_tests::tcp_ca_skel::TcpCaSkelBuilder;

fn main() {
    let mut a = TcpCaSkelBuilder::default().open_owned().unwrap().load().unwrap();
    let mut b = TcpCaSkelBuilder::default().open_owned().unwrap().load().unwrap();
    a.with(|a| {
        b.with(|b| {
            std::mem::swap(&mut a.maps, &mut b.maps);
        })
    });
}
