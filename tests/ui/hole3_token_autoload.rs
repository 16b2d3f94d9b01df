// Hole 3 of issue 21, as it was reproduced: a program token (`Sync`, and
// independent of the borrow it came from) read `autoload()` in a scoped
// thread while the main thread called `set_autoload` and `load()`, which
// write what it reads. Now a token tells only what never changes after
// open (name, section); autoload is on the exclusive handle
// (hole3_program_handle.rs).
use skel_runtime::ObjectStorage;
use skel_tests::tcp_ca_skel::TcpCaSkelBuilder;

fn main() {
    let mut storage = ObjectStorage::new();
    let mut open = TcpCaSkelBuilder::default().open(&mut storage).unwrap();
    let token = open.progs().ca_init();
    std::thread::scope(|s| {
        s.spawn(|| while token.autoload() {});
        open.progs_mut().ca_init().set_autoload(false).unwrap();
        let _ = open.load();
    });
}
