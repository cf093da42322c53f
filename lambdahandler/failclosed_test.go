package lambdahandler

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiliotest"
	"github.com/twilioguard/twilioguard/webhook"
)

// unreadable is a TokenSource whose secret cannot be read.
type unreadable struct{}

func (unreadable) Validator(context.Context) (*signature.Validator, error) {
	return nil, errors.New("AccessDeniedException: not authorized")
}

func (unreadable) Refresh(context.Context) *signature.Validator { return nil }

// TestUnreadableToken checks every event kind while the auth token cannot
// be read: a genuine call gets 500 (or an Internal Server Error function
// error) and no message, with one log line saying why.
func TestUnreadableToken(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := newHandler(t, map[bool]string{true: k.url}[k.template])
			h.Guard.Validator, h.Guard.Tokens = nil, unreadable{}
			h.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			form := twiliotest.InboundSMS(master, ours, "secret")
			r := invoke(t, h, k.template, k.event(t, form.Encode(), signature.Sign(token, k.url, form)))
			if r.status != 500 || len(r.messages) != 0 {
				t.Errorf("got %d %q, want 500 and no message", r.status, r.messages)
			}
			if k.template && !errors.Is(r.err, webhook.ErrNoToken) {
				t.Errorf("got error %v, want ErrNoToken", r.err)
			}
			if n := strings.Count(logs.String(), "\n"); n != 1 || !strings.Contains(logs.String(), "no auth token") {
				t.Errorf("want one log line naming the missing token:\n%s", &logs)
			}
		})
	}
}
