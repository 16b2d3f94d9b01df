// A program token of an owned skeleton cannot outlive it.
use skel_tests::tcp_ca_skel::TcpCaSkelBuilder;

fn main() {
    let token = {
        let open = TcpCaSkelBuilder::default().open_owned().unwrap();
        open.get().progs().ca_init()
    };
    println!("{token:?}");
}
