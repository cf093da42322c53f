package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"strings"
	"sync"
)

// Errors returned by NewValidator and by the checks. Callers branch on them
// with errors.Is; their text never contains a token or a signature.
var (
	ErrEmptyToken = errors.New("signature: empty auth token")
	ErrMissing    = errors.New("signature: no X-Twilio-Signature")
	ErrMalformed  = errors.New("signature: X-Twilio-Signature is not the base64 of an HMAC")
	ErrMismatch   = errors.New("signature: X-Twilio-Signature does not match")
	ErrNoBodyHash = errors.New("signature: body-signed request without bodySHA256 in its URL")
	ErrBodyHash   = errors.New("signature: body does not match bodySHA256")
	ErrTooLarge   = errors.New("signature: call too large to check")
	ErrForm       = errors.New("signature: malformed form body")
)

// MaxSize caps the bytes a check hashes: the URL, the parameters and a
// hashed body together. Twilio's webhooks are a few kilobytes; anything
// near this size is refused before any hashing.
const MaxSize = 1 << 20

// A Validator checks Twilio request signatures against one or more auth
// tokens. It is safe for concurrent use.
type Validator struct {
	keys   []*key            // auth tokens, HMAC-SHA1
	shared map[string][]*key // SharedKeys by id, HMAC-SHA256, one each
	// mismatch holds the error for a mismatch after trying 1 or 2 URL
	// variants, built once so that refusing a forged call allocates
	// nothing.
	mismatch [2]error
}

// key is one secret with its hash and a pool of HMAC states keyed by it,
// so that a check does not rebuild the HMAC key schedule.
type key struct {
	secret []byte
	size   int // of the MAC
	macs   sync.Pool
}

func newKey(secret string, h func() hash.Hash, size int) *key {
	k := &key{secret: []byte(secret), size: size}
	k.macs.New = func() any { return hmac.New(h, k.secret) }
	return k
}

// NewValidator returns a Validator that accepts a call signed with token or
// with any of more, the tokens to accept besides it while an auth token is
// being rotated. An empty or blank token (white space only) is refused
// with ErrEmptyToken: it is a setting gone wrong, and anyone could sign
// with it.
func NewValidator(token string, more ...string) (*Validator, error) {
	v := &Validator{}
	for _, t := range append([]string{token}, more...) {
		if strings.TrimSpace(t) == "" {
			return nil, ErrEmptyToken
		}
		v.keys = append(v.keys, newKey(t, sha1.New, sha1.Size))
	}
	v.setMismatch()
	return v, nil
}

func (v *Validator) setMismatch() {
	for i := range v.mismatch {
		v.mismatch[i] = fmt.Errorf("%w (tried %d URL variants × %d keys)",
			ErrMismatch, i+1, len(v.keys))
	}
}

// Match says how a valid call was verified.
type Match struct {
	// Token is the index of the token that matched: 0 for the first token
	// given to NewValidator, 1 for the first of the others, and so on.
	Token int
	// URL is the variant of the URL that was signed.
	URL string
	// SharedKey is the id of the SharedKey that matched, "" when an auth
	// token did.
	SharedKey string
	// Params are, when Verify checked a Call's raw Form, its parameters as
	// url.ParseQuery decodes them: a server gets them for its app from the
	// decoding the check did anyway. Nil otherwise.
	Params url.Values
}

// Validate reports whether sig is Twilio's signature of a call to rawURL
// with the decoded POST parameters params (nil for a GET webhook). It
// returns nil for a valid call and otherwise ErrMissing, ErrMalformed or an
// error wrapping ErrMismatch.
func (v *Validator) Validate(rawURL string, params url.Values, sig string) error {
	_, err := v.Check(rawURL, params, sig)
	return err
}

// Check is Validate that also says which token and URL variant matched.
func (v *Validator) Check(rawURL string, params url.Values, sig string) (Match, error) {
	return v.Verify(Call{URL: rawURL, Params: params, Signature: sig})
}

// ValidateBody checks a call whose body Twilio signed by hash, as it does
// for JSON bodies: rawURL must carry bodySHA256, the signature covers
// rawURL alone, and the hex SHA-256 of body must equal bodySHA256.
func (v *Validator) ValidateBody(rawURL string, body []byte, sig string) error {
	_, err := v.CheckBody(rawURL, body, sig)
	return err
}

