//! struct_ops maps attached one by one, with tcp_congestion_ops: `good_ca`
//! registers; `bad_ca` lacks `ssthresh`, so the kernel refuses it (EINVAL).
//! Also the errors of loads the kernel refuses, which must name the
//! skeleton, the errno and libbpf's reason without libbpf printing.

use skel_runtime::{Error, KernelStructOps, ObjectStorage, StructOpsState};
use skel_tests::kernel::{cc_list, exclusive, tcp_transfer, unique_name};
use skel_tests::tcp_ca_autoattach_skel::{OpenTcpCaAutoattachSkel, TcpCaAutoattachSkelBuilder};

/// Opens the skeleton with unique algorithm names: (good, bad).
fn open(storage: &mut ObjectStorage) -> (OpenTcpCaAutoattachSkel<'_>, String, String) {
    let (good, bad) = (unique_name("skag"), unique_name("skab"));
    let mut open = TcpCaAutoattachSkelBuilder::default().open(storage).unwrap();
    open.struct_ops_mut().good_ca().name.set(&good).unwrap();
    open.struct_ops_mut().bad_ca().name.set(&bad).unwrap();
    (open, good, bad)
}

fn registered(name: &str) -> bool {
    cc_list("available").iter().any(|n| n == name)
}

/// libbpf attaches maps in its map order; the rollback test needs the good
/// map before the bad one.
fn map_order(skel: &impl AsObject) -> Vec<String> {
    let mut names = vec![];
    let obj = skel.object();
    let mut map = std::ptr::null_mut();
    loop {
        // SAFETY: obj is a live object; next_map walks its maps.
        map = unsafe { libbpf_sys::bpf_object__next_map(obj, map) };
        if map.is_null() {
            return names;
        }
        // SAFETY: a map of obj; its name is NUL-terminated.
        let name = unsafe { std::ffi::CStr::from_ptr(libbpf_sys::bpf_map__name(map)) };
        names.push(name.to_string_lossy().into_owned());
    }
}

trait AsObject {
    fn object(&self) -> *const libbpf_sys::bpf_object;
}
impl AsObject for skel_tests::tcp_ca_autoattach_skel::TcpCaAutoattachSkel<'_> {
    fn object(&self) -> *const libbpf_sys::bpf_object {
        self.as_libbpf_object()
    }
}

#[test]
fn autoattach_off_leaves_the_refused_map_alone() {
    let Some(_kernel) = exclusive("autoattach_off_leaves_the_refused_map_alone") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let (open, good, bad) = open(&mut storage);
    assert!(open.struct_ops().good_ca_autoattach() && open.struct_ops().bad_ca_autoattach());
    let mut skel = open.load().unwrap();
    skel.struct_ops_mut().set_bad_ca_autoattach(false);
    assert!(!skel.struct_ops().bad_ca_autoattach());
    assert!(skel.struct_ops().good_ca_autoattach());
    skel.attach().unwrap();
    assert!(skel.links.good_ca.is_some());
    assert!(skel.links.bad_ca.is_none());
    assert!(registered(&good));
    assert!(!registered(&bad));
    tcp_transfer(&good, 1 << 20).unwrap();
    assert!(skel.maps().bss().calls() > 0);
    drop(skel);
    assert!(!registered(&good), "unregistered on drop");
}

#[test]
fn autoattach_turned_off_before_load_holds() {
    let Some(_kernel) = exclusive("autoattach_turned_off_before_load_holds") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let (mut open, good, bad) = open(&mut storage);
    open.struct_ops_mut().set_bad_ca_autoattach(false);
    assert!(!open.struct_ops().bad_ca_autoattach());
    let mut skel = open.load().unwrap();
    assert!(!skel.struct_ops().bad_ca_autoattach());
    skel.attach().unwrap();
    assert!(registered(&good) && !registered(&bad));
}

#[test]
fn a_refused_map_fails_attach_with_its_name_and_the_rest_is_undone() {
    let Some(_kernel) =
        exclusive("a_refused_map_fails_attach_with_its_name_and_the_rest_is_undone")
    else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let (open, good, bad) = open(&mut storage);
    let mut skel = open.load().unwrap();
    let order = map_order(&skel);
    let (g, b) = (
        order.iter().position(|m| m == "good_ca"),
        order.iter().position(|m| m == "bad_ca"),
    );
    assert!(g < b, "good_ca is attached first: {order:?}");

    let err = skel.attach().unwrap_err();
    let text = err.to_string();
    eprintln!("{text}");
    assert!(
        text.starts_with(
            "skeleton `tcp_ca_autoattach`: cannot attach struct_ops map `bad_ca`: EINVAL (22)"
        ),
        "names the skeleton (not libbpf's `tcp_ca_autoatta`), the map and the errno: {text}"
    );
    assert!(text.contains("required callback"), "a hint: {text}");
    assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
    assert!(matches!(&err, Error::Attach { name, .. } if name == "bad_ca"));

    // All or nothing: good_ca was registered first, and dropped again.
    assert!(skel.links.good_ca.is_none() && skel.links.bad_ca.is_none());
    assert!(!registered(&good), "rolled back");
    assert!(!registered(&bad));

    // Fixed by turning the bad map's autoattach off: the same call works.
    skel.struct_ops_mut().set_bad_ca_autoattach(false);
    skel.attach().unwrap();
    assert!(registered(&good));
}

