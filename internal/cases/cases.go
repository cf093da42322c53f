// Package cases loads the real-world failure cases in testdata/cases: one
// webhook delivery each, with the configuration and the verdict a correct
// validator must reach. See testdata/cases/README.md.
package cases

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// A Case is one delivery and its expected verdict.
type Case struct {
	File            string          `json:"-"`
	Kind            string          `json:"kind"`
	Description     string          `json:"description"`
	AuthToken       string          `json:"auth_token"`
	AlternateTokens []string        `json:"alternate_auth_tokens"`
	SigningToken    string          `json:"signing_auth_token"`
	SignedURL       string          `json:"signed_url"`
	SignedParams    json.RawMessage `json:"signed_params"`
	Transport       string          `json:"transport"`
	Request         Request         `json:"request"`
	Expected        string          `json:"expected"`
	OracleSignature string          `json:"oracle_signature"`
	OracleChecks    []struct {
		Check  string `json:"check"`
		URL    string `json:"url"`
		Result bool   `json:"result"`
	} `json:"oracle_checks"`
}

// Request is how the call reaches the code: an HTTP request for transport
// "http", a Lambda event for the others.
type Request struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	Event   json.RawMessage   `json:"event"`
}

// Valid reports whether the delivery must be accepted.
func (c *Case) Valid() bool { return c.Expected == "valid" }

// Tokens returns the configured tokens, the primary first.
func (c *Case) Tokens() []string {
	return append([]string{c.AuthToken}, c.AlternateTokens...)
}

// Load reads every case in dir, sorted by file name.
func Load(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []Case
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var c Case
		if err := json.Unmarshal(data, &c); err != nil {
			return nil, err
		}
		c.File = filepath.Base(f)
		out = append(out, c)
	}
	return out, nil
}

// Raw returns an HTTP case's request as bytes on the wire, headers sorted.
func (r Request) Raw() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", r.Method, r.URL)
	keys := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\r\n", k, r.Headers[k])
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(r.Body), r.Body)
	return b.String()
}

// Input returns what a user would feed "twilioguard verify": the raw request
// for an HTTP case, the event JSON for the others.
func (c *Case) Input() []byte {
	if c.Transport == "http" {
		return []byte(c.Request.Raw())
	}
	return c.Request.Event
}

// FaultyURLs returns the URLs from the oracle's checks that reproduce the
// reported fault: those the oracle rejected and that differ from the signed
// URL.
func (c *Case) FaultyURLs() []string {
	var out []string
	for _, chk := range c.OracleChecks {
		if chk.URL != "" && !chk.Result && chk.URL != c.SignedURL {
			out = append(out, chk.URL)
		}
	}
	return out
}
