// Command twiliogo is the Go peer of the server benchmarks: a minimal
// net/http server that checks each call with twilio-go's RequestValidator,
// then answers it with the same reference app as twilioguard serve.
//
//	AUTH_TOKEN=... twiliogo -addr 127.0.0.1:8082
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/twilio/twilio-go/client"
	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "address to listen on")
	flag.Parse()
	rv := client.NewRequestValidator(os.Getenv("AUTH_TOKEN"))
	app := &responder.Responder{Master: os.Getenv("MASTER_NUMBER")}

	handler := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", twiml.ContentType)
		body, err := io.ReadAll(io.LimitReader(r.Body, webhook.DefaultMaxBody))
		u := "http://" + r.Host + r.RequestURI
		if err != nil || !rv.ValidateBody(u, body, r.Header.Get("X-Twilio-Signature")) {
			w.WriteHeader(http.StatusForbidden)
			w.Write(twiml.Empty)
			return
		}
		params, err := url.ParseQuery(string(body))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			w.Write(twiml.Empty)
			return
		}
		w.Write(app.Respond(r.Context(), &webhook.Call{Params: params, Body: body}).Marshal())
	}
	srv := &http.Server{
		Addr:              *addr,
		Handler:           http.HandlerFunc(handler),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	log.Fatal(srv.ListenAndServe())
}
