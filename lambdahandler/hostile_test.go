package lambdahandler

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/twilioguard/twilioguard/internal/testevents"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

// echoApp sends back the text it got, so that hostile text reaches the
// TwiML writer.
type echoApp struct{}

func (echoApp) Respond(_ context.Context, c *webhook.Call) *twiml.Response {
	return &twiml.Response{Messages: []twiml.Message{{Body: c.Params.Get("Body")}}}
}

// edit returns event with change applied to its JSON object.
func edit(t *testing.T, event []byte, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(event, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	return testevents.Marshal(t, m)
}

// headers returns the single-value header map of a proxy event.
func headers(m map[string]any) map[string]any { return m["headers"].(map[string]any) }

// setMethod sets the HTTP method where each kind keeps it.
func setMethod(m map[string]any, method string) {
	if rc, ok := m["requestContext"].(map[string]any); ok && rc["http"] != nil {
		rc["http"].(map[string]any)["method"] = method
		return
	}
	m["httpMethod"] = method
}

// getHeader returns a header in any case.
func getHeader(m map[string]any, name string) string {
	for k, v := range headers(m) {
		if strings.EqualFold(k, name) {
			return v.(string)
		}
	}
	return ""
}

// deleteHeader removes a header in any case.
func deleteHeader(m map[string]any, name string) {
	for k := range headers(m) {
		if strings.EqualFold(k, name) {
			delete(headers(m), k)
		}
	}
}

type hostileEvent struct {
	name   string
	event  func(t *testing.T, k kind) []byte
	status int
	reply  string // for a 200, the one message echoed back
}

// proxyHostile are hostile events of every proxy kind: REST API, HTTP API,
// function URL and ALB.
func proxyHostile() []hostileEvent {
	small := url.Values{"Body": {"hi"}, "From": {stranger}}
	tenK := url.Values{}
	for i := range 10000 {
		tenK.Set(strconv.Itoa(i), "")
	}
	xmlText := `</Body></Message><Message><Body>pwned</Body></Message>]]><!DOCTYPE x>&amp;'"`
	badUTF8 := url.Values{"Body": {"\xff\xfe"}}
	long := strings.Repeat("a", 8000)
	signed := func(form url.Values) func(t *testing.T, k kind) []byte {
		return func(t *testing.T, k kind) []byte {
			return k.event(t, form.Encode(), signature.Sign(token, k.url, form))
		}
	}
	changed := func(form url.Values, change func(m map[string]any)) func(t *testing.T, k kind) []byte {
		return func(t *testing.T, k kind) []byte {
			return edit(t, signed(form)(t, k), change)
		}
	}
	body := func(b string, b64 bool) func(m map[string]any) {
		return func(m map[string]any) { m["body"], m["isBase64Encoded"] = b, b64 }
	}
	header := func(name, value string) func(m map[string]any) {
		return func(m map[string]any) { deleteHeader(m, name); headers(m)[name] = value }
	}

	return []hostileEvent{
		{"genuine", signed(small), 200, "hi"},
		{"10,000 parameters", signed(tenK), 200, ""},
		{"XML metacharacters in the text", signed(url.Values{"Body": {xmlText}}), 200, xmlText},
		{"invalid UTF-8, percent-encoded", signed(badUTF8), 200, "\ufffd\ufffd"},

		{"body over 64 KiB", changed(small, body(strings.Repeat("a", webhook.DefaultMaxBody+1), false)),
			413, ""},
		{"base64 body over 64 KiB", changed(small, body(base64.StdEncoding.EncodeToString(
			bytes.Repeat([]byte("a"), webhook.DefaultMaxBody+1)), true)), 413, ""},
		{"bad base64 body", changed(small, body("!!not base64!!", true)), 400, ""},
		{"form flagged as base64", changed(small, body(small.Encode(), true)), 400, ""},
		{"broken percent-encoding", changed(small, body("Body=%zz&From=%", false)), 400, ""},
		{"body not a string", changed(small, func(m map[string]any) { m["body"] = 42 }), 400, ""},
		{"base64 flag not a bool", changed(small, func(m map[string]any) { m["isBase64Encoded"] = "yes" }),
			400, ""},
		{"headers not a map", changed(small, func(m map[string]any) { m["headers"] = []string{"a"} }),
			400, ""},

		{"signature not base64", changed(small, header("X-Twilio-Signature", "!!not base64!!")), 403, ""},
		{"signature of 8 KB", changed(small, header("X-Twilio-Signature", long)), 403, ""},
		{"signature of invalid UTF-8", changed(small, header("X-Twilio-Signature", "\xff\xfe==")), 403, ""},
		{"signature settings garbage", changed(small, header("X-Twilio-Webhooks-Signature-Settings",
			"key=;algorithm=ROT13")), 403, ""},

		{"no Content-Type", changed(small, func(m map[string]any) { deleteHeader(m, "Content-Type") }),
			415, ""},
		{"text/plain", changed(small, header("Content-Type", "text/plain")), 415, ""},
		{"Content-Type with broken parameters", changed(small,
			header("Content-Type", "application/x-www-form-urlencoded; =;;")), 415, ""},

		{"PUT", changed(small, func(m map[string]any) { setMethod(m, "PUT") }), 405, ""},
		{"DELETE", changed(small, func(m map[string]any) { setMethod(m, "DELETE") }), 405, ""},
		{"lower-case method", changed(small, func(m map[string]any) { setMethod(m, "post") }), 405, ""},

		{"path of 8 KB", changed(small, func(m map[string]any) {
			m["path"], m["rawPath"] = "/"+long, "/"+long
			m["requestContext"].(map[string]any)["path"] = "/" + long
		}), 403, ""},
		{"domain name with a path in it", changed(small, func(m map[string]any) {
			if rc, ok := m["requestContext"].(map[string]any); ok {
				rc["domainName"] = "evil.example/../x"
			}
			header("Host", "evil.example/../x")(m)
		}), 403, ""},
		{"1,000 headers", changed(small, func(m map[string]any) {
			for i := range 1000 {
				headers(m)["X-Junk-"+strconv.Itoa(i)] = long[:100]
			}
		}), 200, "hi"},
		{"header of 64 KB", changed(small, header("X-Junk", strings.Repeat("a", 64<<10))), 200, "hi"},
	}
}

// TestHostileProxyEvents runs every hostile event through every proxy
// kind: the expected status, never a 5xx, one log line each, and TwiML
// that parses and, for a refusal, carries no message.
func TestHostileProxyEvents(t *testing.T) {
	for _, k := range kinds {
		if k.template {
			continue
		}
		for _, tc := range proxyHostile() {
			t.Run(k.name+"/"+tc.name, func(t *testing.T) {
				checkHostile(t, k, tc.event(t, k), tc.status, tc.reply)
			})
		}
	}
}

// TestDuplicateSignatureHeaders sends two X-Twilio-Signature values in the
// multi-value headers of the kinds that have them, and a comma-joined pair
// as an HTTP API delivers repeated headers: each is refused.
func TestDuplicateSignatureHeaders(t *testing.T) {
	form := url.Values{"Body": {"hi"}}
	for _, k := range kinds {
		if k.template {
			continue
		}
		sig := signature.Sign(token, k.url, form)
		for _, second := range []string{sig, "AAAA"} {
			event := edit(t, k.event(t, form.Encode(), sig), func(m map[string]any) {
				if k.name == "http-api" || k.name == "function-url" {
					headers(m)["x-twilio-signature"] = sig + "," + second
					return
				}
				deleteHeader(m, "X-Twilio-Signature")
				m["multiValueHeaders"] = map[string]any{
					"x-twilio-signature": []string{sig, second},
					"content-type":       []string{formType},
					"host":               []string{getHeader(m, "Host")},
				}
			})
			t.Run(k.name, func(t *testing.T) {
				want := 400
				if k.name == "http-api" || k.name == "function-url" {
					want = 403 // one header, not the base64 of an HMAC
				}
				checkHostile(t, k, event, want, "")
			})
		}
	}
}

func templateHostile() []hostileEvent {
	u := "https://" + restHost + "/prod/sms"
	sig := func(pairs ...string) string {
		form := url.Values{}
		for i := 0; i+1 < len(pairs); i += 2 {
			form.Add(pairs[i], pairs[i+1])
		}
		return signature.Sign(token, u, form)
	}
	fixed := func(payload string) func(t *testing.T, k kind) []byte {
		return func(*testing.T, kind) []byte { return []byte(payload) }
	}
	injected := `hi","twilioSignature":"AAAA`
	xmlText := `<Message>&lt;]]>`
	var tenK []string
	for i := range 10000 {
		tenK = append(tenK, strconv.Itoa(i), "")
	}
	genuine := sig("Body", "hi")

	return []hostileEvent{
		{"genuine", func(t *testing.T, _ kind) []byte { return template(t, genuine, "Body", "hi") }, 200, "hi"},
		{"JSON injection inside a value", func(t *testing.T, _ kind) []byte {
			return template(t, sig("Body", injected), "Body", url.QueryEscape(injected))
		}, 200, injected},
		{"second twilioSignature member", fixed(`{"twilioSignature":"` + genuine +
			`","Body":"hi","twilioSignature":"AAAA"}`), 400, ""},
		{"second twilioSignature member, both genuine", fixed(`{"twilioSignature":"` + genuine +
			`","Body":"hi","twilioSignature":"` + genuine + `"}`), 400, ""},
		{"XML metacharacters", func(t *testing.T, _ kind) []byte {
			return template(t, sig("Body", xmlText), "Body", url.QueryEscape(xmlText))
		}, 200, xmlText},
		{"10,000 members", func(t *testing.T, _ kind) []byte {
			return template(t, sig(tenK...), tenK...)
		}, 200, ""},
		{"over 64 KiB", func(t *testing.T, _ kind) []byte {
			return template(t, genuine, "Body", strings.Repeat("a", webhook.DefaultMaxBody))
		}, 413, ""},
		{"invalid UTF-8 bytes in the JSON", fixed(`{"twilioSignature":"` + genuine + "\",\"Body\":\"h\xffi\"}"),
			403, ""},
		{"null member", fixed(`{"twilioSignature":"x","Body":null}`), 400, ""},
		{"bool member", fixed(`{"twilioSignature":"x","Body":true}`), 400, ""},
		{"nested objects", fixed(`{"twilioSignature":"x","Body":` + strings.Repeat(`{"a":`, 5000) + `1` +
			strings.Repeat(`}`, 5000) + `}`), 400, ""},
		{"token member not a string", fixed(`{"twilioSignature":"x","twilioIdempotencyToken":[1]}`), 400, ""},
		{"signature not base64", func(t *testing.T, _ kind) []byte {
			return template(t, "!!not base64!!", "Body", "hi")
		}, 403, ""},
	}
}

func TestHostileTemplateEvents(t *testing.T) {
	var k kind
	for _, k = range kinds {
		if k.template {
			break
		}
	}
	for _, tc := range templateHostile() {
		t.Run(tc.name, func(t *testing.T) {
			checkHostile(t, k, tc.event(t, k), tc.status, tc.reply)
		})
	}
}

// checkHostile invokes a handler with the echo app on event and checks the
// reply and the log.
func checkHostile(t *testing.T, k kind, event []byte, status int, reply string) {
	t.Helper()
	var logs bytes.Buffer
	h := newHandler(t, map[bool]string{true: k.url}[k.template])
	h.Guard.App = echoApp{}
	h.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	r := invoke(t, h, k.template, event)
	if r.status != status {
		t.Errorf("got status %d (%v), want %d", r.status, r.err, status)
	}
	if r.status == 200 && (len(r.messages) != 1 || r.messages[0] != reply) {
		t.Errorf("got messages %q, want [%q]", r.messages, reply)
	}
	if n := strings.Count(logs.String(), "\n"); n != 1 {
		t.Errorf("got %d log lines, want 1:\n%s", n, &logs)
	}
	var rej *Rejected
	if errors.As(r.err, &rej) && rej.Status >= 500 {
		t.Errorf("refused with %d: %v", rej.Status, r.err)
	}
}

// safeEvent is the event of deploy/template.yaml's mapping template for a
// POST of body, with the given signature and base64 body, fields as JSON
// values already encoded.
func safeEvent(sig, bodyBase64 string) []byte {
	return []byte(`{"twilioguardEvent":"` + SafeTemplateVersion + `","signature":` + sig +
		`,"domainName":"` + restHost + `","path":"/prod/sms","bodyBase64":` + bodyBase64 +
		`,"idempotencyToken":"` + idem + `"}`)
}

func TestHostileSafeTemplateEvents(t *testing.T) {
	k := kind{name: "mapping-template-v1", url: "https://" + restHost + "/prod/sms", template: true}
	form := url.Values{"Body": {"<Message>&amp;"}}
	b64 := func(s string) string { return `"` + base64.StdEncoding.EncodeToString([]byte(s)) + `"` }
	genuine := `"` + signature.Sign(token, k.url, form) + `"`
	tests := []struct {
		name   string
		event  []byte
		status int
		reply  string
	}{
		{"genuine", safeEvent(genuine, b64(form.Encode())), 200, "<Message>&amp;"},
		{"bad base64", safeEvent(genuine, `"!!not base64!!"`), 400, ""},
		{"body over 64 KiB", safeEvent(genuine, b64(strings.Repeat("a", webhook.DefaultMaxBody+1))), 413, ""},
		{"broken percent-encoding", safeEvent(genuine, b64("Body=%zz")), 400, ""},
		{"signature not base64", safeEvent(`"!!"`, b64(form.Encode())), 403, ""},
		{"signature a number", safeEvent(`5`, b64(form.Encode())), 400, ""},
		{"body an object", safeEvent(genuine, `{"a":1}`), 400, ""},
		{"other version", []byte(strings.Replace(string(safeEvent(genuine, b64(form.Encode()))),
			SafeTemplateVersion, "v0", 1)), 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkHostile(t, k, tt.event, tt.status, tt.reply)
		})
	}
	_, req, err := Decode(safeEvent(genuine, b64(form.Encode())), 0)
	if err != nil || req.IdempotencyToken != idem {
		t.Errorf("Decode: got token %q, %v; want %q", req.IdempotencyToken, err, idem)
	}
}
