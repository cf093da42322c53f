// Package webhook is the one path every Twilio webhook call takes, whichever
// front door it came through: a front door (the HTTP handler, the Lambda
// handler) turns what it received into a Request; a Guard checks the
// signature and, only for a genuine call, hands the decoded call to the App
// and returns its TwiML.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiml"
)

// DefaultMaxBody is the largest body a front door accepts unless told
// otherwise. Twilio's messaging webhooks are a few kilobytes.
const DefaultMaxBody = 64 << 10

// Errors for calls refused before or besides the signature check. Refusals
// by the check itself are the errors of package signature.
var (
	ErrBadRequest  = errors.New("webhook: malformed request")
	ErrTooLarge    = errors.New("webhook: body too large")
	ErrUnsupported = errors.New("webhook: unsupported content type")
	ErrMethod      = errors.New("webhook: method not allowed: Twilio calls with POST or GET")
	ErrNoURL       = errors.New("webhook: no URL to validate against: set the public URL (REQUEST_URL)")
	ErrNoToken     = errors.New("webhook: no auth token available")
)

// A Request is one webhook call as a front door received it.
type Request struct {
	// Method is the HTTP method, "POST" or "GET".
	Method string
	// URL is the full URL Twilio called, query included, as the front door
	// rebuilt it. A Guard's PublicURL takes precedence.
	URL string
	// ContentType is the Content-Type header.
	ContentType string
	// Body is the raw body.
	Body []byte
	// Form holds the decoded POST parameters when the front door got them
	// already decoded (an API Gateway mapping template); otherwise it is nil
	// and the Guard parses Body.
	Form url.Values
	// Signature is the X-Twilio-Signature header, "" when absent.
	Signature string
	// SignatureSettings is the X-Twilio-Webhooks-Signature-Settings
	// header, present when a SharedKey signed the call.
	SignatureSettings string
	// IdempotencyToken is the I-Twilio-Idempotency-Token header, the same
	// in every retry of one call; "" when absent. It is logged and handed
	// to the App, but not signed, so the duplicate check does not rely on
	// it (see deliveryKey).
	IdempotencyToken string
}

// A Call is a verified webhook call, as the App sees it.
type Call struct {
	// URL is the URL variant the signature matched.
	URL string
	// Params are the POST parameters, or the query parameters of a GET call.
	// For a JSON body they are nil and Body holds the JSON.
	Params url.Values
	Body   []byte
	// Token is the index of the auth token that verified the call.
	Token int
	// SharedKey is the id of the SharedKey that verified it, if one did.
	SharedKey string
	// IdempotencyToken is the request's I-Twilio-Idempotency-Token, which
	// names the delivery in Twilio's request inspector. It is not signed.
	IdempotencyToken string
}

// An App answers verified calls.
type App interface {
	Respond(ctx context.Context, c *Call) *twiml.Response
}

// A Guard validates calls and passes the genuine ones to its App.
type Guard struct {
	// Validator holds the auth tokens. Tokens, when set, takes its place.
	Validator *signature.Validator
	// Tokens supplies the validator when the tokens live elsewhere (AWS
	// Secrets Manager, SSM Parameter Store) and may be rotated while the
	// process runs.
	Tokens TokenSource
	App    App
	// PublicURL, when set, is the URL validated for every call instead of
	// the one the front door rebuilt: the URL configured in Twilio.
	PublicURL string
	// PublicBase, when set and PublicURL is not, replaces the scheme, host
	// and any base path of the rebuilt URL: the call is validated against
	// PublicBase + the rebuilt path and query. It serves several webhook
	// paths behind a proxy or CDN that changes the host.
	PublicBase string
	// Store, when set, makes the App run once per delivery: a later copy
	// of a call gets the reply to the first (see Store). Nil runs the App
	// for every copy.
	Store Store
	// PendingWait bounds how long a copy waits for the reply to an earlier
	// copy still being answered, before it is refused with ErrPending;
	// 0 means DefaultPendingWait.
	PendingWait time.Duration
}

// A TokenSource supplies the Validator for the current auth tokens.
type TokenSource interface {
	// Validator returns the validator for the tokens as last read. An
	// error means no token can be had: the call is refused.
	Validator(ctx context.Context) (*signature.Validator, error)
	// Refresh is called after a signature mismatch. It may read the tokens
	// again, as rarely as it sees fit, and returns the new validator when
	// they changed, or nil.
	Refresh(ctx context.Context) *signature.Validator
}

// A Result is the Guard's answer to one call.
type Result struct {
	// Status is the HTTP status to answer with: 200 for a genuine call, 403
	// for a bad signature, 400, 405, 413 or 415 for a malformed request, 500
	// for a configuration error, 503 while the duplicate check cannot
	// answer.
	Status int
	// TwiML is the reply body; for a refused call, the empty response.
	TwiML []byte
	// Err says why the call was refused; nil for a genuine call.
	Err error
	// Call is the verified call; nil when refused.
	Call *Call
	// Duplicate is set when the reply is the one saved for an earlier
	// copy of the call: the App did not run.
	Duplicate bool
}

