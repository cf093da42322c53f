// Command profserve is serve's handler behind a net/http server, built as
// serve builds it, with a CPU profile of its first seconds: a tool to see
// where serve's time goes under wrk. It listens on a free loopback port,
// prints its URL and writes a wrk script posting the benchmark's call:
//
//	profserve -d 10s -cpuprofile serve.prof -lua post.lua
//	wrk -t2 -c32 -d8s -s post.lua URL
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"time"

	"github.com/twilioguard/twilioguard/bench"
	"github.com/twilioguard/twilioguard/httphandler"
	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/webhook"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0: a free one)")
	d := flag.Duration("d", 10*time.Second, "how long to profile, from the start; then exit (0: run on)")
	out := flag.String("cpuprofile", "serve.prof", "the CPU profile (\"\": none)")
	lua := flag.String("lua", "post.lua", "the wrk script to write (\"\": none)")
	nolog := flag.Bool("nolog", false, "log nothing, to see what the log line costs")
	discard := flag.Bool("discard", false, "format the log line but write it nowhere")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	u := "http://" + ln.Addr().String() + "/sms"
	script := fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = %q\n"+
		"wrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n"+
		"wrk.headers[\"X-Twilio-Signature\"] = %q\n", bench.Body(), bench.Signature(u))
	if *lua != "" {
		if err := os.WriteFile(*lua, []byte(script), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(u)

	v, err := signature.NewValidator(bench.Token)
	if err != nil {
		log.Fatal(err)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		log.Fatal(err)
	}
	h := &httphandler.Handler{
		Guard:  &webhook.Guard{Validator: v, App: &responder.Responder{Master: "+15555550100"}},
		Logger: slog.New(slog.NewTextHandler(devnull, nil)),
	}
	if *nolog {
		h.Logger = nil
	}
	if *discard {
		h.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if *d > 0 {
		time.AfterFunc(*d, func() { pprof.StopCPUProfile(); os.Exit(0) })
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second}
	log.Fatal(srv.Serve(ln))
}
