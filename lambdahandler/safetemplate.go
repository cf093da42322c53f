package lambdahandler

import (
	"fmt"
	"net/http"

	"github.com/twilioguard/twilioguard/webhook"
)

// SafeTemplateVersion names the event deploy/template.yaml's body mapping
// template makes, in its "twilioguardEvent" member.
const SafeTemplateVersion = "rest-mapping-template-v1"

// safeTemplateEvent is what the REST API body mapping template of
// deploy/template.yaml makes of a form POST: the raw body base64-encoded,
// untouched by VTL (splitting it in VTL breaks on some inputs), with the
// signature header and where the call came in:
//
//	{"twilioguardEvent": "rest-mapping-template-v1",
//	 "signature": "<X-Twilio-Signature>",
//	 "domainName": "<$context.domainName>",
//	 "path": "<$context.path, stage included>",
//	 "bodyBase64": "<$util.base64Encode($input.body)>"}
//
// The URL is https + domainName + path, the rule of REST proxy events.
type safeTemplateEvent struct {
	Version    string `json:"twilioguardEvent"`
	Signature  string `json:"signature"`
	DomainName string `json:"domainName"`
	Path       string `json:"path"`
	BodyBase64 string `json:"bodyBase64"`
	// IdempotencyToken is the I-Twilio-Idempotency-Token header, if the
	// template passes it as "idempotencyToken".
	IdempotencyToken string `json:"idempotencyToken"`
	templateAnswer
}

func (e *safeTemplateEvent) request(maxBody int) (*webhook.Request, error) {
	if e.Version != SafeTemplateVersion {
		return nil, fmt.Errorf("%w: twilioguardEvent %q, want %q", webhook.ErrBadRequest,
			e.Version, SafeTemplateVersion)
	}
	body, err := decodeBody(e.BodyBase64, true, maxBody)
	if err != nil {
		return nil, err
	}
	u := ""
	if e.DomainName != "" {
		u = "https://" + e.DomainName + e.Path
	}
	return &webhook.Request{
		Method:           http.MethodPost,
		URL:              u,
		ContentType:      "application/x-www-form-urlencoded",
		Body:             body,
		Signature:        e.Signature,
		IdempotencyToken: e.IdempotencyToken,
	}, nil
}
