// Package webhook delivers signed JSON events to registered URLs, refusing
// targets inside the cluster (loopback, private, link-local, metadata)
// unless configured.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// ErrRefused marks a target the guard does not allow.
var ErrRefused = errors.New("webhook target refused")

// Guard decides which hosts and addresses a webhook may reach.
type Guard struct {
	// AllowPrivate lets webhooks reach every address (development only).
	AllowPrivate bool
	// AllowHosts are host names (lower case) that may resolve to private
	// addresses, e.g. an in-cluster receiver the operator trusts.
	AllowHosts []string
	// Resolver looks names up; nil means net.DefaultResolver.
	Resolver *net.Resolver
}

var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),         // "this" network, unspecified
	netip.MustParsePrefix("10.0.0.0/8"),        // RFC 1918
	netip.MustParsePrefix("100.64.0.0/10"),     // CGNAT (RFC 6598)
	netip.MustParsePrefix("127.0.0.0/8"),       // loopback
	netip.MustParsePrefix("169.254.0.0/16"),    // link-local, cloud metadata 169.254.169.254
	netip.MustParsePrefix("172.16.0.0/12"),     // RFC 1918
	netip.MustParsePrefix("192.0.0.0/24"),      // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),      // documentation (TEST-NET-1); some hosts use it for themselves
	netip.MustParsePrefix("192.88.99.0/24"),    // 6to4 relay anycast
	netip.MustParsePrefix("192.168.0.0/16"),    // RFC 1918
	netip.MustParsePrefix("198.51.100.0/24"),   // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),    // documentation (TEST-NET-3)
	netip.MustParsePrefix("198.18.0.0/15"),     // benchmarking
	netip.MustParsePrefix("224.0.0.0/4"),       // multicast
	netip.MustParsePrefix("240.0.0.0/4"),       // reserved, broadcast
	netip.MustParsePrefix("::/128"),            // unspecified
	netip.MustParsePrefix("::1/128"),           // loopback
	netip.MustParsePrefix("64:ff9b::/96"),      // well-known NAT64: reaches any IPv4 address, loopback included
	netip.MustParsePrefix("64:ff9b:1::/48"),    // local-use NAT64
	netip.MustParsePrefix("100::/64"),          // discard-only
	netip.MustParsePrefix("2001::/32"),         // Teredo: tunnels to an embedded IPv4 address
	netip.MustParsePrefix("2001:db8::/32"),     // documentation
	netip.MustParsePrefix("2002::/16"),         // 6to4: tunnels to an embedded IPv4 address
	netip.MustParsePrefix("fc00::/7"),          // unique local
	netip.MustParsePrefix("fe80::/10"),         // link-local
	netip.MustParsePrefix("ff00::/8"),          // multicast
	netip.MustParsePrefix("fd00:ec2::254/128"), // AWS metadata over IPv6 (inside fc00::/7, listed for clarity)
}

// PrivateAddr reports whether ip is one a webhook must not reach by default.
// IPv4-mapped IPv6 addresses are judged as IPv4, and a zone ("fe80::1%eth0")
// is ignored (netip.Prefix never matches an address that has one).
func PrivateAddr(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() {
		return true
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func (g *Guard) hostAllowed(host string) bool {
	if g.AllowPrivate {
		return true
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range g.AllowHosts {
		if strings.ToLower(strings.TrimSuffix(h, ".")) == host {
			return true
		}
	}
	return false
}

// CheckURL validates a webhook URL: http or https, a host, no user info,
// and every address the host resolves to allowed.
func (g *Guard) CheckURL(ctx context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("url: %v", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("url: want an http or https URL")
	}
	if u.User != nil {
		return nil, fmt.Errorf("url: must not carry a user name or password")
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("url: has no host")
	}
	if g.hostAllowed(host) {
		return u, nil
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("url: host %s: %v", host, err)
	}
	for _, a := range addrs {
		if PrivateAddr(a) {
			return nil, fmt.Errorf("url: %w: host %s resolves to %s, a loopback, private, link-local or reserved address", ErrRefused, host, a)
		}
	}
	return u, nil
}

func (g *Guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{a}, nil
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("no address")
	}
	return ips, nil
}

// Control is a net.Dialer Control hook: it checks the address actually
// dialled, after DNS resolution, so a name that changes its answer between
// registration and delivery (DNS rebinding) is still refused. allowHost says
// whether the request's host was on the allow list.
func (g *Guard) control(allowHost bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if g.AllowPrivate || allowHost {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: cannot read dialled address %q", ErrRefused, address)
		}
		if PrivateAddr(ap.Addr()) {
			return fmt.Errorf("%w: %s is a loopback, private, link-local or reserved address", ErrRefused, ap.Addr())
		}
		return nil
	}
}
