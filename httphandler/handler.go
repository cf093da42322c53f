// Package httphandler is the net/http front door: it turns an *http.Request
// into a webhook.Request, lets the Guard answer it, and writes the TwiML.
package httphandler

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

// A Handler serves Twilio webhook calls on any path. It answers POST and
// GET; Twilio uses both, and signs a GET's query as part of the URL.
type Handler struct {
	Guard *webhook.Guard
	// Logger gets one line per call (webhook.Result.Log: no source
	// position); nil logs nothing.
	Logger *slog.Logger
	// MaxBody caps the body; 0 means webhook.DefaultMaxBody.
	MaxBody int64
	// IgnoreForwarded stops the handler from taking the scheme from
	// X-Forwarded-Proto. By default the header is used, so that a tunnel or
	// proxy that terminates TLS (ngrok, a load balancer) still yields the
	// https URL Twilio signed. Trusting it cannot let a forged call in: it
	// only chooses which URL a genuine signature must cover.
	IgnoreForwarded bool
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	res := h.serve(r)
	res.Log(r.Context(), h.Logger, "http")
	switch res.Status {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", "GET, POST")
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", twiml.ContentType)
	w.WriteHeader(res.Status)
	w.Write(res.TwiML)
}

func (h *Handler) serve(r *http.Request) webhook.Result {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return refuse(http.StatusMethodNotAllowed, fmt.Errorf("%w: method %s", webhook.ErrBadRequest, r.Method))
	}
	req, err := h.Request(r)
	if err != nil {
		return refuse(0, err)
	}
	return h.Guard.Serve(r.Context(), req)
}

// Request turns r into the webhook.Request the Guard checks, reading at most
// MaxBody bytes of its body. A request with several X-Twilio-Signature (or
// signature settings) headers is refused as malformed: Twilio sends one,
// and which copy gets checked must not be up to a proxy or the caller.
func (h *Handler) Request(r *http.Request) (*webhook.Request, error) {
	for _, name := range signatureHeaders {
		if n := len(r.Header[name]); n > 1 {
			return nil, fmt.Errorf("%w: %d %s headers", webhook.ErrBadRequest, n, name)
		}
	}
	limit := h.MaxBody
	if limit <= 0 {
		limit = webhook.DefaultMaxBody
	}
	body, err := readBody(r, limit)
	if err != nil {
		return nil, fmt.Errorf("%w: reading body: %v", webhook.ErrBadRequest, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: over %d bytes", webhook.ErrTooLarge, limit)
	}
	return &webhook.Request{
		Method:            r.Method,
		URL:               h.URL(r),
		ContentType:       header(r, hdrContentType),
		Body:              body,
		Signature:         header(r, hdrSignature),
		SignatureSettings: header(r, hdrSettings),
		IdempotencyToken:  header(r, hdrIdempotency),
	}, nil
}

// readBody reads at most limit+1 bytes of r's body, as io.ReadAll would,
// but into one buffer when the request states its length: a webhook body
// is read with a single allocation.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	size := int64(512)
	if n := r.ContentLength; n > 0 && n <= limit {
		size = n + 1 // the last byte lets the read that meets EOF fit
	}
	body, lr := make([]byte, 0, size), io.LimitReader(r.Body, limit+1)
	for {
		n, err := lr.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		switch {
		case err == io.EOF:
			return body, nil
		case err != nil:
			return body, err
		case len(body) == cap(body):
			body = append(body, 0)[:len(body)]
		}
	}
}

// The headers read, in canonical form (a test holds them so): header looks
// them up without canonicalizing each name on every call, as Header.Get
// does.
const (
	hdrContentType = "Content-Type"
	hdrSignature   = "X-Twilio-Signature"
	hdrSettings    = "X-Twilio-Webhooks-Signature-Settings"
	hdrIdempotency = "I-Twilio-Idempotency-Token"
	hdrProto       = "X-Forwarded-Proto"
)

var signatureHeaders = []string{hdrSignature, hdrSettings}

// header is r.Header.Get(name) for a name in canonical form.
func header(r *http.Request, name string) string {
	if v := r.Header[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// URL rebuilds the URL the caller used: the scheme, the Host header and the
// request-target exactly as received.
func (h *Handler) URL(r *http.Request) string {
	scheme := "http"
	switch {
	case r.TLS != nil:
		scheme = "https"
	case r.RequestURI == "" && r.URL.Scheme != "":
		scheme = r.URL.Scheme // a client-side request handed over directly, as in tests
	}
	if p := header(r, hdrProto); p != "" && !h.IgnoreForwarded {
		p, _, _ = strings.Cut(p, ",")
		scheme = strings.TrimSpace(p)
	}
	return scheme + "://" + r.Host + target(r)
}

// target is the request-target in origin form: path and query as received.
func target(r *http.Request) string {
	t := r.RequestURI
	if t == "" {
		return r.URL.RequestURI() // a client-side request, as tests build
	}
	if _, rest, ok := strings.Cut(t, "://"); ok && !strings.HasPrefix(t, "/") {
		// Absolute form, as sent to a proxy: drop scheme and authority.
		if i := strings.IndexAny(rest, "/?"); i >= 0 {
			return rest[i:]
		}
		return "/"
	}
	return t
}

func refuse(status int, err error) webhook.Result {
	res := webhook.Refuse(err)
	if status != 0 {
		res.Status = status
	}
	return res
}
