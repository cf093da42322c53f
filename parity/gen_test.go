package parity

import (
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"strings"

	"github.com/twilioguard/twilioguard/signature"
)

// A call is one generated webhook delivery: what Twilio signed, before any
// tampering. A call has form parameters or, when body is set, a JSON body
// whose hash is in the URL's query.
type call struct {
	token, other string // the webhook's auth token, and an unrelated one
	u            parts
	params       url.Values
	body         *string
}

// parts is a URL in pieces, so that its port can be swapped. Joined, the
// pieces are the URL byte for byte.
type parts struct {
	scheme, userinfo, host, port, path, query string
}

func (p parts) String() string {
	return p.scheme + "://" + p.userinfo + p.host + p.port + p.path + p.query
}

func (p parts) withPort(port string) string {
	p.port = port
	return p.String()
}

// Pieces of strings. Each class is there for a reason: characters that
// form and URL encodings treat specially, raw control characters, non-ASCII
// text on both sides of the UTF-16 surrogate range, and emoji, which are
// surrogate pairs in JavaScript.
var (
	specials = []string{"+", "%", "&", "=", "'", `"`, " ", "/", "?", ":", "@",
		";", ",", "~", "*", "!", "$", "(", ")", "[", "]", `\`, "<", ">", "{",
		"}", "|", "^", "`", "%20", "%2B", "%zz", "%%", "\t", "\n", "\r\n", "\x00"}
	nonASCII = []string{"é", "ß", "ü", "中", "日本", "ñ", "Ω", "е", "e\u0301",
		"\u00a0", "\u200d", "\u2028", "\u07ff", "\u0800"}
	highBMP = []string{"\ue000", "\ufb01", "\uff21", "\ufffd", "\ufeff", "\uffee"}
	astral  = []string{"😀", "👍🏽", "🇺🇸", "𝄞", "🦄", "👩\u200d👩\u200d👧", "\U0010fffd",
		"\U00010000"}

	twilioKeys = []string{"Body", "From", "To", "AccountSid", "MessageSid",
		"SmsSid", "NumMedia", "MediaUrl0", "MediaContentType0", "CallSid",
		"Caller", "Digits", "CallStatus", "Reason", "ReasonConferenceEnded",
		"MessagingBinding.Address", "ApiVersion", "ToCountry", "FromCity",
		"SpeechResult", "Confidence", "StatusCallbackEvent", "body", "BODY"}
	// Keys that are special to JavaScript objects or to form parsers.
	oddKeys = []string{"", "__proto__", "constructor", "toString",
		"hasOwnProperty", "0", "1", "10", "2", "length", "a[b]", "a[]", "x.y"}
	twilioValues = []string{"+15555550100", "+15555550133", "SM0000000000000000000000000000000a",
		"AC00000000000000000000000000000000", "Wed, 16 Feb 2022 16:11:53 +0000",
		"{}", "https://api.example.com/x?a=1&b=2", "0", "1", "received", ""}

	hosts = []string{"example.com", "Example.COM", "sms.example.co.uk",
		"127.0.0.1", "[::1]", "[2001:db8::1]", "[::ffff:192.0.2.1]",
		"xn--caf-dma.example", "café.example", "localhost", "a-b_c.example"}
	ports    = []string{":443", ":80", ":8080", ":8443", ":", ":0443", ":65535", ":1"}
	userinfo = []string{"user@", "user:pass@", "u%40x:p%3Ap@", "üser:päss@",
		"user:@", ":pass@", "a@b@"}
	segments = []string{"sms", "voice", "twilio", "events", "a b", "café",
		"%C3%A9", "ü", "😀", "a'b", "x.php", "~u", "", "a;b", "a,b", "a@b",
		"a:b", "\uff21", "%7E"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// text returns up to n pieces of random text, never '#' (which would start
// a URL fragment), drawn from every class above.
func text(r *rand.Rand, n int) string {
	var b strings.Builder
	for range r.IntN(n + 1) {
		switch n := r.IntN(20); {
		case n < 6:
			b.WriteByte("abcxyzABCXYZ0129-_."[r.IntN(19)])
		case n < 10:
			b.WriteString(pick(r, specials))
		case n < 15:
			b.WriteString(pick(r, nonASCII))
		case n < 16:
			b.WriteString(pick(r, highBMP))
		default:
			b.WriteString(pick(r, astral))
		}
	}
	return b.String()
}

func genToken(r *rand.Rand) string {
	switch r.IntN(20) {
	case 0:
		return "12345"
	case 1:
		return "tökén🔑" + text(r, 4) // HMAC keys are the UTF-8 bytes
	case 2:
		return strings.Repeat("k", 65+r.IntN(100)) // longer than a SHA-1 block
	}
	const hex = "0123456789abcdef"
	b := make([]byte, 32)
	for i := range b {
		b[i] = hex[r.IntN(16)]
	}
	return string(b)
}

func genKey(r *rand.Rand) string {
	switch n := r.IntN(10); {
	case n < 6:
		return pick(r, twilioKeys)
	case n < 7:
		return pick(r, oddKeys)
	default:
		return text(r, 6)
	}
}

func genValue(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return pick(r, twilioValues)
	}
	return text(r, 10)
}

func genParams(r *rand.Rand) url.Values {
	params := url.Values{}
	for range r.IntN(9) {
		k := genKey(r)
		if r.IntN(7) == 0 {
			// A repeated key, often with a value sent twice.
			pool := []string{genValue(r), genValue(r), genValue(r)}
			for range 2 + r.IntN(3) {
				params.Add(k, pick(r, pool))
			}
			continue
		}
		params.Set(k, genValue(r))
	}
	if r.IntN(50) == 0 {
		addOrderTrap(r, params)
	}
	return params
}

// addOrderTrap adds keys or values that sort differently by UTF-16 code
// units and by bytes; random text rarely puts them side by side.
func addOrderTrap(r *rand.Rand, params url.Values) {
	base := pick(r, []string{"", "Body", "x"})
	hi, em := base+pick(r, highBMP), base+pick(r, astral)
	if r.IntN(2) == 0 {
		params.Set(hi, genValue(r))
		params.Set(em, genValue(r))
		return
	}
	params[genKey(r)] = []string{hi, em}
}

func genParts(r *rand.Rand) parts {
	p := parts{
		scheme: pick(r, []string{"https", "https", "https", "https", "http", "http", "HTTPS", "Http"}),
		host:   pick(r, hosts),
	}
	if r.IntN(5) == 0 {
		p.userinfo = pick(r, userinfo)
	}
	if r.IntN(2) == 0 {
		p.port = pick(r, ports)
	}
	for range r.IntN(4) {
		p.path += "/" + pick(r, segments)
	}
	switch n := r.IntN(10); {
	case n < 4:
	case n < 5:
		p.query = "?"
	default:
		p.query = "?" + genQuery(r, r.IntN(4)+1)
	}
	return p
}

// genQuery returns n query pairs, each escaped, raw, or half of each, the
// way URLs are typed into the Twilio console.
func genQuery(r *rand.Rand, n int) string {
	pairs := make([]string, n)
	for i := range pairs {
		k, v := pick(r, []string{"foo", "bar", "a", "q", "x y", "ü"}), text(r, 5)
		switch r.IntN(4) {
		case 0:
			pairs[i] = url.QueryEscape(k) + "=" + url.QueryEscape(v)
		case 1:
			pairs[i] = k + "=" + v
		case 2:
			pairs[i] = k
		default:
			pairs[i] = url.QueryEscape(k) + "=" + strings.ReplaceAll(v, " ", "+")
		}
	}
	return strings.Join(pairs, "&")
}

func genBody(r *rand.Rand) string {
	switch r.IntN(10) {
	case 0:
		return ""
	case 1:
		return "{}"
	}
	doc := map[string]any{"EventType": genValue(r), "Body": text(r, 12), "n": r.IntN(1000)}
	if r.IntN(2) == 0 {
		doc["nested"] = map[string]any{"list": []string{genValue(r), genValue(r)}}
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(r.IntN(2) == 0)
	if r.IntN(3) == 0 {
		enc.SetIndent("", "  ")
	}
	_ = enc.Encode(doc) // strings are valid UTF-8: cannot fail
	return b.String()
}

func genCall(r *rand.Rand) call {
	c := call{token: genToken(r), u: genParts(r)}
	for c.other = genToken(r); c.other == c.token; c.other = genToken(r) {
	}
	if r.IntN(4) > 0 {
		c.params = genParams(r)
		return c
	}
	body := genBody(r)
	c.body = &body
	// bodySHA256 among the other query pairs, anywhere.
	pairs := []string{"bodySHA256=" + signature.BodyHash([]byte(body))}
	if n := r.IntN(3); n > 0 {
		pairs = append(pairs, strings.Split(genQuery(r, n), "&")...)
	}
	r.Shuffle(len(pairs), func(i, j int) { pairs[i], pairs[j] = pairs[j], pairs[i] })
	c.u.query = "?" + strings.Join(pairs, "&")
	return c
}
