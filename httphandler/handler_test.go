package httphandler

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"github.com/twilioguard/twilioguard/internal/testkit"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/twilioguard/twilioguard/internal/cases"
	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiliotest"
	"github.com/twilioguard/twilioguard/webhook"
)

const (
	token  = "test-token-0123456789abcdef"
	master = "+15555550100"
)

func newHandler(t *testing.T, logs io.Writer, tokens ...string) *Handler {
	t.Helper()
	if len(tokens) == 0 {
		tokens = []string{token}
	}
	v, err := signature.NewValidator(tokens[0], tokens[1:]...)
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Guard: &webhook.Guard{Validator: v, App: &responder.Responder{Master: master}}}
	if logs != nil {
		h.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	return h
}

// TestFourOutcomes runs the responder behind a real HTTP server and checks
// what each kind of caller gets back.
func TestFourOutcomes(t *testing.T) {
	var logs bytes.Buffer
	srv := httptest.NewServer(newHandler(t, &logs))
	defer srv.Close()
	u := srv.URL + "/sms"

	tests := []struct {
		name     string
		from     string
		body     string
		sign     string
		status   int
		messages string
	}{
		{"master secret", master, "Secret", token, 200, responder.MasterReply + " + " + responder.DefaultMediaURL},
		{"stranger secret", "+15555550199", " secret ", token, 200, responder.StrangerReply},
		{"other text", "+15555550199", "hello <&>", token, 200, responder.DefaultReply},
		{"forged", master, "secret", "wrong-token", 403, ""},
		{"unsigned", master, "secret", "", 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := twiliotest.NewRequest(tt.sign, u, twiliotest.InboundSMS(tt.from, "+15555550111", tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.sign == "" {
				req.Header.Del("X-Twilio-Signature")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
				t.Errorf("Content-Type %q, want text/xml", ct)
			}
			if got := strings.Join(testkit.Messages(t, body), "|"); got != tt.messages {
				t.Errorf("messages %q, want %q", got, tt.messages)
			}
		})
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), master[1:]) ||
		strings.Contains(logs.String(), "5555550199") {
		t.Errorf("logs leak the token or a phone number:\n%s", logs.String())
	}
	if n := strings.Count(logs.String(), "\n"); n != len(tests) {
		t.Errorf("%d log lines, want one per call (%d)", n, len(tests))
	}
}

func TestRefusals(t *testing.T) {
	h := newHandler(t, nil)
	h.MaxBody = 1024
	form := twiliotest.InboundSMS(master, "+15555550111", "hi")
	u := "http://example.com/sms"
	sig := signature.Sign(token, u, form)

	tests := []struct {
		name, method, ctype, body, sig string
		status                         int
	}{
		{"genuine", "POST", "application/x-www-form-urlencoded", form.Encode(), sig, 200},
		{"wrong method", "PUT", "application/x-www-form-urlencoded", form.Encode(), sig, 405},
		{"too large", "POST", "application/x-www-form-urlencoded", strings.Repeat("a", 2000), sig, 413},
		{"bad encoding", "POST", "application/x-www-form-urlencoded", "Body=%zz", sig, 400},
		{"json without bodySHA256", "POST", "application/json", `{"Body":"hi"}`, sig, 415},
		{"malformed signature", "POST", "application/x-www-form-urlencoded", form.Encode(), "***", 403},
		{"tampered body", "POST", "application/x-www-form-urlencoded", form.Encode() + "&X=1", sig, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, u, strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.ctype)
			r.Header.Set("X-Twilio-Signature", tt.sig)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
			if tt.status != 200 && len(testkit.Messages(t, w.Body.Bytes())) != 0 {
				t.Errorf("refused call got a message: %s", w.Body)
			}
		})
	}
}

func TestGETWebhook(t *testing.T) {
	h := newHandler(t, nil)
	u := "https://example.com/sms?From=%2B15555550199&Body=secret"
	r := httptest.NewRequest("GET", u, nil)
	r.Header.Set("X-Twilio-Signature", signature.Sign(token, u, nil))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got := testkit.Messages(t, w.Body.Bytes()); w.Code != 200 || len(got) != 1 || got[0] != responder.StrangerReply {
		t.Errorf("got %d %q, want 200 with the stranger reply", w.Code, got)
	}
}

