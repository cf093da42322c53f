package parity

import (
	"encoding/base64"
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

	"github.com/twilioguard/twilioguard/signature"
)

// Verdicts a check may require of package signature, besides agreeing with
// the Node library.
const (
	anyVerdict = iota
	wantAccept
	wantReject
)

// A check is one delivery, genuine or tampered, judged by both sides.
type check struct {
	kind         string
	want         int
	tokens       []string   // the tokens the webhook accepts
	url          string     // as received
	params       url.Values // as received; nil for a JSON-body check
	body         *string    // as received, for a JSON-body check
	header       string
	signedParams url.Values
	ops          []int // the Node verdicts, one per token, OR-ed
	signedOver   int   // for a signedOver check, its op; else -1
	shared       *sharedKey
	settings     string // X-Twilio-Webhooks-Signature-Settings
}

// sharedKey is a Twilio SharedKey the webhook accepts besides its token.
type sharedKey struct{ id, secret string }

// A signCheck compares Sign, or SignWithSharedKey when sha256 is set, with
// getExpectedTwilioSignature.
type signCheck struct {
	token, url string
	params     url.Values
	sha256     bool
	op         int
}

type builder struct {
	r      *rand.Rand
	b      batch
	checks []check
	signs  []signCheck
}

func (bd *builder) sign(token, u string, params url.Values, p int) {
	op := bd.b.add(nodeOp{Op: "sign", Token: token, URL: u, P: p})
	bd.signs = append(bd.signs, signCheck{token, u, params, false, op})
}

// add records c and asks Node for its verdict under each of its tokens,
// or under its SharedKey's secret.
func (bd *builder) add(c check, p int) {
	c.signedOver = -1
	secrets := c.tokens
	if c.shared != nil {
		secrets = []string{c.shared.secret}
	}
	for _, tok := range secrets {
		op := nodeOp{Op: "validate", Token: tok, Header: c.header, URL: c.url, P: p}
		if c.body != nil {
			op = nodeOp{Op: "validateBody", Token: tok, Header: c.header, URL: c.url, Body: c.body}
		}
		op.Settings = c.settings
		c.ops = append(c.ops, bd.b.add(op))
	}
	bd.checks = append(bd.checks, c)
}

func (bd *builder) addSignedOver(form, token, u string, params url.Values, p int) {
	op := bd.b.add(nodeOp{Op: "signedOver", Form: form, Token: token, URL: u, P: p})
	bd.checks = append(bd.checks, check{kind: "signed over the " + form + " form",
		tokens: []string{token}, url: u, params: params, signedParams: params,
		ops: []int{op}, signedOver: op})
}

// addCall turns one generated call into its genuine and tampered checks.
func (bd *builder) addCall(c call) {
	r, u := bd.r, c.u.String()
	params := c.params
	if c.body != nil {
		params = url.Values{}
	}
	p := bd.b.addParams(params)
	bd.sign(c.token, u, params, p)

	// deliver sends a call received at recvURL with recv as its parameters
	// (or the call's body), signed over signedURL and signed.
	deliver := func(kind string, want int, recvURL string, recv url.Values, signedURL string, signed url.Values) {
		header := signature.Sign(c.token, signedURL, signed)
		bd.add(check{kind: kind, want: want, tokens: []string{c.token}, url: recvURL,
			params: recv, body: c.body, header: header, signedParams: signed}, bd.paramsIndex(p, params, recv))
	}
	deliver("genuine", wantAccept, u, params, u, params)

	if c.body == nil {
		bd.addFormTampering(c, deliver)
	} else {
		bd.addBodyTampering(c, p)
	}

	for _, port := range []string{"", ":443", ":80", ":8443", ":"} {
		if port != c.u.port {
			deliver("signed over "+portName(port), portWant(c.u, port), u, params, c.u.withPort(port), params)
		}
	}
	if port := pick(r, []string{"", ":443", ":80", ":8443"}); port != c.u.port {
		recv := c.u
		recv.port = port
		deliver("received at "+portName(port), portWant(recv, c.u.port), recv.String(), params, u, params)
	}

	genuine := signature.Sign(c.token, u, params)
	bd.add(check{kind: "signed with another token", want: wantReject, tokens: []string{c.token},
		url: u, params: params, body: c.body, header: signature.Sign(c.other, u, params),
		signedParams: params}, p)
	bd.add(check{kind: "token rotation", want: wantAccept, tokens: []string{c.other, c.token},
		url: u, params: params, body: c.body, header: genuine, signedParams: params}, p)
	for kind, h := range headerVariants(r, genuine) {
		bd.add(check{kind: kind, tokens: []string{c.token}, url: u, params: params,
			body: c.body, header: h, signedParams: params}, p)
	}
	bd.addSignedOver("whatwg", c.token, u, params, p)
	bd.addSignedOver("legacy", c.token, u, params, p)
	if r.IntN(4) == 0 {
		bd.addSharedKey(c, params, p)
	}
}

