package main

import (
	"flag"
	"fmt"
	"net/url"
	"strings"

	"github.com/twilioguard/twilioguard/signature"
)

func runSign(e env) int {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: twilioguard sign -url URL [-token T] [key=value ...]\n\n"+
			"Prints the X-Twilio-Signature Twilio sends for a POST of the given decoded\n"+
			"parameters to URL (a key may repeat). With no parameters, the URL alone is\n"+
			"signed, as for a GET or a JSON body (put bodySHA256 in the URL).")
		fs.PrintDefaults()
	}
	u := fs.String("url", "", "the full webhook URL, query included (required)")
	token := fs.String("token", "", "auth token (default $AUTH_TOKEN)")
	if err := fs.Parse(e.args[1:]); err != nil {
		return 2
	}
	if *token == "" {
		*token = e.getenv("AUTH_TOKEN")
	}
	if *u == "" || *token == "" {
		fmt.Fprintln(e.stderr, "twilioguard sign: need -url and a token (-token or AUTH_TOKEN)")
		return 2
	}
	params := url.Values{}
	for _, kv := range fs.Args() {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			fmt.Fprintf(e.stderr, "twilioguard sign: %q is not key=value\n", kv)
			return 2
		}
		params.Add(k, v)
	}
	fmt.Fprintln(e.stdout, signature.Sign(*token, *u, params))
	return 0
}