#[test]
fn one_map_attached_alone() {
    let Some(_kernel) = exclusive("one_map_attached_alone") else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let (open, good, bad) = open(&mut storage);
    let mut skel = open.load().unwrap();
    skel.attach_good_ca().unwrap();
    assert!(skel.links.good_ca.is_some());
    assert!(skel.links.bad_ca.is_none());
    assert!(registered(&good) && !registered(&bad));
    // Again: nothing to do.
    skel.attach_good_ca().unwrap();

    // The refused one alone: its error, and the other link untouched.
    let err = skel.attach_bad_ca().unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EINVAL), "{err}");
    assert!(err.to_string().contains("`bad_ca`"), "{err}");
    assert!(skel.links.good_ca.is_some() && registered(&good));

    // attach() leaves the link it finds alone and fails on bad_ca; what it
    // did not make, it does not undo.
    assert!(skel.attach().is_err());
    assert!(skel.links.good_ca.is_some() && registered(&good));

    // The kernel's copy, with the skeleton's program names.
    let kernel = skel.struct_ops().read_good_ca_from_kernel().unwrap();
    assert_eq!(
        kernel.state,
        StructOpsState::Ready,
        "a .struct_ops.link map"
    );
    assert_eq!(kernel.string("name").unwrap(), good);
    assert_eq!(kernel.program("ssthresh"), Some("aa_ssthresh"));
    assert_eq!(kernel.program("cong_avoid"), Some("aa_cong_avoid"));
    assert_eq!(kernel.program("get_info"), None, "empty slot");
    // The same read through the map's file descriptor (what serves maps of
    // no skeleton): the same values, the programs by id only.
    let by_fd = KernelStructOps::read(skel.maps().good_ca(), "tcp_congestion_ops").unwrap();
    assert_eq!(by_fd.state, StructOpsState::Ready);
    assert_eq!(by_fd.string("name").unwrap(), good);
    assert_eq!(by_fd.prog_id("ssthresh"), kernel.prog_id("ssthresh"));
    assert!(by_fd.prog_id("ssthresh").is_some_and(|id| id != 0));
    assert_eq!(by_fd.program("ssthresh"), None, "no skeleton to name it");
    // bad_ca was created but never registered: the kernel's copy is blank.
    let kernel = skel.struct_ops().read_bad_ca_from_kernel().unwrap();
    assert_eq!(kernel.state, StructOpsState::Init);
    assert_eq!(kernel.program("cong_avoid"), None);
    assert_eq!(kernel.string("name").unwrap(), "");

    // The link's detach(): BPF_LINK_DETACH unregisters a struct_ops link
    // (Linux 6.9; older kernels refuse it).
    let link = skel.links.good_ca.as_ref().expect("attached");
    match link.detach() {
        Ok(()) => assert!(!registered(&good), "detached"),
        Err(e) => assert_eq!(e.raw_os_error(), Some(libc::EOPNOTSUPP), "{e}"),
    }
}

#[test]
fn a_kernel_internal_errno_has_its_name_and_the_verifiers_reason() {
    let Some(_kernel) = exclusive("a_kernel_internal_errno_has_its_name_and_the_verifiers_reason")
    else {
        return;
    };
    // libbpf silenced, as applications do: the error still says why.
    let prev = skel_runtime::libbpf_rs::set_print(None);
    let mut storage = ObjectStorage::new();
    let (mut open, _, _) = open(&mut storage);
    // The kernel takes no BPF program for tcp_congestion_ops::get_info.
    open.struct_ops_mut().good_ca().get_info = Some(open.progs().aa_get_info());
    let err = open.load().unwrap_err();
    skel_runtime::libbpf_rs::set_print(prev);
    let text = err.to_string();
    eprintln!("{text}");
    assert_eq!(err.raw_os_error(), Some(skel_runtime::ENOTSUPP));
    assert!(
        text.starts_with("skeleton `tcp_ca_autoattach`: libbpf cannot load its BPF object: ENOTSUPP (524): operation is not supported"),
        "{text}"
    );
    assert!(!text.contains("Unknown error"), "{text}");
    assert!(
        text.contains("aa_get_info") && text.contains("get_info"),
        "libbpf's and the verifier's lines: {text}"
    );
}

#[test]
fn a_member_the_kernel_lacks_is_refused_before_libbpf_sees_it() {
    let Some(_kernel) = exclusive("a_member_the_kernel_lacks_is_refused_before_libbpf_sees_it")
    else {
        return;
    };
    let mut storage = ObjectStorage::new();
    let (mut open, _, _) = open(&mut storage);
    open.struct_ops_mut().good_ca().no_such_member = 1;
    // The other map sets it too, but is not created: not reported.
    open.struct_ops_mut().bad_ca().no_such_member = 1;
    open.maps_mut().bad_ca().set_autocreate(false).unwrap();
    let err = open.load().unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, Error::KernelLacksMembers { maps, .. } if maps.len() == 1
            && maps[0].map == "good_ca" && maps[0].members == ["no_such_member"]),
        "{text}"
    );
    assert_eq!(
        text,
        "skeleton `tcp_ca_autoattach`: struct_ops map `good_ca` sets member `no_such_member` \
         that the running kernel's `struct tcp_congestion_ops` lacks; clear them through the \
         shadow, or call `struct_ops_mut().clear_<map>_missing()` before load to clear every member \
         the running kernel lacks (the programs in cleared slots are then not loaded)"
    );
    assert_eq!(err.raw_os_error(), None, "no errno: libbpf never ran");
}
