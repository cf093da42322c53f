package main

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/twilioguard/twilioguard/internal/testkit"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twilioguard/twilioguard/internal/cases"
	"github.com/twilioguard/twilioguard/lambdahandler"
	"github.com/twilioguard/twilioguard/signature"
)

// verifyArgs returns the verify command line for a case: its tokens, and
// for a mapping-template event (which carries no URL) the signed URL.
func verifyArgs(t *testing.T, c *cases.Case) []string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "call")
	if err := os.WriteFile(file, c.Input(), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"verify"}
	for _, tok := range c.Tokens() {
		args = append(args, "-token", tok)
	}
	if c.Transport == "apigw-mapping-template" {
		args = append(args, "-url", c.SignedURL)
	}
	return append(args, file)
}

func loadCases(t *testing.T) []cases.Case {
	t.Helper()
	all, err := cases.Load("../../testdata/cases")
	if err != nil || len(all) == 0 {
		t.Fatalf("loading cases: %v (%d found)", err, len(all))
	}
	return all
}

// TestVerifySharedCases feeds every real-world case to verify as a user
// would paste it, and checks the verdict.
func TestVerifySharedCases(t *testing.T) {
	for _, c := range loadCases(t) {
		t.Run(c.File, func(t *testing.T) {
			if c.Transport == "alb" {
				t.Skip("ALB events are not decoded yet")
			}
			code, out, errs := runCmd(context.Background(), nil, verifyArgs(t, &c)...)
			want := map[bool]int{true: 0, false: 1}[c.Valid()]
			if code != want {
				t.Errorf("exit %d, want %d (%s)\nstdout: %s\nstderr: %s", code, want, c.Kind, out, errs)
			}
		})
	}
}

// TestVerifyExplainsURLFaults reproduces each URL fault a case reports (the
// URL a broken setup validates against) and checks that -explain finds the
// URL Twilio signed and tells the user to configure it.
func TestVerifyExplainsURLFaults(t *testing.T) {
	n := 0
	for _, c := range loadCases(t) {
		if !c.Valid() {
			continue
		}
		for _, faulty := range c.FaultyURLs() {
			n++
			t.Run(c.File, func(t *testing.T) {
				args := verifyArgs(t, &c)
				args = append(args[:len(args)-1], "-explain", "-url", faulty, args[len(args)-1])
				code, _, errs := runCmd(context.Background(), nil, args...)
				if code == 0 {
					return // the validator's own port variants already accept it
				}
				if code != 1 || !strings.Contains(errs, "matches "+c.SignedURL+" ") ||
					!strings.Contains(errs, "REQUEST_URL="+c.SignedURL) {
					t.Errorf("faulty URL %s: exit %d, want the fix naming %s:\n%s", faulty, code, c.SignedURL, errs)
				}
			})
		}
	}
	if n == 0 {
		t.Fatal("no URL faults found in the cases")
	}
}

func TestVerifyExplainsKinds(t *testing.T) {
	const tok = "tok"
	tests := []struct {
		name, signed, received, entry string
	}{
		{"scheme", "https://example.com/sms", "http://example.com/sms", "scheme"},
		{"stage", "https://abc.execute-api.us-east-1.amazonaws.com/prod/sms",
			"https://abc.execute-api.us-east-1.amazonaws.com/sms", "stage"},
		{"base path", "https://api.example.com/sms", "https://api.example.com/v2/sms", "stage"},
		{"slash", "https://example.com/sms/", "https://example.com/sms", "trailing-slash"},
		{"query dropped", "https://example.com/sms", "https://example.com/sms?x=1", "query"},
		{"query re-encoded", "https://example.com/sms?a=x%20y&b=2", "https://example.com/sms?a=x+y&b=2", "query"},
		{"host case", "https://example.com/sms", "https://Example.COM/sms", "host"},
		{"scheme and stage", "https://abc.execute-api.us-east-1.amazonaws.com/dev/sms",
			"http://abc.execute-api.us-east-1.amazonaws.com/sms", "scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "Body=hi&From=%2B15555550100"
			raw := "POST /ignored HTTP/1.1\r\nHost: ignored.example\r\n" +
				"Content-Type: application/x-www-form-urlencoded\r\n" +
				"X-Twilio-Signature: " + sign(t, tok, tt.signed) + "\r\n" +
				"Content-Length: 27\r\n\r\n" + body
			file := filepath.Join(t.TempDir(), "raw")
			os.WriteFile(file, []byte(raw), 0o600)
			code, _, errs := runCmd(context.Background(), nil,
				"verify", "-token", tok, "-explain", "-url", tt.received, file)
			if code != 1 || !strings.Contains(errs, "matches "+tt.signed+" ") ||
				!strings.Contains(errs, "#"+tt.entry) {
				t.Errorf("exit %d, want 1 naming %s and entry %s:\n%s", code, tt.signed, tt.entry, errs)
			}
		})
	}
}

// sign signs the form the explain tests post: Body=hi, From=+15555550100.
func sign(t *testing.T, tok, u string) string {
	t.Helper()
	code, out, errs := runCmd(context.Background(), nil,
		"sign", "-token", tok, "-url", u, "Body=hi", "From=+15555550100")
	if code != 0 {
		t.Fatalf("sign: %d %s", code, errs)
	}
	return strings.TrimSpace(out)
}

func TestVerifyInputErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("\x00\x01 not a request"), 0o600)
	unknown := filepath.Join(dir, "unknown.json")
	os.WriteFile(unknown, []byte(`{"Records":[]}`), 0o600)
	for _, args := range [][]string{
		{"verify", "-token", "t", garbage},
		{"verify", "-token", "t", unknown},
		{"verify", "-token", "t", filepath.Join(dir, "missing")},
		{"verify", garbage},
	} {
		if code, _, errs := runCmd(context.Background(), nil, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errs)
		}
	}
}

