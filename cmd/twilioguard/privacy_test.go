package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/twilioguard/twilioguard/lambdahandler"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiliotest"
)

// The secrets of the privacy tests: none may appear in any log line.
const (
	privToken     = "tok-private-4b7e9a01c3"
	privSecondary = "tok-private-second-66f0"
	privShared    = "shared-private-secret-91aa"
	privMaster    = "+15555550123"
	privStranger  = "+15555550177"
	privOurs      = "+15555550111"
	privText      = "the zebra crosses at midnight"
)

// leaks holds what must never be logged: tokens, every signature sent or
// expected, full phone numbers in any spelling, and message text.
type leaks struct{ secrets []string }

func newLeaks() *leaks {
	l := &leaks{secrets: []string{privToken, privSecondary, privShared, privText,
		url.QueryEscape(privText)}}
	for _, n := range []string{privMaster, privStranger, privOurs} {
		l.secrets = append(l.secrets, n[2:]) // the digits after +1 match every spelling
	}
	return l
}

// sign returns the genuine signature of a call and remembers it, with
// what a forger would have had to send.
func (l *leaks) sign(token, u string, form url.Values) string {
	sig := signature.Sign(token, u, form)
	l.secrets = append(l.secrets, sig, signature.Sign(privToken, u, form))
	return sig
}

func (l *leaks) check(t *testing.T, where, logs string) {
	t.Helper()
	if strings.TrimSpace(logs) == "" {
		t.Errorf("%s: no logs to check", where)
	}
	for _, s := range l.secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("%s: logs hold %q:\n%s", where, s, logs)
		}
	}
}

func privateVars() map[string]string {
	return map[string]string{
		"AUTH_TOKEN": privToken, "AUTH_TOKEN_SECONDARY": privSecondary,
		"SHARED_KEY_ID": "key_1", "SHARED_KEY_SECRET": privShared, "MASTER_NUMBER": privMaster,
	}
}

// TestServeLogsKeepSecrets drives serve through every path, genuine,
// forged, hostile and duplicate, and scans its whole log.
func TestServeLogsKeepSecrets(t *testing.T) {
	l := newLeaks()
	logs := serveWith(t, privateVars(), func(u string) {
		host := strings.TrimPrefix(u, "http://")
		host, _, _ = strings.Cut(host, "/")
		master := twiliotest.InboundSMS(privMaster, privOurs, "secret")
		text := twiliotest.InboundSMS(privStranger, privOurs, privText)
		send := func(sig string, form url.Values, extra ...string) {
			hdr := append([]string{"Content-Type: application/x-www-form-urlencoded",
				"X-Twilio-Signature: " + sig}, extra...)
			sendRaw(t, host, "POST", hdr, form.Encode())
		}
		send(l.sign(privToken, u, master), master)
		send(l.sign(privSecondary, u, text), text)
		send(l.sign(privSecondary, u, text), text) // a duplicate: the same call again
		send(l.sign("forger-guess", u, text), text)
		send(l.sign(privShared, u, text), text, // a SharedKey signature sent as SHA-1
			"X-Twilio-Webhooks-Signature-Settings: key=key_1,algorithm=HMAC_SHA256")
		send(l.sign(privToken, u, text), text, "X-Twilio-Signature: "+l.sign(privToken, u, master))
		send("!!"+privToken+"!!", text)
		send(l.sign(privToken, u, text)+"=", text)
		sendRaw(t, host, "POST", []string{"Content-Type: text/plain",
			"X-Twilio-Signature: " + l.sign(privToken, u, nil)}, privText)
		sendRaw(t, host, "POST", []string{"Content-Type: application/x-www-form-urlencoded",
			"X-Twilio-Signature: " + l.sign(privToken, u, nil)}, "From="+privMaster+"&Body=%zz")
		sendRaw(t, host, "PUT", []string{"X-Twilio-Signature: " + l.sign(privToken, u, text)}, text.Encode())
		sendRaw(t, host, "POST", []string{"Content-Type: application/x-www-form-urlencoded"},
			strings.Repeat(text.Encode(), 1000))
	})
	l.check(t, "serve", logs)
	if !strings.Contains(logs, "duplicate=true") || !strings.Contains(logs, "status=405") {
		t.Errorf("not every path ran:\n%s", logs)
	}
}

