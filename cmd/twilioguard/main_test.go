package main

import (
	"bytes"
	"context"
	"github.com/twilioguard/twilioguard/internal/testkit"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twilioguard/twilioguard/responder"
)

func environ(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// runCmd runs the program with args and returns its exit code and output.
func runCmd(ctx context.Context, vars map[string]string, args ...string) (int, string, string) {
	var stdout, stderr testkit.SyncBuffer
	code := run(ctx, env{append([]string{"twilioguard"}, args...), strings.NewReader(""), &stdout, &stderr, environ(vars)})
	return code, stdout.String(), stderr.String()
}

func TestSignPublishedExample(t *testing.T) {
	// Twilio's worked example from its webhook security docs.
	code, out, errs := runCmd(context.Background(), nil, "sign", "-token", "12345",
		"-url", "https://mycompany.com/myapp.php?foo=1&bar=2",
		"CallSid=CA1234567890ABCDE", "Caller=+12349013030", "Digits=1234",
		"From=+12349013030", "To=+18005551212")
	if code != 0 || strings.TrimSpace(out) != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" {
		t.Errorf("got %d %q (%s), want the published signature", code, out, errs)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		args []string
		want string
	}{
		{"no command", nil, nil, "usage"},
		{"unknown command", nil, []string{"frobnicate"}, "unknown command"},
		{"serve without token", nil, []string{"serve", "-addr", "127.0.0.1:0"}, "AUTH_TOKEN is not set"},
		{"bad REQUEST_URL", map[string]string{"AUTH_TOKEN": "t", "REQUEST_URL": "/sms"},
			[]string{"serve", "-addr", "127.0.0.1:0"}, "REQUEST_URL"},
		{"lambda without token", nil, []string{"lambda"}, "AUTH_TOKEN is not set"},
		{"master without digits", map[string]string{"AUTH_TOKEN": "t", "MASTER_NUMBER": "abc"},
			[]string{"serve", "-addr", "127.0.0.1:0"}, "MASTER_NUMBER"},
		{"bad LOG_LEVEL", map[string]string{"AUTH_TOKEN": "t", "LOG_LEVEL": "loud"},
			[]string{"serve", "-addr", "127.0.0.1:0"}, "LOG_LEVEL"},
		{"bad Lambda log level", map[string]string{"AUTH_TOKEN": "t", "AWS_LAMBDA_LOG_LEVEL": "loud"},
			[]string{"lambda"}, "AWS_LAMBDA_LOG_LEVEL"},
		{"send without url", map[string]string{"AUTH_TOKEN": "t"}, []string{"send"}, "need -url"},
		{"sign bad pair", nil, []string{"sign", "-url", "https://x", "-token", "t", "novalue"}, "not key=value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCmd(context.Background(), tt.vars, tt.args...)
			if code != 2 || !strings.Contains(errs, tt.want) {
				t.Errorf("got exit %d, stderr %q; want exit 2 mentioning %q", code, errs, tt.want)
			}
		})
	}
}

// TestServeDevAndSend runs "serve -dev" and drives it with "send" as the
// banner tells a newcomer to, covering the four outcomes.
func TestServeDevAndSend(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stderr testkit.SyncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, env{[]string{"twilioguard", "serve", "-dev", "-addr", "127.0.0.1:0"},
			nil, &bytes.Buffer{}, &stderr, environ(nil)})
	}()

	banner := regexp.MustCompile(`send -url (\S+) -token (\S+) -from (\S+) -body secret`)
	var m []string
	for deadline := time.Now().Add(10 * time.Second); m == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no banner with a send command:\n%s", stderr.String())
		}
		m = banner.FindStringSubmatch(stderr.String())
	}
	url, token, master := m[1], m[2], m[3]

	tests := []struct {
		name, token, from, body string
		code                    int
		want                    string
	}{
		{"master", token, master, "secret", 0, responder.MasterReply},
		{"stranger", token, "+15555550199", "SECRET", 0, responder.StrangerReply},
		{"other", token, "+15555550199", "hello", 0, responder.DefaultReply},
		{"forged", "wrong-token", master, "secret", 1, "<Response/>"},
	}
	for _, tt := range tests {
		code, out, errs := runCmd(ctx, nil, "send", "-url", url, "-token", tt.token,
			"-from", tt.from, "-body", tt.body)
		if code != tt.code || !strings.Contains(out, tt.want) {
			t.Errorf("%s: got exit %d, output %q (%s); want exit %d with %q",
				tt.name, code, out, errs, tt.code, tt.want)
		}
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after shutdown, want 0:\n%s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
	// The banner shows the development token and example numbers on
	// purpose; the log lines must show neither.
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.HasPrefix(line, "time=") &&
			(strings.Contains(line, "5555550") || strings.Contains(line, token)) {
			t.Errorf("log line leaks a phone number or the token: %s", line)
		}
	}
}
