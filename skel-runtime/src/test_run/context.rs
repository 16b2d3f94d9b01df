//! The UAPI contexts of packet programs' test runs: `xdp_md`, `__sk_buff`.

use libbpf_sys as sys;

use crate::plain::Plain;

/// An XDP program's context, `struct xdp_md`, as a test run takes and
/// gives it back ([`TestRun::ctx`](crate::TestRun::ctx)).
///
/// The kernel's rules for a test run: `data_end` is the data's length
/// ([`XdpMd::for_data`](crate::XdpMd::for_data) sets it; Linux 6.18 also takes a smaller one, and
/// puts the rest of the data into fragments the program reaches only
/// through helpers such as `bpf_xdp_load_bytes`), `data_meta` is 0, and
/// `data` is the length of metadata at the start of the data (a multiple
/// of 4, at most 32; the program sees it between `data_meta` and `data`),
/// `egress_ifindex` is 0, and `ingress_ifindex` (with `rx_queue_index`) is
/// 0 or names an existing device (else `ENODEV`) and one of its queues.
/// After the run, `data` and `data_end` are offsets from the start of the
/// metadata, and the output data starts with the metadata.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct XdpMd {
    /// Where the packet starts (after the metadata).
    pub data: u32,
    /// Where it ends.
    pub data_end: u32,
    /// Where the metadata starts.
    pub data_meta: u32,
    /// The interface the packet came in on.
    pub ingress_ifindex: u32,
    /// Its receive queue.
    pub rx_queue_index: u32,
    /// The interface it goes out of (devmap programs only).
    pub egress_ifindex: u32,
}

// SAFETY: only `u32` fields, no padding (checked below).
unsafe impl Plain for XdpMd {}

const _: () = {
    use std::mem::{align_of, offset_of, size_of};
    assert!(size_of::<XdpMd>() == size_of::<sys::xdp_md>());
    assert!(align_of::<XdpMd>() == align_of::<sys::xdp_md>());
    assert!(size_of::<XdpMd>() == 6 * 4, "XdpMd has no padding");
    assert!(offset_of!(XdpMd, data) == offset_of!(sys::xdp_md, data));
    assert!(offset_of!(XdpMd, data_end) == offset_of!(sys::xdp_md, data_end));
    assert!(offset_of!(XdpMd, data_meta) == offset_of!(sys::xdp_md, data_meta));
    assert!(offset_of!(XdpMd, ingress_ifindex) == offset_of!(sys::xdp_md, ingress_ifindex));
    assert!(offset_of!(XdpMd, rx_queue_index) == offset_of!(sys::xdp_md, rx_queue_index));
    assert!(offset_of!(XdpMd, egress_ifindex) == offset_of!(sys::xdp_md, egress_ifindex));
};

impl XdpMd {
    /// The context of a test run on `data` with no metadata: `data_end` =
    /// its length, everything else 0. Set `ingress_ifindex`
    /// and `rx_queue_index` on it to run as if the packet came in there:
    /// `XdpMd { ingress_ifindex: 1, ..XdpMd::for_data(&packet) }`.
    pub fn for_data(data: &[u8]) -> Self {
        XdpMd {
            data_end: u32::try_from(data.len()).unwrap_or(u32::MAX),
            ..XdpMd::default()
        }
    }
}

