//! Ethernet/IPv4/UDP packets for test runs of packet programs, built from and
//! parsed into typed headers, so tests name fields and never byte offsets.
//!
//! Building computes the lengths and the IPv4 header checksum; parsing
//! checks them (a program that rewrites a header without fixing the
//! checksum yields a packet that does not parse). UDP checksums are 0
//! ("none"), which IPv4 allows.

use std::net::Ipv4Addr;

/// A MAC address.
pub type Mac = [u8; 6];

/// EtherType of IPv4.
pub const ETH_P_IP: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETH_P_IPV6: u16 = 0x86dd;
/// EtherType of an 802.1Q VLAN tag.
pub const ETH_P_8021Q: u16 = 0x8100;
/// IP protocol number of UDP.
pub const IPPROTO_UDP: u8 = 17;
/// IP protocol number of TCP.
pub const IPPROTO_TCP: u8 = 6;

/// The client side of [`UdpPacket::new`]'s packets.
pub const CLIENT_MAC: Mac = [0x02, 0, 0, 0, 0, 0x01];
/// The server side of [`UdpPacket::new`]'s packets.
pub const SERVER_MAC: Mac = [0x02, 0, 0, 0, 0, 0x02];
/// The client's address.
pub const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
/// The server's address.
pub const SERVER_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

/// An Ethernet header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ethernet {
    pub dst: Mac,
    pub src: Mac,
    pub ethertype: u16,
}

impl Ethernet {
    /// Its wire size.
    pub const LEN: usize = 14;

    /// The header's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::LEN);
        out.extend_from_slice(&self.dst);
        out.extend_from_slice(&self.src);
        out.extend_from_slice(&self.ethertype.to_be_bytes());
        out
    }

    /// The header at the start of `bytes`, and what follows it.
    pub fn parse(bytes: &[u8]) -> Result<(Ethernet, &[u8]), String> {
        let (dst, rest) = take::<6>(bytes, "Ethernet destination")?;
        let (src, rest) = take::<6>(rest, "Ethernet source")?;
        let (ethertype, rest) = take::<2>(rest, "EtherType")?;
        let eth = Ethernet {
            dst,
            src,
            ethertype: u16::from_be_bytes(ethertype),
        };
        Ok((eth, rest))
    }
}

/// An 802.1Q VLAN tag (after the Ethernet header, whose EtherType is then
/// [`ETH_P_8021Q`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vlan {
    /// Priority, drop eligibility and VLAN id.
    pub tci: u16,
    /// The EtherType of what follows.
    pub ethertype: u16,
}

impl Vlan {
    /// The VLAN id (the TCI's low 12 bits).
    pub fn id(&self) -> u16 {
        self.tci & 0x0fff
    }
}

/// An IPv4 header without options (IHL 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4 {
    /// DSCP and ECN.
    pub tos: u8,
    pub id: u16,
    pub ttl: u8,
    pub protocol: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
}

impl Ipv4 {
    /// Its wire size.
    pub const LEN: usize = 20;

    /// The header's bytes for a payload of `payload_len` bytes, with its
    /// checksum.
    fn to_bytes(self, payload_len: usize) -> Vec<u8> {
        let total = u16::try_from(Self::LEN + payload_len).expect("an IPv4 packet under 64 KiB");
        let mut out = Vec::with_capacity(Self::LEN);
        out.push(0x45); // version 4, IHL 5
        out.push(self.tos);
        out.extend_from_slice(&total.to_be_bytes());
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&0x4000u16.to_be_bytes()); // don't fragment
        out.push(self.ttl);
        out.push(self.protocol);
        let check_at = out.len();
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
        let sum = checksum(&out);
        out[check_at..check_at + 2].copy_from_slice(&sum.to_be_bytes());
        out
    }

    /// The header at the start of `bytes` and its payload (as long as the
    /// header's total length says); the checksum and lengths must be right.
    fn parse(bytes: &[u8]) -> Result<(Ipv4, &[u8]), String> {
        let (header, rest) = take::<{ Ipv4::LEN }>(bytes, "IPv4 header")?;
        let (&[ver_ihl, tos], h) = split::<2>(&header);
        let (&total, h) = split::<2>(h);
        let (&id, h) = split::<2>(h);
        let (_flags_fragment, h) = split::<2>(h);
        let (&[ttl, protocol], h) = split::<2>(h);
        let (_checksum, h) = split::<2>(h);
        let (&src, h) = split::<4>(h);
        let (&dst, _) = split::<4>(h);
        if ver_ihl != 0x45 {
            return Err(format!("IPv4 version/IHL byte {ver_ihl:#x}, not 0x45"));
        }
        if checksum(&header) != 0 {
            return Err("bad IPv4 header checksum".into());
        }
        let total = usize::from(u16::from_be_bytes(total));
        let payload_len = total
            .checked_sub(Ipv4::LEN)
            .ok_or_else(|| format!("IPv4 total length {total} is shorter than its header"))?;
        if rest.len() != payload_len {
            return Err(format!(
                "IPv4 total length {total}, but {} bytes follow the header",
                rest.len()
            ));
        }
        let ip = Ipv4 {
            tos,
            id: u16::from_be_bytes(id),
            ttl,
            protocol,
            src: Ipv4Addr::from(src),
            dst: Ipv4Addr::from(dst),
        };
        Ok((ip, rest))
    }
}

/// A UDP header (its length is computed, its checksum 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Udp {
    pub src_port: u16,
    pub dst_port: u16,
}

impl Udp {
    /// Its wire size.
    pub const LEN: usize = 8;
}

