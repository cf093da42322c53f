package webhook

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiml"
)

// FuzzGuardServe hands the Guard arbitrary requests, with the duplicate
// check on: it must never panic, answer only with the statuses it
// documents, and never send a message for a refused call.
func FuzzGuardServe(f *testing.F) {
	const u = "https://example.com/sms"
	form := url.Values{"Body": {"hi"}, "MessageSid": {"SM01"}}
	f.Add("POST", u, "application/x-www-form-urlencoded", form.Encode(),
		signature.Sign("tok", u, form), "", "idem")
	f.Add("GET", u+"?Body=x", "", "", signature.Sign("tok", u+"?Body=x", nil), "", "")
	json := `{"Body":"hi"}`
	ju := u + "?bodySHA256=" + signature.BodyHash([]byte(json))
	f.Add("POST", ju, "application/json", json, signature.Sign("tok", ju, nil), "", "")
	f.Add("POST", u, "application/x-www-form-urlencoded; =", "a=%zz", "AAAA", "key=k,algorithm=HMAC_SHA256", "")
	f.Add("PUT", "", "text/plain", "\xff", "!!", "", "")

	v, _ := signature.NewValidator("tok")
	v, _ = v.WithSharedKey("k", "secret")
	g := &Guard{Validator: v, App: &echo{}, Store: &MemoryStore{MaxEntries: 100}}
	allowed := map[int]bool{200: true, 400: true, 403: true, 405: true, 413: true, 415: true, 500: true}
	f.Fuzz(func(t *testing.T, method, rawURL, ctype, body, sig, settings, idem string) {
		r := &Request{Method: method, URL: rawURL, ContentType: ctype, Body: []byte(body),
			Signature: sig, SignatureSettings: settings, IdempotencyToken: idem}
		res := g.Serve(context.Background(), r)
		switch {
		case !allowed[res.Status]:
			t.Fatalf("status %d (%v)", res.Status, res.Err)
		case res.Status == http.StatusOK && (res.Err != nil || res.Call == nil):
			t.Fatalf("200 with error %v, call %v", res.Err, res.Call)
		case res.Status != http.StatusOK && (res.Err == nil || res.Call != nil ||
			!bytes.Equal(res.TwiML, twiml.Empty)):
			t.Fatalf("refusal %d with error %v, call %v, reply %s", res.Status, res.Err, res.Call, res.TwiML)
		}
	})
}
