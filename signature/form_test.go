package signature

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// formCases are raw bodies that url.ParseQuery reads in every way it can:
// escapes, '+', empty pairs and keys, repeated keys and values, and the
// bodies it refuses.
var formCases = []string{
	"",
	"Body=hi&From=%2B15555550100",
	"Body=Hi%21+Are+we+still+on%3F&To=%2b1555",
	"a=1&a=1&a=0&b=",
	"b=2&a=1&b=1&b=2",
	"&&a=1&&",
	"=v&k",
	"k=&k&k=",
	"MediaUrl1=x&MediaUrl0=y&MediaUrl10=z&MediaUrl=w",
	"k=%e2%82%ac&k=%E2%82%AC&k=€",
	"a=%zz",           // bad escape: refused
	"a=1;b=2",         // ';' separator: refused
	"a=%4",            // truncated escape: refused
	"good=1&bad=%g0x", // a bad pair anywhere: refused
	strings.Repeat("k=v&", 300) + "k=w",
	strings.Repeat("&x", 300) + "=1",
	manyKeys(300), // more keys than the ranked sort takes
	// More pairs than the ranked sort takes, values not in sorted order.
	strings.Repeat("k=b&", 150) + strings.Repeat("k=a&", 150) + "k=c",
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "&Key%03d=%d", (i*7919)%n, i)
	}
	return b.String()
}

// TestValidateFormMatchesParseQuery checks that validating a raw body
// gives what validating url.ParseQuery's result gives: the same verdict for
// every signature, and ErrForm exactly when url.ParseQuery fails.
func TestValidateFormMatchesParseQuery(t *testing.T) {
	const u = "https://example.com/sms"
	v, _ := NewValidator("form-token")
	for _, body := range formCases {
		name := body
		if len(name) > 40 {
			name = name[:40] + "..."
		}
		t.Run(name, func(t *testing.T) {
			params, perr := url.ParseQuery(body)
			err := v.ValidateForm(u, []byte(body), Sign("form-token", u, params))
			if perr != nil {
				if !errors.Is(err, ErrForm) {
					t.Errorf("got %v, want ErrForm (url.ParseQuery: %v)", err, perr)
				}
				return
			}
			if err != nil {
				t.Errorf("genuine call refused: %v", err)
			}
			m, err := v.Verify(Call{URL: u, Form: []byte(body), Signature: Sign("form-token", u, params)})
			if err != nil || !reflect.DeepEqual(m.Params, params) {
				t.Errorf("Verify: got %v, %v; want url.ParseQuery's %v", m.Params, err, params)
			}
			err = v.ValidateForm(u, []byte(body), Sign("other-token", u, params))
			if !errors.Is(err, ErrMismatch) {
				t.Errorf("forged call: got %v, want ErrMismatch", err)
			}
		})
	}
}

func FuzzValidateForm(f *testing.F) {
	for _, body := range formCases {
		f.Add(body, "")
	}
	v, _ := NewValidator("fuzz-token")
	f.Fuzz(func(t *testing.T, body, sigOf string) {
		params, perr := url.ParseQuery(body)
		sig := Sign("fuzz-token", "https://x/y", params)
		if sigOf != "" {
			other, _ := url.ParseQuery(sigOf)
			sig = Sign("fuzz-token", "https://x/y", other)
		}
		err := v.ValidateForm("https://x/y", []byte(body), sig)
		if perr != nil {
			if !errors.Is(err, ErrForm) {
				t.Fatalf("url.ParseQuery failed (%v), ValidateForm got %v", perr, err)
			}
			return
		}
		if want := v.Validate("https://x/y", params, sig); (err == nil) != (want == nil) {
			t.Fatalf("ValidateForm: %v; Validate of url.ParseQuery's values: %v", err, want)
		}
		m, err := v.Verify(Call{URL: "https://x/y", Form: []byte(body), Signature: sig})
		if err == nil && !reflect.DeepEqual(m.Params, params) {
			t.Fatalf("Verify: got %v, want url.ParseQuery's %v", m.Params, params)
		}
	})
}

func TestFormValuesDoNotShare(t *testing.T) {
	v, _ := NewValidator("tok")
	form := url.Values{"a": {"1", "3"}, "b": {"2"}}
	m, err := v.Verify(Call{URL: "https://x/y", Form: []byte("a=1&b=2&a=3"),
		Signature: Sign("tok", "https://x/y", form)})
	if err != nil {
		t.Fatal(err)
	}
	m.Params["b"] = append(m.Params["b"], "x")
	m.Params.Add("a", "y")
	if got := fmt.Sprint(m.Params["a"], m.Params["b"]); got != "[1 3 y] [2 x]" {
		t.Errorf("after appending: got %s, want [1 3 y] [2 x]", got)
	}
}

// TestHashedBodyIgnoresForm: a JSON call checks its body's hash and leaves
// Form alone, so Match.Params stays nil whatever an earlier check on the
// same pooled memory decoded (it once came back as that check's form).
func TestHashedBodyIgnoresForm(t *testing.T) {
	v, _ := NewValidator("tok")
	body := []byte(`{"Body":"hi"}`)
	u := "https://x/y?bodySHA256=" + BodyHash(body)
	for range 20 { // leave decoded forms and sort orders in the pool
		other := url.Values{"Body": {"my secret"}, "From": {"+15555550123"}, "a": {"1", "2"}}
		v.Verify(Call{URL: "https://x/y", Form: []byte(other.Encode()),
			Signature: Sign("tok", "https://x/y", other)})
		Sign("tok", "https://x/y", url.Values{"k1": {"v"}, "k2": {"v"}, "k3": {"v"}, "k4": {"v"}, "k5": {"v"}})
	}
	m, err := v.Verify(Call{URL: u, Body: body, HashedBody: true, Form: []byte("a=1"),
		Signature: Sign("tok", u, nil)})
	if err != nil || m.Params != nil {
		t.Errorf("got %v, %v; want a match with no Params", m.Params, err)
	}
}

// TestValidateAllocatesNothing pins the steady state of a check: no
// allocation for a genuine call, a forged one, or a raw form body.
func TestValidateAllocatesNothing(t *testing.T) {
	v, _ := NewValidator("bench-token-3f9a1c0d7e5b42a6")
	params, body := sms(), []byte(sms().Encode())
	good := Sign("bench-token-3f9a1c0d7e5b42a6", smsURL, params)
	forged := Sign("another-token", smsURL, params)
	checks := []struct {
		name string
		run  func() error
	}{
		{"Validate", func() error { return v.Validate(smsURL, params, good) }},
		{"ValidateForm", func() error { return v.ValidateForm(smsURL, body, good) }},
		{"forged", func() error {
			if v.Validate(smsURL, params, forged) == nil {
				return errors.New("forged call accepted")
			}
			return nil
		}},
	}
	for _, c := range checks {
		if err := c.run(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if n := testing.AllocsPerRun(100, func() { c.run() }); n != 0 {
			t.Errorf("%s: got %v allocations per call, want 0", c.name, n)
		}
	}
}
