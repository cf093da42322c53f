package twiml

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
)

func TestMarshal(t *testing.T) {
	tests := []struct {
		name string
		r    *Response
		want string
	}{
		{"nil", nil, "<Response/>"},
		{"empty", &Response{}, "<Response/>"},
		{"sms", &Response{Messages: []Message{{Body: "Hello, World"}}},
			"<Response><Message><Body>Hello, World</Body></Message></Response>"},
		{"mms", &Response{Messages: []Message{{Body: "Hi", Media: []string{"https://x/a.png?a=1&b=2"}}}},
			"<Response><Message><Body>Hi</Body><Media>https://x/a.png?a=1&amp;b=2</Media></Message></Response>"},
		{"escaped", &Response{Messages: []Message{{Body: `<b>&"'</b>]]>`}}},
			"<Response><Message><Body>&lt;b&gt;&amp;&#34;&#39;&lt;/b&gt;]]&gt;</Body></Message></Response>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(tt.r.Marshal())
			if want := xml.Header + tt.want; got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// TestMarshalWellFormed feeds hostile text through Marshal and parses the
// result back: the body must survive, or lose only what XML cannot carry.
func TestMarshalWellFormed(t *testing.T) {
	for _, body := range []string{
		"plain", "<Response><Message>x</Message></Response>", "a\x00b\x1bc", "\xff\xfe",
		"emoji 😀 and ñ", "]]><!--", strings.Repeat("&", 1000),
	} {
		out := (&Response{Messages: []Message{{Body: body}}}).Marshal()
		var doc struct {
			Messages []struct {
				Body string `xml:"Body"`
			} `xml:"Message"`
		}
		if err := xml.Unmarshal(out, &doc); err != nil {
			t.Fatalf("body %q: output not well-formed: %v\n%s", body, err, out)
		}
		if len(doc.Messages) != 1 {
			t.Fatalf("body %q: got %d messages, want 1", body, len(doc.Messages))
		}
		if got := doc.Messages[0].Body; got != strings.ToValidUTF8(got, "") || (isXMLSafe(body) && got != body) {
			t.Errorf("body %q came back as %q", body, got)
		}
	}
}

func isXMLSafe(s string) bool {
	for _, r := range s {
		if r == 0xFFFD || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') {
			return false
		}
	}
	return strings.ToValidUTF8(s, "") == s
}

// TestPlainMatchesEscapeText holds the shortcut to what it skips: text that
// plain passes is exactly what xml.EscapeText would write.
func TestPlainMatchesEscapeText(t *testing.T) {
	texts := []string{"Hello, World", "", "a<b", "it's", "x\ty", "é", "~!@#$%^*()_+{}|:?[];,./`"}
	for c := range 256 {
		texts = append(texts, string([]byte{byte(c)}))
	}
	for _, text := range texts {
		var want bytes.Buffer
		xml.EscapeText(&want, []byte(text))
		if plain(text) && want.String() != text {
			t.Errorf("plain(%q), but xml.EscapeText writes %q", text, want.String())
		}
	}
	if !plain("Hello, World") {
		t.Error(`plain("Hello, World") is false: the shortcut never runs`)
	}
}
