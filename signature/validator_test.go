package signature

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
)

// vector is one entry of testdata/twilio-vectors.json: published Twilio
// signature examples (Twilio's webhook security docs and the official
// helper libraries' tests), independently re-verified.
type vector struct {
	Name      string                     `json:"name"`
	Source    string                     `json:"source"`
	Token     string                     `json:"token"`
	URL       string                     `json:"url"`
	Params    map[string]json.RawMessage `json:"params"`
	Body      *string                    `json:"body"`
	Signature string                     `json:"signature"`
	Valid     bool                       `json:"valid"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	data, err := os.ReadFile("../testdata/twilio-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Vectors []vector }
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	return file.Vectors
}

// values turns a JSON object of strings or arrays of strings into url.Values.
func values(t *testing.T, m map[string]json.RawMessage) url.Values {
	t.Helper()
	out := url.Values{}
	for k, raw := range m {
		var one string
		if err := json.Unmarshal(raw, &one); err == nil {
			out.Add(k, one)
			continue
		}
		var many []string
		if err := json.Unmarshal(raw, &many); err != nil {
			t.Fatalf("param %q: %v", k, err)
		}
		out[k] = many
	}
	return out
}

func TestPublishedVectors(t *testing.T) {
	for _, vec := range loadVectors(t) {
		t.Run(vec.Name, func(t *testing.T) {
			v, err := NewValidator(vec.Token)
			if err != nil {
				t.Fatal(err)
			}
			if vec.Body != nil {
				err = v.ValidateBody(vec.URL, []byte(*vec.Body), vec.Signature)
			} else {
				err = v.Validate(vec.URL, values(t, vec.Params), vec.Signature)
			}
			if got := err == nil; got != vec.Valid {
				t.Errorf("valid = %v (err %v), want %v (%s)", got, err, vec.Valid, vec.Source)
			}
		})
	}
}

func TestSignMatchesPublishedVectors(t *testing.T) {
	// Vectors received at the very URL that was signed: Sign must reproduce
	// the published signature.
	for _, name := range []string{"docs-example", "no-query", "special-characters",
		"repeated-key-values-sorted", "repeated-key-duplicate-values", "non-ascii-url",
		"mixed-case-host", "empty-values", "case-sensitive-keys"} {
		var vec *vector
		for _, x := range loadVectors(t) {
			if x.Name == name {
				vec = &x
			}
		}
		if vec == nil {
			t.Fatalf("vector %q not found", name)
		}
		if got := Sign(vec.Token, vec.URL, values(t, vec.Params)); got != vec.Signature {
			t.Errorf("%s: Sign = %q, want %q", name, got, vec.Signature)
		}
	}
}

func TestNewValidatorRefusesEmptyToken(t *testing.T) {
	for _, tokens := range [][]string{{""}, {"good", ""}} {
		if _, err := NewValidator(tokens[0], tokens[1:]...); !errors.Is(err, ErrEmptyToken) {
			t.Errorf("NewValidator(%q): got %v, want ErrEmptyToken", tokens, err)
		}
	}
}

func TestRejections(t *testing.T) {
	const token, u = "12345", "https://example.com/sms"
	params := url.Values{"Body": {"hi"}, "From": {"+15555550100"}}
	good := Sign(token, u, params)
	v, _ := NewValidator(token)

	tests := []struct {
		name   string
		url    string
		params url.Values
		sig    string
		want   error
	}{
		{"missing", u, params, "", ErrMissing},
		{"not base64", u, params, "!!!!", ErrMalformed},
		{"wrong length", u, params, "AAAA", ErrMalformed},
		{"very long", u, params, strings.Repeat("A", 4096), ErrMalformed},
		{"stray bits", u, params, strayBits(good), ErrMalformed},
		{"line break", u, params, good[:10] + "\n" + good[10:], ErrMalformed},
		{"no padding", u, params, strings.TrimSuffix(good, "="), ErrMalformed},
		{"tampered value", u, url.Values{"Body": {"hi!"}, "From": {"+15555550100"}}, good, ErrMismatch},
		{"extra param", u, url.Values{"Body": {"hi"}, "From": {"+15555550100"}, "X": {""}}, good, ErrMismatch},
		{"dropped param", u, url.Values{"Body": {"hi"}}, good, ErrMismatch},
		{"other path", "https://example.com/sms2", params, good, ErrMismatch},
		{"http for https", "http://example.com/sms", params, good, ErrMismatch},
		{"trailing slash", "https://example.com/sms/", params, good, ErrMismatch},
		{"lower-cased path", "https://example.com/SMS", params, good, ErrMismatch},
		{"other token", u, params, Sign("54321", u, params), ErrMismatch},
		{"too large", u, url.Values{"Body": {strings.Repeat("x", MaxSize)}}, good, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Validate(tt.url, tt.params, tt.sig)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), good) {
				t.Errorf("error %q leaks the token or the signature", err)
			}
		})
	}
	if err := v.Validate(u, params, good); err != nil {
		t.Errorf("genuine call rejected: %v", err)
	}
}

// strayBits returns sig with one of the two unused bits of its last
// character set: the same MAC, spelled non-canonically.
func strayBits(sig string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := strings.IndexByte(alphabet, sig[26])
	return sig[:26] + string(alphabet[i^1]) + sig[27:]
}

func TestSeveralTokens(t *testing.T) {
	const u = "https://example.com/sms"
	params := url.Values{"Body": {"rotate"}}
	v, err := NewValidator("old-token", "new-token", "newest-token")
	if err != nil {
		t.Fatal(err)
	}
	for i, tok := range []string{"old-token", "new-token", "newest-token"} {
		m, err := v.Check(u, params, Sign(tok, u, params))
		if err != nil || m.Token != i || m.URL != u {
			t.Errorf("signed with token %d: got %+v, %v; want token %d", i, m, err, i)
		}
	}
}

func TestParamsNotModified(t *testing.T) {
	params := url.Values{"A": {"3", "1", "2", "1"}}
	Sign("t", "https://x", params)
	if got := strings.Join(params["A"], ","); got != "3,1,2,1" {
		t.Errorf("params changed to %s", got)
	}
}

func TestURLVariants(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/sms", "https://example.com/sms|https://example.com:443/sms"},
		{"http://example.com/sms", "http://example.com/sms|http://example.com:80/sms"},
		{"https://example.com:443/sms", "https://example.com:443/sms|https://example.com/sms"},
		{"https://example.com:8443/sms?a=1", "https://example.com:8443/sms?a=1|https://example.com/sms?a=1"},
		{"https://example.com", "https://example.com|https://example.com:443"},
		{"https://example.com?x=1:2", "https://example.com?x=1:2|https://example.com:443?x=1:2"},
		{"https://u:p@example.com/x", "https://u:p@example.com/x|https://u:p@example.com:443/x"},
		{"https://u:p@example.com:443/x", "https://u:p@example.com:443/x|https://u:p@example.com/x"},
		{"https://[2001:db8::1]/x", "https://[2001:db8::1]/x|https://[2001:db8::1]:443/x"},
		{"https://[2001:db8::1]:8443/x", "https://[2001:db8::1]:8443/x|https://[2001:db8::1]/x"},
		{"HTTPS://Example.COM/A%2fb", "HTTPS://Example.COM/A%2fb|HTTPS://Example.COM:443/A%2fb"},
		{"ftp://example.com/x", "ftp://example.com/x"},
		{"/relative/path", "/relative/path"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(urlVariants(tt.in), "|"); got != tt.want {
			t.Errorf("urlVariants(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBodyHashParam(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"https://x/y?bodySHA256=abc", "abc", true},
		{"https://x/y?a=1&bodySHA256=abc#frag", "abc", true},
		{"https://x/y?a=%zz&bodySHA256=abc", "abc", true},
		{"https://x/y?bodysha256=abc", "", false},
		{"https://x/y", "", false},
		{"https://x/y#?bodySHA256=abc", "", false},
	}
	for _, tt := range tests {
		got, ok := BodyHashParam(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("BodyHashParam(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBody(t *testing.T) {
	body := []byte(`{"Body":"hello"}`)
	u := "https://example.com/hook?bodySHA256=" + BodyHash(body)
	sig := Sign("tok", u, nil)
	v, _ := NewValidator("tok")

	if err := v.ValidateBody(u, body, sig); err != nil {
		t.Fatalf("genuine JSON call: %v", err)
	}
	if err := v.ValidateBody(u, []byte(`{"Body":"hellO"}`), sig); !errors.Is(err, ErrBodyHash) {
		t.Errorf("changed body: got %v, want ErrBodyHash", err)
	}
	plain := "https://example.com/hook"
	if err := v.ValidateBody(plain, body, Sign("tok", plain, nil)); !errors.Is(err, ErrNoBodyHash) {
		t.Errorf("no bodySHA256: got %v, want ErrNoBodyHash", err)
	}
	upper := "https://example.com/hook?bodySHA256=" + strings.ToUpper(BodyHash(body))
	if err := v.ValidateBody(upper, body, Sign("tok", upper, nil)); !errors.Is(err, ErrBodyHash) {
		t.Errorf("upper-case hex: got %v, want ErrBodyHash (Twilio sends lower case)", err)
	}
}
