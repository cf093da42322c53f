package lambdahandler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/webhook"
)

// fixture is one event in testdata/events: a real-shaped, redacted event of
// one kind, the URL Twilio signed for it (from AWS's documented rules), and
// "SIGNATURE" where the X-Twilio-Signature goes.
type fixture struct {
	About      string          `json:"about"`
	URL        string          `json:"url"`
	RequestURL string          `json:"request_url"`
	Event      json.RawMessage `json:"event"`
}

// fixtureReply is any of the proxy kinds' responses.
type fixtureReply struct {
	StatusCode        int                 `json:"statusCode"`
	StatusDescription string              `json:"statusDescription"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
}

// TestEventFixtures signs each fixture for its documented URL and checks
// that a genuine call gets the TwiML fixtureReply in its kind's shape, and a forged
// or unsigned one gets no message, with no REQUEST_URL unless the kind
// carries no URL at all.
func TestEventFixtures(t *testing.T) {
	files, _ := filepath.Glob("../testdata/events/*.json")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var fx fixture
			data, err := os.ReadFile(file)
			if err != nil || json.Unmarshal(data, &fx) != nil {
				t.Fatalf("reading fixture: %v", err)
			}
			kind, req, err := Decode(fx.Event, 0)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			params, err := req.Params(fx.URL)
			if err != nil {
				t.Fatal(err)
			}
			h := &Handler{Guard: &webhook.Guard{
				Validator: mustValidator(t, "fixture-token"),
				App:       &responder.Responder{},
				PublicURL: fx.RequestURL,
			}}
			for _, tt := range []struct {
				name, sig string
				valid     bool
			}{
				{"genuine", signature.Sign("fixture-token", fx.URL, params), true},
				{"forged", signature.Sign("other-token", fx.URL, params), false},
				{"unsigned", "", false},
			} {
				payload := bytes.ReplaceAll(fx.Event, []byte("SIGNATURE"), []byte(tt.sig))
				out, err := h.Invoke(context.Background(), payload)
				checkReply(t, kind+"/"+tt.name, out, err, tt.valid)
			}
		})
	}
}

func checkReply(t *testing.T, name string, out []byte, err error, valid bool) {
	t.Helper()
	if strings.HasPrefix(name, "mapping-template") {
		var r *Rejected
		switch {
		case valid && err != nil:
			t.Errorf("%s: %v", name, err)
		case !valid && (!errors.As(err, &r) || !strings.HasPrefix(err.Error(), "Forbidden")):
			t.Errorf("%s: got %s, %v; want a Forbidden error", name, out, err)
		case valid && !strings.Contains(string(out), responder.DefaultReply):
			t.Errorf("%s: fixtureReply %s, want the TwiML as a JSON string", name, out)
		}
		return
	}
	var r fixtureReply
	if err != nil || json.Unmarshal(out, &r) != nil {
		t.Fatalf("%s: fixtureReply %s, %v", name, out, err)
	}
	ct := r.Headers["Content-Type"]
	if ct == "" && len(r.MultiValueHeaders["Content-Type"]) == 1 {
		ct = r.MultiValueHeaders["Content-Type"][0]
	}
	want := map[bool]int{true: 200, false: 403}[valid]
	if r.StatusCode != want || !strings.HasPrefix(ct, "text/xml") ||
		strings.Contains(r.Body, "<Message>") != valid {
		t.Errorf("%s: got %d %q %s, want %d text/xml", name, r.StatusCode, ct, r.Body, want)
	}
	if strings.HasPrefix(name, "alb/") && r.StatusDescription == "" {
		t.Errorf("%s: ALB fixtureReply without statusDescription", name)
	}
}
