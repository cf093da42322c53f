package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/twilioguard/twilioguard/httphandler"
	"github.com/twilioguard/twilioguard/internal/explain"
	"github.com/twilioguard/twilioguard/lambdahandler"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

// maxVerifyInput caps what verify reads: a diagnosis may see bodies larger
// than a server would accept.
const maxVerifyInput = 4 << 20

// tokenFlags collects repeated -token flags.
type tokenFlags []string

func (t *tokenFlags) String() string     { return fmt.Sprint(len(*t), " tokens") }
func (t *tokenFlags) Set(s string) error { *t = append(*t, s); return nil }

func runVerify(e env) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: twilioguard verify [-token T]... [-url URL] [-explain] FILE|-\n\n"+
			"Checks a captured webhook call: a raw HTTP request as on the wire, or a\n"+
			"Lambda event JSON of any supported kind. Exit 0 valid, 1 invalid, 2 unreadable.")
		fs.PrintDefaults()
	}
	var tokens tokenFlags
	fs.Var(&tokens, "token", "an auth token to accept (repeatable; replaces $AUTH_TOKEN and $AUTH_TOKEN_SECONDARY)")
	u := fs.String("url", "", "the URL to validate (default: rebuilt from the request)")
	explainFlag := fs.Bool("explain", false, "on a failure, search the likely variants and name the fix")
	if err := fs.Parse(e.args[1:]); err != nil {
		return 2
	}
	if len(tokens) == 0 { // -token replaces the environment's tokens
		for _, name := range []string{"AUTH_TOKEN", "AUTH_TOKEN_SECONDARY"} {
			if t := e.getenv(name); t != "" {
				tokens = append(tokens, t)
			}
		}
	}
	if fs.NArg() != 1 || len(tokens) == 0 {
		fmt.Fprintln(e.stderr, "twilioguard verify: need one FILE (or -) and a token (-token or AUTH_TOKEN)")
		return 2
	}
	v, err := signature.NewValidator(tokens[0], tokens[1:]...)
	if err != nil {
		fmt.Fprintf(e.stderr, "twilioguard verify: %v\n", err)
		return 2
	}
	input, err := readInput(e, fs.Arg(0))
	if err != nil {
		fmt.Fprintf(e.stderr, "twilioguard verify: %v\n", err)
		return 2
	}
	call, err := parseCall(input)
	if err != nil {
		fmt.Fprintf(e.stderr, "twilioguard verify: unreadable input: %v\n", err)
		return 2
	}
	if *u != "" {
		call.more = append([]string{call.req.URL}, call.more...)
		call.req.URL = *u
	}
	return report(e, v, call, *explainFlag)
}

func readInput(e env, name string) ([]byte, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxVerifyInput+1))
	if len(b) > maxVerifyInput {
		return nil, fmt.Errorf("input over %d bytes", maxVerifyInput)
	}
	return b, err
}

// A capturedCall is a request read from a file, with the other URLs its
// front door could have rebuilt.
type capturedCall struct {
	kind string
	req  *webhook.Request
	more []string
	note string // said before the verdict
}

// parseCall reads a Lambda event (JSON) or a raw HTTP request.
func parseCall(input []byte) (capturedCall, error) {
	if t := bytes.TrimSpace(input); len(t) > 0 && t[0] == '{' {
		kind, req, err := lambdahandler.Decode(t, maxVerifyInput)
		if err != nil {
			return capturedCall{}, err
		}
		return capturedCall{kind + " event", req, lambdahandler.Alternatives(t), ""}, nil
	}
	br := bufio.NewReader(bytes.NewReader(input))
	r, err := http.ReadRequest(br)
	if err != nil {
		return capturedCall{}, fmt.Errorf("neither a Lambda event nor an HTTP request: %v", err)
	}
	req, err := (&httphandler.Handler{MaxBody: maxVerifyInput}).Request(r)
	if err != nil {
		return capturedCall{}, err
	}
	var note string
	if r.Header.Get("Content-Length") == "" && len(r.TransferEncoding) == 0 {
		// Written by hand, most likely: on the wire such a request has no
		// body, but what follows the headers is what the user meant.
		rest, _ := io.ReadAll(br)
		rest = bytes.TrimSuffix(bytes.TrimSuffix(rest, []byte("\n")), []byte("\r"))
		if len(rest) > 0 {
			req.Body = rest
			note = "note: no Content-Length header: the rest of the file is taken as the body"
		}
	}
	// Twilio calls over TLS unless told otherwise; a captured request has
	// lost its connection, so https is the better default.
	scheme := "https"
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme, _, _ = strings.Cut(p, ",")
	}
	req.URL = strings.TrimSpace(scheme) + "://" + r.Host + r.RequestURI
	var more []string
	for _, h := range []string{"X-Forwarded-Host", "X-Original-Host"} {
		if host := r.Header.Get(h); host != "" {
			more = append(more, scheme+"://"+host+r.RequestURI)
		}
	}
	return capturedCall{"raw HTTP request", req, more, note}, nil
}

func report(e env, v *signature.Validator, c capturedCall, explainFailure bool) int {
	if c.note != "" {
		fmt.Fprintln(e.stderr, c.note)
	}
	g := &webhook.Guard{Validator: v, App: nopApp{}}
	res := g.Serve(context.Background(), c.req)
	if res.Err == nil {
		fmt.Fprintf(e.stdout, "valid: %s to %s, signed with token %d\n", c.kind, res.Call.URL, res.Call.Token+1)
		fmt.Fprintln(e.stdout, "if your app refuses this call, its validator differs from Twilio's: "+
			"see docs/troubleshooting.md#library")
		if res.Call.Token > 0 {
			fmt.Fprintln(e.stdout, "note: Twilio signs with a token other than the first: "+
				"it is probably the new primary; make it AUTH_TOKEN "+
				"(see docs/troubleshooting.md#token)")
		}
		return 0
	}
	fmt.Fprintf(e.stderr, "invalid: %v\n", res.Err)
	if !errors.Is(res.Err, signature.ErrMismatch) {
		fmt.Fprintf(e.stderr, "  why: %s\n", explain.Describe(res.Err))
		if errors.Is(res.Err, signature.ErrBodyHash) || errors.Is(res.Err, signature.ErrNoBodyHash) {
			fmt.Fprintln(e.stderr, "  see: docs/troubleshooting.md#json")
		}
		return 1
	}
	if strings.Contains(c.kind, "rest-proxy") && strings.Contains(c.req.URL, "?") {
		fmt.Fprintln(e.stderr, "  note: REST API proxy events (payload 1.0) lose the raw query; "+
			"set REQUEST_URL to the exact URL configured in Twilio")
	}
	if !explainFailure {
		fmt.Fprintln(e.stderr, "  run with -explain to search for the cause")
		return 1
	}
	f, ok := explain.Explain(v, c.req, c.req.URL, c.more)
	if !ok {
		fmt.Fprintln(e.stderr, "explain: no likely variant matches. The token is probably not the one "+
			"Twilio signed with (rotated? another account or subaccount?), or the call was forged.\n"+
			"  see: docs/troubleshooting.md#token")
		return 1
	}
	fmt.Fprintf(e.stderr, "explain: the signature matches %s (token %d)\n  cause: %s\n  fix:   %s\n"+
		"  see:   docs/troubleshooting.md#%s\n", f.URL, f.Token+1, f.Cause, f.Fix, f.Entry)
	return 1
}

// nopApp lets verify run the Guard's checks without answering anything.
type nopApp struct{}

func (nopApp) Respond(context.Context, *webhook.Call) *twiml.Response { return nil }