// CheckBody is ValidateBody that also says which token and URL variant
// matched.
func (v *Validator) CheckBody(rawURL string, body []byte, sig string) (Match, error) {
	return v.Verify(Call{URL: rawURL, Body: body, HashedBody: true, Signature: sig})
}

// ValidateForm is Validate for a POST whose parameters are still the raw
// application/x-www-form-urlencoded body, as a server receives them. It
// decodes form exactly as url.ParseQuery does, without building the
// url.Values, and refuses a form url.ParseQuery refuses with an error
// wrapping ErrForm before it looks at the signature.
func (v *Validator) ValidateForm(rawURL string, form []byte, sig string) error {
	_, err := v.verify(Call{URL: rawURL, Form: form, Signature: sig}, false)
	return err
}

// A Call is what Verify checks: what Twilio signed and the headers it sent.
type Call struct {
	// URL is the full URL Twilio called, query included.
	URL string
	// Params are the decoded POST parameters; nil for a GET or a hashed
	// body.
	Params url.Values
	// Form is the raw form body of a POST, used when Params is nil and
	// HashedBody is not set: it is decoded as url.ParseQuery would.
	Form []byte
	// Body is the raw body. It is checked against the URL's bodySHA256
	// when HashedBody is set, as Twilio signs JSON bodies.
	Body       []byte
	HashedBody bool
	// Signature is the X-Twilio-Signature header.
	Signature string
	// Settings is the X-Twilio-Webhooks-Signature-Settings header, "" when
	// absent: then an auth token signed the call with HMAC-SHA1.
	Settings string
}

// Verify checks c, signed with an auth token or, when c.Settings names
// one, with a SharedKey. It is the general form of Check, CheckBody and
// ValidateForm. For a genuine call with a raw Form, Match.Params holds the
// decoded form.
func (v *Validator) Verify(c Call) (Match, error) {
	return v.verify(c, true)
}

func (v *Validator) verify(c Call, wantParams bool) (Match, error) {
	s := getScratch()
	defer s.free()
	n, err := s.prepare(c)
	if err != nil {
		return Match{}, err
	}
	keys, name, err := v.keysFor(c.Settings)
	if err != nil {
		return Match{}, err
	}
	want, err := s.decode(c.Signature, keys[0].size)
	if err != nil {
		return Match{}, err
	}
	if n > MaxSize {
		return Match{}, ErrTooLarge
	}
	var hash string
	if c.HashedBody {
		var ok bool
		if hash, ok = BodyHashParam(c.URL); !ok {
			return Match{}, ErrNoBodyHash
		}
	}
	m, err := v.check(s, keys, c.URL, want)
	if err != nil {
		return Match{}, err
	}
	if c.HashedBody && subtle.ConstantTimeCompare([]byte(BodyHash(c.Body)), []byte(hash)) != 1 {
		return Match{}, ErrBodyHash
	}
	m.SharedKey = name
	if wantParams && !c.HashedBody && c.Params == nil && c.Form != nil {
		m.Params = s.formValues()
	}
	return m, nil
}

// prepare puts c's signed parameters into s.msg and returns how many bytes
// checking c would hash. Only a malformed Form makes it fail.
func (s *scratch) prepare(c Call) (int, error) {
	// Nothing of an earlier check may answer for this one.
	s.text, s.pairs, s.order, s.parsed = s.text[:0], s.pairs[:0], s.order[:0], nil
	n := len(c.URL)
	switch {
	case c.HashedBody:
		s.msg = s.msg[:0]
		return n + len(c.Body), nil
	case c.Params == nil && c.Form != nil:
		if !s.decodeForm(c.Form) {
			params, err := url.ParseQuery(string(c.Form))
			if err != nil {
				return 0, fmt.Errorf("%w: %v", ErrForm, err)
			}
			c.Params, s.parsed = params, params
			break
		}
		s.signPairs()
		return n + len(s.text), nil
	}
	n += s.collect(c.Params)
	if n <= MaxSize {
		s.signParams()
	}
	return n, nil
}

