package embedhttp

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ValidateOrigin checks one frame-ancestors allowlist entry and returns it
// lowercased. An entry is a bare origin: http or https, a host name or IPv4
// address, and an optional port ("https://example.gc.ca",
// "http://localhost:8080"). The only wildcard allowed is a whole leftmost
// label above a domain of at least two labels ("https://*.canada.ca").
//
// Anything else is refused, because the entry is pasted into a
// Content-Security-Policy header: a space, semicolon, comma or quote could
// add sources or whole directives, and a path, query, fragment or userinfo
// means the entry is not what its author thinks it is.
func ValidateOrigin(s string) (string, error) {
	fail := func(format string, a ...any) (string, error) {
		shown := s
		if r := []rune(shown); len(r) > 100 {
			shown = string(r[:100]) + "…" // name it, not echo a page of it
		}
		return "", fmt.Errorf("origin %q: %s", shown, fmt.Sprintf(format, a...))
	}
	if s == "" {
		return fail("is empty")
	}
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v':
			return fail("contains white space")
		case r == ';':
			return fail("contains a semicolon, which would end the directive")
		case r == ',':
			return fail("contains a comma, which would start another policy")
		case r == '"' || r == '\'' || r == '`':
			return fail("contains a quote")
		case r < 0x20 || r == 0x7f:
			return fail("contains a control character")
		case r >= 0x80:
			return fail("contains a non-ASCII character; write an internationalised domain name in its xn-- form")
		}
	}

	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return fail("needs a scheme: http:// or https://")
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" {
		return fail("scheme %q is not http or https", scheme)
	}
	if i := strings.IndexAny(rest, "/\\?#@"); i >= 0 {
		switch rest[i] {
		case '/', '\\':
			return fail("has a path (even a lone \"/\" counts); give only scheme://host[:port]")
		case '?':
			return fail("has a query")
		case '#':
			return fail("has a fragment")
		default:
			return fail("has user information before \"@\"")
		}
	}
	if strings.HasPrefix(rest, "[") {
		return fail("IPv6 address literals cannot be used in frame-ancestors")
	}

	host, port := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		host, port = rest[:i], rest[i+1:]
		n, err := strconv.Atoi(port)
		switch {
		case port == "":
			return fail("has an empty port after \":\"")
		case port == "*":
			return fail("a wildcard port is not allowed")
		case err != nil || port[0] == '+' || port[0] == '-' || len(port) > 5:
			return fail("port %q is not a number", port)
		case n < 1 || n > 65535:
			return fail("port %d is out of range 1-65535", n)
		}
		port = strconv.Itoa(n)
	}
	if host == "" {
		return fail("has an empty host")
	}
	host = strings.ToLower(host)
	if len(host) > 253 {
		return fail("host is longer than 253 characters")
	}
	labels := strings.Split(host, ".")
	for i, l := range labels {
		switch {
		case l == "*" && i != 0:
			return fail("the wildcard \"*\" is allowed only as the leftmost label, as in https://*.canada.ca")
		case l == "*" && len(labels) < 3:
			return fail("a wildcard must stand above a domain of at least two labels, as in https://*.canada.ca")
		case l == "*":
			continue
		case strings.Contains(l, "*"):
			return fail("the wildcard \"*\" must be a whole leftmost label, as in https://*.canada.ca")
		case l == "":
			return fail("has an empty label in the host (a doubled, leading or trailing dot)")
		case len(l) > 63:
			return fail("host label %q is longer than 63 characters", l)
		case !dnsLabel(l):
			return fail("host label %q may hold only letters, digits and inner hyphens", l)
		}
	}

	out := scheme + "://" + host
	if port != "" {
		out += ":" + port
	}
	return out, nil
}

func dnsLabel(l string) bool {
	if l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ParseAllowlist validates every entry and returns them normalised, without
// duplicates, in their first order. On any bad entry it returns no list and
// one error joining a message per bad entry (with its position), so a
// configuration mistake is reported whole and never half-applied.
func ParseAllowlist(entries []string) ([]string, error) {
	var errs []error
	out := make([]string, 0, len(entries))
	seen := make(map[string]bool, len(entries))
	for i, e := range entries {
		o, err := ValidateOrigin(e)
		if err != nil {
			errs = append(errs, fmt.Errorf("allowlist entry %d: %w", i+1, err))
			continue
		}
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
