// Packet programs that tests/tests/kernel_test_run.rs runs with
// BPF_PROG_TEST_RUN (skel_runtime::TestRun): crafted packets in, verdicts,
// rewritten packets and contexts out.
//
// - `xdp_udp`: a small UDP policy by destination port: 9 (discard) is
//   dropped, 7 (echo) is bounced back to its sender (MACs, addresses and
//   ports swapped, XDP_TX), 5353 is rewritten to 5354 and passed, anything
//   else is passed; a truncated IPv4/UDP packet is dropped. Counts runs in
//   `.bss` and records the context's ingress ifindex and queue.
// - `xdp_vlan_push`: grows the packet at its head (bpf_xdp_adjust_head) to
//   push an 802.1Q VLAN tag with id `vlan_id` (.rodata).
// - `tc_classify`: sched_cls; UDP to port 53 gets mark 0x53, priority 6 and
//   its IPv4 TOS set to 0xb8 (checksum fixed with bpf_l3_csum_replace), cb[0]
//   gets the mark the context came in with plus one; port 9 is TC_ACT_SHOT.
// - `sock_udp_only`: a socket filter keeping UDP packets whole (returns the
//   length) and dropping the rest (returns 0).
// - `cgroup_allow_udp`: cgroup_skb, 1 (allow) for UDP, 0 (drop) otherwise.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define PORT_ECHO 7
#define PORT_DISCARD 9
#define PORT_DNS 53
#define PORT_MDNS 5353
#define PORT_MDNS_ALT 5354

const volatile __u16 vlan_id = 42;

__u64 xdp_runs = 0;
__u32 last_ingress_ifindex = 0;
__u32 last_rx_queue = 0;

struct vlan_tag {
	__be16 tci;
	__be16 inner_proto;
};

SEC("xdp")
int xdp_udp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	unsigned char mac[ETH_ALEN];
	__be32 addr;
	__be16 port;

	__sync_fetch_and_add(&xdp_runs, 1);
	last_ingress_ifindex = ctx->ingress_ifindex;
	last_rx_queue = ctx->rx_queue_index;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_DROP;
	if (ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	if (ip->ihl != 5)
		return XDP_PASS;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > data_end)
		return XDP_DROP;

	switch (bpf_ntohs(udp->dest)) {
	case PORT_DISCARD:
		return XDP_DROP;
	case PORT_ECHO:
		__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
		__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
		__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
		addr = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = addr;
		port = udp->source;
		udp->source = udp->dest;
		udp->dest = port;
		return XDP_TX;
	case PORT_MDNS:
		/* No UDP checksum fix-up needed: the tests send checksum 0 (none). */
		udp->dest = bpf_htons(PORT_MDNS_ALT);
		return XDP_PASS;
	default:
		return XDP_PASS;
	}
}

SEC("xdp")
int xdp_vlan_push(struct xdp_md *ctx)
{
	struct ethhdr *eth, *old;
	struct vlan_tag *tag;
	void *data, *data_end;
	__be16 proto;

	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct vlan_tag)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	old = data + sizeof(struct vlan_tag);
	if ((void *)(old + 1) > data_end)
		return XDP_ABORTED;
	proto = old->h_proto;
	__builtin_memmove(eth, old, 2 * ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_8021Q);
	tag = (void *)(eth + 1);
	tag->tci = bpf_htons(vlan_id);
	tag->inner_proto = proto;
	return XDP_PASS;
}

SEC("tc")
int tc_classify(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	__u8 old_tos, new_tos = 0xb8;
	__u32 tos_off = sizeof(struct ethhdr) + __builtin_offsetof(struct iphdr, tos);

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_SHOT;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > data_end)
		return TC_ACT_SHOT;

	switch (bpf_ntohs(udp->dest)) {
	case PORT_DISCARD:
		return TC_ACT_SHOT;
	case PORT_DNS:
		skb->cb[0] = skb->mark + 1;
		skb->mark = 0x53;
		skb->priority = 6;
		old_tos = ip->tos;
		/* The checksum covers 16-bit words: tos is the low byte of the first. */
		bpf_l3_csum_replace(skb, sizeof(struct ethhdr) + __builtin_offsetof(struct iphdr, check),
				    bpf_htons(old_tos), bpf_htons(new_tos), 2);
		bpf_skb_store_bytes(skb, tos_off, &new_tos, 1, 0);
		return TC_ACT_OK;
	default:
		return TC_ACT_OK;
	}
}

SEC("socket")
int sock_udp_only(struct __sk_buff *skb)
{
	__u8 proto;

	/* A socket filter sees the packet from its network header. */
	if (bpf_skb_load_bytes(skb, __builtin_offsetof(struct iphdr, protocol), &proto, 1))
		return 0;
	return proto == IPPROTO_UDP ? skb->len : 0;
}

SEC("cgroup_skb/ingress")
int cgroup_allow_udp(struct __sk_buff *skb)
{
	__u8 proto;

	if (bpf_skb_load_bytes(skb, __builtin_offsetof(struct iphdr, protocol), &proto, 1))
		return 0;
	return proto == IPPROTO_UDP;
}
