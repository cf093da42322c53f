package main

import (
	"log/slog"
	"net/url"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiliotest"
)

func TestLogLevel(t *testing.T) {
	tests := []struct {
		vars    map[string]string
		lambda  bool
		want    slog.Level
		wantErr bool
	}{
		{nil, false, slog.LevelInfo, false},
		{map[string]string{"LOG_LEVEL": "warn"}, false, slog.LevelWarn, false},
		{map[string]string{"LOG_LEVEL": "DEBUG"}, true, slog.LevelDebug, false},
		{map[string]string{"AWS_LAMBDA_LOG_LEVEL": "ERROR"}, true, slog.LevelError, false},
		{map[string]string{"AWS_LAMBDA_LOG_LEVEL": "TRACE"}, true, slog.LevelDebug, false},
		{map[string]string{"AWS_LAMBDA_LOG_LEVEL": "FATAL"}, true, slog.LevelError, false},
		{map[string]string{"LOG_LEVEL": "info", "AWS_LAMBDA_LOG_LEVEL": "ERROR"}, true, slog.LevelInfo, false},
		{map[string]string{"AWS_LAMBDA_LOG_LEVEL": "ERROR"}, false, slog.LevelInfo, false}, // serve: Lambda's setting is not ours
		{map[string]string{"LOG_LEVEL": "loud"}, false, slog.LevelInfo, true},
		{map[string]string{"LOG_LEVEL": "ERROR+4"}, false, slog.LevelInfo, true}, // would hide our own errors
		{map[string]string{"AWS_LAMBDA_LOG_LEVEL": "info-8"}, true, slog.LevelInfo, true},
	}
	for _, tt := range tests {
		got, err := logLevel(environ(tt.vars), tt.lambda)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%v (lambda %v): got %v, %v; want %v, error %v",
				tt.vars, tt.lambda, got, err, tt.want, tt.wantErr)
		}
	}
}

// At WARN, serve logs the refused call and not the genuine one.
func TestServeLogLevelWarn(t *testing.T) {
	logs := serveWith(t, map[string]string{"AUTH_TOKEN": "tok", "LOG_LEVEL": "warn"}, func(u string) {
		host, _, _ := strings.Cut(strings.TrimPrefix(u, "http://"), "/")
		form := twiliotest.InboundSMS("+15555550123", "+15555550100", "hi")
		send := func(token string, form url.Values) {
			sendRaw(t, host, "POST", []string{"Content-Type: application/x-www-form-urlencoded",
				"X-Twilio-Signature: " + signature.Sign(token, u, form)}, form.Encode())
		}
		send("tok", form)
		send("forger", form)
	})
	if strings.Contains(logs, "status=200") || !strings.Contains(logs, "status=403") {
		t.Errorf("LOG_LEVEL=warn: want the refusal logged and the genuine call not:\n%s", logs)
	}
}

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100)) // leave the test binary as it was
	tuneGC(environ(nil))
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GOGC unset: collector at %d, want %d", got, gcPercent)
	}
	tuneGC(environ(map[string]string{"GOGC": "50"}))
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: collector changed to %d, want it left alone", got)
	}
}