/// A socket-buffer program's context, `struct __sk_buff` (TC, socket
/// filter, `cgroup_skb`, ...), as a test run takes and gives it back
/// ([`TestRun::ctx`](crate::TestRun::ctx)).
///
/// A test run may set `mark`, `priority`, `ingress_ifindex`, `ifindex`
/// (0, or a device's: the packet then comes in there), `cb`, `tstamp`,
/// `wire_len` (0, or at least the data's length), `gso_segs`, `gso_size`
/// and `hwtstamp`; every other field must be zero, or the kernel refuses
/// (`EINVAL`). After the run those fields hold the program's view of them.
/// Addresses and ports are in network byte order, as the program sees
/// them; `flow_keys` and `sk` are kernel pointers (0 in user space).
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SkBuff {
    /// Length of the packet data, bytes.
    pub len: u32,
    /// Packet type (`PACKET_HOST`, ...).
    pub pkt_type: u32,
    /// The packet's mark (settable by a test run).
    pub mark: u32,
    /// Transmit queue.
    pub queue_mapping: u32,
    /// Link-layer protocol (`ETH_P_*`, network byte order).
    pub protocol: u32,
    /// Whether a VLAN tag is present.
    pub vlan_present: u32,
    /// VLAN tag control information.
    pub vlan_tci: u32,
    /// VLAN protocol.
    pub vlan_proto: u32,
    /// The packet's priority (settable by a test run).
    pub priority: u32,
    /// Index of the device the packet came in on (settable).
    pub ingress_ifindex: u32,
    /// Index of the device the packet is on (settable).
    pub ifindex: u32,
    /// Traffic control index.
    pub tc_index: u32,
    /// Control buffer shared by programs (settable).
    pub cb: [u32; 5],
    /// The packet's flow hash.
    pub hash: u32,
    /// Traffic control class id.
    pub tc_classid: u32,
    /// Start of the packet data (a program-side offset; 0 here).
    pub data: u32,
    /// End of the packet data (a program-side offset; 0 here).
    pub data_end: u32,
    /// NAPI id of the receive queue.
    pub napi_id: u32,
    /// Socket address family.
    pub family: u32,
    /// Remote IPv4 address.
    pub remote_ip4: u32,
    /// Local IPv4 address.
    pub local_ip4: u32,
    /// Remote IPv6 address.
    pub remote_ip6: [u32; 4],
    /// Local IPv6 address.
    pub local_ip6: [u32; 4],
    /// Remote port.
    pub remote_port: u32,
    /// Local port (host byte order, as the kernel gives it).
    pub local_port: u32,
    /// Start of the metadata area (a program-side offset; 0 here).
    pub data_meta: u32,
    /// `struct bpf_flow_keys *` (8 bytes in the UAPI on every architecture).
    pub flow_keys: u64,
    /// Timestamp, ns (settable).
    pub tstamp: u64,
    /// Length on the wire (settable: 0 or at least the data's length).
    pub wire_len: u32,
    /// GSO segment count (settable).
    pub gso_segs: u32,
    /// `struct bpf_sock *` (8 bytes in the UAPI on every architecture).
    pub sk: u64,
    /// GSO segment size (settable).
    pub gso_size: u32,
    /// Which clock `tstamp` is on.
    pub tstamp_type: u8,
    /// The UAPI's `__u32 :24` after `tstamp_type`, reserved: keep it zero
    /// (the kernel refuses a context with bytes set here).
    pub _reserved: [u8; 3],
    /// Hardware timestamp (settable).
    pub hwtstamp: u64,
}

// SAFETY: integer fields and arrays of them; the only gap in the C struct
// is an explicit field here (`_reserved`), and the size is the sum of the
// fields (checked below), so there is no padding.
unsafe impl Plain for SkBuff {}