// sendRaw sends one request as raw bytes to host, so that malformed
// requests reach the server as written, and drains the answer.
func sendRaw(t *testing.T, host, method string, hdr []string, body string) {
	t.Helper()
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	b.WriteString(method + " /sms HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n")
	for _, h := range hdr {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	io.WriteString(conn, b.String())
	io.Copy(io.Discard, conn)
}

// TestLambdaLogsKeepSecrets builds the Lambda handler as the lambda
// command does and scans the log of every path.
func TestLambdaLogsKeepSecrets(t *testing.T) {
	vars := privateVars()
	cfg, err := loadConfig(environ(vars))
	if err != nil {
		t.Fatal(err)
	}
	g, err := cfg.guard()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := &lambdahandler.Handler{Guard: g, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}

	l := newLeaks()
	const host = "xyz789abcd.execute-api.eu-west-1.amazonaws.com"
	u := "https://" + host + "/sms"
	event := func(sig string, form url.Values, extra map[string]string) []byte {
		hdr := map[string]string{"content-type": "application/x-www-form-urlencoded",
			"x-twilio-signature": sig, "host": host}
		for k, v := range extra {
			hdr[k] = v
		}
		b, _ := json.Marshal(events.APIGatewayV2HTTPRequest{
			Version: "2.0", RawPath: "/sms", Headers: hdr, Body: form.Encode(),
			RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: host,
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}},
		})
		return b
	}
	master := twiliotest.InboundSMS(privMaster, privOurs, "secret")
	text := twiliotest.InboundSMS(privStranger, privOurs, privText)
	payloads := [][]byte{
		event(l.sign(privToken, u, master), master, nil),
		event(l.sign(privToken, u, text), text, nil),
		event(l.sign(privToken, u, text), text, nil), // a duplicate
		event(l.sign("forger-guess", u, text), text, nil),
		event("!!"+privToken+"!!", text, nil),
		event(l.sign(privToken, u, text), text, map[string]string{"content-type": "text/plain; charset=utf-8"}),
		event(l.sign(privShared, u, text), text,
			map[string]string{"x-twilio-webhooks-signature-settings": "key=key_1,algorithm=HMAC_SHA256"}),
		[]byte(`{"twilioSignature":"` + l.sign(privToken, "", text) + `","From":"` + privMaster +
			`","Body":"%zz` + privText + `"}`),
		[]byte(`{"token":"` + privToken + `","From":"` + privMaster + `"}`),
		[]byte("not JSON " + privToken + " " + privMaster),
	}
	for _, p := range payloads {
		h.Invoke(context.Background(), p)
	}
	l.check(t, "lambda", logs.String())
	if n := strings.Count(logs.String(), "\n"); n != len(payloads) {
		t.Errorf("%d log lines for %d invocations", n, len(payloads))
	}
	if !strings.Contains(logs.String(), `"duplicate":true`) {
		t.Errorf("the duplicate path did not run:\n%s", &logs)
	}
}

// TestConfigErrorsKeepSecrets starts both commands with every kind of
// broken configuration that still holds secrets, and scans what they log.
func TestConfigErrorsKeepSecrets(t *testing.T) {
	l := newLeaks()
	broken := []map[string]string{
		{"AUTH_TOKEN": privToken, "REQUEST_URL": "/sms"},
		{"AUTH_TOKEN": privToken, "PUBLIC_BASE_URL": "ftp://x"},
		{"AUTH_TOKEN": privToken, "SHARED_KEY_SECRET": privShared},
		{"AUTH_TOKEN": privToken, "AUTH_TOKEN_PARAMETER": "/twilioguard/token"},
		{"AUTH_TOKEN_SECONDARY": privSecondary},
		{"AUTH_TOKEN": privToken, "DEDUPE_WINDOW": "5s"},
		{"AUTH_TOKEN": privToken, "DEDUPE_WINDOW": "0", "DEDUPE_TABLE": "t"},
		{"AUTH_TOKEN": privToken, "MASTER_NUMBER": privMaster, "MEDIA_URL": "not a url"},
	}
	for _, vars := range broken {
		for _, cmd := range [][]string{{"lambda"}, {"serve", "-addr", "127.0.0.1:0"}} {
			code, out, errs := runCmd(context.Background(), vars, cmd...)
			if code != 2 {
				t.Errorf("%s with %v: exit %d, want 2", cmd[0], keys(vars), code)
			}
			l.check(t, cmd[0]+" "+strings.Join(keys(vars), ","), out+errs)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
