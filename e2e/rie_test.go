//go:build linux

// Package e2e runs the twilioguard binary as a Lambda bootstrap under the
// AWS Lambda Runtime Interface Emulator, pinned in tools/go.mod, and checks
// what each kind of caller gets back through each event kind. See
// https://github.com/aws/aws-lambda-runtime-interface-emulator.
//
// The emulator listens on 127.0.0.1 only: its invoke address defaults to
// 0.0.0.0:8080, so both addresses are always given. It serves one
// invocation at a time, so the tests never overlap them.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/twilioguard/twilioguard/internal/testkit"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/twilioguard/twilioguard/internal/testevents"
	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiliotest"
)

const (
	token    = "e2e-token-5f0c9a7e31d84b26"
	other    = "e2e-forger-0000000000000000"
	master   = "+15555550100"
	stranger = "+15555550199"
	ours     = "+15555550111"
	mediaURL = "https://media.example.com/owl.png"
	formType = "application/x-www-form-urlencoded"

	restHost = testevents.RESTHost
	httpHost = testevents.HTTPHost
	restURL  = "https://" + restHost + "/prod/sms"
	httpURL  = "https://" + httpHost + "/sms"

	rieModule = "github.com/aws/aws-lambda-runtime-interface-emulator/" +
		"cmd/aws-lambda-rie"
	invokePath = "/2015-03-31/functions/function/invocations"
)

// fullPhone matches a whole test number; logs may show only its last digits.
var fullPhone = regexp.MustCompile(`1555555\d{4}`)

// A caller is one kind of call the responder must answer its own way.
type caller struct {
	name, from, text, signWith string
	status                     int    // the status the front door answers
	reply                      string // the messages, "" for none
}

var callers = []caller{
	{"master secret", master, "secret", token, 200,
		responder.MasterReply + " + " + mediaURL},
	{"stranger secret", stranger, "secret", token, 200, responder.StrangerReply},
	{"other text", stranger, "Hi there", token, 200, responder.DefaultReply},
	{"forged", master, "secret", other, 403, ""},
	{"unsigned", master, "secret", "", 403, ""},
}

var (
	buildOnce sync.Once
	binDir    string // holds aws-lambda-rie and bootstrap once built
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binaries builds the emulator and our bootstrap once per test run. A
// failed build fails the test rather than skipping it, so that CI notices.
func binaries(t *testing.T) (rie, bootstrap string) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test under the Lambda emulator skipped in -short mode")
	}
	buildOnce.Do(build)
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "aws-lambda-rie"),
		filepath.Join(binDir, "bootstrap")
}

func build() {
	root, err := filepath.Abs("..")
	if err == nil {
		_, err = os.Stat(filepath.Join(root, "tools", "go.mod"))
	}
	if err != nil {
		buildErr = fmt.Errorf("finding the repository root: %v", err)
		return
	}
	if binDir, buildErr = os.MkdirTemp("", "twilioguard-e2e-"); buildErr != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// -mod=readonly: a test must never rewrite the pin, whatever GOFLAGS
	// says; GOWORK=off: the pin alone chooses the emulator's version.
	buildErr = goBuild(ctx, filepath.Join(root, "tools"), []string{"GOWORK=off"},
		"-mod=readonly", "-o", filepath.Join(binDir, "aws-lambda-rie"), rieModule)
	if buildErr != nil {
		buildErr = fmt.Errorf("building the emulator pinned in tools/go.mod: %w",
			buildErr)
		return
	}
	buildErr = goBuild(ctx, root, []string{"CGO_ENABLED=0"},
		"-mod=readonly", "-tags", "lambda.norpc",
		"-o", filepath.Join(binDir, "bootstrap"), "./cmd/twilioguard")
	if buildErr != nil {
		buildErr = fmt.Errorf("building the bootstrap: %w", buildErr)
	}
}

func goBuild(ctx context.Context, dir string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", append([]string{"build"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s in %s: %v\n%s",
			strings.Join(args, " "), dir, err, out)
	}
	return nil
}

// An emulator is one running aws-lambda-rie with our bootstrap.
type emulator struct {
	invokeURL string
	cmd       *exec.Cmd
	out       *testkit.SyncBuffer
	exited    chan struct{}
	client    *http.Client
}

