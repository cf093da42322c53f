package webhook

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiml"
)

// echo answers with the Body parameter, or the raw body when there are no
// parameters, so a test sees what reached the app.
type echo struct{ calls int }

func (e *echo) Respond(_ context.Context, c *Call) *twiml.Response {
	e.calls++
	text := c.Params.Get("Body")
	if c.Params == nil {
		text = string(c.Body)
	}
	return &twiml.Response{Messages: []twiml.Message{{Body: text}}}
}

func mustValidator(t *testing.T, tokens ...string) *signature.Validator {
	t.Helper()
	v, err := signature.NewValidator(tokens[0], tokens[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGuardServe(t *testing.T) {
	const tok, u = "tok", "https://example.com/sms"
	form := url.Values{"Body": {"hi"}}
	getURL := u + "?Body=via+get"
	json := []byte(`{"Body":"json"}`)
	jsonURL := u + "?bodySHA256=" + signature.BodyHash(json)
	formCT := "application/x-www-form-urlencoded"

	tests := []struct {
		name      string
		publicURL string
		req       Request
		status    int
		err       error
	}{
		{"form", "", Request{Method: "POST", URL: u, ContentType: formCT,
			Body: []byte(form.Encode()), Signature: signature.Sign(tok, u, form)}, 200, nil},
		{"decoded form", "", Request{Method: "POST", URL: u, Form: form,
			Signature: signature.Sign(tok, u, form)}, 200, nil},
		{"get", "", Request{Method: "GET", URL: getURL,
			Signature: signature.Sign(tok, getURL, nil)}, 200, nil},
		{"get with query signed as params", "", Request{Method: "GET", URL: getURL,
			Signature: signature.Sign(tok, getURL, url.Values{"Body": {"via get"}})}, 403, signature.ErrMismatch},
		{"json", "", Request{Method: "POST", URL: jsonURL, ContentType: "application/json",
			Body: json, Signature: signature.Sign(tok, jsonURL, nil)}, 200, nil},
		{"json tampered", "", Request{Method: "POST", URL: jsonURL, ContentType: "application/json",
			Body: []byte(`{"Body":"evil"}`), Signature: signature.Sign(tok, jsonURL, nil)}, 403, signature.ErrBodyHash},
		{"public URL wins", u, Request{Method: "POST", URL: "http://10.0.0.1:8080/sms", Form: form,
			Signature: signature.Sign(tok, u, form)}, 200, nil},
		{"no URL", "", Request{Method: "POST", Form: form, Signature: "x"}, 500, ErrNoURL},
		{"missing signature", "", Request{Method: "POST", URL: u, Form: form}, 403, signature.ErrMissing},
		{"unsupported type", "", Request{Method: "POST", URL: u, ContentType: "text/plain",
			Body: []byte("hi"), Signature: signature.Sign(tok, u, nil)}, 415, ErrUnsupported},
		{"bad form", "", Request{Method: "POST", URL: u, ContentType: formCT,
			Body: []byte("Body=%zz"), Signature: signature.Sign(tok, u, nil)}, 400, ErrBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := &echo{}
			g := &Guard{Validator: mustValidator(t, tok), App: app, PublicURL: tt.publicURL}
			res := g.Serve(context.Background(), &tt.req)
			if res.Status != tt.status || !errors.Is(res.Err, tt.err) {
				t.Fatalf("got %d %v, want %d %v", res.Status, res.Err, tt.status, tt.err)
			}
			if wantCalls := map[bool]int{true: 1, false: 0}[tt.err == nil]; app.calls != wantCalls {
				t.Errorf("app ran %d times, want %d", app.calls, wantCalls)
			}
			if tt.err != nil && string(res.TwiML) != string(twiml.Empty) {
				t.Errorf("refused call answered %s, want the empty response", res.TwiML)
			}
		})
	}
}

func TestGuardPublicBase(t *testing.T) {
	form := url.Values{"Body": {"hi"}}
	g := &Guard{Validator: mustValidator(t, "tok"), App: &echo{}, PublicBase: "https://cdn.example.com/app/"}
	for rebuilt, signed := range map[string]string{
		"http://10.0.0.1:8080/sms":     "https://cdn.example.com/app/sms",
		"http://10.0.0.1:8080/sms?a=1": "https://cdn.example.com/app/sms?a=1",
		"http://10.0.0.1:8080?a=1":     "https://cdn.example.com/app?a=1",
	} {
		r := &Request{Method: "POST", URL: rebuilt, Form: form, Signature: signature.Sign("tok", signed, form)}
		if res := g.Serve(context.Background(), r); res.Status != 200 {
			t.Errorf("rebuilt %s, signed %s: got %d %v, want 200", rebuilt, signed, res.Status, res.Err)
		}
	}
}

// rotating is a TokenSource whose token changes behind the Guard's back.
type rotating struct {
	current, next *signature.Validator
	err           error
	refreshes     int
}

func (r *rotating) Validator(context.Context) (*signature.Validator, error) {
	return r.current, r.err
}

func (r *rotating) Refresh(context.Context) *signature.Validator {
	r.refreshes++
	if r.next == nil {
		return nil
	}
	r.current, r.next = r.next, nil
	return r.current
}

func TestGuardTokenSource(t *testing.T) {
	const u = "https://example.com/sms"
	form := url.Values{"Body": {"hi"}}
	req := func(tok string) *Request {
		return &Request{Method: "POST", URL: u, Form: form, Signature: signature.Sign(tok, u, form)}
	}
	src := &rotating{current: mustValidator(t, "old"), next: mustValidator(t, "new")}
	g := &Guard{Tokens: src, App: &echo{}}
	ctx := context.Background()

	if res := g.Serve(ctx, req("old")); res.Status != 200 || src.refreshes != 0 {
		t.Fatalf("old token: got %d after %d refreshes, want 200 after none", res.Status, src.refreshes)
	}
	if res := g.Serve(ctx, req("new")); res.Status != 200 || src.refreshes != 1 {
		t.Fatalf("rotated token: got %d after %d refreshes, want 200 after one", res.Status, src.refreshes)
	}
	if res := g.Serve(ctx, req("forged")); res.Status != 403 || src.refreshes != 2 {
		t.Fatalf("forged: got %d after %d refreshes, want 403 after two", res.Status, src.refreshes)
	}
	src.err = errors.New("secret unreadable")
	if res := g.Serve(ctx, req("new")); res.Status != 500 || !errors.Is(res.Err, ErrNoToken) {
		t.Fatalf("unreadable token: got %d %v, want 500 ErrNoToken", res.Status, res.Err)
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"+15555550123": "****23", "": "", "7": "****7", "client:alice": "****",
	} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIdempotencyTokenReachesCallAndLog(t *testing.T) {
	const u = "https://example.com/sms"
	form := url.Values{"Body": {"hi"}}
	for _, r := range []*Request{
		{Method: "POST", URL: u, Form: form, Signature: signature.Sign("tok", u, form)},
		{Method: "POST", URL: u, ContentType: "application/x-www-form-urlencoded",
			Body: []byte(form.Encode()), Signature: signature.Sign("tok", u, form)},
	} {
		r.IdempotencyToken = "idem-42"
		g := &Guard{Validator: mustValidator(t, "tok"), App: &echo{}}
		res := g.Serve(context.Background(), r)
		if res.Call == nil || res.Call.IdempotencyToken != "idem-42" ||
			!strings.Contains(res.LogValue().String(), "idem-42") {
			t.Errorf("got %+v; want the idempotency token in the call and its log value", res.Call)
		}
	}
}
