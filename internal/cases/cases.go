// Package cases loads the real-world failure cases in testdata/cases: one
// webhook delivery each, with the configuration and the verdict a correct
// validator must reach. See testdata/cases/README.md.
package cases

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
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