// addSharedKey adds calls signed with a SharedKey, HMAC-SHA256. See
// https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys.
func (bd *builder) addSharedKey(c call, params url.Values, p int) {
	r, u := bd.r, c.u.String()
	sk := &sharedKey{id: fmt.Sprintf("webhooks_sharedkey_%08x", r.Uint32()), secret: genToken(r)}
	op := bd.b.add(nodeOp{Op: "sign", Token: sk.secret, URL: u, P: p, Settings: "algorithm=HMAC_SHA256"})
	bd.signs = append(bd.signs, signCheck{sk.secret, u, params, true, op})

	settings := pick(r, []string{"key=%s,algorithm=HMAC_SHA256",
		" key=%s , algorithm=HMAC_SHA256 ", "algorithm=HMAC_SHA256,key=%s"})
	port := pick(r, []string{"", ":443", ":80", ":8443"})
	for _, tt := range []struct {
		kind, settings, header string
		want                   int
	}{
		{"SharedKey: genuine", settings, signature.SignWithSharedKey(sk.secret, u, params), wantAccept},
		{"SharedKey: signed over " + portName(port), settings,
			signature.SignWithSharedKey(sk.secret, c.u.withPort(port), params), anyVerdict},
		{"SharedKey: another secret", settings, signature.SignWithSharedKey(sk.secret+"x", u, params), wantReject},
		{"SharedKey: HMAC_SHA1 named", "key=%s,algorithm=HMAC_SHA1",
			signature.Sign(sk.secret, u, params), wantReject},
		{"SharedKey: algorithm in lower case", "key=%s,algorithm=hmac_sha256",
			signature.SignWithSharedKey(sk.secret, u, params), wantReject},
	} {
		if port == c.u.port && strings.Contains(tt.kind, "signed over") {
			continue
		}
		bd.add(check{kind: tt.kind, want: tt.want, tokens: []string{c.token}, url: u,
			params: params, body: c.body, header: tt.header, signedParams: params,
			shared: sk, settings: fmt.Sprintf(tt.settings, sk.id)}, p)
	}
}

// paramsIndex sends recv to Node unless it equals the call's own set p.
func (bd *builder) paramsIndex(p int, params, recv url.Values) int {
	if maps.EqualFunc(params, recv, slices.Equal) {
		return p
	}
	return bd.b.addParams(recv)
}

type deliverFunc func(kind string, want int, recvURL string, recv url.Values, signedURL string, signed url.Values)

func (bd *builder) addFormTampering(c call, deliver deliverFunc) {
	r, u, params := bd.r, c.u.String(), c.params
	keys := slices.Sorted(maps.Keys(params))
	if len(keys) > 0 {
		// Twilio signs each distinct value once, in sorted order, so the
		// order of arrival and repeats do not matter.
		again := clone(params)
		for _, vals := range again {
			r.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
		}
		k := pick(r, keys)
		again.Add(k, pick(r, again[k]))
		deliver("values reordered and repeated", wantAccept, u, again, u, params)

		// Every copy of the value changes, so that the set of distinct
		// values does.
		changed := clone(params)
		vals := changed[pick(r, keys)]
		old := vals[r.IntN(len(vals))]
		suffix := pick(r, []string{"x", " ", "+", "😀", "\uff21", "\x00"})
		for i := range vals {
			if vals[i] == old {
				vals[i] += suffix
			}
		}
		deliver("value changed", wantReject, u, changed, u, params)

		dropped := clone(params)
		delete(dropped, pick(r, keys))
		deliver("parameter dropped", anyVerdict, u, dropped, u, params)
	}
	extra := clone(params)
	extra.Add(genKey(r), genValue(r))
	// An added empty key with an empty value leaves the signed string as it
	// was: a property of Twilio's scheme, so no verdict is required.
	deliver("parameter added", anyVerdict, u, extra, u, params)
}

