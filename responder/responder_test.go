package responder

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

func TestRespond(t *testing.T) {
	const master = "+15555550100"
	tests := []struct {
		name, master, media, from, body string
		want                            twiml.Message
	}{
		{"master secret", master, "", master, "secret",
			twiml.Message{Body: MasterReply, Media: []string{DefaultMediaURL}}},
		{"master any case and spaces", master, "https://x/p.jpg", master, "  SeCrEt \n",
			twiml.Message{Body: MasterReply, Media: []string{"https://x/p.jpg"}}},
		{"master written differently", "+1 (555) 555-0100", "", master, "secret",
			twiml.Message{Body: MasterReply, Media: []string{DefaultMediaURL}}},
		{"stranger secret", master, "", "+15555550199", "Secret", twiml.Message{Body: StrangerReply}},
		{"no master configured", "", "", "", "secret", twiml.Message{Body: StrangerReply}},
		{"other text from master", master, "", master, "secrets", twiml.Message{Body: DefaultReply}},
		{"other text", master, "", "+15555550199", "hi", twiml.Message{Body: DefaultReply}},
		{"empty", master, "", "+15555550199", "", twiml.Message{Body: DefaultReply}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Responder{Master: tt.master, MediaURL: tt.media}
			c := &webhook.Call{Params: url.Values{"From": {tt.from}, "Body": {tt.body}}}
			got := r.Respond(context.Background(), c)
			if len(got.Messages) != 1 {
				t.Fatalf("got %d messages, want 1", len(got.Messages))
			}
			m := got.Messages[0]
			if m.Body != tt.want.Body || !slices.Equal(m.Media, tt.want.Media) {
				t.Errorf("got %+v, want %+v", m, tt.want)
			}
		})
	}
}
