package signature_test

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/twilioguard/twilioguard/signature"
)

// The worked example from Twilio's webhook security documentation.
func ExampleValidator_Validate() {
	v, err := signature.NewValidator("12345")
	if err != nil {
		panic(err)
	}
	params := url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+12349013030"},
		"Digits":  {"1234"},
		"From":    {"+12349013030"},
		"To":      {"+18005551212"},
	}
	u := "https://mycompany.com/myapp.php?foo=1&bar=2"

	fmt.Println(v.Validate(u, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="))

	params.Set("Digits", "9999")
	err = v.Validate(u, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
	fmt.Println(errors.Is(err, signature.ErrMismatch))
	// Output:
	// <nil>
	// true
}

// During a rotation, accept the old and the new token, and learn from the
// Match which one Twilio used.
func ExampleValidator_Check() {
	v, _ := signature.NewValidator("old-token", "new-token")
	u := "https://example.com/sms"
	params := url.Values{"Body": {"hello"}}

	m, err := v.Check(u, params, signature.Sign("new-token", u, params))
	fmt.Println(m.Token, err)
	// Output: 1 <nil>
}

// A JSON body is signed through the bodySHA256 query parameter.
func ExampleValidator_ValidateBody() {
	v, _ := signature.NewValidator("12345")
	body := []byte(`{"property": "value", "boolean": true}`)
	u := "https://mycompany.com/myapp.php?bodySHA256=" + signature.BodyHash(body)

	fmt.Println(v.ValidateBody(u, body, signature.Sign("12345", u, nil)))
	// Output: <nil>
}
