package parity

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/twilioguard/twilioguard/signature"
)

// stringOrList is a parameter value in the fixtures: a string, or a list
// for a repeated key.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(s))
}

func toValues(m map[string]stringOrList) url.Values {
	v := url.Values{}
	for k, vals := range m {
		v[k] = vals
	}
	return v
}

// TestPublishedVectorsAgainstOracle asks the Node library for its verdict
// on every vector of testdata/twilio-vectors.json: the vectors, package
// signature and the library must all agree.
func TestPublishedVectorsAgainstOracle(t *testing.T) {
	run := oracle(t)
	var file struct {
		Vectors []struct {
			Name      string
			Token     string
			URL       string
			Params    map[string]stringOrList
			Body      *string
			Signature string
			Valid     bool
		}
	}
	if err := readJSON(filepath.Join("..", "testdata", "twilio-vectors.json"), &file); err != nil {
		t.Fatal(err)
	}

	var b batch
	for _, v := range file.Vectors {
		p := b.addParams(toValues(v.Params))
		op := nodeOp{Op: "validate", Token: v.Token, Header: v.Signature, URL: v.URL, P: p}
		if v.Body != nil {
			op = nodeOp{Op: "validateBody", Token: v.Token, Header: v.Signature, URL: v.URL, Body: v.Body}
		}
		b.add(op)
	}
	results := run(&b)

	for i, v := range file.Vectors {
		if res := results[i]; res.Err != "" || res.OK != v.Valid {
			t.Errorf("%s: Node: valid=%v (threw %q), vector says %v", v.Name, res.OK, res.Err, v.Valid)
		}
		val, _ := signature.NewValidator(v.Token)
		var err error
		if v.Body != nil {
			err = val.ValidateBody(v.URL, []byte(*v.Body), v.Signature)
		} else {
			err = val.Validate(v.URL, toValues(v.Params), v.Signature)
		}
		if got := err == nil; got != v.Valid {
			t.Errorf("%s: Go: valid=%v (%v), vector says %v", v.Name, got, err, v.Valid)
		}
	}
}

// TestSharedCasesAgainstOracle recomputes, with the pinned library, the
// oracle_signature of every case in testdata/cases (made with
// twilio@6.2.0), and checks that Sign makes the same.
func TestSharedCasesAgainstOracle(t *testing.T) {
	run := oracle(t)
	names, err := filepath.Glob(filepath.Join("..", "testdata", "cases", "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	type tcase struct {
		AuthToken       string                  `json:"auth_token"`
		SigningToken    string                  `json:"signing_auth_token"`
		SignedURL       string                  `json:"signed_url"`
		SignedParams    map[string]stringOrList `json:"signed_params"`
		OracleSignature string                  `json:"oracle_signature"`
	}
	cases := make([]tcase, len(names))
	var b batch
	for i, name := range names {
		c := &cases[i]
		if err := readJSON(name, c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.SigningToken == "" {
			c.SigningToken = c.AuthToken
		}
		p := b.addParams(toValues(c.SignedParams))
		b.add(nodeOp{Op: "sign", Token: c.SigningToken, URL: c.SignedURL, P: p})
	}
	results := run(&b)

	for i, c := range cases {
		name := filepath.Base(names[i])
		if got := results[i].Sig; got != c.OracleSignature {
			t.Errorf("%s: pinned library signs %q, the case recorded %q", name, got, c.OracleSignature)
		}
		if got := signature.Sign(c.SigningToken, c.SignedURL, toValues(c.SignedParams)); got != c.OracleSignature {
			t.Errorf("%s: Sign = %q, want %q", name, got, c.OracleSignature)
		}
	}
}
