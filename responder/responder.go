// Package responder is the reference SMS app behind twilioguard: it answers
// a verified inbound message in TwiML. A text of "secret" from the master
// number gets an MMS, "secret" from anyone else a short warning, and any
// other text "Hello, World".
package responder

import (
	"context"
	"strings"

	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

// DefaultMediaURL is the picture sent with the master's MMS when none is
// configured: Twilio's public demo image.
const DefaultMediaURL = "https://demo.twilio.com/owl.png"

// The replies.
const (
	MasterReply   = "Welcome back. Everything is as you left it; here is the picture."
	StrangerReply = "That word is not yours to use. We have noted your number."
	DefaultReply  = "Hello, World"
)

// A Responder answers inbound SMS webhooks. It is safe for concurrent use.
type Responder struct {
	// Master is the phone number whose "secret" gets the MMS. Only its
	// digits are compared, so "+1 555 0100" matches "+15550100". Empty means
	// nobody is the master.
	Master string
	// MediaURL is the picture attached to the master's MMS;
	// DefaultMediaURL when empty.
	MediaURL string
}

// Respond implements webhook.App.
func (r *Responder) Respond(_ context.Context, c *webhook.Call) *twiml.Response {
	text := c.Params.Get("Body")
	if !strings.EqualFold(strings.TrimSpace(text), "secret") {
		return reply(twiml.Message{Body: DefaultReply})
	}
	if !r.isMaster(c.Params.Get("From")) {
		return reply(twiml.Message{Body: StrangerReply})
	}
	media := r.MediaURL
	if media == "" {
		media = DefaultMediaURL
	}
	return reply(twiml.Message{Body: MasterReply, Media: []string{media}})
}

func (r *Responder) isMaster(from string) bool {
	master := digits(r.Master)
	return master != "" && digits(from) == master
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func reply(m twiml.Message) *twiml.Response {
	return &twiml.Response{Messages: []twiml.Message{m}}
}
