package parity

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"net/url"
	"slices"
	"strings"
	"unicode/utf16"
)

// The Node library sorts keys and values with JavaScript's default sort,
// which compares UTF-16 code units, while package signature compares bytes
// of UTF-8, that is code points. The two orders differ only where a
// character above U+FFFF (a surrogate pair, 0xD800-0xDFFF) meets one in
// U+E000-U+FFFF at the same position.

func compareUTF16(a, b string) int {
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

// signWith is Twilio's signature with keys and each key's distinct values
// put in the order of cmp, and the MAC h: a model of either implementation.
func signWith(cmp func(a, b string) int, h func() hash.Hash, token, rawURL string, params url.Values) string {
	mac := hmac.New(h, []byte(token))
	mac.Write([]byte(rawURL))
	keys := slices.SortedFunc(func(yield func(string) bool) {
		for k := range params {
			if !yield(k) {
				return
			}
		}
	}, cmp)
	for _, k := range keys {
		vals := slices.Clone(params[k])
		slices.SortFunc(vals, cmp)
		for _, v := range slices.Compact(vals) {
			mac.Write([]byte(k + v))
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signNode models getExpectedTwilioSignature.
func signNode(token, rawURL string, params url.Values) string {
	return signWith(compareUTF16, sha1.New, token, rawURL, params)
}

// signNodeSHA256 models getExpectedTwilioSignature for a SharedKey.
func signNodeSHA256(secret, rawURL string, params url.Values) string {
	return signWith(compareUTF16, sha256.New, secret, rawURL, params)
}

// orderSensitive reports whether the two orders put params in different
// sequences, so that the Node library and package signature sign
// different strings.
func orderSensitive(params url.Values) bool {
	keys := make([]string, 0, len(params))
	for k, vals := range params {
		keys = append(keys, k)
		if differ(vals) {
			return true
		}
	}
	return differ(keys)
}

func differ(s []string) bool {
	a := slices.Clone(s)
	b := slices.Clone(s)
	slices.SortFunc(a, strings.Compare)
	slices.SortFunc(b, compareUTF16)
	return !slices.Equal(slices.Compact(a), slices.Compact(b))
}
