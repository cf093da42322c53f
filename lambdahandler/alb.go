package lambdahandler

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

// albEvent is an Application Load Balancer target group event, with or
// without multi-value headers.
type albEvent struct {
	events.ALBTargetGroupRequest
}

// request rebuilds the URL as x-forwarded-proto + "://" + host (+ ":" +
// x-forwarded-port unless it is the scheme's default) + path + query. The
// ALB passes query values still URL-encoded but not their order, so they
// are joined in key order: a signed URL with several query parameters in
// another order needs REQUEST_URL. See
// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
func (e *albEvent) request(maxBody int) (*webhook.Request, error) {
	if err := checkRepeats(e.Headers, e.MultiValueHeaders); err != nil {
		return nil, err
	}
	get := func(name string) string { return header(e.Headers, e.MultiValueHeaders, name) }
	scheme := get("X-Forwarded-Proto")
	if scheme == "" {
		scheme = "https"
	}
	host := get("Host")
	if port := get("X-Forwarded-Port"); port != "" && !strings.Contains(host, ":") &&
		!(scheme == "https" && port == "443") && !(scheme == "http" && port == "80") {
		host += ":" + port
	}
	u := scheme + "://" + host + e.Path
	if q := e.rawQuery(); q != "" {
		u += "?" + q
	}
	body, err := decodeBody(e.Body, e.IsBase64Encoded, maxBody)
	if err != nil {
		return nil, err
	}
	return &webhook.Request{
		Method:            e.HTTPMethod,
		URL:               u,
		ContentType:       get("Content-Type"),
		Body:              body,
		Signature:         get("X-Twilio-Signature"),
		SignatureSettings: get("X-Twilio-Webhooks-Signature-Settings"),
		IdempotencyToken:  get("I-Twilio-Idempotency-Token"),
	}, nil
}

// rawQuery joins the still-encoded query parameters in key order.
func (e *albEvent) rawQuery() string {
	q := map[string][]string{}
	for k, v := range e.QueryStringParameters {
		q[k] = []string{v}
	}
	for k, vs := range e.MultiValueQueryStringParameters {
		q[k] = vs
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		for _, v := range q[k] {
			pairs = append(pairs, k+"="+v)
		}
	}
	return strings.Join(pairs, "&")
}

// reply answers in the header form the target group uses: multi-value
// headers when the request came with them.
func (e *albEvent) reply(res webhook.Result) ([]byte, error) {
	r := events.ALBTargetGroupResponse{
		StatusCode:        res.Status,
		StatusDescription: fmt.Sprintf("%d %s", res.Status, http.StatusText(res.Status)),
		Body:              string(res.TwiML),
	}
	if e.MultiValueHeaders != nil {
		r.MultiValueHeaders = map[string][]string{"Content-Type": {twiml.ContentType}}
	} else {
		r.Headers = map[string]string{"Content-Type": twiml.ContentType}
	}
	return json.Marshal(r)
}
