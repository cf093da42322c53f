//go:build linux

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twilioguard/twilioguard/lambdahandler"
	"github.com/twilioguard/twilioguard/signature"
)

// TestEveryEventKind replays every fixture in testdata/events (each event
// kind AWS can deliver a webhook in) through one bootstrap under the
// emulator: genuine, forged and unsigned. Only the classic mapping
// template, which carries no URL, gets REQUEST_URL, from a second
// emulator.
func TestEveryEventKind(t *testing.T) {
	files, _ := filepath.Glob("../testdata/events/*.json")
	if len(files) < 8 {
		t.Fatalf("found %d fixtures, want one per event kind", len(files))
	}
	plain := start(t, "AUTH_TOKEN="+token)
	var withURL *emulator
	for _, file := range files {
		var fx struct {
			URL        string          `json:"url"`
			RequestURL string          `json:"request_url"`
			Event      json.RawMessage `json:"event"`
		}
		data, err := os.ReadFile(file)
		if err != nil || json.Unmarshal(data, &fx) != nil {
			t.Fatalf("%s: %v", file, err)
		}
		e := plain
		if fx.RequestURL != "" {
			if withURL == nil {
				withURL = start(t, "AUTH_TOKEN="+token, "REQUEST_URL="+fx.RequestURL)
			}
			e = withURL
		}
		kind, req, err := lambdahandler.Decode(fx.Event, 0)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		params, _ := req.Params(fx.URL)
		for _, c := range []struct {
			name, sig string
			valid     bool
		}{
			{"genuine", signature.Sign(token, fx.URL, params), true},
			{"forged", signature.Sign(other, fx.URL, params), false},
			{"unsigned", "", false},
		} {
			t.Run(filepath.Base(file)+"/"+c.name, func(t *testing.T) {
				payload := bytes.ReplaceAll(fx.Event, []byte("SIGNATURE"), []byte(c.sig))
				status, body := e.invoke(t, payload)
				if status != 200 {
					t.Fatalf("emulator status %d: %s", status, body)
				}
				checkFixtureReply(t, kind, body, c.valid)
			})
		}
	}
}

func checkFixtureReply(t *testing.T, kind string, body []byte, valid bool) {
	t.Helper()
	if strings.HasPrefix(kind, "mapping-template") {
		if !valid {
			checkForbidden(t, body)
			return
		}
		var doc string
		if err := json.Unmarshal(body, &doc); err != nil || !strings.Contains(doc, "<Message>") {
			t.Errorf("got %s, want the TwiML reply as a JSON string", body)
		}
		return
	}
	var resp struct {
		StatusCode        int                 `json:"statusCode"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Body              string              `json:"body"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("reply is not a proxy response: %v\n%s", err, body)
	}
	ct := resp.Headers["Content-Type"]
	if ct == "" && len(resp.MultiValueHeaders["Content-Type"]) > 0 {
		ct = resp.MultiValueHeaders["Content-Type"][0]
	}
	want := map[bool]int{true: 200, false: 403}[valid]
	if resp.StatusCode != want || !strings.HasPrefix(ct, "text/xml") ||
		strings.Contains(resp.Body, "<Message>") != valid {
		t.Errorf("got %d %q %s; want %d, text/xml, a message only if genuine",
			resp.StatusCode, ct, resp.Body, want)
	}
}
