package httphandler

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"github.com/twilioguard/twilioguard/internal/testkit"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

// echo is an App that sends back the text it got, so that hostile text
// reaches the TwiML writer.
type echo struct{}

func (echo) Respond(_ context.Context, c *webhook.Call) *twiml.Response {
	return &twiml.Response{Messages: []twiml.Message{{Body: c.Params.Get("Body")}}}
}

// lockedBuffer is a bytes.Buffer the server goroutines may write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

const (
	hostileHost = "example.com"
	formCT      = "Content-Type: application/x-www-form-urlencoded"
)

// raw is a request as it goes on the wire, to Host example.com: its
// Content-Length is set from body unless hdr sets a framing header.
func raw(method, target string, hdr []string, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, hostileHost)
	framed := false
	for _, h := range hdr {
		b.WriteString(h + "\r\n")
		lower := strings.ToLower(h)
		framed = framed || strings.HasPrefix(lower, "content-length:") ||
			strings.HasPrefix(lower, "transfer-encoding:")
	}
	if !framed && (body != "" || method == "POST") {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("Connection: close\r\n\r\n" + body)
	return b.String()
}

// sig is the genuine signature of a POST of form to target.
func sig(target string, form url.Values) string {
	return "X-Twilio-Signature: " + signature.Sign(token, "http://"+hostileHost+target, form)
}

// rawForm encodes pairs in the given order, without escaping them.
func rawForm(pairs ...string) string {
	var kv []string
	for i := 0; i+1 < len(pairs); i += 2 {
		kv = append(kv, pairs[i]+"="+pairs[i+1])
	}
	return strings.Join(kv, "&")
}

func chunked(body string) string {
	var b strings.Builder
	for len(body) > 0 {
		n := min(len(body), 4096)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", n, body[:n])
		body = body[n:]
	}
	return b.String() + "0\r\n\r\n"
}

type hostileCase struct {
	name   string
	raw    string
	status int
	// logged is false for requests net/http refuses before the handler
	// runs: the server answers them itself and nothing is logged.
	logged bool
	reply  string // for a 200, the one message echoed back
}

