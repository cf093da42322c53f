package signature

import (
	"net/url"
	"testing"
)

// smsURL and sms are a typical inbound SMS with fixed values: 19
// parameters, about 440 signed bytes.
const smsURL = "https://sms.example.com/twilio/inbound"

func sms() url.Values {
	const sid = "SM0123456789abcdef0123456789abcdef"
	return url.Values{
		"ToCountry": {"US"}, "ToState": {"CA"}, "SmsMessageSid": {sid},
		"NumMedia": {"0"}, "ToCity": {"SAN FRANCISCO"}, "FromZip": {"94105"},
		"SmsSid": {sid}, "FromState": {"CA"}, "SmsStatus": {"received"},
		"FromCity": {"SAN FRANCISCO"}, "Body": {"Hi! Are we still on for 7pm?"},
		"FromCountry": {"US"}, "To": {"+15555550111"}, "ToZip": {"94107"},
		"NumSegments": {"1"}, "MessageSid": {sid},
		"AccountSid": {"AC0123456789abcdef0123456789abcdef"},
		"From":       {"+15555550199"}, "ApiVersion": {"2010-04-01"},
	}
}

func benchValidate(b *testing.B, sig string, wantErr bool) {
	v, err := NewValidator("bench-token-3f9a1c0d7e5b42a6")
	if err != nil {
		b.Fatal(err)
	}
	params := sms()
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(smsURL, params, sig); (err != nil) != wantErr {
			b.Fatalf("got %v, want error %v", err, wantErr)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	benchValidate(b, Sign("bench-token-3f9a1c0d7e5b42a6", smsURL, sms()), false)
}

// BenchmarkValidateForged tries both URL variants and fails.
func BenchmarkValidateForged(b *testing.B) {
	benchValidate(b, Sign("another-token", smsURL, sms()), true)
}

func BenchmarkValidateForm(b *testing.B) {
	v, err := NewValidator("bench-token-3f9a1c0d7e5b42a6")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(sms().Encode())
	sig := Sign("bench-token-3f9a1c0d7e5b42a6", smsURL, sms())
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateForm(smsURL, body, sig); err != nil {
			b.Fatal(err)
		}
	}
}
