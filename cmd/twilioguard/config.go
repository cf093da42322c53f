package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/twilioguard/twilioguard/awstoken"
	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/webhook"
)

// config is the responder's configuration, read from the environment.
type config struct {
	tokens     []string
	master     string
	requestURL string
	publicBase string
	mediaURL   string
	sharedKey  [2]string // id and secret of a Twilio SharedKey
	aws        awstoken.Locations
	dedupe     dedupe
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		master:     getenv("MASTER_NUMBER"),
		requestURL: getenv("REQUEST_URL"),
		publicBase: getenv("PUBLIC_BASE_URL"),
		mediaURL:   getenv("MEDIA_URL"),
		sharedKey:  [2]string{getenv("SHARED_KEY_ID"), getenv("SHARED_KEY_SECRET")},
		aws:        awstoken.FromEnv(getenv),
		dedupe:     dedupeFromEnv(getenv),
	}
	for _, name := range []string{"AUTH_TOKEN", "AUTH_TOKEN_SECONDARY"} {
		if t := getenv(name); t != "" {
			c.tokens = append(c.tokens, t)
		}
	}
	if err := c.checkTokens(getenv("AUTH_TOKEN")); err != nil {
		return c, err
	}
	if c.master != "" && !strings.ContainsAny(c.master, "0123456789") {
		return c, fmt.Errorf("MASTER_NUMBER %q has no digits: want a phone number like +15555550100", c.master)
	}
	if (c.sharedKey[0] == "") != (c.sharedKey[1] == "") {
		return c, errors.New("SHARED_KEY_ID and SHARED_KEY_SECRET go together: set both or neither")
	}
	for _, v := range []struct{ name, value string }{
		{"REQUEST_URL", c.requestURL}, {"PUBLIC_BASE_URL", c.publicBase}, {"MEDIA_URL", c.mediaURL},
	} {
		if err := checkURL(v.value); err != nil {
			return c, fmt.Errorf("%s: %v", v.name, err)
		}
	}
	return c, nil
}

// checkTokens requires the auth token from exactly one place: the plain
// variables or AWS. Both set is refused rather than one silently winning, as
// a stale plain token would otherwise outlive its rotation in AWS.
func (c config) checkTokens(authToken string) error {
	switch {
	case !c.aws.IsZero() && len(c.tokens) > 0:
		return errors.New("AUTH_TOKEN (or AUTH_TOKEN_SECONDARY) and the AWS token settings " +
			"(AUTH_TOKEN_PARAMETER, AUTH_TOKEN_SECRET, ...) are both set: use one or the other")
	case !c.aws.IsZero():
		return c.aws.Check()
	case authToken == "":
		return errors.New("AUTH_TOKEN is not set: the Twilio auth token is required, " +
			"in AUTH_TOKEN or read from AWS: AUTH_TOKEN_PARAMETER (an SSM Parameter Store " +
			"SecureString) or AUTH_TOKEN_SECRET (a Secrets Manager secret) " +
			"(for a local try without Twilio, use: twilioguard serve -dev)")
	}
	return nil
}

// tokenSource says where the auth token comes from, for a log line.
func (c config) tokenSource() string {
	if c.aws.IsZero() {
		return "env"
	}
	return c.aws.String()
}

// checkURL accepts "" or an absolute http or https URL.
func checkURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// guard builds the one Guard every front door uses. With the token in AWS
// it makes no network call: see readTokens.
func (c config) guard() (*webhook.Guard, error) {
	g := &webhook.Guard{
		App:        &responder.Responder{Master: c.master, MediaURL: c.mediaURL},
		PublicURL:  c.requestURL,
		PublicBase: c.publicBase,
	}
	store, err := c.dedupe.store(context.Background())
	if err != nil {
		return nil, err
	}
	g.Store = store
	if !c.aws.IsZero() {
		src, err := awstoken.Load(context.Background(), c.aws)
		if err != nil {
			return nil, err
		}
		src.Build = c.validator
		g.Tokens = src
		return g, nil
	}
	v, err := c.validator(c.tokens[0], c.tokens[1:]...)
	if err != nil {
		return nil, err
	}
	g.Validator = v
	return g, nil
}

// validator accepts the given tokens and the SharedKey, if any.
func (c config) validator(token string, more ...string) (*signature.Validator, error) {
	v, err := signature.NewValidator(token, more...)
	if err != nil || c.sharedKey[0] == "" {
		return v, err
	}
	return v.WithSharedKey(c.sharedKey[0], c.sharedKey[1])
}

// readTokens reads a token kept in AWS once at start (in Lambda, during the
// init phase), so that a token that cannot be read shows in the log before
// the first call. The process keeps running: every call is refused (500, no
// message) until the token can be read.
func readTokens(ctx context.Context, g *webhook.Guard, log *slog.Logger) {
	if g.Tokens == nil {
		return
	}
	if _, err := g.Tokens.Validator(ctx); err != nil {
		log.Error("auth token: cannot read it; every call is refused until it can be read",
			"err", err)
		return
	}
	log.Info("auth token: read")
}
