package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/twilioguard/twilioguard/awstoken"
	"github.com/twilioguard/twilioguard/httphandler"
)

// devMaster is the master number in development mode.
const devMaster = "+15555550123"

func runServe(ctx context.Context, e env) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: twilioguard serve [-addr 127.0.0.1:8080] [-dev] [-ignore-forwarded]\n\n"+
			"Runs the SMS responder as an HTTP server: POST and GET on any path, GET /healthz.\n"+
			"Configuration comes from the environment (run \"twilioguard help\").")
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	dev := fs.Bool("dev", false, "development mode: a random auth token when AUTH_TOKEN is unset, "+
		"and a master number when MASTER_NUMBER is unset")
	ignoreForwarded := fs.Bool("ignore-forwarded", false,
		"take the scheme from the connection only, never from X-Forwarded-Proto")
	if err := fs.Parse(e.args[1:]); err != nil {
		return 2
	}
	log, err := newLogger(e.stderr, e.getenv, false)
	if err != nil {
		log.Error("configuration", "err", err)
		return 2
	}
	tuneGC(e.getenv)

	getenv, devToken := e.getenv, ""
	if *dev {
		getenv, devToken = devEnv(e.getenv)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		log.Error("configuration", "err", err)
		return 2
	}
	g, err := cfg.guard()
	if err != nil {
		log.Error("configuration", "err", err)
		return 2
	}
	readTokens(ctx, g, log)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Error("listen", "err", err)
		return 1
	}
	h := &httphandler.Handler{Guard: g, Logger: log, IgnoreForwarded: *ignoreForwarded}
	srv := newServer(h, log)

	url := "http://" + ln.Addr().String() + "/sms"
	log.Info("listening", "url", url, "request_url", cfg.requestURL != "", "master", cfg.master != "",
		"dedupe", cfg.dedupe.String())
	if *dev {
		printDevBanner(e.stderr, url, devToken, cfg)
	} else if cfg.requestURL == "" && cfg.publicBase == "" {
		log.Warn("the URL is rebuilt from each request's Host header and path: a call " +
			"signed for another webhook of the same Twilio account would be accepted here; " +
			"set PUBLIC_BASE_URL (or REQUEST_URL) to pin it")
	}
	return serve(ctx, srv, ln, log)
}

// newServer returns the server for h on every path but GET /healthz. Its
// timeouts cut off a client that sends its headers or body too slowly, or
// idles, and its header cap answers 431 to oversized headers; Twilio's
// calls are a few kilobytes, sent at once.
func newServer(h *httphandler.Handler, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.Handle("/", h)
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serve runs srv until ctx is done, then shuts it down gracefully.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, log *slog.Logger) int {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		log.Error("serve", "err", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		log.Error("serve", "err", err)
		return 1
	}
	return 0
}

// devEnv fills in what development mode may invent: a random auth token and
// a master number. It returns the invented token, or "" when AUTH_TOKEN was
// set or the token is read from AWS (so that a real token is never printed).
func devEnv(getenv func(string) string) (func(string) string, string) {
	token := ""
	if getenv("AUTH_TOKEN") == "" && awstoken.FromEnv(getenv).IsZero() {
		b := make([]byte, 16)
		rand.Read(b)
		token = "dev" + hex.EncodeToString(b)[3:]
	}
	return func(name string) string {
		switch v := getenv(name); {
		case v != "":
			return v
		case name == "AUTH_TOKEN":
			return token
		case name == "MASTER_NUMBER":
			return devMaster
		default:
			return v
		}
	}, token
}

func printDevBanner(w io.Writer, url, token string, cfg config) {
	tok, about := token, "The auth token is a throwaway development token, so only\n"+
		" calls signed by \"twilioguard send\" below are accepted."
	if tok == "" {
		tok, about = `"$AUTH_TOKEN"`, "The auth token is yours, from AUTH_TOKEN or AWS."
	}
	if cfg.requestURL != "" {
		url = cfg.requestURL
	}
	self := selfCommand() + " send -url " + url
	cmd := self + " -token " + tok
	fmt.Fprintf(w, `
================================================================
 DEVELOPMENT MODE: not for real traffic.
 %s
 Master number: %s

 Try the four outcomes from another terminal:
   %s -from %s -body secret
   %s -from +15555550199 -body secret
   %s -from +15555550199 -body hello
   %s -token wrong-token -body secret
================================================================

`, about, cfg.master, cmd, cfg.master, cmd, cmd, self)
}

// selfCommand is how the user can run this program again: "go run
// ./cmd/twilioguard" when started by go run, else the executable's name.
func selfCommand() string {
	exe, err := os.Executable()
	if err != nil || strings.Contains(exe, "go-build") {
		return "go run ./cmd/twilioguard"
	}
	return exe
}
