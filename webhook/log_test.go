package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/twilioguard/twilioguard/signature"
)

func TestLogLine(t *testing.T) {
	genuine := Result{Status: 200, Call: &Call{Token: 1, IdempotencyToken: "idem-7",
		Params: url.Values{"MessageSid": {"SM42"}, "From": {"+15555550123"}, "Body": {"hi there"}}}}
	tests := []struct {
		name string
		res  Result
		want []string
	}{
		{"genuine", genuine, []string{"level=INFO", "msg=webhook", "door=http", "status=200",
			"token=2", "message_sid=SM42", "from=****23", "idempotency_token=idem-7"}},
		{"refused", Refuse(signature.ErrMismatch),
			[]string{"level=WARN", "door=http", "status=403", `reason="signature: `}},
		{"duplicate", Result{Status: 200, Duplicate: true, Call: genuine.Call},
			[]string{"status=200", "duplicate=true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.res.Log(context.Background(), slog.New(slog.NewTextHandler(&buf, nil)), "http")
			line := buf.String()
			if strings.Count(line, "\n") != 1 {
				t.Errorf("got %d lines, want one:\n%s", strings.Count(line, "\n"), line)
			}
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("line lacks %s:\n%s", w, line)
				}
			}
			for _, secret := range []string{"+15555550123", "hi there"} {
				if strings.Contains(line, secret) {
					t.Errorf("line shows %q:\n%s", secret, line)
				}
			}
		})
	}
}

func TestLogNil(t *testing.T) {
	Refuse(errors.New("x")).Log(context.Background(), nil, "http") // must not panic
}

// The line is written on every call: it builds its attributes on the
// stack and allocates only the masked number.
func TestLogAllocs(t *testing.T) {
	l := slog.New(slog.NewTextHandler(io.Discard, nil))
	res := Result{Status: 200, Call: &Call{
		Params: url.Values{"MessageSid": {"SM42"}, "From": {"+15555550123"}}}}
	if n := testing.AllocsPerRun(100, func() { res.Log(context.Background(), l, "http") }); n > 1 {
		t.Errorf("Log allocates %v times per line, want at most 1", n)
	}
}

func TestLogLevel(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	Result{Status: 200}.Log(context.Background(), l, "http")
	if buf.Len() != 0 {
		t.Errorf("a genuine call logged at Warn level:\n%s", &buf)
	}
	Refuse(signature.ErrMissing).Log(context.Background(), l, "http")
	if !strings.Contains(buf.String(), "status=403") {
		t.Errorf("a refused call was not logged at Warn level: %q", &buf)
	}
}
