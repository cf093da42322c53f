package twiliogo

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	"github.com/twilioguard/twilioguard/signature"
)

// The known defects of twilio-go's RequestValidator, by which a
// disagreement with package signature is explained. ../README.md has more.
const (
	defRepeated = "twilio-go keeps only the first value of a repeated key"
	defIPv6     = "twilio-go cuts an IPv6 host at its first colon when it drops the port"
	defEmpty    = "twilio-go turns an empty port (host:) into host::443"
	defReencode = "twilio-go re-serialises the URL through net/url when it adds or drops the port"
	defNoParse  = "twilio-go tries no port variant, or rejects a JSON body, when net/url cannot parse the URL"
)

// parts is a URL in pieces, so that its port can be swapped.
type parts struct{ scheme, userinfo, host, port, path, query string }

func (p parts) String() string {
	return p.scheme + "://" + p.userinfo + p.host + p.port + p.path + p.query
}

func (p parts) withPort(port string) string {
	p.port = port
	return p.String()
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

var atoms = []string{"a", "b", "Z", "0", "9", "-", "_", ".", "+", "%", "&", "=",
	"'", `"`, " ", "/", "?", ":", "@", ";", "%20", "%zz", "\n", "é", "ß", "中",
	"e\u0301", "\uff21", "😀", "🇺🇸"}

func text(r *rand.Rand, n int) string {
	var b strings.Builder
	for range r.IntN(n + 1) {
		b.WriteString(pick(r, atoms))
	}
	return b.String()
}

func genParts(r *rand.Rand) parts {
	p := parts{
		scheme: pick(r, []string{"https", "https", "https", "http", "HTTPS"}),
		host: pick(r, []string{"example.com", "Example.COM", "127.0.0.1", "[::1]",
			"[2001:db8::1]", "café.example", "xn--caf-dma.example"}),
	}
	if r.IntN(6) == 0 {
		p.userinfo = pick(r, []string{"user@", "user:pass@", "üser@", "a@b@"})
	}
	if r.IntN(2) == 0 {
		p.port = pick(r, []string{":443", ":80", ":8080", ":"})
	}
	for range r.IntN(3) {
		p.path += "/" + pick(r, []string{"sms", "voice", "twilio", "x.php", "café",
			"%C3%A9", "a b", "a'b", "%zz", "😀"})
	}
	if r.IntN(2) == 0 {
		p.query = "?" + pick(r, []string{"foo", "bar", "ü"}) + "=" + text(r, 4)
	}
	return p
}

func genParams(r *rand.Rand) url.Values {
	keys := []string{"Body", "From", "To", "AccountSid", "Reason",
		"ReasonConferenceEnded", "MessagingBinding.Address", "", "ü", "😀"}
	params := url.Values{}
	for range r.IntN(7) {
		k := pick(r, keys)
		if r.IntN(20) == 0 {
			params[k] = []string{text(r, 6), text(r, 6)}
			continue
		}
		params.Set(k, text(r, 8))
	}
	return params
}

// A check is one delivery judged by both validators.
type check struct {
	kind   string
	recv   parts
	params url.Values // nil for a JSON body
	body   []byte
	header string
	ours   signature.Match
	oursOK bool
	theirs bool
}

// judge fills in both verdicts. twilio-go's ValidateBody takes a form POST
// as its raw body, or a JSON body with bodySHA256 in the URL; its Validate
// takes a map, which cannot hold a repeated key. judge reports whether
// the two twilio-go entry points agree on a form without repeated keys.
func judge(token string, c *check) bool {
	v, _ := signature.NewValidator(token)
	rv := client.NewRequestValidator(token)
	u := c.recv.String()
	var err error
	if c.params == nil {
		c.ours, err = v.CheckBody(u, c.body, c.header)
		c.theirs = rv.ValidateBody(u, c.body, c.header)
		c.oursOK = err == nil
		return true
	}
	c.ours, err = v.Check(u, c.params, c.header)
	c.oursOK = err == nil
	c.theirs = rv.ValidateBody(u, []byte(c.params.Encode()), c.header)
	if _, err := url.Parse(u); err != nil || !single(c.params) {
		return true // ValidateBody gives up on a URL net/url cannot parse
	}
	return rv.Validate(u, first(c.params), c.header) == c.theirs
}

func single(p url.Values) bool {
	for _, vals := range p {
		if len(vals) != 1 {
			return false
		}
	}
	return true
}

func first(p url.Values) map[string]string {
	m := make(map[string]string, len(p))
	for k, vals := range p {
		m[k] = vals[0]
	}
	return m
}

// explain names the known defect behind a disagreement, or "".
func explain(c check) string {
	u := c.recv.String()
	switch {
	case c.oursOK && !c.theirs && repeated(c.params):
		return defRepeated
	case !c.oursOK || c.theirs:
		return ""
	}
	parsed, err := url.Parse(u)
	switch {
	case err != nil:
		return defNoParse
	case c.ours.URL == u:
		return "" // the exact URL matched: twilio-go tries it too
	case strings.HasPrefix(c.recv.host, "[") && c.recv.port != "":
		return defIPv6
	case c.recv.port == ":":
		return defEmpty
	case parsed.String() != u:
		return defReencode
	}
	return ""
}

func repeated(p url.Values) bool {
	for _, vals := range p {
		if len(slices.Compact(slices.Sorted(slices.Values(vals)))) > 1 {
			return true
		}
	}
	return false
}

// checks returns the genuine and tampered deliveries of one call.
func checks(r *rand.Rand, token, other string, recv parts) []check {
	params := genParams(r)
	var body []byte
	if r.IntN(4) == 0 {
		params, body = nil, []byte(`{"Body":"`+strconv.Quote(text(r, 6))+`"}`)
		recv.query = "?bodySHA256=" + signature.BodyHash(body)
	}
	sign := func(tok, u string) string { return signature.Sign(tok, u, params) }
	u := recv.String()
	out := []check{
		{kind: "genuine", header: sign(token, u)},
		{kind: "signed with another token", header: sign(other, u)},
	}
	for _, port := range []string{"", ":443", ":80", ":8443"} {
		if port != recv.port {
			kind := "signed over port " + port
			if port == "" {
				kind = "signed without port"
			}
			out = append(out, check{kind: kind, header: sign(token, recv.withPort(port))})
		}
	}
	sig := sign(token, u)
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	last := strings.IndexByte(alphabet, sig[26]) ^ (1 + r.IntN(3))
	out = append(out, check{kind: "header: other padding bits", header: sig[:26] + alphabet[last:last+1] + sig[27:]})
	for i := range out {
		out[i].recv, out[i].params, out[i].body = recv, params, body
	}
	if len(params) > 0 {
		changed := url.Values{}
		for k, vals := range params {
			changed[k] = slices.Clone(vals)
		}
		k := pick(r, slices.Collect(maps.Keys(changed)))
		changed[k][0] += "x"
		out = append(out, check{kind: "value changed", recv: recv, params: changed, header: sig})
	}
	return out
}

// TestAgainstTwilioGo generates calls and explains every disagreement
// between package signature and twilio-go by a known defect.
// PARITY_N and PARITY_SEED work as in package parity.
func TestAgainstTwilioGo(t *testing.T) {
	n, seed := 10000, uint64(time.Now().UnixNano())
	if s := os.Getenv("PARITY_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("PARITY_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("PARITY_N=%d PARITY_SEED=%d", n, seed)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	score := map[string]*[3]int{} // both accept, both reject, differ
	classes := map[string]int{}
	failures := 0
	for range n {
		token, other := fmt.Sprintf("tok%08x", r.Uint32()), fmt.Sprintf("oth%08x", r.Uint32())
		for _, c := range checks(r, token, other, genParts(r)) {
			if !judge(token, &c) {
				t.Errorf("PARITY_SEED=%d: %s: twilio-go's Validate and ValidateBody disagree on %q %q",
					seed, c.kind, c.recv.String(), c.params)
			}
			s := score[c.kind]
			if s == nil {
				s = &[3]int{}
				score[c.kind] = s
			}
			switch {
			case c.oursOK != c.theirs:
				s[2]++
			case c.oursOK:
				s[0]++
			default:
				s[1]++
			}
			if c.oursOK == c.theirs {
				continue
			}
			if d := explain(c); d != "" {
				classes[d]++
				continue
			}
			if failures++; failures <= 20 {
				t.Errorf("PARITY_SEED=%d: unexplained: %s: ours=%v twilio-go=%v; url %q, params %q",
					seed, c.kind, c.oursOK, c.theirs, c.recv.String(), c.params)
			}
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%-32s %9s %9s %7s\n", "check", "accepted", "rejected", "differ")
	for _, k := range slices.Sorted(maps.Keys(score)) {
		s := score[k]
		fmt.Fprintf(&b, "%-32s %9d %9d %7d\n", k, s[0], s[1], s[2])
	}
	for _, k := range slices.Sorted(maps.Keys(classes)) {
		fmt.Fprintf(&b, "%7d × %s\n", classes[k], k)
	}
	t.Log("\n" + b.String())
}
