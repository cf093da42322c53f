package awstoken_test

import (
	"context"
	"log"
	"os"

	"github.com/twilioguard/twilioguard/awstoken"
	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/webhook"
)

// A Guard whose auth token is read from the SSM parameter or Secrets
// Manager secret that AUTH_TOKEN_PARAMETER or AUTH_TOKEN_SECRET names.
func Example() {
	ctx := context.Background()
	src, err := awstoken.Load(ctx, awstoken.FromEnv(os.Getenv))
	if err != nil {
		log.Fatal(err) // no location, or both: a configuration error
	}
	// Read now, so that a token that cannot be read shows at start; the
	// Guard refuses every call until it can be read.
	if _, err := src.Validator(ctx); err != nil {
		log.Print(err)
	}
	_ = &webhook.Guard{Tokens: src, App: &responder.Responder{}}
}
