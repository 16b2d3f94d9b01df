// A typed view of an owned skeleton cannot outlive it, nor leave `with`.
use skel_tests::tcp_ca_skel::TcpCaSkelBuilder;

fn main() {
    let bss = {
        let open = TcpCaSkelBuilder::default().open_owned().unwrap();
        let skel = open.load().unwrap();
        skel.get().maps().bss()
    };
    println!("{}", bss.calls_init());

    let mut open = TcpCaSkelBuilder::default().open_owned().unwrap();
    let shadow = open.with(|open| open.struct_ops_mut().skel_ca());
    shadow.flags = 1;
}
