package twiliogo

import (
	"net/url"
	"testing"

	"github.com/twilio/twilio-go/client"
	"github.com/twilioguard/twilioguard/signature"
)

// TestTwilioGoDefects pins each known defect of twilio-go's
// RequestValidator (at the version in go.mod) to one genuine call that it
// rejects and package signature accepts. When twilio-go fixes one, its row
// fails here: move it to the fixed rows and update ../README.md.
func TestTwilioGoDefects(t *testing.T) {
	const token = "12345"
	body := []byte(`{"Body":"hi"}`)
	hashed := "https://example.com/%zz?bodySHA256=" + signature.BodyHash(body)
	conference := url.Values{"Reason": {"Participant"}, "ReasonConferenceEnded": {"test"}}
	tests := []struct {
		name            string
		recvURL         string
		params          url.Values // nil for the JSON body
		signedURL       string
		theirs          bool
		defectOrFixedIn string
	}{
		{"sort by key, not by key+value (testdata/cases/16)", "https://example.com/events",
			conference, "https://example.com/events", true, "fixed by twilio-go PR #140 (2022)"},
		{"repeated key (testdata/cases/17)", "https://example.com/conversations",
			url.Values{"MessagingBinding.Address": {"+15555550188", "+15555550133"}},
			"https://example.com/conversations", false, defRepeated},
		{"IPv6 host with a port, signed without", "https://[2001:db8::1]:8443/sms",
			url.Values{"Body": {"hi"}}, "https://[2001:db8::1]/sms", false, defIPv6},
		{"empty port, signed without", "https://example.com:/sms",
			url.Values{"Body": {"hi"}}, "https://example.com/sms", false, defEmpty},
		{"non-ASCII path, signed with :443", "https://example.com/café",
			url.Values{"Body": {"hi"}}, "https://example.com:443/café", false, defReencode},
		{"upper-case scheme, signed with :443", "HTTPS://example.com/sms",
			url.Values{"Body": {"hi"}}, "HTTPS://example.com:443/sms", false, defReencode},
		{"JSON body, URL net/url cannot parse", hashed, nil, hashed, false, defNoParse},
	}
	v, _ := signature.NewValidator(token)
	rv := client.NewRequestValidator(token)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := signature.Sign(token, tt.signedURL, tt.params)
			var err error
			var theirs bool
			if tt.params == nil {
				err = v.ValidateBody(tt.recvURL, body, header)
				theirs = rv.ValidateBody(tt.recvURL, body, header)
			} else {
				err = v.Validate(tt.recvURL, tt.params, header)
				theirs = rv.ValidateBody(tt.recvURL, []byte(tt.params.Encode()), header)
			}
			if err != nil {
				t.Errorf("package signature rejects a genuine call: %v", err)
			}
			if theirs != tt.theirs {
				t.Errorf("twilio-go: got %v, want %v (%s)", theirs, tt.theirs, tt.defectOrFixedIn)
			}
		})
	}
}

// TestTwilioGoEmptyToken: twilio-go builds a validator from an empty auth
// token and accepts calls signed with the empty key; package signature
// refuses to be built (it fails closed).
func TestTwilioGoEmptyToken(t *testing.T) {
	const u = "https://example.com/sms"
	params := url.Values{"Body": {"hi"}}
	rv := client.NewRequestValidator("")
	if !rv.Validate(u, map[string]string{"Body": "hi"}, signature.Sign("", u, params)) {
		t.Error("twilio-go rejects a call signed with the empty token; ../README.md says it accepts")
	}
	if _, err := signature.NewValidator(""); err == nil {
		t.Error("signature.NewValidator(\"\") succeeded")
	}
}
