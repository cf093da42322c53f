package httphandler

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiliotest"
	"github.com/twilioguard/twilioguard/webhook"
)

func TestMiddleware(t *testing.T) {
	v, _ := signature.NewValidator(token)
	var seen struct {
		body, raw, query string
		call             bool
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.body = r.FormValue("Body")
		seen.query = r.FormValue("tenant")
		raw, _ := io.ReadAll(r.Body)
		seen.raw = string(raw)
		c, ok := CallFrom(r.Context())
		seen.call = ok && c.Params.Get("Body") == seen.body
		io.WriteString(w, "handled")
	})
	mux := http.NewServeMux()
	mux.Handle("POST /sms", Protect(v, app))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	u := srv.URL + "/sms?tenant=acme"
	form := twiliotest.InboundSMS("+15555550199", "+15555550100", "a & b = c")
	req, _ := twiliotest.NewRequest(token, u, form)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(out) != "handled" {
		t.Fatalf("genuine call: %d %s", resp.StatusCode, out)
	}
	if seen.body != "a & b = c" || seen.raw != form.Encode() || seen.query != "acme" || !seen.call {
		t.Errorf("the app saw %+v; want the form, the raw body, the query and the call", seen)
	}

	forged, _ := twiliotest.NewRequest("not-the-token", u, form)
	resp, err = http.DefaultClient.Do(forged)
	if err != nil {
		t.Fatal(err)
	}
	out, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(out), "<Response/>") {
		t.Errorf("forged call: %d %s, want 403 with an empty Response", resp.StatusCode, out)
	}
}

func TestMiddlewareCustomReject(t *testing.T) {
	v, _ := signature.NewValidator(token)
	var got error
	m := &Middleware{Guard: &webhook.Guard{Validator: v}, Reject: func(w http.ResponseWriter, _ *http.Request, err error) {
		got = err
		http.Error(w, "nope", http.StatusUnauthorized)
	}}
	h := m.Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("refused call reached the app")
	}))
	r := httptest.NewRequest("POST", "https://example.com/sms", strings.NewReader("Body=hi"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized || !errors.Is(got, signature.ErrMissing) {
		t.Errorf("got %d, %v; want the custom 401 and ErrMissing", w.Code, got)
	}
}

// TestMiddlewarePublicURLHidesUnsignedQuery: with a PublicURL the query of
// the request as received is not signed, so the app must not see it.
func TestMiddlewarePublicURLHidesUnsignedQuery(t *testing.T) {
	const public = "https://sms.example.com/sms?tenant=acme"
	v, _ := signature.NewValidator(token)
	form := url.Values{"Body": {"hi"}, "NumMedia": {"0"}}
	var media, tenant, raw string
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		media, tenant, raw = r.FormValue("MediaUrl0"), r.FormValue("tenant"), r.URL.RawQuery
	})
	mw := &Middleware{Guard: &webhook.Guard{Validator: v, PublicURL: public}}
	for _, method := range []string{"POST", "GET"} {
		target, body, signedForm := "/sms?MediaUrl0=https://evil.example/x.png", form.Encode(), form
		if method == "GET" {
			body, signedForm = "", nil
		}
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Twilio-Signature", signature.Sign(token, public, signedForm))
		w := httptest.NewRecorder()
		mw.Wrap(next).ServeHTTP(w, r)
		if w.Code != 200 || media != "" || tenant != "acme" || raw != "tenant=acme" {
			t.Errorf("%s: got %d, MediaUrl0=%q tenant=%q query=%q; want 200 and only the signed query",
				method, w.Code, media, tenant, raw)
		}
	}
}
