package signature

import (
	"errors"
	"net/url"
	"testing"
)

func TestSharedKey(t *testing.T) {
	const u = "https://example.com/sms"
	params := url.Values{"Body": {"hi"}, "From": {"+15555550100"}}
	base, _ := NewValidator("auth-token")
	v, err := base.WithSharedKey("key_1", "shared-secret")
	if err != nil {
		t.Fatal(err)
	}
	good := SignWithSharedKey("shared-secret", u, params)
	settings := "key=key_1,algorithm=HMAC_SHA256"

	tests := []struct {
		name, sig, settings string
		v                   *Validator
		want                error
	}{
		{"genuine", good, settings, v, nil},
		{"spaces in header", good, " key=key_1 , algorithm=HMAC_SHA256 ", v, nil},
		{"unknown key", good, "key=key_2,algorithm=HMAC_SHA256", v, ErrUnknownKey},
		{"not configured here", good, settings, base, ErrUnknownKey},
		{"downgrade to SHA1", Sign("shared-secret", u, params), "key=key_1,algorithm=HMAC_SHA1", v, ErrAlgorithm},
		{"no algorithm", good, "key=key_1", v, ErrSettings},
		{"no key", good, "algorithm=HMAC_SHA256", v, ErrSettings},
		{"header dropped", good, "", v, ErrMalformed},
		{"auth token MAC under the key", Sign("auth-token", u, params), settings, v, ErrMalformed},
		{"other secret", SignWithSharedKey("guess", u, params), settings, v, ErrMismatch},
		{"auth token still works", Sign("auth-token", u, params), "", v, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.v.Verify(Call{URL: u, Params: params, Signature: tt.sig, Settings: tt.settings})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err == nil && tt.settings != "" && m.SharedKey != "key_1" {
				t.Errorf("Match.SharedKey = %q, want key_1", m.SharedKey)
			}
		})
	}
}

func TestSharedKeyBody(t *testing.T) {
	body := []byte(`{"a":1}`)
	u := "https://example.com/e?bodySHA256=" + BodyHash(body)
	base, _ := NewValidator("auth-token")
	v, _ := base.WithSharedKey("k", "s")
	c := Call{URL: u, Body: body, HashedBody: true, Signature: SignWithSharedKey("s", u, nil),
		Settings: "key=k,algorithm=HMAC_SHA256"}
	if _, err := v.Verify(c); err != nil {
		t.Fatalf("genuine: %v", err)
	}
	c.Body = []byte(`{"a":2}`)
	if _, err := v.Verify(c); !errors.Is(err, ErrBodyHash) {
		t.Errorf("changed body: got %v, want ErrBodyHash", err)
	}
}

func TestWithSharedKeyRefusesEmpty(t *testing.T) {
	v, _ := NewValidator("t")
	for _, kv := range [][2]string{{"", "s"}, {"k", ""}} {
		if _, err := v.WithSharedKey(kv[0], kv[1]); !errors.Is(err, ErrEmptyToken) {
			t.Errorf("WithSharedKey(%q, %q): got %v, want ErrEmptyToken", kv[0], kv[1], err)
		}
	}
}
