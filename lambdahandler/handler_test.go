package lambdahandler

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/twilioguard/twilioguard/internal/testkit"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/twilioguard/twilioguard/internal/cases"
	"github.com/twilioguard/twilioguard/internal/testevents"
	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiliotest"
	"github.com/twilioguard/twilioguard/webhook"
)

const (
	token    = "test-token-0123456789abcdef"
	other    = "other-token-fedcba9876543210" // a forger's guess
	master   = "+15555550100"
	stranger = "+15555550199"
	ours     = "+15555550111"
	formType = "application/x-www-form-urlencoded"

	restHost = testevents.RESTHost
	httpHost = testevents.HTTPHost
	fnHost   = "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws"
	albHost  = "sms.example.com"
)

// The full replies of the responder, as messages() joins them.
var (
	masterMMS = responder.MasterReply + " + " + responder.DefaultMediaURL
	warning   = responder.StrangerReply
	hello     = responder.DefaultReply
)

func newHandler(t *testing.T, publicURL string, tokens ...string) *Handler {
	t.Helper()
	if len(tokens) == 0 {
		tokens = []string{token}
	}
	return &Handler{Guard: &webhook.Guard{
		Validator: mustValidator(t, tokens...),
		App:       &responder.Responder{Master: master},
		PublicURL: publicURL,
	}}
}

// A kind builds events of one kind around a form POST.
type kind struct {
	name     string
	url      string // the URL Twilio signs
	template bool   // a mapping template: the URL comes from PublicURL
	event    func(t *testing.T, body, sig string) []byte
}

var kinds = []kind{
	{"rest-proxy", "https://" + restHost + "/prod/sms", false, testevents.REST},
	{"http-api", "https://" + httpHost + "/sms", false,
		func(t *testing.T, body, sig string) []byte {
			return testevents.HTTP(t, body, sig, true)
		}},
	{"function-url", "https://" + fnHost + "/sms", false, functionURLEvent},
	{"alb", "https://" + albHost + "/sms", false, albRequest},
	{"mapping-template", "https://" + restHost + "/prod/sms", true,
		func(t *testing.T, body, sig string) []byte {
			return templateFromBody(t, body, sig)
		}},
}

func functionURLEvent(t *testing.T, body, sig string) []byte {
	return testevents.Marshal(t, events.LambdaFunctionURLRequest{
		Version: "2.0", RawPath: "/sms", Headers: testevents.LowerHeaders(fnHost, sig),
		RequestContext: events.LambdaFunctionURLRequestContext{
			DomainName: fnHost,
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{
				Method: "POST", Path: "/sms",
			},
		},
		Body: body,
	})
}

// albRequest is an ALB target group event: the URL comes from the Host and
// X-Forwarded-* headers.
func albRequest(t *testing.T, body, sig string) []byte {
	h := testevents.LowerHeaders(albHost, sig)
	h["x-forwarded-proto"], h["x-forwarded-port"] = "https", "443"
	return testevents.Marshal(t, events.ALBTargetGroupRequest{
		HTTPMethod: "POST", Path: "/sms", Headers: h, Body: body,
		RequestContext: events.ALBTargetGroupRequestContext{
			ELB: events.ELBContext{TargetGroupArn: "arn:aws:elasticloadbalancing:" +
				"us-east-1:000000000000:targetgroup/sms/0000000000000000"},
		},
	})
}

// templateFromBody is the event a body mapping template makes of a form
// body: its pairs in wire order, still URL-encoded.
func templateFromBody(t *testing.T, body, sig string) []byte {
	t.Helper()
	var pairs []string
	for _, kv := range strings.Split(body, "&") {
		k, v, _ := strings.Cut(kv, "=")
		pairs = append(pairs, k, v)
	}
	return template(t, sig, pairs...)
}