// Serve validates r and, if it is genuine, answers it with the App.
func (g *Guard) Serve(ctx context.Context, r *Request) Result {
	c, err := g.Verify(ctx, r)
	if err != nil {
		return Refuse(err)
	}
	if g.Store != nil {
		return g.once(ctx, c, deliveryKey(r))
	}
	return g.answer(ctx, c)
}

func (g *Guard) answer(ctx context.Context, c *Call) Result {
	return Result{Status: http.StatusOK, TwiML: g.App.Respond(ctx, c).Marshal(), Call: c}
}

// Refuse is the Result for a call refused with err: the status err calls
// for and the empty TwiML, so that Twilio sends nothing.
func Refuse(err error) Result {
	return Result{Status: status(err), TwiML: twiml.Empty, Err: err}
}

// Verify checks the signature the way Twilio computed it for this kind of
// call: over the URL and the form for a form POST, over the URL alone for a
// GET or a body carrying bodySHA256. It returns the verified call, for
// callers that answer it themselves (a middleware), or why it was refused.
func (g *Guard) Verify(ctx context.Context, r *Request) (*Call, error) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return nil, ErrMethod
	}
	if r.Signature == "" {
		return nil, signature.ErrMissing
	}
	u := g.url(r.URL)
	if u == "" {
		return nil, ErrNoURL
	}
	call := signature.Call{URL: u, Body: r.Body, HashedBody: true,
		Signature: r.Signature, Settings: r.SignatureSettings}
	_, hashed := signature.BodyHashParam(u)
	if !hashed && r.rawForm() {
		return g.verifyForm(ctx, r, call)
	}
	c := &Call{Body: r.Body, IdempotencyToken: r.IdempotencyToken}
	if !hashed || r.Method == http.MethodGet {
		params, err := r.Params(u)
		if err != nil {
			return nil, err
		}
		c.Params, call.HashedBody = params, false
		if r.Method != http.MethodGet {
			call.Params = params
		}
	}
	m, err := g.check(ctx, call)
	if err != nil {
		return nil, err
	}
	c.URL, c.Token, c.SharedKey = m.URL, m.Token, m.SharedKey
	return c, nil
}

// url is the URL to validate for a call the front door rebuilt as rebuilt.
func (g *Guard) url(rebuilt string) string {
	switch {
	case g.PublicURL != "":
		return g.PublicURL
	case g.PublicBase != "" && rebuilt != "":
		return strings.TrimSuffix(g.PublicBase, "/") + pathAndQuery(rebuilt)
	}
	return rebuilt
}

// pathAndQuery returns what follows the authority in an absolute URL.
func pathAndQuery(u string) string {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		return rest[i:]
	}
	return ""
}

// check verifies c with the current validator and, after a mismatch, once
// more with refreshed tokens if the TokenSource has new ones.
func (g *Guard) check(ctx context.Context, c signature.Call) (signature.Match, error) {
	if g.Tokens == nil {
		return g.Validator.Verify(c)
	}
	v, err := g.Tokens.Validator(ctx)
	if err != nil {
		return signature.Match{}, fmt.Errorf("%w: %v", ErrNoToken, err)
	}
	m, err := v.Verify(c)
	if errors.Is(err, signature.ErrMismatch) {
		if fresh := g.Tokens.Refresh(ctx); fresh != nil {
			return fresh.Verify(c)
		}
	}
	return m, err
}

// Params decodes the call's parameters, taking u as its URL: the query of a
// GET, the form of a POST.
func (r *Request) Params(u string) (url.Values, error) {
	if r.Method == http.MethodGet {
		_, query, _ := strings.Cut(u, "?")
		query, _, _ = strings.Cut(query, "#")
		return parseForm(query)
	}
	if r.Form != nil {
		return r.Form, nil
	}
	if len(r.Body) == 0 && r.ContentType == "" {
		return url.Values{}, nil
	}
	mt, _, err := mime.ParseMediaType(r.ContentType)
	if err != nil || mt != formType {
		return nil, fmt.Errorf("%w %q: Twilio posts forms, or JSON with bodySHA256 in the URL",
			ErrUnsupported, r.ContentType)
	}
	return parseForm(string(r.Body))
}

func parseForm(s string) (url.Values, error) {
	v, err := url.ParseQuery(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	return v, nil
}

func status(err error) int {
	switch {
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrTooLarge), errors.Is(err, signature.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrUnsupported):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, ErrMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, ErrNoURL), errors.Is(err, ErrNoToken):
		return http.StatusInternalServerError
	case errors.Is(err, ErrPending), errors.Is(err, ErrStore):
		return http.StatusServiceUnavailable
	}
	return http.StatusForbidden
}
