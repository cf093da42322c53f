package twiliotest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/twilioguard/twilioguard/httphandler"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiliotest"
)

// Test a handler behind the middleware with each kind of genuine call.
func Example() {
	v, _ := signature.NewValidator("test-token")
	h := httphandler.Protect(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "[%s%s]", r.FormValue("MessageStatus"), r.FormValue("Body"))
	}))
	const u = "https://example.com/hook"

	sms, _ := twiliotest.NewRequest("test-token", u, twiliotest.InboundSMS("+15555550199", "+15555550100", "hi"))
	status, _ := twiliotest.NewRequest("test-token", u,
		twiliotest.StatusCallback("SM00000000000000000000000000000001", "+15555550100", "+15555550199", "delivered"))
	json, _ := twiliotest.NewJSONRequest("test-token", u, []byte(`{"event":"x"}`))
	forged, _ := twiliotest.NewRequest("wrong-token", u, twiliotest.InboundSMS("+15555550199", "+15555550100", "hi"))

	for _, r := range []*http.Request{sms, status, json, forged} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		firstLine, _, _ := strings.Cut(w.Body.String(), "\n")
		fmt.Println(w.Code, firstLine)
	}
	// Output:
	// 200 [hi]
	// 200 [delivered]
	// 200 []
	// 403 <?xml version="1.0" encoding="UTF-8"?>
}
