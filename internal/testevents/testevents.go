// Package testevents builds the API Gateway events that the Lambda tests
// send: one genuine shape per front door, shared by the handler's tests
// and the end-to-end tests under the Lambda emulator.
package testevents

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// The hosts the events are addressed to: a REST API and an HTTP API on
// their execute-api domains.
const (
	RESTHost = "abc123defg.execute-api.us-east-1.amazonaws.com"
	HTTPHost = "xyz789abcd.execute-api.eu-west-1.amazonaws.com"
)

const formType = "application/x-www-form-urlencoded"

// REST is a REST API proxy event (payload 1.0) posting body to /sms on
// stage prod: requestContext.path keeps the stage, path does not. An empty
// sig sends no X-Twilio-Signature.
func REST(t *testing.T, body, sig string) []byte {
	h := map[string]string{"Host": RESTHost, "Content-Type": formType}
	if sig != "" {
		h["X-Twilio-Signature"] = sig
	}
	return Marshal(t, events.APIGatewayProxyRequest{
		Resource: "/sms", Path: "/sms", HTTPMethod: "POST", Headers: h,
		RequestContext: events.APIGatewayProxyRequestContext{
			DomainName: RESTHost, Path: "/prod/sms", Stage: "prod",
			HTTPMethod: "POST",
		},
		Body: body,
	})
}

// HTTP is an HTTP API event (payload 2.0) posting body to /sms on the
// $default stage, header names in lower case as that API delivers them;
// b64 sends the body base64-encoded, as it does for form bodies.
func HTTP(t *testing.T, body, sig string, b64 bool) []byte {
	if b64 {
		body = base64.StdEncoding.EncodeToString([]byte(body))
	}
	return Marshal(t, events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: "/sms",
		Headers: LowerHeaders(HTTPHost, sig),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: HTTPHost, Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: "POST", Path: "/sms",
			},
		},
		Body: body, IsBase64Encoded: b64,
	})
}

// LowerHeaders are a form POST's headers for host, names in lower case.
func LowerHeaders(host, sig string) map[string]string {
	h := map[string]string{"host": host, "content-type": formType}
	if sig != "" {
		h["x-twilio-signature"] = sig
	}
	return h
}

// Marshal is json.Marshal, failing the test on an error.
func Marshal(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
