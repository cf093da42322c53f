package signature

import "strings"

// urlVariants returns the URLs a signature may cover for a call received
// at rawURL: rawURL itself, then rawURL with its port removed or, when it
// has none, with the scheme's default port added. Twilio signs the URL as
// configured, while proxies and load balancers add or drop ports, so
// Twilio's helper libraries accept both forms. Only the authority changes;
// userinfo, IPv6 brackets, path and query are kept byte for byte.
func urlVariants(rawURL string) []string {
	var variants []string
	for i := 0; ; i++ {
		b, ok := appendVariant(nil, rawURL, i)
		if !ok {
			return variants
		}
		variants = append(variants, string(b))
	}
}

// appendVariant appends the i-th of urlVariants(rawURL) to b, and reports
// whether there is one. It lets a check try each variant without building
// a string for it.
func appendVariant(b []byte, rawURL string, i int) ([]byte, bool) {
	if i == 0 {
		return append(b, rawURL...), true
	}
	if i > 1 {
		return b, false
	}
	a, ok := splitAuthority(rawURL)
	switch {
	case !ok:
		return b, false
	case a.port >= 0:
		b = append(b, rawURL[:a.port]...)
	case a.defaultPort != "":
		b = append(b, rawURL[:a.end]...)
		b = append(b, ':')
		b = append(b, a.defaultPort...)
	default:
		return b, false
	}
	return append(b, rawURL[a.end:]...), true
}

// authority locates the host and port of a URL by byte offsets.
type authority struct {
	port        int    // offset of the ':' before the port, or -1
	end         int    // offset just past the authority
	defaultPort string // "443" for https, "80" for http, else ""
}

func splitAuthority(rawURL string) (authority, bool) {
	i := strings.Index(rawURL, "://")
	if i <= 0 {
		return authority{}, false
	}
	a := authority{port: -1, end: len(rawURL)}
	start := i + len("://")
	if j := strings.IndexAny(rawURL[start:], "/?#"); j >= 0 {
		a.end = start + j
	}
	if at := strings.LastIndexByte(rawURL[start:a.end], '@'); at >= 0 {
		start += at + 1
	}
	host := rawURL[start:a.end]
	if strings.HasPrefix(host, "[") {
		// An IPv6 literal: a port can only follow the closing bracket.
		if j := strings.IndexByte(host, ']'); j >= 0 && j+1 < len(host) && host[j+1] == ':' {
			a.port = start + j + 1
		}
	} else if j := strings.LastIndexByte(host, ':'); j >= 0 {
		a.port = start + j
	}
	switch scheme := rawURL[:i]; {
	case strings.EqualFold(scheme, "https"):
		a.defaultPort = "443"
	case strings.EqualFold(scheme, "http"):
		a.defaultPort = "80"
	}
	return a, true
}
