package twiml

import (
	"encoding/xml"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMarshal checks that any text yields one well-formed document whose
// body and media read back as the text, less what XML cannot carry.
func FuzzMarshal(f *testing.F) {
	for _, s := range []string{"hi", "<Response/>", "]]>&amp;", "a\x00b", "\xff", "\r\n\t", "\uFFFE"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, body, media string) {
		out := (&Response{Messages: []Message{{Body: body, Media: []string{media}}}}).Marshal()
		var doc struct {
			XMLName  xml.Name `xml:"Response"`
			Messages []struct {
				Body  string   `xml:"Body"`
				Media []string `xml:"Media"`
			} `xml:"Message"`
		}
		if err := xml.Unmarshal(out, &doc); err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, out)
		}
		if len(doc.Messages) != 1 || len(doc.Messages[0].Media) != 1 {
			t.Fatalf("got %d messages, want 1 with one media:\n%s", len(doc.Messages), out)
		}
		if got, want := doc.Messages[0].Body, xmlText(body); got != want {
			t.Errorf("body %q came back as %q, want %q", body, got, want)
		}
		if got, want := doc.Messages[0].Media[0], xmlText(media); got != want {
			t.Errorf("media %q came back as %q, want %q", media, got, want)
		}
	})
}

// xmlText is s with every byte or rune XML cannot carry replaced by
// U+FFFD, as Marshal writes it.
func xmlText(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		s = s[n:]
		inRange := r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
			r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
		if (r == utf8.RuneError && n == 1) || !inRange {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	return b.String()
}