func (bd *builder) addBodyTampering(c call, p int) {
	r, u, body := bd.r, c.u.String(), *c.body
	header := signature.Sign(c.token, u, nil)
	for kind, b := range map[string]string{
		"body changed":   body + pick(r, []string{" ", "\n", "x", "😀"}),
		"body truncated": body[:len(body)/2],
	} {
		if b != body {
			bd.add(check{kind: kind, want: wantReject, tokens: []string{c.token}, url: u,
				body: &b, header: header}, p)
		}
	}

	hash := signature.BodyHash([]byte(body))
	if upper := strings.ToUpper(hash); upper != hash {
		uu := strings.Replace(u, hash, upper, 1)
		bd.add(check{kind: "bodySHA256 in upper case", want: wantReject, tokens: []string{c.token},
			url: uu, body: c.body, header: signature.Sign(c.token, uu, nil)}, p)
	}
	nohash := c.u
	nohash.query = strings.Replace(nohash.query, "bodySHA256="+hash, "", 1)
	nu := nohash.String()
	bd.add(check{kind: "no bodySHA256", want: wantReject, tokens: []string{c.token},
		url: nu, body: c.body, header: signature.Sign(c.token, nu, nil)}, p)
}

func clone(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vals := range v {
		out[k] = slices.Clone(vals)
	}
	return out
}

func portName(port string) string {
	switch port {
	case "":
		return "URL without port"
	case ":":
		return "URL with empty port"
	}
	return "URL with port " + port[1:]
}

// portWant is what Twilio's helper libraries decide for a call received at
// recv and signed over recv with its port replaced by port: the port may
// be dropped, or the scheme's default added when recv has none.
func portWant(recv parts, port string) int {
	if recv.port != "" {
		if port == "" {
			return wantAccept
		}
		return wantReject
	}
	switch {
	case strings.EqualFold(recv.scheme, "https") && port == ":443",
		strings.EqualFold(recv.scheme, "http") && port == ":80":
		return wantAccept
	}
	return wantReject
}

// headerVariants returns other spellings of the header sig: the same MAC
// with other padding bits or a line break, and broken forms.
func headerVariants(r *rand.Rand, sig string) map[string]string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	last := strings.IndexByte(alphabet, sig[26]) ^ (1 + r.IntN(3)) // low bits are padding
	i := 1 + r.IntN(len(sig)-2)
	variants := map[string]string{
		"header: other padding bits": sig[:26] + alphabet[last:last+1] + sig[27:],
		"header: line break inside":  sig[:i] + pick(r, []string{"\n", "\r\n", "\r"}) + sig[i:],
		"header: no padding":         strings.TrimRight(sig, "="),
		"header: surrounding space":  " " + sig + " ",
	}
	if u := base64URL(sig); u != sig {
		variants["header: URL-safe alphabet"] = u
	}
	return variants
}

func base64URL(sig string) string {
	mac, _ := base64.StdEncoding.DecodeString(sig)
	return base64.URLEncoding.EncodeToString(mac)
}

// settings reads PARITY_N and PARITY_SEED.
func settings(t *testing.T) (n int, seed uint64) {
	t.Helper()
	n = 10000
	if testing.Short() {
		n = 1000
	}
	if s := os.Getenv("PARITY_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("PARITY_N=%q: want a positive number", s)
		}
	}
	seed = uint64(time.Now().UnixNano())
	if s := os.Getenv("PARITY_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("PARITY_SEED=%q: want an unsigned number", s)
		}
	}
	return n, seed
}

// TestParity generates calls, asks both implementations about each, and
// explains every disagreement by a known class (see README.md).
func TestParity(t *testing.T) {
	run := oracle(t)
	n, seed := settings(t)
	t.Logf("PARITY_N=%d PARITY_SEED=%d", n, seed)

	start := time.Now()
	bd := &builder{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for range n {
		bd.addCall(genCall(bd.r))
	}
	results := run(&bd.b)
	t.Logf("%d calls, %d checks, %d signatures, oracle took %v",
		n, len(bd.checks), len(bd.signs), time.Since(start).Round(time.Millisecond))

	tl := newTally(t, seed)
	for _, s := range bd.signs {
		tl.sign(s, results[s.op])
	}
	for _, c := range bd.checks {
		tl.verdict(c, results)
	}
	tl.report(n)
}
