// Package testkit holds what the project's tests share.
package testkit

import (
	"bytes"
	"encoding/xml"
	"net"
	"strings"
	"sync"
	"testing"
)

// Messages parses a TwiML reply into its messages, each its body and media
// joined by " + ". It fails the test if the reply is not TwiML.
func Messages(tb testing.TB, twiml []byte) []string {
	tb.Helper()
	var doc struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []struct {
			Body  string   `xml:"Body"`
			Media []string `xml:"Media"`
		} `xml:"Message"`
	}
	if err := xml.Unmarshal(twiml, &doc); err != nil {
		tb.Fatalf("reply is not TwiML: %v\n%s", err, twiml)
	}
	var out []string
	for _, m := range doc.Messages {
		out = append(out, strings.Join(append([]string{m.Body}, m.Media...), " + "))
	}
	return out
}

// A SyncBuffer is a bytes.Buffer that a server or child process may write
// while the test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// FreeAddr returns a loopback address whose port was free a moment ago.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
