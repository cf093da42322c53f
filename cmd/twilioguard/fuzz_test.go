package main

import (
	"testing"

	"github.com/twilioguard/twilioguard/internal/cases"
)

// FuzzParseCall feeds arbitrary input to verify's parser, seeded with every
// shared case as a user would paste it: it must never panic.
func FuzzParseCall(f *testing.F) {
	all, _ := cases.Load("../../testdata/cases")
	for _, c := range all {
		f.Add(c.Input())
	}
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte("POST http://a/b HTTP/1.1\r\nHost: \r\nContent-Length: 3\r\n\r\na=%"))
	f.Fuzz(func(t *testing.T, input []byte) {
		c, err := parseCall(input)
		if err == nil && c.req == nil {
			t.Fatal("no error and no request")
		}
	})
}