/// An Ethernet frame holding an IPv4 packet holding a UDP datagram,
/// optionally VLAN-tagged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UdpPacket {
    pub eth: Ethernet,
    pub vlan: Option<Vlan>,
    pub ip: Ipv4,
    pub udp: Udp,
    pub payload: Vec<u8>,
}

impl UdpPacket {
    /// From [`CLIENT_MAC`]/[`CLIENT_IP`] port `src_port` to
    /// [`SERVER_MAC`]/[`SERVER_IP`] port `dst_port`, TTL 64.
    pub fn new(src_port: u16, dst_port: u16, payload: &[u8]) -> Self {
        UdpPacket {
            eth: Ethernet {
                dst: SERVER_MAC,
                src: CLIENT_MAC,
                ethertype: ETH_P_IP,
            },
            vlan: None,
            ip: Ipv4 {
                tos: 0,
                id: 1,
                ttl: 64,
                protocol: IPPROTO_UDP,
                src: CLIENT_IP,
                dst: SERVER_IP,
            },
            udp: Udp { src_port, dst_port },
            payload: payload.to_vec(),
        }
    }

    /// The frame's bytes. With `ip.protocol` set to something other than
    /// UDP, the UDP header and payload are the IP payload all the same.
    pub fn to_bytes(&self) -> Vec<u8> {
        let udp_len =
            u16::try_from(Udp::LEN + self.payload.len()).expect("a datagram under 64 KiB");
        let mut out = self.eth.to_bytes();
        if let Some(vlan) = self.vlan {
            out.extend_from_slice(&vlan.tci.to_be_bytes());
            out.extend_from_slice(&vlan.ethertype.to_be_bytes());
        }
        out.extend(self.ip.to_bytes(usize::from(udp_len)));
        out.extend_from_slice(&self.udp.src_port.to_be_bytes());
        out.extend_from_slice(&self.udp.dst_port.to_be_bytes());
        out.extend_from_slice(&udp_len.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.payload);
        out
    }

    /// The frame in `bytes`: Ethernet, an optional VLAN tag, IPv4 (checksum
    /// and lengths checked), UDP (length checked).
    pub fn parse(bytes: &[u8]) -> Result<UdpPacket, String> {
        let (eth, mut rest) = Ethernet::parse(bytes)?;
        let mut ethertype = eth.ethertype;
        let mut vlan = None;
        if ethertype == ETH_P_8021Q {
            let (tci, r) = take::<2>(rest, "VLAN TCI")?;
            let (inner, r) = take::<2>(r, "VLAN EtherType")?;
            let tag = Vlan {
                tci: u16::from_be_bytes(tci),
                ethertype: u16::from_be_bytes(inner),
            };
            ethertype = tag.ethertype;
            vlan = Some(tag);
            rest = r;
        }
        if ethertype != ETH_P_IP {
            return Err(format!("EtherType {ethertype:#06x}, not IPv4"));
        }
        let (ip, rest) = Ipv4::parse(rest)?;
        if ip.protocol != IPPROTO_UDP {
            return Err(format!("IP protocol {}, not UDP", ip.protocol));
        }
        let (src, rest) = take::<2>(rest, "UDP source port")?;
        let (dst, rest) = take::<2>(rest, "UDP destination port")?;
        let (len, rest) = take::<2>(rest, "UDP length")?;
        let (_check, payload) = take::<2>(rest, "UDP checksum")?;
        let len = usize::from(u16::from_be_bytes(len));
        if len != Udp::LEN + payload.len() {
            return Err(format!(
                "UDP length {len}, but the datagram is {} bytes",
                Udp::LEN + payload.len()
            ));
        }
        Ok(UdpPacket {
            eth,
            vlan,
            ip,
            udp: Udp {
                src_port: u16::from_be_bytes(src),
                dst_port: u16::from_be_bytes(dst),
            },
            payload: payload.to_vec(),
        })
    }
}

/// The first `N` bytes of `bytes` and the rest, or an error naming `what`.
fn take<'b, const N: usize>(bytes: &'b [u8], what: &str) -> Result<([u8; N], &'b [u8]), String> {
    let (head, rest) = bytes
        .split_first_chunk::<N>()
        .ok_or_else(|| format!("packet ends before its {what} ({} bytes left)", bytes.len()))?;
    Ok((*head, rest))
}

/// The first `N` bytes of a header known to hold them, and the rest.
fn split<const N: usize>(header: &[u8]) -> (&[u8; N], &[u8]) {
    header
        .split_first_chunk::<N>()
        .expect("bug: a field past its header's end")
}

/// The Internet checksum (RFC 1071) of `bytes`: 0 over a header whose
/// checksum field is right.
fn checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = bytes
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_round_trip_and_bad_checksums_do_not_parse() {
        let mut packet = UdpPacket::new(1234, 53, b"hello");
        packet.vlan = Some(Vlan {
            tci: 7,
            ethertype: ETH_P_IP,
        });
        packet.eth.ethertype = ETH_P_8021Q;
        let bytes = packet.to_bytes();
        assert_eq!(
            bytes.len(),
            Ethernet::LEN + 4 + Ipv4::LEN + Udp::LEN + b"hello".len()
        );
        assert_eq!(UdpPacket::parse(&bytes), Ok(packet.clone()));

        // A header byte changed without fixing the checksum.
        let plain = UdpPacket::new(1, 2, b"").to_bytes();
        let mut tampered = plain.clone();
        tampered[Ethernet::LEN + 1] ^= 0x10;
        assert_eq!(
            UdpPacket::parse(&tampered),
            Err("bad IPv4 header checksum".into())
        );
        assert!(UdpPacket::parse(&plain[..30]).is_err());
    }
}
