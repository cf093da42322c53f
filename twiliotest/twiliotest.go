// Package twiliotest builds genuine, signed Twilio webhook calls for tests,
// the way net/http/httptest builds requests: test a handler behind the
// twilioguard check without a Twilio account.
package twiliotest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"

	"github.com/twilioguard/twilioguard/signature"
)

// AccountSID is the account SID the built calls carry.
const AccountSID = "AC00000000000000000000000000000000"

// InboundSMS returns the parameters Twilio posts for an inbound SMS from
// from to to with the text body, with a fresh random MessageSid.
// See https://www.twilio.com/docs/messaging/guides/webhook-request.
func InboundSMS(from, to, body string) url.Values {
	sid := "SM" + randomHex(16)
	return url.Values{
		"ToCountry":     {"US"},
		"ToState":       {""},
		"SmsMessageSid": {sid},
		"NumMedia":      {"0"},
		"ToCity":        {""},
		"FromZip":       {""},
		"SmsSid":        {sid},
		"FromState":     {""},
		"SmsStatus":     {"received"},
		"FromCity":      {""},
		"Body":          {body},
		"FromCountry":   {"US"},
		"To":            {to},
		"ToZip":         {""},
		"NumSegments":   {"1"},
		"MessageSid":    {sid},
		"AccountSid":    {AccountSID},
		"From":          {from},
		"ApiVersion":    {"2010-04-01"},
	}
}

// StatusCallback returns the parameters Twilio posts to a message's status
// callback URL when the message with the given SID reaches status
// ("queued", "sent", "delivered", "undelivered", "failed", ...). See
// https://www.twilio.com/docs/messaging/guides/track-outbound-message-status.
func StatusCallback(messageSID, from, to, status string) url.Values {
	return url.Values{
		"AccountSid":    {AccountSID},
		"ApiVersion":    {"2010-04-01"},
		"From":          {from},
		"MessageSid":    {messageSID},
		"MessageStatus": {status},
		"SmsSid":        {messageSID},
		"SmsStatus":     {status},
		"To":            {to},
	}
}

// NewJSONRequest returns a POST of the JSON body to rawURL signed with
// token the way Twilio signs JSON webhooks: bodySHA256, the hex SHA-256 of
// the body, is added to the URL's query, and the signature covers that URL
// alone.
func NewJSONRequest(token, rawURL string, body []byte) (*http.Request, error) {
	sep := "?"
	if strings.Contains(rawURL, "?") {
		sep = "&"
	}
	signed := rawURL + sep + "bodySHA256=" + signature.BodyHash(body)
	r, err := http.NewRequest(http.MethodPost, signed, strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	setHeaders(r, "application/json", signature.Sign(token, signed, nil))
	return r, nil
}

// NewRequest returns a POST of params to rawURL signed with token, with the
// headers Twilio sends. The signature covers rawURL exactly as given.
func NewRequest(token, rawURL string, params url.Values) (*http.Request, error) {
	r, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(params.Encode()))
	if err != nil {
		return nil, err
	}
	setHeaders(r, "application/x-www-form-urlencoded", signature.Sign(token, rawURL, params))
	return r, nil
}

func setHeaders(r *http.Request, contentType, sig string) {
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("User-Agent", "TwilioProxy/1.1")
	r.Header.Set("I-Twilio-Idempotency-Token", randomUUID())
	r.Header.Set("X-Twilio-Signature", sig)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func randomUUID() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
