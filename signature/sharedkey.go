package signature

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"strings"
)

// Errors for calls signed with a SharedKey.
var (
	ErrSettings   = errors.New("signature: malformed X-Twilio-Webhooks-Signature-Settings")
	ErrUnknownKey = errors.New("signature: call signed with a SharedKey that is not configured")
	ErrAlgorithm  = errors.New("signature: algorithm not allowed for this SharedKey")
)

// SharedKeyAlgorithm is the algorithm a SharedKey is pinned to.
const SharedKeyAlgorithm = "HMAC_SHA256"

// WithSharedKey returns a copy of v that also accepts calls signed with the
// Twilio SharedKey id and its secret. Such calls carry
// "X-Twilio-Webhooks-Signature-Settings: key=ID,algorithm=HMAC_SHA256";
// the signed string is the same, the MAC is HMAC-SHA256. The key is pinned to
// HMAC-SHA256: the header can neither choose nor downgrade it, and a key id
// not configured is refused. See
// https://www.twilio.com/docs/usage/webhooks/webhook-shared-keys.
func (v *Validator) WithSharedKey(id, secret string) (*Validator, error) {
	if id == "" || strings.TrimSpace(secret) == "" {
		return nil, fmt.Errorf("%w: a SharedKey needs an id and a secret", ErrEmptyToken)
	}
	out := &Validator{keys: v.keys, shared: maps.Clone(v.shared), mismatch: v.mismatch}
	if out.shared == nil {
		out.shared = map[string][]*key{}
	}
	out.shared[id] = []*key{newKey(secret, sha256.New, sha256.Size)}
	return out, nil
}

// keysFor returns the keys that may have signed a call with the given
// settings header, and the SharedKey id when one is named.
func (v *Validator) keysFor(settings string) ([]*key, string, error) {
	if settings == "" {
		return v.keys, "", nil
	}
	var id, alg string
	for part := range strings.SplitSeq(settings, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch name {
		case "key":
			id = value
		case "algorithm":
			alg = value
		}
	}
	if id == "" || alg == "" {
		return nil, "", ErrSettings
	}
	k, ok := v.shared[id]
	if !ok {
		return nil, "", ErrUnknownKey
	}
	if alg != SharedKeyAlgorithm {
		return nil, "", fmt.Errorf("%w: %q", ErrAlgorithm, alg)
	}
	return k, id, nil
}

// SignWithSharedKey returns the X-Twilio-Signature Twilio sends for a call
// signed with a SharedKey secret: Sign's string, with HMAC-SHA256.
func SignWithSharedKey(secret, rawURL string, params url.Values) string {
	return sign(sha256.New, secret, rawURL, params)
}