func hostileCases() []hostileCase {
	small := url.Values{"Body": {"hi"}, "From": {"+15555550199"}}
	tenK := url.Values{}
	var tenKPairs []string
	for i := range 10000 {
		tenK.Set(strconv.Itoa(i), "")
		tenKPairs = append(tenKPairs, strconv.Itoa(i), "")
	}
	sameKey := url.Values{"a": make([]string, 10000)}
	xmlText := `</Body></Message><Message><Body>pwned</Body></Message>]]><!DOCTYPE x [<!ENTITY e "&#x26;">]>&e;<?xml?>'"`
	ctl := "bell\x07 nul\x00 esc\x1b"
	badUTF8 := "\xff\xfe\xc3("
	json := `{"Body":"hi"}`
	jsonTarget := "/sms?bodySHA256=" + signature.BodyHash([]byte(json))
	long := strings.Repeat("a", 8000)

	return []hostileCase{
		{"genuine", raw("POST", "/sms", []string{formCT, sig("/sms", small)}, small.Encode()), 200, true, "hi"},
		{"empty POST signed with the URL alone", raw("POST", "/sms", []string{sig("/sms", nil)}, ""), 200, true, ""},

		// Sizes.
		{"body over 64 KiB", raw("POST", "/sms", []string{formCT, sig("/sms", small)},
			strings.Repeat("a", webhook.DefaultMaxBody+1)), 413, true, ""},
		{"chunked body over 64 KiB", raw("POST", "/sms", []string{formCT, "Transfer-Encoding: chunked"},
			chunked(strings.Repeat("Body=a&", 10000))), 413, true, ""},
		{"body shorter than its Content-Length", raw("POST", "/sms", []string{formCT, "Content-Length: 100"},
			"Body=hi"), 400, true, ""},
		{"10,000 parameters", raw("POST", "/sms", []string{formCT, sig("/sms", tenK)},
			rawForm(tenKPairs...)), 200, true, ""},
		{"10,000 values of one parameter", raw("POST", "/sms", []string{formCT, sig("/sms", sameKey)},
			sameKey.Encode()), 200, true, ""},
		{"10,000 parameters, unsigned", raw("POST", "/sms", []string{formCT},
			rawForm(tenKPairs...)), 403, true, ""},

		// Encodings.
		{"broken percent-encoding in the body", raw("POST", "/sms", []string{formCT, sig("/sms", nil)},
			"Body=%zz&From=%2"), 400, true, ""},
		{"broken percent-encoding in a GET query", raw("GET", "/sms?Body=%zz", []string{sig("/sms?Body=%zz", nil)}, ""),
			400, true, ""},
		{"broken percent-encoding in the path", raw("POST", "/sms%zz", []string{formCT}, "Body=hi"), 400, false, ""},
		{"invalid UTF-8, percent-encoded", raw("POST", "/sms",
			[]string{formCT, sig("/sms", url.Values{"Body": {badUTF8}})},
			url.Values{"Body": {badUTF8}}.Encode()), 200, true, "\ufffd\ufffd\ufffd("},
		{"invalid UTF-8, raw bytes", raw("POST", "/sms",
			[]string{formCT, sig("/sms", url.Values{"Body": {badUTF8}})}, "Body="+badUTF8), 200, true,
			"\ufffd\ufffd\ufffd("},
		{"XML metacharacters in the text", raw("POST", "/sms",
			[]string{formCT, sig("/sms", url.Values{"Body": {xmlText}})},
			url.Values{"Body": {xmlText}}.Encode()), 200, true, xmlText},
		{"control characters in the text", raw("POST", "/sms",
			[]string{formCT, sig("/sms", url.Values{"Body": {ctl}})}, url.Values{"Body": {ctl}}.Encode()),
			200, true, "bell\ufffd nul\ufffd esc\ufffd"},

		// Signature headers.
		{"two signature headers, the first genuine", raw("POST", "/sms",
			[]string{formCT, sig("/sms", small), "X-Twilio-Signature: AAAA"}, small.Encode()), 400, true, ""},
		{"two signature headers, both genuine", raw("POST", "/sms",
			[]string{formCT, sig("/sms", small), strings.ToLower(sig("/sms", small)[:18]) + sig("/sms", small)[18:]},
			small.Encode()), 400, true, ""},
		{"signature not base64", raw("POST", "/sms", []string{formCT, "X-Twilio-Signature: !!not base64!!"},
			small.Encode()), 403, true, ""},
		{"signature in URL-safe base64", raw("POST", "/sms",
			[]string{formCT, strings.NewReplacer("+", "-", "/", "_").Replace(sig("/sms", small)) + "-_"},
			small.Encode()), 403, true, ""},
		{"signature without padding", raw("POST", "/sms",
			[]string{formCT, strings.TrimRight(sig("/sms", small), "=")}, small.Encode()), 403, true, ""},
		{"signature of 8 KB", raw("POST", "/sms", []string{formCT, "X-Twilio-Signature: " + long},
			small.Encode()), 403, true, ""},
		{"signature of invalid UTF-8", raw("POST", "/sms", []string{formCT, "X-Twilio-Signature: \xff\xfe=="},
			small.Encode()), 403, true, ""},
		{"signature header empty", raw("POST", "/sms", []string{formCT, "X-Twilio-Signature:"},
			small.Encode()), 403, true, ""},
		{"signature settings garbage", raw("POST", "/sms", []string{formCT, sig("/sms", small),
			"X-Twilio-Webhooks-Signature-Settings: key=;algorithm=ROT13;" + long}, small.Encode()), 403, true, ""},

		// Content types.
		{"no Content-Type", raw("POST", "/sms", []string{sig("/sms", small)}, small.Encode()), 415, true, ""},
		{"text/plain", raw("POST", "/sms", []string{"Content-Type: text/plain", sig("/sms", small)},
			small.Encode()), 415, true, ""},
		{"multipart", raw("POST", "/sms", []string{"Content-Type: multipart/form-data; boundary=x",
			sig("/sms", small)}, "--x--"), 415, true, ""},
		{"Content-Type with broken parameters", raw("POST", "/sms",
			[]string{"Content-Type: application/x-www-form-urlencoded; =;;", sig("/sms", small)},
			small.Encode()), 415, true, ""},
		{"form Content-Type with a charset", raw("POST", "/sms",
			[]string{"Content-Type: application/x-www-form-urlencoded; charset=utf-8", sig("/sms", small)},
			small.Encode()), 200, true, "hi"},
		{"JSON without bodySHA256", raw("POST", "/sms", []string{"Content-Type: application/json",
			sig("/sms", nil)}, json), 415, true, ""},
		{"JSON not matching bodySHA256", raw("POST", jsonTarget, []string{"Content-Type: application/json",
			sig(jsonTarget, nil)}, `{"Body":"evil"}`), 403, true, ""},

		// Methods.
		{"PUT", raw("PUT", "/sms", []string{formCT, sig("/sms", small)}, small.Encode()), 405, true, ""},
		{"DELETE", raw("DELETE", "/sms", []string{sig("/sms", nil)}, ""), 405, true, ""},
		{"OPTIONS", raw("OPTIONS", "/sms", nil, ""), 405, true, ""},
		{"TRACE", raw("TRACE", "/sms", nil, ""), 405, true, ""},
		{"made-up method", raw("BREW", "/sms", nil, ""), 405, true, ""},

		// URLs and headers.
		{"path of 8 KB", raw("POST", "/"+long, []string{formCT}, "Body=hi"), 403, true, ""},
		{"dot segments", raw("POST", "/sms/../../etc/passwd", []string{formCT}, "Body=hi"), 403, true, ""},
		{"encoded NUL and newline in the path", raw("POST", "/sms%00%0d%0a", []string{formCT}, "Body=hi"),
			403, true, ""},
		{"absolute-form target for another host", raw("POST", "http://evil.example/sms", []string{formCT,
			sig("/sms", small)}, small.Encode()), 403, true, ""},
		{"Host of 8 KB", strings.Replace(raw("POST", "/sms", []string{formCT}, "Body=hi"),
			"Host: "+hostileHost, "Host: "+long+".example", 1), 403, true, ""},
		{"Host with a space", strings.Replace(raw("POST", "/sms", []string{formCT}, "Body=hi"),
			"Host: "+hostileHost, "Host: exa mple.com", 1), 400, false, ""},
		{"X-Forwarded-Proto garbage", raw("POST", "/sms", []string{formCT, sig("/sms", small),
			"X-Forwarded-Proto: javascript:alert(1)//"}, small.Encode()), 403, true, ""},
		{"500 headers", raw("POST", "/sms", append([]string{formCT},
			strings.Split(strings.Repeat("X-Junk: "+long[:20]+"\n", 500), "\n")[:500]...), "Body=hi"),
			403, true, ""},
		{"negative Content-Length", raw("POST", "/sms", []string{formCT, "Content-Length: -1"}, ""),
			400, false, ""},
		{"two different Content-Lengths", raw("POST", "/sms", []string{formCT, "Content-Length: 7",
			"Content-Length: 8"}, "Body=hi"), 400, false, ""},
	}
}

