// In the owned form, `links` cannot take a link of another object.
use skel_tests::tcp_ca_skel::TcpCaSkelBuilder;

fn main() {
    let mut a = TcpCaSkelBuilder::default().open_owned().unwrap().load().unwrap();
    let mut b = TcpCaSkelBuilder::default().open_owned().unwrap().load().unwrap();
    a.with(|a| {
        b.with(|b| {
            a.links.skel_ca = b.links.skel_ca.take();
        })
    });
}