func TestVerifyStdinAndTokenNote(t *testing.T) {
	all := loadCases(t)
	var rotation *cases.Case
	for i := range all {
		if strings.HasPrefix(all[i].File, "23-") {
			rotation = &all[i]
		}
	}
	if rotation == nil {
		t.Fatal("case 23 missing")
	}
	var stdout, stderr testkit.SyncBuffer
	code := run(context.Background(), env{
		args:  []string{"twilioguard", "verify", "-token", rotation.AuthToken, "-token", rotation.AlternateTokens[0], "-"},
		stdin: strings.NewReader(string(rotation.Input())), stdout: &stdout, stderr: &stderr,
		getenv: environ(nil),
	})
	if code != 0 || !strings.Contains(stdout.String(), "token 2") || !strings.Contains(stdout.String(), "#token") {
		t.Errorf("exit %d, want 0 and a note about token 2:\n%s%s", code, stdout.String(), stderr.String())
	}
}

// TestVerifyExplainsURLGivenByUser: when the captured request itself names
// the right URL and the user passes a wrong -url, the cause is still the
// specific difference, not "rebuilt from other parts".
func TestVerifyExplainsURLGivenByUser(t *testing.T) {
	const tok, signed = "tok", "https://example.com/sms"
	body := "Body=hi&From=%2B15555550100"
	raw := "POST /sms HTTP/1.1\r\nHost: example.com\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\n" +
		"X-Twilio-Signature: " + sign(t, tok, signed) + "\r\n" +
		"Content-Length: 27\r\n\r\n" + body
	file := filepath.Join(t.TempDir(), "raw")
	os.WriteFile(file, []byte(raw), 0o600)
	for given, entry := range map[string]string{
		"http://example.com/sms":        "scheme",
		"https://example.com/sms/":      "trailing-slash",
		"https://example.com/sms?x=1":   "query",
		"https://example.com/prod/sms":  "stage",
		"https://other.example.com/sms": "url",
	} {
		code, _, errs := runCmd(context.Background(), nil, "verify", "-token", tok, "-explain", "-url", given, file)
		if code != 1 || !strings.Contains(errs, "#"+entry) || !strings.Contains(errs, "REQUEST_URL="+signed) {
			t.Errorf("-url %s: exit %d, want the %s entry and the fix:\n%s", given, code, entry, errs)
		}
	}
}

func TestVerifyTokenFlagReplacesEnvironment(t *testing.T) {
	c := loadCases(t)[0] // signed with its auth_token
	args := verifyArgs(t, &c)
	file := args[len(args)-1]
	vars := map[string]string{"AUTH_TOKEN": c.AuthToken}
	if code, _, errs := runCmd(context.Background(), vars, "verify", file); code != 0 {
		t.Errorf("AUTH_TOKEN alone: exit %d, want 0 (%s)", code, errs)
	}
	if code, _, _ := runCmd(context.Background(), vars, "verify", "-token", "other", file); code != 1 {
		t.Errorf("-token other with AUTH_TOKEN set: exit %d, want 1: -token must replace AUTH_TOKEN", code)
	}
}

// TestVerifyEveryEventKind signs each fixture in testdata/events for its
// documented URL and checks that verify accepts the event file as a user
// would save it, and refuses it forged.
func TestVerifyEveryEventKind(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/events/*.json")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var fx struct {
				URL        string          `json:"url"`
				RequestURL string          `json:"request_url"`
				Event      json.RawMessage `json:"event"`
			}
			data, _ := os.ReadFile(file)
			if err := json.Unmarshal(data, &fx); err != nil {
				t.Fatal(err)
			}
			_, req, err := lambdahandler.Decode(fx.Event, 0)
			if err != nil {
				t.Fatal(err)
			}
			params, _ := req.Params(fx.URL)
			for tok, want := range map[string]int{"fixture-token": 0, "forger": 1} {
				event := bytes.ReplaceAll(fx.Event, []byte("SIGNATURE"),
					[]byte(signature.Sign(tok, fx.URL, params)))
				path := filepath.Join(t.TempDir(), "event.json")
				os.WriteFile(path, event, 0o600)
				args := []string{"verify", "-token", "fixture-token"}
				if fx.RequestURL != "" {
					args = append(args, "-url", fx.RequestURL)
				}
				code, out, errs := runCmd(context.Background(), nil, append(args, path)...)
				if code != want {
					t.Errorf("signed with %s: exit %d, want %d\n%s%s", tok, code, want, out, errs)
				}
			}
		})
	}
}

// TestVerifyHandWrittenRequest: a request written by hand often has no
// Content-Length; what follows the headers is still its body.
func TestVerifyHandWrittenRequest(t *testing.T) {
	const tok, u = "tok", "https://example.com/sms"
	for _, eol := range []string{"\n", "\r\n"} {
		raw := "POST /sms HTTP/1.1" + eol + "Host: example.com" + eol +
			"Content-Type: application/x-www-form-urlencoded" + eol +
			"X-Twilio-Signature: " + sign(t, tok, u) + eol + eol +
			"Body=hi&From=%2B15555550100\n"
		file := filepath.Join(t.TempDir(), "raw")
		os.WriteFile(file, []byte(raw), 0o600)
		code, out, errs := runCmd(context.Background(), nil, "verify", "-token", tok, file)
		if code != 0 || !strings.Contains(errs, "no Content-Length") {
			t.Errorf("line ends %q: exit %d, want 0 with a note\n%s%s", eol, code, out, errs)
		}
	}
}
