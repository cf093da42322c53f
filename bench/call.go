package bench

import (
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/twilioguard/twilioguard/signature"
)

// The call every benchmark checks: a typical inbound SMS, with the fields
// Twilio posts (https://www.twilio.com/docs/messaging/guides/webhook-request)
// and fixed values, so that every run signs the same bytes.
const (
	Token = "bench-token-3f9a1c0d7e5b42a6"
	URL   = "https://sms.example.com/twilio/inbound"
	Text  = "Hi! Are we still on for 7pm?"
	From  = "+15555550199"
	To    = "+15555550111"
	sid   = "SM0123456789abcdef0123456789abcdef"
)

// Params returns the call's decoded POST parameters.
func Params() url.Values {
	return url.Values{
		"ToCountry":     {"US"},
		"ToState":       {"CA"},
		"SmsMessageSid": {sid},
		"NumMedia":      {"0"},
		"ToCity":        {"SAN FRANCISCO"},
		"FromZip":       {"94105"},
		"SmsSid":        {sid},
		"FromState":     {"CA"},
		"SmsStatus":     {"received"},
		"FromCity":      {"SAN FRANCISCO"},
		"Body":          {Text},
		"FromCountry":   {"US"},
		"To":            {To},
		"ToZip":         {"94107"},
		"NumSegments":   {"1"},
		"MessageSid":    {sid},
		"AccountSid":    {"AC0123456789abcdef0123456789abcdef"},
		"From":          {From},
		"ApiVersion":    {"2010-04-01"},
	}
}

// Body returns the call's raw form body.
func Body() string { return Params().Encode() }

// Signature returns the X-Twilio-Signature of the call to u.
func Signature(u string) string { return signature.Sign(Token, u, Params()) }

// Signed returns the bytes Twilio's MAC covers for a call to u: u, then
// each key and value, keys in byte order.
func Signed(u string) []byte {
	p := Params()
	var b strings.Builder
	b.WriteString(u)
	for _, k := range slices.Sorted(maps.Keys(p)) {
		b.WriteString(k + p.Get(k))
	}
	return []byte(b.String())
}

// Flat returns the parameters as twilio-go takes them, one value per key.
func Flat() map[string]string {
	m := map[string]string{}
	for k, v := range Params() {
		m[k] = v[0]
	}
	return m
}