// start runs the emulator on two free loopback ports with only env in its
// environment, which it hands on to the bootstrap, and waits until it
// listens. The bootstrap itself starts at the first invocation.
func start(t *testing.T, env ...string) *emulator {
	t.Helper()
	rie, bootstrap := binaries(t)
	invokeAddr, runtimeAddr := testkit.FreeAddr(t), testkit.FreeAddr(t)
	for runtimeAddr == invokeAddr {
		runtimeAddr = testkit.FreeAddr(t)
	}
	e := &emulator{
		invokeURL: "http://" + invokeAddr + invokePath,
		out:       &testkit.SyncBuffer{},
		exited:    make(chan struct{}),
		client:    &http.Client{Timeout: 20 * time.Second},
	}
	e.cmd = exec.Command(rie,
		"--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", runtimeAddr,
		bootstrap)
	e.cmd.Dir = filepath.Dir(bootstrap)
	// The invocation timeout bounds an invocation the bootstrap never
	// answers; the rest keeps this machine's settings (AWS credentials
	// included) away from the bootstrap.
	e.cmd.Env = append([]string{"AWS_LAMBDA_FUNCTION_TIMEOUT=5"}, env...)
	e.cmd.Stdout, e.cmd.Stderr = e.out, e.out
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	e.cmd.WaitDelay = 2 * time.Second // a bootstrap left holding the pipes
	if err := e.cmd.Start(); err != nil {
		t.Fatalf("starting the emulator: %v", err)
	}
	go func() {
		e.cmd.Wait()
		close(e.exited)
	}()
	t.Cleanup(e.stop)
	e.waitListening(t, invokeAddr)
	return e
}

func (e *emulator) waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-e.exited:
			t.Fatalf("the emulator exited before listening:\n%s", e.out)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the emulator did not listen on %s within 10s:\n%s", addr, e.out)
}

// stop ends the emulator: SIGTERM first, so that it stops the bootstrap
// (which runs in a process group of its own), then SIGKILL to its group.
func (e *emulator) stop() {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		select {
		case <-e.exited:
			return
		default:
		}
		syscall.Kill(-e.cmd.Process.Pid, sig)
		select {
		case <-e.exited:
			return
		case <-time.After(3 * time.Second):
		}
	}
}

// invoke sends one invocation and returns the emulator's status and body.
func (e *emulator) invoke(t *testing.T, payload []byte) (int, []byte) {
	t.Helper()
	resp, err := e.client.Post(e.invokeURL, "application/json",
		bytes.NewReader(payload))
	if err != nil {
		t.Fatalf("invoking: %v\nemulator output:\n%s", err, e.out)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("reading the reply: %v", err)
	}
	return resp.StatusCode, body
}

// checkLogs stops the emulator and checks that what it and the bootstrap
// wrote names neither the token nor a full phone number, and that the
// bootstrap logged at all (so that the check is not vacuous).
func (e *emulator) checkLogs(t *testing.T, want ...string) {
	t.Helper()
	e.stop()
	out := e.out.String()
	if strings.Contains(out, token) {
		t.Errorf("the output holds the auth token:\n%s", out)
	}
	if m := fullPhone.FindAllString(out, -1); m != nil {
		t.Errorf("the output holds full phone numbers %q:\n%s", m, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("the output lacks %q:\n%s", w, out)
		}
	}
}

// TestProxyEvents runs the REST API proxy (payload 1.0) and the HTTP API
// (payload 2.0) events through one emulator, with no REQUEST_URL: the
// bootstrap must rebuild the URL Twilio signed from each event.
func TestProxyEvents(t *testing.T) {
	e := start(t, "AUTH_TOKEN="+token, "MASTER_NUMBER="+master,
		"MEDIA_URL="+mediaURL)
	kinds := []struct {
		name  string
		url   string
		event func(t *testing.T, body, sig string) []byte
	}{
		{"rest-proxy", restURL, testevents.REST},
		{"http-api", httpURL, func(t *testing.T, body, sig string) []byte {
			return testevents.HTTP(t, body, sig, true) // as HTTP APIs send a form
		}},
	}
	for _, k := range kinds {
		for _, c := range callers {
			t.Run(k.name+"/"+c.name, func(t *testing.T) {
				form, sig := call(c, k.url)
				status, body := e.invoke(t, k.event(t, form.Encode(), sig))
				if status != http.StatusOK {
					t.Fatalf("got emulator status %d, want 200: %s", status, body)
				}
				var resp events.APIGatewayProxyResponse
				if err := json.Unmarshal(body, &resp); err != nil {
					t.Fatalf("reply is not a proxy response: %v\n%s", err, body)
				}
				if resp.StatusCode != c.status {
					t.Errorf("got status %d, want %d", resp.StatusCode, c.status)
				}
				ct := resp.Headers["Content-Type"]
				if !strings.HasPrefix(ct, "text/xml") {
					t.Errorf("got Content-Type %q, want text/xml", ct)
				}
				if got := messages(t, resp.Body); got != c.reply {
					t.Errorf("got messages %q, want %q", got, c.reply)
				}
			})
		}
	}
	e.checkLogs(t, `"door":"rest-proxy"`, `"door":"http-api"`)
}

