// Command unguarded is the ceiling of the server benchmarks: a net/http
// server that answers every request with the TwiML twilioguard serve
// gives the benchmark's call, without reading, parsing or validating
// anything.
//
//	unguarded -addr 127.0.0.1:8081
package main

import (
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/twiml"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	flag.Parse()
	reply := (&twiml.Response{Messages: []twiml.Message{{Body: responder.DefaultReply}}}).Marshal()
	srv := &http.Server{
		Addr: *addr,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", twiml.ContentType)
			w.Write(reply)
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	log.Fatal(srv.ListenAndServe())
}
