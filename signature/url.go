package signature

import "strings"

// urlVariants returns the URLs a signature may cover for a call received
// at rawURL: rawURL itself, then rawURL with its port removed or, when it
// has none, with the scheme's default port added. Twilio signs the URL as
// configured, while proxies and load balancers add or drop ports, so
// Twilio's helper libraries accept both forms. Only the authority changes;
// userinfo, IPv6 brackets, path and query are kept byte for byte.
func urlVariants(rawURL string) []string {
	variants := []string{rawURL}
	a, ok := splitAuthority(rawURL)
	if !ok {
		return variants
	}
	switch {
	case a.port >= 0:
		return append(variants, rawURL[:a.port]+rawURL[a.end:])
	case a.defaultPort != "":
		return append(variants, rawURL[:a.end]+":"+a.defaultPort+rawURL[a.end:])
	}
	return variants
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