// The layout of `struct __sk_buff` in `linux/bpf.h` (libbpf-sys has no
// binding for it); the kernel test `sk_buff_matches_the_running_kernel`
// checks the same offsets against the running kernel's BTF.
const _: () = {
    use std::mem::{align_of, offset_of, size_of};
    assert!(size_of::<SkBuff>() == 192, "size of SkBuff");
    assert!(align_of::<SkBuff>() == 8, "alignment of SkBuff");
    assert!(offset_of!(SkBuff, len) == 0);
    assert!(offset_of!(SkBuff, pkt_type) == 4);
    assert!(offset_of!(SkBuff, mark) == 8);
    assert!(offset_of!(SkBuff, queue_mapping) == 12);
    assert!(offset_of!(SkBuff, protocol) == 16);
    assert!(offset_of!(SkBuff, vlan_present) == 20);
    assert!(offset_of!(SkBuff, vlan_tci) == 24);
    assert!(offset_of!(SkBuff, vlan_proto) == 28);
    assert!(offset_of!(SkBuff, priority) == 32);
    assert!(offset_of!(SkBuff, ingress_ifindex) == 36);
    assert!(offset_of!(SkBuff, ifindex) == 40);
    assert!(offset_of!(SkBuff, tc_index) == 44);
    assert!(offset_of!(SkBuff, cb) == 48);
    assert!(offset_of!(SkBuff, hash) == 68);
    assert!(offset_of!(SkBuff, tc_classid) == 72);
    assert!(offset_of!(SkBuff, data) == 76);
    assert!(offset_of!(SkBuff, data_end) == 80);
    assert!(offset_of!(SkBuff, napi_id) == 84);
    assert!(offset_of!(SkBuff, family) == 88);
    assert!(offset_of!(SkBuff, remote_ip4) == 92);
    assert!(offset_of!(SkBuff, local_ip4) == 96);
    assert!(offset_of!(SkBuff, remote_ip6) == 100);
    assert!(offset_of!(SkBuff, local_ip6) == 116);
    assert!(offset_of!(SkBuff, remote_port) == 132);
    assert!(offset_of!(SkBuff, local_port) == 136);
    assert!(offset_of!(SkBuff, data_meta) == 140);
    assert!(offset_of!(SkBuff, flow_keys) == 144);
    assert!(offset_of!(SkBuff, tstamp) == 152);
    assert!(offset_of!(SkBuff, wire_len) == 160);
    assert!(offset_of!(SkBuff, gso_segs) == 164);
    assert!(offset_of!(SkBuff, sk) == 168);
    assert!(offset_of!(SkBuff, gso_size) == 176);
    assert!(offset_of!(SkBuff, tstamp_type) == 180);
    assert!(offset_of!(SkBuff, _reserved) == 181);
    assert!(offset_of!(SkBuff, hwtstamp) == 184);
    // No padding: each field ends where the next begins, the last at the end.
    let fields = [
        (offset_of!(SkBuff, len), 4),
        (offset_of!(SkBuff, pkt_type), 4),
        (offset_of!(SkBuff, mark), 4),
        (offset_of!(SkBuff, queue_mapping), 4),
        (offset_of!(SkBuff, protocol), 4),
        (offset_of!(SkBuff, vlan_present), 4),
        (offset_of!(SkBuff, vlan_tci), 4),
        (offset_of!(SkBuff, vlan_proto), 4),
        (offset_of!(SkBuff, priority), 4),
        (offset_of!(SkBuff, ingress_ifindex), 4),
        (offset_of!(SkBuff, ifindex), 4),
        (offset_of!(SkBuff, tc_index), 4),
        (offset_of!(SkBuff, cb), size_of::<[u32; 5]>()),
        (offset_of!(SkBuff, hash), 4),
        (offset_of!(SkBuff, tc_classid), 4),
        (offset_of!(SkBuff, data), 4),
        (offset_of!(SkBuff, data_end), 4),
        (offset_of!(SkBuff, napi_id), 4),
        (offset_of!(SkBuff, family), 4),
        (offset_of!(SkBuff, remote_ip4), 4),
        (offset_of!(SkBuff, local_ip4), 4),
        (offset_of!(SkBuff, remote_ip6), size_of::<[u32; 4]>()),
        (offset_of!(SkBuff, local_ip6), size_of::<[u32; 4]>()),
        (offset_of!(SkBuff, remote_port), 4),
        (offset_of!(SkBuff, local_port), 4),
        (offset_of!(SkBuff, data_meta), 4),
        (offset_of!(SkBuff, flow_keys), 8),
        (offset_of!(SkBuff, tstamp), 8),
        (offset_of!(SkBuff, wire_len), 4),
        (offset_of!(SkBuff, gso_segs), 4),
        (offset_of!(SkBuff, sk), 8),
        (offset_of!(SkBuff, gso_size), 4),
        (offset_of!(SkBuff, tstamp_type), 1),
        (offset_of!(SkBuff, _reserved), 3),
        (offset_of!(SkBuff, hwtstamp), 8),
    ];
    let mut end = 0;
    let mut i = 0;
    while i < fields.len() {
        assert!(fields[i].0 == end, "SkBuff has padding");
        end += fields[i].1;
        i += 1;
    }
    assert!(end == size_of::<SkBuff>(), "SkBuff has tail padding");
};
