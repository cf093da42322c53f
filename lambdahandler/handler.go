// Package lambdahandler is the AWS Lambda front door. It recognises each
// event shape API Gateway can deliver a webhook in, turns it into a
// webhook.Request, lets the Guard answer it, and replies in the shape that
// event kind expects.
package lambdahandler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/twilioguard/twilioguard/webhook"
)

// ErrUnknownEvent is returned for an event of no supported kind.
var ErrUnknownEvent = errors.New("lambdahandler: unknown event kind")

// A Handler serves Lambda invocations. It implements lambda.Handler from
// github.com/aws/aws-lambda-go.
type Handler struct {
	Guard *webhook.Guard
	// Logger gets one line per invocation (webhook.Result.Log: no source
	// position); nil logs nothing.
	Logger *slog.Logger
	// MaxBody caps the decoded body; 0 means webhook.DefaultMaxBody.
	MaxBody int
}

// A door is one event kind: how to read its request and write its reply.
type door interface {
	request(maxBody int) (*webhook.Request, error)
	reply(res webhook.Result) ([]byte, error)
}

// Invoke implements lambda.Handler.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	name, d, err := detect(payload)
	if d == nil {
		webhook.Refuse(err).Log(ctx, h.Logger, "unknown")
		return nil, err
	}
	res := webhook.Refuse(err)
	if err == nil {
		res = h.serve(ctx, d)
	}
	res.Log(ctx, h.Logger, name)
	return d.reply(res)
}

func (h *Handler) serve(ctx context.Context, d door) webhook.Result {
	limit := h.MaxBody
	if limit <= 0 {
		limit = webhook.DefaultMaxBody
	}
	req, err := d.request(limit)
	if err != nil {
		return webhook.Refuse(err)
	}
	return h.Guard.Serve(ctx, req)
}

// detect recognises the event kind from the fields only that kind has. An
// event of a known kind that fails to decode comes back with its door, so
// that the refusal is answered in that kind's shape.
func detect(payload []byte) (string, door, error) {
	var probe struct {
		Version          string          `json:"version"`
		HTTPMethod       string          `json:"httpMethod"`
		TwilioSignature  json.RawMessage `json:"twilioSignature"`
		TwilioguardEvent json.RawMessage `json:"twilioguardEvent"`
		RequestContext   *struct {
			HTTP json.RawMessage `json:"http"`
			ELB  json.RawMessage `json:"elb"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(payload, &probe); err != nil {
		return "", nil, fmt.Errorf("%w: %v", ErrUnknownEvent, err)
	}
	var d door
	var name string
	switch {
	case probe.TwilioguardEvent != nil:
		name, d = "mapping-template-v1", &safeTemplateEvent{}
	case probe.TwilioSignature != nil:
		name, d = "mapping-template", &templateEvent{}
	case probe.RequestContext != nil && probe.RequestContext.ELB != nil:
		name, d = "alb", &albEvent{}
	case probe.Version == "2.0" && probe.RequestContext != nil && probe.RequestContext.HTTP != nil:
		name, d = "http-api", &httpAPIEvent{}
	case probe.HTTPMethod != "" && probe.RequestContext != nil:
		name, d = "rest-proxy", &restProxyEvent{}
	default:
		return "", nil, fmt.Errorf("%w: want an API Gateway proxy, HTTP API, function URL, "+
			"ALB or mapping-template event", ErrUnknownEvent)
	}
	if err := json.Unmarshal(payload, d); err != nil {
		return name, d, fmt.Errorf("%w: %s event: %v", webhook.ErrBadRequest, name, err)
	}
	return name, d, nil
}

// signatureHeaders are the headers Twilio sends once. A call carrying one
// of them several times is refused, as at the HTTP door: which copy gets
// checked must not be up to a proxy or the caller.
var signatureHeaders = []string{"X-Twilio-Signature", "X-Twilio-Webhooks-Signature-Settings"}

// checkRepeats refuses a call whose single-value or multi-value headers
// hold a signature header more than once, in any case.
func checkRepeats(single map[string]string, multi map[string][]string) error {
	for _, name := range signatureHeaders {
		ns, nm := 0, 0
		for k := range single {
			if strings.EqualFold(k, name) {
				ns++
			}
		}
		for k, vs := range multi {
			if strings.EqualFold(k, name) {
				nm += len(vs)
			}
		}
		if n := max(ns, nm); n > 1 {
			return fmt.Errorf("%w: %d %s headers", webhook.ErrBadRequest, n, name)
		}
	}
	return nil
}

// header returns the first value of the header named name in any case, from
// a single-value and a multi-value map, as API Gateway delivers them.
func header(single map[string]string, multi map[string][]string, name string) string {
	h := http.Header{}
	for k, v := range multi {
		h[http.CanonicalHeaderKey(k)] = v
	}
	for k, v := range single {
		if _, ok := h[http.CanonicalHeaderKey(k)]; !ok {
			h.Set(k, v)
		}
	}
	return h.Get(name)
}
