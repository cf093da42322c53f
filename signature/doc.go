// Package signature checks the X-Twilio-Signature header that Twilio sends
// with every webhook call.
//
// Twilio computes the header as
//
//	base64(HMAC-SHA1(authToken, URL + k1 + v1 + k2 + v2 + ...))
//
// where URL is the full URL Twilio called, query included, exactly as
// configured in the Twilio console, and the pairs are the decoded POST
// parameters: keys in byte order, and for a key sent several times one pair
// per distinct value, values in byte order. A GET webhook has no POST
// parameters, so only the URL is signed. A webhook with a JSON body carries
// bodySHA256 in its query: the signature then covers the URL alone, and the
// lower-case hex SHA-256 of the raw body must equal that query value.
// See https://www.twilio.com/docs/usage/webhooks/webhooks-security.
//
// Proxies often rebuild the URL with or without an explicit port, so, like
// Twilio's own helper libraries, a Validator first tries the URL exactly as
// received, then the same URL with its port removed or, when it has none, with
// the scheme's default port (443 or 80) added. Only the authority is edited:
// nothing is re-encoded or lower-cased.
//
// Typical use:
//
//	v, err := signature.NewValidator(os.Getenv("AUTH_TOKEN"))
//	...
//	err = v.Validate("https://example.com/sms", r.PostForm, r.Header.Get("X-Twilio-Signature"))
//	if err != nil { /* answer 403, act on nothing */ }
//
// A server that holds the raw form body can check it as it is, without
// decoding it into url.Values first: v.ValidateForm(url, body, sig). A
// check in steady state allocates nothing.
//
// A Validator may hold several tokens, so that a rotated auth token causes no
// outage; Check reports which token matched. Every rejection is one of the
// exported errors, which never contain a token or an expected signature.
package signature