// TestMappingTemplate runs the flat event a REST API body mapping template
// makes. It carries no URL, so REQUEST_URL gives it; a refusal is a
// function error whose message starts with "Forbidden", which the
// integration response maps to 403.
func TestMappingTemplate(t *testing.T) {
	e := start(t, "AUTH_TOKEN="+token, "MASTER_NUMBER="+master,
		"MEDIA_URL="+mediaURL, "REQUEST_URL="+restURL)
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			form, sig := call(c, restURL)
			status, body := e.invoke(t, templateEvent(t, form, sig))
			if status != http.StatusOK {
				t.Fatalf("got emulator status %d, want 200: %s", status, body)
			}
			if c.status != http.StatusOK {
				checkForbidden(t, body)
				return
			}
			var doc string
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatalf("reply is not a JSON string: %v\n%s", err, body)
			}
			if got := messages(t, doc); got != c.reply {
				t.Errorf("got messages %q, want %q", got, c.reply)
			}
		})
	}
	e.checkLogs(t, `"door":"mapping-template"`)
}

// checkForbidden checks that body is the emulator's report of a function
// error whose message starts with "Forbidden", and holds no TwiML message.
func checkForbidden(t *testing.T, body []byte) {
	t.Helper()
	var fnErr struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}
	if err := json.Unmarshal(body, &fnErr); err != nil {
		t.Fatalf("reply is not a function error: %v\n%s", err, body)
	}
	if !strings.HasPrefix(fnErr.Message, "Forbidden") {
		t.Errorf("got errorMessage %q, want it to start with Forbidden",
			fnErr.Message)
	}
	if bytes.Contains(body, []byte("<Message>")) {
		t.Errorf("refused call got a message: %s", body)
	}
}

// TestNoToken starts the bootstrap without AUTH_TOKEN: it must refuse to
// start, so that even a genuine-looking call gets no message, and the
// invocation must come back within the emulator's timeout.
func TestNoToken(t *testing.T) {
	e := start(t, "MASTER_NUMBER="+master)
	form, sig := call(callers[0], restURL)
	begin := time.Now()
	status, body := e.invoke(t, testevents.REST(t, form.Encode(), sig))
	took := time.Since(begin)
	t.Logf("no token: status %d after %v: %s", status, took, body)
	if took > 10*time.Second {
		t.Errorf("the invocation took %v, want it bounded by the 5s timeout", took)
	}
	if bytes.Contains(body, []byte("<Message>")) {
		t.Errorf("got a message with no auth token configured: %s", body)
	}
	var resp events.APIGatewayProxyResponse
	if json.Unmarshal(body, &resp) == nil && resp.StatusCode == http.StatusOK {
		t.Errorf("got a 200 proxy reply with no auth token configured: %s", body)
	}
	e.checkLogs(t, "AUTH_TOKEN is not set")
}

// call builds the inbound SMS of c and its signature for u.
func call(c caller, u string) (form url.Values, sig string) {
	form = twiliotest.InboundSMS(c.from, ours, c.text)
	if c.signWith != "" {
		sig = signature.Sign(c.signWith, u, form)
	}
	return form, sig
}

// templateEvent is what the mapping template makes of form: the signature,
// then each field with its name and value still URL-encoded.
func templateEvent(t *testing.T, form url.Values, sig string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"twilioSignature":`)
	b.Write(testevents.Marshal(t, sig))
	for _, kv := range strings.Split(form.Encode(), "&") {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, ",%s:%s", testevents.Marshal(t, k), testevents.Marshal(t, v))
	}
	b.WriteByte('}')
	return b.Bytes()
}

// messages parses a TwiML reply into its messages joined by "|", each its
// body and media joined by " + ".
func messages(t *testing.T, twiml string) string {
	t.Helper()
	return strings.Join(testkit.Messages(t, []byte(twiml)), "|")
}
