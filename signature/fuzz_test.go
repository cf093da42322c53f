package signature

import (
	"net/url"
	"strings"
	"testing"
)

func FuzzURLVariants(f *testing.F) {
	for _, s := range []string{
		"https://example.com/sms", "http://u:p@[::1]:8080/x?y=1#z", "https://h:443", "HTTPS://A:/",
		"https://a@b@c:1/", "ftp://x", "", "://", "https://[::1", "https://España.example/año?ñ=1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		vs := urlVariants(raw)
		if len(vs) == 0 || len(vs) > 2 || vs[0] != raw {
			t.Fatalf("urlVariants(%q) = %q", raw, vs)
		}
		if len(vs) == 2 {
			// The variant inserts or removes one ":port" and changes
			// nothing else.
			long, short := vs[0], vs[1]
			if len(short) > len(long) {
				long, short = short, long
			}
			cut := commonPrefix(long, short)
			inserted := long[cut : cut+len(long)-len(short)]
			if long[:cut]+long[cut+len(inserted):] != short || !strings.Contains(inserted, ":") {
				t.Fatalf("variant %q of %q changes more than the port", vs[1], raw)
			}
		}
	})
}

func commonPrefix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// FuzzVerify checks that Verify never panics, and that whatever Sign
// produces for a URL and form, Verify accepts.
func FuzzVerify(f *testing.F) {
	f.Add("https://example.com/sms", "Body=hi&From=%2B1555", "", "")
	f.Add("https://x/y?bodySHA256=abc", `{"a":1}`, "AAAA", "key=k,algorithm=HMAC_SHA256")
	f.Add("http://[::1]:80/", "a=1&a=1&a=0&b=", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "key=")
	v, _ := NewValidator("fuzz-token", "second")
	v, _ = v.WithSharedKey("k", "s")
	f.Fuzz(func(t *testing.T, rawURL, form, sig, settings string) {
		params, _ := url.ParseQuery(form)
		v.Verify(Call{URL: rawURL, Params: params, Signature: sig, Settings: settings})
		v.Verify(Call{URL: rawURL, Body: []byte(form), HashedBody: true, Signature: sig, Settings: settings})

		if _, err := v.Check(rawURL, params, Sign("second", rawURL, params)); err != nil && size(Call{URL: rawURL, Params: params}) <= MaxSize {
			t.Fatalf("genuine call refused: %v", err)
		}
	})
}
