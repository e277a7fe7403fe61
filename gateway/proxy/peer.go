package proxy

import "net/netip"

// PeerTrusted reports whether the peer at remoteAddr ("1.2.3.4:5", "[::1]:5")
// is inside one of the trusted prefixes: a proxy whose forwarding headers are
// believed. An IPv4-mapped IPv6 peer counts as its IPv4 address.
func PeerTrusted(remoteAddr string, trusted []netip.Prefix) bool {
	if len(trusted) == 0 {
		return false
	}
	host, ok := peerHost(remoteAddr)
	if !ok {
		return false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
