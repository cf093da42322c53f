package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/twilioguard/twilioguard/twiliotest"
)

func runSend(ctx context.Context, e env) int {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: twilioguard send -url URL [-from N] [-to N] [-body TEXT] [-token T]\n\n"+
			"Posts a signed call shaped like Twilio's inbound-SMS webhook and prints the\n"+
			"status and the TwiML. Exit 0 on 200, 1 when refused or unreachable, 2 on bad usage.")
		fs.PrintDefaults()
	}
	u := fs.String("url", "", "the webhook URL to post to, as configured in Twilio (required)")
	from := fs.String("from", "+15555550199", "the sender's number")
	to := fs.String("to", "+15555550100", "your Twilio number")
	body := fs.String("body", "Hello", "the message text")
	token := fs.String("token", "", "auth token to sign with (default $AUTH_TOKEN)")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for the reply")
	if err := fs.Parse(e.args[1:]); err != nil {
		return 2
	}
	if *token == "" {
		*token = e.getenv("AUTH_TOKEN")
	}
	if *u == "" || *token == "" || fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, "twilioguard send: need -url and a token (-token or AUTH_TOKEN), and no other arguments")
		return 2
	}

	req, err := twiliotest.NewRequest(*token, *u, twiliotest.InboundSMS(*from, *to, *body))
	if err != nil {
		fmt.Fprintf(e.stderr, "twilioguard send: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		fmt.Fprintf(e.stderr, "twilioguard send: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	fmt.Fprintf(e.stdout, "HTTP %s\n%s\n", resp.Status, reply)
	if err != nil || resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}