// template returns a mapping-template event: twilioSignature, then one
// member per name and value in pairs, in that order, repeats included.
func template(t *testing.T, sig string, pairs ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"twilioSignature":`)
	b.Write(testevents.Marshal(t, sig))
	for i := 0; i+1 < len(pairs); i += 2 {
		b.WriteByte(',')
		b.Write(testevents.Marshal(t, pairs[i]))
		b.WriteByte(':')
		b.Write(testevents.Marshal(t, pairs[i+1]))
	}
	b.WriteByte('}')
	return b.Bytes()
}

// reply is what one invocation answered, whatever its event kind.
type reply struct {
	status   int
	messages []string
	err      error
}

// invoke runs payload through h and reads the reply in the shape its kind
// calls for: a proxy response object, or for a mapping template a JSON
// string of TwiML or a *Rejected error. It fails the test on any other
// shape, and when a refused call carries a message.
func invoke(t *testing.T, h *Handler, template bool, payload []byte) reply {
	t.Helper()
	out, err := h.Invoke(context.Background(), payload)
	var r reply
	if template {
		r = templateReply(t, out, err)
	} else {
		r = proxyReply(t, out, err)
	}
	if r.status != http.StatusOK && len(r.messages) > 0 {
		t.Errorf("refused call (%d) got messages %q", r.status, r.messages)
	}
	return r
}

func proxyReply(t *testing.T, out []byte, err error) reply {
	t.Helper()
	if err != nil {
		t.Fatalf("got error %v, want a proxy response", err)
	}
	// The fields the proxy kinds share; an ALB may answer with
	// multi-value headers.
	var resp events.ALBTargetGroupResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("reply is not a proxy response: %v\n%s", err, out)
	}
	ct := resp.Headers["Content-Type"]
	if cts := resp.MultiValueHeaders["Content-Type"]; ct == "" && len(cts) == 1 {
		ct = cts[0]
	}
	if !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("got Content-Type %q, want text/xml", ct)
	}
	if resp.IsBase64Encoded {
		t.Errorf("got a base64 reply, want the TwiML as text")
	}
	return reply{resp.StatusCode, testkit.Messages(t, []byte(resp.Body)), nil}
}

func templateReply(t *testing.T, out []byte, err error) reply {
	t.Helper()
	if err != nil {
		var rej *Rejected
		if !errors.As(err, &rej) {
			t.Fatalf("got error %T %v, want a *Rejected", err, err)
		}
		if out != nil {
			t.Errorf("got output %q with the error, want none", out)
		}
		want := http.StatusText(rej.Status)
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got message %q, want it to start with %q", err, want)
		}
		return reply{rej.Status, nil, err}
	}
	var doc string
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("reply is not a JSON string: %v\n%s", err, out)
	}
	return reply{http.StatusOK, testkit.Messages(t, []byte(doc)), nil}
}

// TestEventKinds sends each kind of caller through each event kind.
func TestEventKinds(t *testing.T) {
	tests := []struct {
		name, from, text, signWith string
		tamper                     bool // deliver the master's "secret" instead
		status                     int
		reply                      string
	}{
		{"master secret", master, "secret", token, false, 200, masterMMS},
		{"stranger secret", stranger, "Secret ", token, false, 200, warning},
		{"other text", stranger, "hi & <bye>", token, false, 200, hello},
		{"forged", master, "secret", other, false, 403, ""},
		{"unsigned", master, "secret", "", false, 403, ""},
		{"tampered body", stranger, "hi", token, true, 403, ""},
	}
	for _, k := range kinds {
		h := newHandler(t, "")
		if k.template {
			h = newHandler(t, k.url)
		}
		for _, tt := range tests {
			t.Run(k.name+"/"+tt.name, func(t *testing.T) {
				form := twiliotest.InboundSMS(tt.from, ours, tt.text)
				sig := ""
				if tt.signWith != "" {
					sig = signature.Sign(tt.signWith, k.url, form)
				}
				if tt.tamper {
					form.Set("From", master)
					form.Set("Body", "secret")
				}
				r := invoke(t, h, k.template, k.event(t, form.Encode(), sig))
				if r.status != tt.status {
					t.Errorf("got status %d, want %d (%v)", r.status, tt.status, r.err)
				}
				if got := strings.Join(r.messages, "|"); got != tt.reply {
					t.Errorf("got messages %q, want %q", got, tt.reply)
				}
			})
		}
	}
}

// TestSharedCases replays every Lambda case in testdata/cases.
func TestSharedCases(t *testing.T) {
	all, err := cases.Load("../testdata/cases")
	if err != nil {
		t.Fatal(err)
	}
	// The door each supported transport must be recognised as.
	doors := map[string]string{
		"apigw-rest-proxy":       "rest-proxy",
		"apigw-http-v2":          "http-api",
		"function-url":           "http-api",
		"alb":                    "alb",
		"apigw-mapping-template": "mapping-template",
	}
	n := 0
	for _, c := range all {
		if c.Transport == "http" {
			continue
		}
		t.Run(c.File, func(t *testing.T) {
			door, ok := doors[c.Transport]
			if !ok {
				t.Skipf("transport %q is not supported yet", c.Transport)
			}
			n++
			if name, _, _ := detect(c.Request.Event); name != door {
				t.Errorf("event recognised as %q, want %q", name, door)
			}
			template := c.Transport == "apigw-mapping-template"
			publicURL := ""
			if template {
				publicURL = c.SignedURL // what REQUEST_URL gives in production
			}
			h := newHandler(t, publicURL, c.Tokens()...)
			r := invoke(t, h, template, c.Request.Event)
			want := http.StatusForbidden
			if c.Valid() {
				want = http.StatusOK
			}
			if r.status != want {
				t.Errorf("%s: got status %d (%v), want %d\n%s",
					c.Kind, r.status, r.err, want, c.Description)
			}
			if c.Valid() && len(r.messages) != 1 {
				t.Errorf("got messages %q, want one reply", r.messages)
			}
		})
	}
	if n == 0 {
		t.Fatal("no Lambda case ran")
	}
}

// TestMappingTemplate covers what only the mapping template does: decode
// each member as form encoding, and keep members that repeat.
func TestMappingTemplate(t *testing.T) {
	u := "https://" + restHost + "/prod/sms"
	sign := func(pairs ...string) string {
		form := url.Values{}
		for i := 0; i+1 < len(pairs); i += 2 {
			form.Add(pairs[i], pairs[i+1])
		}
		return signature.Sign(token, u, form)
	}
	const addr = "MessagingBinding.Address"
	a, b := "+15555550188", "+15555550133"
	both := sign(addr, a, addr, b, "Body", "hi")
	// With MaxBody 1024, "Body=" and 1019 bytes make a body at the limit.
	fits, tooBig := strings.Repeat("x", 1019), strings.Repeat("x", 1020)

	tests := []struct {
		name      string
		publicURL string
		event     []byte
		status    int
		reply     string
		err       error
	}{
		{"repeated key, both values signed", u,
			template(t, both, addr, "%2B15555550188", addr, "%2B15555550133",
				"Body", "hi"), 200, hello, nil},
		{"repeated key, values reordered", u,
			template(t, both, addr, "%2B15555550133", addr, "%2B15555550188",
				"Body", "hi"), 200, hello, nil},
		{"repeated key, only the last signed", u,
			template(t, sign(addr, b, "Body", "hi"),
				addr, "%2B15555550188", addr, "%2B15555550133", "Body", "hi"),
			403, "", signature.ErrMismatch},
		{"repeated key, only the first signed", u,
			template(t, sign(addr, a, "Body", "hi"),
				addr, "%2B15555550188", addr, "%2B15555550133", "Body", "hi"),
			403, "", signature.ErrMismatch},
		{"%2B is a plus", u,
			template(t, sign("From", master, "Body", "secret"),
				"From", "%2B15555550100", "Body", "secret"),
			200, masterMMS, nil},
		{"+ is a space", u,
			template(t, sign("Body", "1 + 1"), "Body", "1+%2B+1"),
			200, hello, nil},
		{"+ signed as a plus", u,
			template(t, sign("Body", "1+1"), "Body", "1+1"),
			403, "", signature.ErrMismatch},
		{"encoded name", u,
			template(t, sign("A B", "c"), "A+B", "c"), 200, hello, nil},
		{"bad escape", u,
			template(t, sign("Body", "hi"), "Body", "%zz"),
			400, "", webhook.ErrBadRequest},
		{"number member", u,
			[]byte(`{"twilioSignature":"x","NumMedia":0}`),
			400, "", webhook.ErrBadRequest},
		{"object member", u,
			[]byte(`{"twilioSignature":"x","Body":{"a":"b"}}`),
			400, "", webhook.ErrBadRequest},
		{"array member", u,
			[]byte(`{"twilioSignature":"x","Body":["a","b"]}`),
			400, "", webhook.ErrBadRequest},
		{"number signature", u,
			[]byte(`{"twilioSignature":5,"Body":"hi"}`),
			400, "", webhook.ErrBadRequest},
		{"no public URL", "",
			template(t, sign("Body", "secret"), "Body", "secret"),
			500, "", webhook.ErrNoURL},
		{"unsigned, no public URL", "",
			template(t, "", "Body", "secret"), 403, "", signature.ErrMissing},
		{"at MaxBody", u,
			template(t, sign("Body", fits), "Body", fits), 200, hello, nil},
		{"over MaxBody", u,
			template(t, sign("Body", tooBig), "Body", tooBig),
			413, "", webhook.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, tt.publicURL)
			h.MaxBody = 1024
			r := invoke(t, h, true, tt.event)
			if r.status != tt.status {
				t.Errorf("got status %d (%v), want %d", r.status, r.err, tt.status)
			}
			if tt.err != nil && !errors.Is(r.err, tt.err) {
				t.Errorf("got error %v, want %v", r.err, tt.err)
			}
			if got := strings.Join(r.messages, "|"); got != tt.reply {
				t.Errorf("got messages %q, want %q", got, tt.reply)
			}
		})
	}
}

// TestProxyBodies covers decoding and capping the body of the proxy kinds.
func TestProxyBodies(t *testing.T) {
	const limit = 1024
	// A form whose encoding is exactly limit bytes long.
	atLimit := url.Values{"From": {stranger}, "Body": {""}}
	atLimit.Set("Body", strings.Repeat("a", limit-len(atLimit.Encode())))
	over := url.Values{"Body": {strings.Repeat("a", limit)}}
	small := url.Values{"From": {stranger}, "Body": {"hi"}}

	httpURL := "https://" + httpHost + "/sms"
	b64 := func(t *testing.T, body, sig string) []byte {
		return testevents.HTTP(t, body, sig, true)
	}
	plain := func(t *testing.T, body, sig string) []byte {
		return testevents.HTTP(t, body, sig, false)
	}
	badB64 := func(t *testing.T, _, sig string) []byte {
		return rebody(t, testevents.HTTP(t, "", sig, true), "not base64!", true)
	}
	restURL := "https://" + restHost + "/prod/sms"
	restB64 := func(t *testing.T, body, sig string) []byte {
		b64 := base64.StdEncoding.EncodeToString([]byte(body))
		return rebody(t, testevents.REST(t, "", sig), b64, true)
	}

	tests := []struct {
		name  string
		url   string
		event func(t *testing.T, body, sig string) []byte
		form  url.Values
		want  int
		err   error
	}{
		{"base64", httpURL, b64, small, 200, nil},
		{"plain", httpURL, plain, small, 200, nil},
		{"rest base64", restURL, restB64, small, 200, nil},
		{"bad base64", httpURL, badB64, small, 400, webhook.ErrBadRequest},
		{"plain at limit", httpURL, plain, atLimit, 200, nil},
		{"base64 at limit", httpURL, b64, atLimit, 200, nil},
		{"plain over limit", httpURL, plain, over, 413, webhook.ErrTooLarge},
		{"base64 over limit", httpURL, b64, over, 413, webhook.ErrTooLarge},
		{"rest over limit", restURL, testevents.REST, over, 413, webhook.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(t, "")
			h.MaxBody = limit
			sig := signature.Sign(token, tt.url, tt.form)
			r := invoke(t, h, false, tt.event(t, tt.form.Encode(), sig))
			if r.status != tt.want {
				t.Errorf("got status %d, want %d", r.status, tt.want)
			}
			err := reason(t, h, tt.event(t, tt.form.Encode(), sig))
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("got error %v, want %v", err, tt.err)
			}
		})
	}
}

// rebody returns event with its body replaced by body as delivered.
func rebody(t *testing.T, event []byte, body string, b64 bool) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(event, &m); err != nil {
		t.Fatal(err)
	}
	m["body"], m["isBase64Encoded"] = body, b64
	return testevents.Marshal(t, m)
}

// reason is why h refuses payload, found as Invoke finds it: a proxy reply
// carries only the status.
func reason(t *testing.T, h *Handler, payload []byte) error {
	t.Helper()
	_, d, err := detect(payload)
	if err != nil {
		return err
	}
	return h.serve(context.Background(), d).Err
}

// TestUnknownEvents feeds payloads of no supported kind: each must come
// back as ErrUnknownEvent, with no output and no panic.
func TestUnknownEvents(t *testing.T) {
	payloads := []string{
		"", " ", "null", "[]", "{}", "42", `"a string"`, "not JSON", "{",
		`{"Body":"hi"}`,                         // no twilioSignature member
		`{"version":"2.0","rawPath":"/sms"}`,    // no requestContext
		`{"httpMethod":"POST","path":"/sms"}`,   // no requestContext
		`{"version":"2.0","requestContext":{}}`, // no requestContext.http
		`{"httpMethod":"POST","requestContext":null}`,
		`{"version":2,"requestContext":{"http":{}}}`,
		`[{"httpMethod":"POST","requestContext":{}}]`,
		`{"Records":[{"eventSource":"aws:sqs","body":"Body=hi"}]}`,
	}
	h := newHandler(t, "https://"+restHost+"/prod/sms")
	for _, p := range payloads {
		out, err := h.Invoke(context.Background(), []byte(p))
		if !errors.Is(err, ErrUnknownEvent) {
			t.Errorf("%q: got error %v, want ErrUnknownEvent", p, err)
		}
		if out != nil {
			t.Errorf("%q: got output %q, want none", p, out)
		}
	}
}

// TestMalformedEvents feeds events of a known kind that do not decode: the
// refusal comes back in that kind's shape.
func TestMalformedEvents(t *testing.T) {
	tests := []struct {
		name     string
		template bool
		payload  string
	}{
		{"rest body not a string", false,
			`{"httpMethod":"POST","requestContext":{},"body":5}`},
		{"rest headers not a map", false,
			`{"httpMethod":"POST","requestContext":{},"headers":[]}`},
		{"http-api base64 flag not a bool", false,
			`{"version":"2.0","requestContext":{"http":{}},"isBase64Encoded":"yes"}`},
		{"http-api null http", false,
			`{"version":"2.0","requestContext":{"http":null},"body":"Body=hi"}`},
		{"template signature null", true,
			`{"twilioSignature":null,"Body":"hi"}`},
		{"template member null", true,
			`{"twilioSignature":"x","Body":null}`},
	}
	h := newHandler(t, "https://"+restHost+"/prod/sms")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invoke(t, h, tt.template, []byte(tt.payload))
			if r.status == http.StatusOK {
				t.Errorf("got status 200, want a refusal")
			}
		})
	}
}

// TestLogs checks that the log line of each invocation says enough to
// follow it and never holds the token or a full phone number.
func TestLogs(t *testing.T) {
	var logs bytes.Buffer
	h := newHandler(t, "")
	h.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	form := twiliotest.InboundSMS(master, ours, "secret")
	u := "https://" + httpHost + "/sms"
	payloads := [][]byte{
		testevents.HTTP(t, form.Encode(), signature.Sign(token, u, form), true),
		testevents.HTTP(t, form.Encode(), signature.Sign(other, u, form), true),
		templateFromBody(t, form.Encode(), signature.Sign(token, u, form)),
		[]byte("not JSON " + token),
	}
	for _, p := range payloads {
		h.Invoke(context.Background(), p)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != len(payloads) {
		t.Errorf("got %d log lines, want %d:\n%s",
			len(lines), len(payloads), &logs)
	}
	for _, secret := range []string{token, master, master[1:], ours[1:]} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs hold %q:\n%s", secret, &logs)
		}
	}
	for _, door := range []string{"http-api", "mapping-template", "unknown"} {
		if !strings.Contains(logs.String(), `"door":"`+door+`"`) {
			t.Errorf("no log line for door %q:\n%s", door, &logs)
		}
	}
}

// FuzzInvoke checks that no payload panics and that a refused call never
// carries a message.
func FuzzInvoke(f *testing.F) {
	all, err := cases.Load("../testdata/cases")
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range all {
		if len(c.Request.Event) > 0 {
			f.Add([]byte(c.Request.Event))
		}
	}
	f.Add([]byte(`{"twilioSignature":"x","Body":"a","Body":"b"}`))
	f.Add([]byte(`{"version":"2.0","requestContext":{"http":{}},"body":"%"}`))
	// One handler rebuilds the URL, the other validates against a
	// PublicURL that cases 06 and 09 were signed for.
	var handlers []*Handler
	for _, u := range []string{"", "https://" + restHost + "/prod/sms"} {
		handlers = append(handlers, &Handler{Guard: &webhook.Guard{
			Validator: mustValidator(f, "fake0auth0token00000000000000001"),
			App:       &responder.Responder{Master: master},
			PublicURL: u,
		}})
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, h := range handlers {
			checkRefusal(t, h, payload)
		}
	})
}

// checkRefusal invokes h and fails if a refusal is not one of the two
// kinds Invoke returns or if it carries a message.
func checkRefusal(t *testing.T, h *Handler, payload []byte) {
	out, err := h.Invoke(context.Background(), payload)
	var rej *Rejected
	switch {
	case err != nil && !errors.Is(err, ErrUnknownEvent) && !errors.As(err, &rej):
		t.Errorf("got error %T %v, want ErrUnknownEvent or *Rejected", err, err)
	case err != nil && out != nil:
		t.Errorf("got output %q with error %v", out, err)
	}
	var resp events.APIGatewayProxyResponse
	if json.Unmarshal(out, &resp) == nil && resp.StatusCode != 0 &&
		resp.StatusCode != http.StatusOK &&
		strings.Contains(resp.Body, "<Message>") {
		t.Errorf("refused call (%d) got a message: %s",
			resp.StatusCode, resp.Body)
	}
}

func mustValidator(tb testing.TB, tokens ...string) *signature.Validator {
	tb.Helper()
	v, err := signature.NewValidator(tokens[0], tokens[1:]...)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
