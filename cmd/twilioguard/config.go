package main

import (
	"errors"
	"fmt"
	"net/url"

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
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		master:     getenv("MASTER_NUMBER"),
		requestURL: getenv("REQUEST_URL"),
		publicBase: getenv("PUBLIC_BASE_URL"),
		mediaURL:   getenv("MEDIA_URL"),
		sharedKey:  [2]string{getenv("SHARED_KEY_ID"), getenv("SHARED_KEY_SECRET")},
	}
	for _, name := range []string{"AUTH_TOKEN", "AUTH_TOKEN_SECONDARY"} {
		if t := getenv(name); t != "" {
			c.tokens = append(c.tokens, t)
		}
	}
	if getenv("AUTH_TOKEN") == "" {
		return c, errors.New("AUTH_TOKEN is not set: the Twilio auth token is required " +
			"(for a local try without Twilio, use: twilioguard serve -dev)")
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

// guard builds the one Guard every front door uses.
func (c config) guard() (*webhook.Guard, error) {
	v, err := signature.NewValidator(c.tokens[0], c.tokens[1:]...)
	if err != nil {
		return nil, err
	}
	if c.sharedKey[0] != "" {
		if v, err = v.WithSharedKey(c.sharedKey[0], c.sharedKey[1]); err != nil {
			return nil, err
		}
	}
	return &webhook.Guard{
		Validator:  v,
		App:        &responder.Responder{Master: c.master, MediaURL: c.mediaURL},
		PublicURL:  c.requestURL,
		PublicBase: c.publicBase,
	}, nil
}
