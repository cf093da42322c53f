// Command guardonly is the guard alone, a yardstick of the server
// benchmarks: the unguarded server's static TwiML, given only after the
// call's raw body passed signature.ValidateForm. It reads and checks each
// call as serve does, but decodes nothing for an app, runs none and logs
// nothing, so that its distance from the unguarded server is what the
// check itself costs.
//
//	AUTH_TOKEN=... guardonly -addr 127.0.0.1:8083
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8083", "address to listen on")
	flag.Parse()
	v, err := signature.NewValidator(os.Getenv("AUTH_TOKEN"))
	if err != nil {
		log.Fatal(err)
	}
	reply := (&twiml.Response{Messages: []twiml.Message{{Body: responder.DefaultReply}}}).Marshal()

	handler := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", twiml.ContentType)
		body, err := io.ReadAll(io.LimitReader(r.Body, webhook.DefaultMaxBody))
		u := "http://" + r.Host + r.RequestURI
		if err != nil || v.ValidateForm(u, body, r.Header.Get("X-Twilio-Signature")) != nil {
			w.WriteHeader(http.StatusForbidden)
			w.Write(twiml.Empty)
			return
		}
		w.Write(reply)
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