func TestJSONBody(t *testing.T) {
	h := newHandler(t, nil)
	body := `{"Body":"hi"}`
	u := "https://example.com/events?bodySHA256=" + signature.BodyHash([]byte(body))
	for _, tt := range []struct {
		body   string
		status int
	}{{body, 200}, {body + " ", 403}} {
		r := httptest.NewRequest("POST", u, strings.NewReader(tt.body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Twilio-Signature", signature.Sign(token, u, nil))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.status {
			t.Errorf("body %q: status %d, want %d", tt.body, w.Code, tt.status)
		}
	}
}

func TestIgnoreForwarded(t *testing.T) {
	form := url.Values{"Body": {"hi"}}
	r := httptest.NewRequest("POST", "http://example.com/sms", strings.NewReader(form.Encode()))
	r.Header.Set("X-Forwarded-Proto", "https, http")
	h := newHandler(t, nil)
	if got := h.URL(r); got != "https://example.com/sms" {
		t.Errorf("URL = %q, want the forwarded scheme", got)
	}
	h.IgnoreForwarded = true
	if got := h.URL(r); got != "http://example.com/sms" {
		t.Errorf("URL = %q with IgnoreForwarded, want http", got)
	}
}

// TestSharedCases replays every HTTP case in testdata/cases as raw bytes
// on the wire, so the request-target and Host reach the handler unaltered.
func TestSharedCases(t *testing.T) {
	all, err := cases.Load("../testdata/cases")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range all {
		if c.Transport != "http" {
			continue
		}
		n++
		t.Run(c.File, func(t *testing.T) {
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(c.Request.Raw())))
			if err != nil {
				t.Fatal(err)
			}
			if r.Header.Get("X-Forwarded-Proto") == "" && strings.HasPrefix(c.SignedURL, "https:") {
				r.TLS = &tls.ConnectionState{} // Twilio reached this server over TLS directly
			}
			w := httptest.NewRecorder()
			newHandler(t, nil, c.Tokens()...).ServeHTTP(w, r)
			if got := w.Code == 200; got != c.Valid() {
				t.Errorf("%s: status %d, want valid=%v\n%s", c.Kind, w.Code, c.Valid(), c.Description)
			}
		})
	}
	if n == 0 {
		t.Fatal("no HTTP cases found")
	}
}

func TestSharedKeyCall(t *testing.T) {
	h := newHandler(t, nil)
	v, err := h.Guard.Validator.WithSharedKey("key_1", "shared-secret")
	if err != nil {
		t.Fatal(err)
	}
	h.Guard.Validator = v
	u := "https://example.com/sms"
	form := url.Values{"Body": {"hi"}}
	for _, tt := range []struct {
		settings, sig string
		status        int
	}{
		{"key=key_1,algorithm=HMAC_SHA256", signature.SignWithSharedKey("shared-secret", u, form), 200},
		{"key=key_9,algorithm=HMAC_SHA256", signature.SignWithSharedKey("shared-secret", u, form), 403},
		{"key=key_1,algorithm=HMAC_SHA1", signature.Sign("shared-secret", u, form), 403},
	} {
		r := httptest.NewRequest("POST", u, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Twilio-Signature", tt.sig)
		r.Header.Set("X-Twilio-Webhooks-Signature-Settings", tt.settings)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.status {
			t.Errorf("settings %q: status %d, want %d", tt.settings, w.Code, tt.status)
		}
	}
}

func TestHeaderNamesCanonical(t *testing.T) {
	for _, name := range []string{hdrContentType, hdrSignature, hdrSettings, hdrIdempotency, hdrProto} {
		if c := http.CanonicalHeaderKey(name); c != name {
			t.Errorf("header %q is read as is, but net/http stores it as %q", name, c)
		}
	}
}
