package lambdahandler

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/twilioguard/twilioguard/internal/testevents"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiliotest"
	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

const idem = "00000000-0000-4000-8000-000000000006"

// withToken adds the I-Twilio-Idempotency-Token header to an event of any
// kind: to its headers, or as the member a mapping template would add.
func withToken(t *testing.T, event []byte, template bool) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(event, &m); err != nil {
		t.Fatal(err)
	}
	if template {
		m["twilioIdempotencyToken"] = idem
	} else {
		m["headers"].(map[string]any)["i-twilio-idempotency-token"] = idem
	}
	return testevents.Marshal(t, m)
}

// runs wraps an App and counts its runs.
type runs struct {
	webhook.App
	n atomic.Int32
}

func (r *runs) Respond(ctx context.Context, c *webhook.Call) *twiml.Response {
	r.n.Add(1)
	return r.App.Respond(ctx, c)
}

// TestIdempotencyToken checks that every event kind passes the header on,
// and that a second delivery of one call is answered without running the
// App again.
func TestIdempotencyToken(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			form := twiliotest.InboundSMS(master, ours, "secret")
			event := withToken(t, k.event(t, form.Encode(), signature.Sign(token, k.url, form)), k.template)
			_, req, err := Decode(event, 0)
			if err != nil || req.IdempotencyToken != idem {
				t.Fatalf("Decode: got token %q, %v; want %q", req.IdempotencyToken, err, idem)
			}

			h := newHandler(t, map[bool]string{true: k.url}[k.template])
			app := &runs{App: h.Guard.App}
			h.Guard.App, h.Guard.Store = app, &webhook.MemoryStore{}
			first := invoke(t, h, k.template, event)
			second := invoke(t, h, k.template, event)
			if app.n.Load() != 1 || first.status != 200 || second.status != 200 ||
				strings.Join(first.messages, "|") != masterMMS ||
				strings.Join(second.messages, "|") != masterMMS {
				t.Errorf("got %d runs, replies %d %q and %d %q; want one run, the MMS twice",
					app.n.Load(), first.status, first.messages, second.status, second.messages)
			}
		})
	}
}
