// Command twilioguard runs the twilioguard SMS responder and helps try and
// diagnose Twilio webhook calls.
//
//	twilioguard serve [-addr 127.0.0.1:8080] [-dev]   the responder over HTTP
//	twilioguard send -url URL -body TEXT [-from N]     post a signed test SMS
//	twilioguard sign -url URL [key=value ...]          print a signature
//	twilioguard verify [-explain] FILE                 check a captured call
//	twilioguard lambda                                 serve AWS Lambda invocations
//
// Built as "bootstrap" and started by the Lambda runtime
// (AWS_LAMBDA_RUNTIME_API set), it serves Lambda invocations with no
// arguments.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

const usage = `usage: twilioguard <command> [flags]

commands:
  serve    run the SMS responder as an HTTP server (try: serve -dev)
  send     post a signed inbound-SMS webhook call and print the reply
  sign     print the X-Twilio-Signature of a URL and parameters
  verify   check a captured call (raw HTTP or Lambda event); -explain finds the cause
  lambda   serve AWS Lambda invocations (the default under the Lambda runtime)

configuration (environment):
  AUTH_TOKEN            Twilio auth token (required, except serve -dev), or instead:
  AUTH_TOKEN_PARAMETER  an SSM Parameter Store SecureString holding it, or
  AUTH_TOKEN_SECRET     a Secrets Manager secret holding it
  AUTH_TOKEN_SECONDARY  a second accepted token, while rotating (also
                        AUTH_TOKEN_SECONDARY_PARAMETER, AUTH_TOKEN_SECONDARY_SECRET)
  MASTER_NUMBER         the number whose "secret" gets the MMS
  REQUEST_URL           the exact webhook URL configured in Twilio
  PUBLIC_BASE_URL       scheme, host and base path to put before the request path
  MEDIA_URL             the picture sent with the MMS
  SHARED_KEY_ID, SHARED_KEY_SECRET
                        a Twilio SharedKey (HMAC-SHA256) accepted besides the tokens
  DEDUPE_WINDOW         how long a delivery is remembered (default 1h; 0 turns it off)
  DEDUPE_TABLE          a DynamoDB table that remembers deliveries across instances
  LOG_LEVEL             INFO (default: a line per call), WARN (refused calls and problems),
                        ERROR or DEBUG; under Lambda, AWS_LAMBDA_LOG_LEVEL when it is unset
  GOGC                  the Go collector's setting; serve and lambda default to 400

Run "twilioguard <command> -h" for a command's flags.
`

// env gives the program its environment; tests pass their own.
type env struct {
	args   []string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, env{os.Args, os.Stdin, os.Stdout, os.Stderr, os.Getenv}))
}

// run executes the command in e.args and returns the exit code: 0 success,
// 1 a refused or failed call, 2 bad usage or configuration.
func run(ctx context.Context, e env) int {
	args := e.args[1:]
	if len(args) == 0 {
		if e.getenv("AWS_LAMBDA_RUNTIME_API") != "" || filepath.Base(e.args[0]) == "bootstrap" {
			return runLambda(ctx, e)
		}
		fmt.Fprint(e.stderr, usage)
		return 2
	}
	e.args = args
	switch args[0] {
	case "serve":
		return runServe(ctx, e)
	case "send":
		return runSend(ctx, e)
	case "sign":
		return runSign(e)
	case "verify":
		return runVerify(e)
	case "lambda":
		if len(args) > 1 { // lambda takes no flags; any argument asks for help
			fmt.Fprintln(e.stdout, "usage: twilioguard lambda\n\n"+
				"Serves AWS Lambda invocations through the Lambda Runtime API\n"+
				"(AWS_LAMBDA_RUNTIME_API). Built as \"bootstrap\", the binary does this with no\n"+
				"arguments. Event kinds and configuration: see the README.")
			return 0
		}
		return runLambda(ctx, e)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, usage)
		return 0
	}
	fmt.Fprintf(e.stderr, "twilioguard: unknown command %q\n\n%s", args[0], usage)
	return 2
}
