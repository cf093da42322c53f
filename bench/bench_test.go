package bench

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/twilio/twilio-go/client"
	"github.com/twilioguard/twilioguard/httphandler"
	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/webhook"
)

const formType = "application/x-www-form-urlencoded"

// forged is a well-formed signature that matches no URL variant, so that
// a check must try them all.
var forged = signature.Sign("not-the-token", URL, Params())

func TestFixture(t *testing.T) {
	if n := len(Params()); n != 19 {
		t.Errorf("got %d parameters, want 19", n)
	}
	if n := len(Signed(URL)); n < 400 || n > 480 {
		t.Errorf("got %d signed bytes, want about 440", n)
	}
	v := validator(t)
	if err := v.Validate(URL, Params(), Signature(URL)); err != nil {
		t.Errorf("ours: %v", err)
	}
	rv := client.NewRequestValidator(Token)
	if !rv.Validate(URL, Flat(), Signature(URL)) {
		t.Error("twilio-go Validate refused the call")
	}
	if !rv.ValidateBody(URL, []byte(Body()), Signature(URL)) {
		t.Error("twilio-go ValidateBody refused the call")
	}
	if _, err := guard(t).Verify(context.Background(), request(Signature(URL))); err != nil {
		t.Errorf("ours from the body: %v", err)
	}
}

func validator(tb testing.TB) *signature.Validator {
	tb.Helper()
	v, err := signature.NewValidator(Token)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func guard(tb testing.TB) *webhook.Guard {
	return &webhook.Guard{Validator: validator(tb)}
}

func request(sig string) *webhook.Request {
	return &webhook.Request{Method: http.MethodPost, URL: URL, ContentType: formType,
		Body: []byte(Body()), Signature: sig}
}

// BenchmarkFloor is the least any validator must do: one HMAC-SHA1 over
// the prepared signed bytes with a ready key schedule, its base64, and a
// constant-time compare.
func BenchmarkFloor(b *testing.B) {
	msg, want := Signed(URL), []byte(Signature(URL))
	mac := hmac.New(sha1.New, []byte(Token))
	var sum [sha1.Size]byte
	var enc [28]byte
	b.ReportAllocs()
	for b.Loop() {
		mac.Reset()
		mac.Write(msg)
		base64.StdEncoding.Encode(enc[:], mac.Sum(sum[:0]))
		if subtle.ConstantTimeCompare(enc[:], want) != 1 {
			b.Fatal("floor: mismatch")
		}
	}
}

func BenchmarkOursValidate(b *testing.B) {
	v, params, sig := validator(b), Params(), Signature(URL)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(URL, params, sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOursBody is what the server does with a call: parse the raw
// form body and validate it (webhook.Guard.Verify).
func BenchmarkOursBody(b *testing.B) {
	g, r, ctx := guard(b), request(Signature(URL)), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Verify(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOursForged is Validate refusing a forged call: it must try the
// URL as received and with the default port, two MACs.
func BenchmarkOursForged(b *testing.B) {
	v, params := validator(b), Params()
	b.ReportAllocs()
	for b.Loop() {
		if v.Validate(URL, params, forged) == nil {
			b.Fatal("forged call accepted")
		}
	}
}

// BenchmarkOursForgedBody is the server refusing a forged call.
func BenchmarkOursForgedBody(b *testing.B) {
	g, r, ctx := guard(b), request(forged), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Verify(ctx, r); err == nil {
			b.Fatal("forged call accepted")
		}
	}
}

func BenchmarkTwilioGoValidate(b *testing.B) {
	rv, params, sig := client.NewRequestValidator(Token), Flat(), Signature(URL)
	b.ReportAllocs()
	for b.Loop() {
		if !rv.Validate(URL, params, sig) {
			b.Fatal("twilio-go refused the call")
		}
	}
}

func BenchmarkTwilioGoValidateBody(b *testing.B) {
	rv, body, sig := client.NewRequestValidator(Token), []byte(Body()), Signature(URL)
	b.ReportAllocs()
	for b.Loop() {
		if !rv.ValidateBody(URL, body, sig) {
			b.Fatal("twilio-go refused the call")
		}
	}
}

// BenchmarkOursForm validates from the raw form body, the check a server
// makes before it decodes anything for its app (signature.ValidateForm).
func BenchmarkOursForm(b *testing.B) {
	v, body, sig := validator(b), []byte(Body()), Signature(URL)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateForm(URL, body, sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOursHandler is serve's handler for one genuine call, without
// the network: read the body, check, answer through the reference app, log
// one line (to io.Discard). The request is built once and its body read
// again on each call, so that building it is not measured.
func BenchmarkOursHandler(b *testing.B) {
	h := &httphandler.Handler{
		Guard:  &webhook.Guard{Validator: validator(b), App: &responder.Responder{}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	body := strings.NewReader(Body())
	r := httptest.NewRequest(http.MethodPost, URL, body)
	r.Header.Set("Content-Type", formType)
	r.Header.Set("X-Twilio-Signature", Signature(URL))
	r.Header.Set("X-Forwarded-Proto", "https")
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		body.Seek(0, io.SeekStart) // the same request, read again
		clear(w.h)
		h.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			b.Fatalf("got status %d", w.status)
		}
	}
}

type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
