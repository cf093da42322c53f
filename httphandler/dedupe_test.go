package httphandler

import (
	"bytes"
	"context"
	"github.com/twilioguard/twilioguard/internal/testkit"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twilioguard/twilioguard/twiliotest"
	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

// gated is an App that counts its runs and holds each until gate closes.
type gated struct {
	webhook.App
	n    atomic.Int32
	gate chan struct{}
}

func (g *gated) Respond(ctx context.Context, c *webhook.Call) *twiml.Response {
	g.n.Add(1)
	<-g.gate
	return g.App.Respond(ctx, c)
}

// TestRetriedDelivery plays Twilio retrying one call over HTTP: while the
// first copy runs, a copy gets 503 with Retry-After and the empty TwiML;
// after it, a copy gets the first reply. The App runs once, and the log
// marks the copy as a duplicate.
func TestRetriedDelivery(t *testing.T) {
	var logs bytes.Buffer
	h := newHandler(t, &logs)
	app := &gated{App: h.Guard.App, gate: make(chan struct{})}
	h.Guard.App, h.Guard.Store, h.Guard.PendingWait = app, &webhook.MemoryStore{}, 20*time.Millisecond

	req, err := twiliotest.NewRequest(token, "http://example.com/sms",
		twiliotest.InboundSMS(master, "+15555550111", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	send := func() *httptest.ResponseRecorder {
		r := req.Clone(context.Background())
		r.Body = io.NopCloser(bytes.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- send() }()
	for app.n.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	pending := send()
	close(app.gate)
	got := <-first
	again := send()

	if pending.Code != http.StatusServiceUnavailable || pending.Header().Get("Retry-After") == "" ||
		len(testkit.Messages(t, pending.Body.Bytes())) != 0 {
		t.Errorf("copy while running: got %d Retry-After %q %s, want 503 with Retry-After and no message",
			pending.Code, pending.Header().Get("Retry-After"), pending.Body)
	}
	if got.Code != 200 || again.Code != 200 || again.Body.String() != got.Body.String() {
		t.Errorf("got %d %s then %d %s, want 200 and the same reply twice",
			got.Code, got.Body, again.Code, again.Body)
	}
	if n := app.n.Load(); n != 1 {
		t.Errorf("app ran %d times, want once", n)
	}
	if lines := strings.Count(logs.String(), "\n"); lines != 3 ||
		strings.Count(logs.String(), `"duplicate":true`) != 1 {
		t.Errorf("want 3 log lines, one marked duplicate:\n%s", &logs)
	}
}
