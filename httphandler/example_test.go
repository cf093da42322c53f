package httphandler_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/twilioguard/twilioguard/httphandler"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiliotest"
)

// Protect an existing handler; test it with genuine signed calls from
// twiliotest.
func ExampleProtect() {
	v, err := signature.NewValidator("my-auth-token")
	if err != nil {
		panic(err)
	}
	sms := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "got %q", r.FormValue("Body"))
	})
	mux := http.NewServeMux()
	mux.Handle("POST /sms", httphandler.Protect(v, sms))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	form := twiliotest.InboundSMS("+15555550199", "+15555550100", "hello")
	for _, token := range []string{"my-auth-token", "a-forger's-guess"} {
		req, _ := twiliotest.NewRequest(token, srv.URL+"/sms", form)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(body))
	}
	// Output:
	// 200 got "hello"
	// 403 <?xml version="1.0" encoding="UTF-8"?>
	// <Response/>
}