// size is how many bytes checking c would hash, counting every value of a
// repeated key.
func size(c Call) int {
	s := getScratch()
	defer s.free()
	n, _ := s.prepare(c)
	return n
}

// check tries every key on every URL variant, and stops at the first
// match, which reveals only which key and variant matched, never a MAC.
// Different MAC inputs or keys cannot both match one signature (short of
// an HMAC collision), so the keys can be the outer loop, and each key's
// HMAC state leaves its pool once per check.
func (v *Validator) check(s *scratch, keys []*key, rawURL string, want []byte) (Match, error) {
	tried := 0
	for j, k := range keys {
		variant, n, ok := k.find(s, rawURL, want)
		if ok {
			u := rawURL
			if variant > 0 {
				u = string(s.url)
			}
			return Match{Token: j, URL: u}, nil
		}
		tried = n
	}
	if tried <= len(v.mismatch) && len(keys) == len(v.keys) && v.mismatch[tried-1] != nil {
		return Match{}, v.mismatch[tried-1]
	}
	return Match{}, fmt.Errorf("%w (tried %d URL variants × %d keys)",
		ErrMismatch, tried, len(keys))
}

// find returns the first URL variant whose MAC with k, followed by s.msg,
// is want, how many variants it tried, and whether one matched. It leaves
// the variant in s.url.
func (k *key) find(s *scratch, rawURL string, want []byte) (variant, tried int, ok bool) {
	mac := k.macs.Get().(hash.Hash)
	defer k.macs.Put(mac)

	for i := 0; ; i++ {
		var more bool
		if s.url, more = appendVariant(s.url[:0], rawURL, i); !more {
			return 0, i, false
		}
		mac.Reset()
		mac.Write(s.url)
		mac.Write(s.msg)
		if hmac.Equal(mac.Sum(s.sum[:0]), want) {
			return i, i + 1, true
		}
	}
}

// decode turns the header value into the MAC of size bytes it carries. The
// value must be the canonical encoding, byte for byte, as Twilio sends it
// and as Twilio's libraries compare it: no line breaks, no stray bits.
func (s *scratch) decode(sig string, size int) ([]byte, error) {
	if sig == "" {
		return nil, ErrMissing
	}
	enc := base64.StdEncoding
	if len(sig) != enc.EncodedLen(size) || len(sig) > len(s.sig) {
		return nil, ErrMalformed
	}
	text := s.sig[:copy(s.sig[:], sig)]
	n, err := enc.Decode(s.want[:], text)
	if err != nil || n != size {
		return nil, ErrMalformed
	}
	mac := s.want[:n]
	enc.Encode(s.sig[:], mac) // the canonical form, in place of the copy
	if string(s.sig[:len(sig)]) != sig {
		return nil, ErrMalformed
	}
	return mac, nil
}

// Sign returns the X-Twilio-Signature that Twilio sends for a call to
// rawURL, exactly as given, with the decoded POST parameters params.
// For a JSON body, put bodySHA256=BodyHash(body) in rawURL's query and pass
// nil params.
func Sign(token, rawURL string, params url.Values) string {
	return sign(sha1.New, token, rawURL, params)
}

func sign(h func() hash.Hash, secret, rawURL string, params url.Values) string {
	s := getScratch()
	defer s.free()
	s.collect(params)
	s.signParams()
	mac := hmac.New(h, []byte(secret))
	mac.Write([]byte(rawURL))
	mac.Write(s.msg)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// BodyHash returns the lower-case hex SHA-256 of body, the value Twilio puts
// in the bodySHA256 query parameter.
func BodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// BodyHashParam returns the bodySHA256 query parameter of rawURL and whether
// it is there.
func BodyHashParam(rawURL string) (string, bool) {
	rawURL, _, _ = strings.Cut(rawURL, "#")
	_, query, ok := strings.Cut(rawURL, "?")
	if !ok {
		return "", false
	}
	values, _ := url.ParseQuery(query) // a bad pair elsewhere does not hide this one
	if _, ok := values["bodySHA256"]; !ok {
		return "", false
	}
	return values.Get("bodySHA256"), true
}
