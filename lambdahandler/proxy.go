package lambdahandler

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/aws/aws-lambda-go/events"
	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

// restProxyEvent is a REST API Lambda proxy integration event (payload 1.0).
type restProxyEvent struct {
	events.APIGatewayProxyRequest
}

// request rebuilds the URL as https + requestContext.domainName +
// requestContext.path: on an execute-api host that path keeps the stage
// ("/prod/sms"), which the top-level path drops. See
// https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
// Payload 1.0 carries the query only as decoded parameters, so a signed
// query can only be rebuilt approximately; set REQUEST_URL for such webhooks.
func (e *restProxyEvent) request(maxBody int) (*webhook.Request, error) {
	if err := checkRepeats(e.Headers, e.MultiValueHeaders); err != nil {
		return nil, err
	}
	rc := e.RequestContext
	host := rc.DomainName
	if host == "" {
		host = header(e.Headers, e.MultiValueHeaders, "Host")
	}
	path := rc.Path
	if path == "" {
		path = e.Path
	}
	u := "https://" + host + path
	if q := e.query(); len(q) > 0 {
		u += "?" + q.Encode()
	}
	body, err := decodeBody(e.Body, e.IsBase64Encoded, maxBody)
	if err != nil {
		return nil, err
	}
	return &webhook.Request{
		Method:            e.HTTPMethod,
		URL:               u,
		ContentType:       header(e.Headers, e.MultiValueHeaders, "Content-Type"),
		Body:              body,
		Signature:         header(e.Headers, e.MultiValueHeaders, "X-Twilio-Signature"),
		SignatureSettings: header(e.Headers, e.MultiValueHeaders, "X-Twilio-Webhooks-Signature-Settings"),
		IdempotencyToken:  header(e.Headers, e.MultiValueHeaders, "I-Twilio-Idempotency-Token"),
	}, nil
}

func (e *restProxyEvent) query() url.Values {
	q := url.Values{}
	for k, vs := range e.MultiValueQueryStringParameters {
		q[k] = vs
	}
	for k, v := range e.QueryStringParameters {
		if _, ok := q[k]; !ok {
			q.Set(k, v)
		}
	}
	return q
}

func (e *restProxyEvent) reply(res webhook.Result) ([]byte, error) {
	return json.Marshal(events.APIGatewayProxyResponse{
		StatusCode: res.Status,
		Headers:    map[string]string{"Content-Type": twiml.ContentType},
		Body:       string(res.TwiML),
	})
}

// httpAPIEvent is an HTTP API event (payload 2.0); function URLs deliver the
// same shape.
type httpAPIEvent struct {
	events.APIGatewayV2HTTPRequest
}

// request rebuilds the URL as https + requestContext.domainName + rawPath +
// "?" + rawQueryString, the query kept byte for byte. See
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
func (e *httpAPIEvent) request(maxBody int) (*webhook.Request, error) {
	if err := checkRepeats(e.Headers, nil); err != nil {
		return nil, err
	}
	host := e.RequestContext.DomainName
	if host == "" {
		host = header(e.Headers, nil, "Host")
	}
	u := "https://" + host + e.RawPath
	if e.RawQueryString != "" {
		u += "?" + e.RawQueryString
	}
	body, err := decodeBody(e.Body, e.IsBase64Encoded, maxBody)
	if err != nil {
		return nil, err
	}
	return &webhook.Request{
		Method:            e.RequestContext.HTTP.Method,
		URL:               u,
		ContentType:       header(e.Headers, nil, "Content-Type"),
		Body:              body,
		Signature:         header(e.Headers, nil, "X-Twilio-Signature"),
		SignatureSettings: header(e.Headers, nil, "X-Twilio-Webhooks-Signature-Settings"),
		IdempotencyToken:  header(e.Headers, nil, "I-Twilio-Idempotency-Token"),
	}, nil
}

func (e *httpAPIEvent) reply(res webhook.Result) ([]byte, error) {
	return json.Marshal(events.APIGatewayV2HTTPResponse{
		StatusCode: res.Status,
		Headers:    map[string]string{"Content-Type": twiml.ContentType},
		Body:       string(res.TwiML),
	})
}

// decodeBody returns the raw body of a proxy event, checking its size.
func decodeBody(body string, isBase64 bool, maxBody int) ([]byte, error) {
	limit := maxBody
	if isBase64 {
		limit = base64.StdEncoding.EncodedLen(maxBody)
	}
	if len(body) > limit {
		return nil, fmt.Errorf("%w: over %d bytes", webhook.ErrTooLarge, maxBody)
	}
	if !isBase64 {
		return []byte(body), nil
	}
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("%w: body is not base64: %v", webhook.ErrBadRequest, err)
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("%w: over %d bytes", webhook.ErrTooLarge, maxBody)
	}
	return b, nil
}
