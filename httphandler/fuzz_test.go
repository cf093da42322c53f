package httphandler

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/webhook"
)

// FuzzServeHTTP parses arbitrary bytes as a request, as the server would,
// and serves it: no panic, no 5xx, and a refused call carries no message.
func FuzzServeHTTP(f *testing.F) {
	form := url.Values{"Body": {"hi"}}
	for _, tc := range hostileCases() {
		f.Add([]byte(tc.raw))
	}
	f.Add([]byte(raw("GET", "/sms?Body=hi", []string{sig("/sms?Body=hi", nil)}, "")))
	f.Add([]byte(raw("POST", "https://example.com/sms", []string{formCT, sig("/sms", form),
		"X-Forwarded-Proto: https, http"}, form.Encode())))
	v, err := signature.NewValidator(token)
	if err != nil {
		f.Fatal(err)
	}
	h := &Handler{Guard: &webhook.Guard{Validator: v, App: echo{}}, MaxBody: 4096}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(in)))
		if err != nil {
			return // net/http answers 400 itself
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("status %d for\n%q", w.Code, in)
		}
		if w.Code != 200 && bytes.Contains(w.Body.Bytes(), []byte("<Message>")) {
			t.Fatalf("refused call (%d) got a message: %s", w.Code, w.Body)
		}
	})
}
