// Hole 3 of issue 21 through the handle that does have `autoload()`:
// `open.progs_mut().<p>()` borrows the skeleton exclusively and is neither
// `Send` nor `Sync`, so no thread reads a program's settings while another
// changes them or loads the object.
use skel_runtime::ObjectStorage;
use skel_tests::tcp_ca_skel::{OpenTcpCaSkel, TcpCaSkelBuilder};

// One handle read by a scoped thread while the main thread writes it.
fn shared_with_a_thread(open: &mut OpenTcpCaSkel<'_>) {
    let mut p = open.progs_mut().ca_init();
    std::thread::scope(|s| {
        s.spawn(|| while p.autoload() {});
        p.set_autoload(false).unwrap();
    });
}

// A handle moved into a thread, another taken on the main thread.
fn moved_to_a_thread(open: &mut OpenTcpCaSkel<'_>) {
    let p = open.progs_mut().ca_init();
    std::thread::scope(|s| {
        s.spawn(move || while p.autoload() {});
        open.progs_mut().ca_init().set_autoload(false).unwrap();
    });
}

// Two handles of one program at once.
fn two_handles(open: &mut OpenTcpCaSkel<'_>) {
    let reader = open.progs_mut().ca_init();
    let mut writer = open.progs_mut().ca_init();
    writer.set_autoload(false).unwrap();
    let _ = reader.autoload();
}

// A handle kept across load.
fn across_load(mut open: OpenTcpCaSkel<'_>) {
    let reader = open.progs_mut().ca_init();
    let _ = open.load();
    let _ = reader.autoload();
}

fn main() {
    let mut storage = ObjectStorage::new();
    let mut open = TcpCaSkelBuilder::default().open(&mut storage).unwrap();
    shared_with_a_thread(&mut open);
    moved_to_a_thread(&mut open);
    two_handles(&mut open);
    across_load(open);
}