// TestHostileHTTP sends each hostile request over a real connection and
// checks the answer: the expected status, never a 5xx or a panic, one log
// line when the handler ran, and TwiML that parses and, for a refusal,
// carries no message.
func TestHostileHTTP(t *testing.T) {
	var logs, serverErrs lockedBuffer
	h := newHandler(t, nil)
	h.Guard.App = echo{}
	h.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(&serverErrs, "", 0)
	srv.Start()
	defer srv.Close()

	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := roundTrip(t, srv.Listener.Addr().String(), tc.raw)
			if resp.StatusCode != tc.status {
				t.Errorf("got %s, want %d\n%s", resp.Status, tc.status, body)
			}
			lines := strings.Count(logs.take(), "\n")
			if want := map[bool]int{true: 1, false: 0}[tc.logged]; lines != want {
				t.Errorf("got %d log lines, want %d", lines, want)
			}
			if !tc.logged {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != twiml.ContentType {
				t.Errorf("Content-Type %q, want %q", ct, twiml.ContentType)
			}
			if resp.StatusCode == 405 && resp.Header.Get("Allow") != "GET, POST" {
				t.Errorf("405 without Allow: GET, POST")
			}
			got := testkit.Messages(t, body)
			switch {
			case resp.StatusCode != 200 && len(got) > 0:
				t.Errorf("refused call answered with messages %q", got)
			case resp.StatusCode == 200 && (len(got) != 1 || got[0] != tc.reply):
				t.Errorf("got messages %q, want [%q]", got, tc.reply)
			}
		})
	}
	if s := serverErrs.take(); strings.Contains(s, "panic") {
		t.Errorf("the server logged a panic:\n%s", s)
	}
}

// roundTrip writes req on a new connection and reads the response.
func roundTrip(t *testing.T, addr, req string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	return resp, body
}

// TestHostileXMLStaysWellFormed checks that the reply to hostile text is
// one well-formed document whose only element names are TwiML's.
func TestHostileXMLStaysWellFormed(t *testing.T) {
	for _, text := range []string{"</Body></Message><Message>x", "]]>", "<![CDATA[", "&amp;&#0;&", "\x00\uFFFE\U0010FFFF"} {
		reply := (&twiml.Response{Messages: []twiml.Message{{Body: text}}}).Marshal()
		dec := xml.NewDecoder(bytes.NewReader(reply))
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%q: reply is not well-formed: %v\n%s", text, err, reply)
			}
			twimlNames := map[string]bool{"Response": true, "Message": true, "Body": true}
			if el, ok := tok.(xml.StartElement); ok && !twimlNames[el.Name.Local] {
				t.Errorf("%q: reply has element <%s>", text, el.Name.Local)
			}
		}
	}
}
