package webhook

import (
	"context"
	"errors"
	"mime"
	"net/http"

	"github.com/twilioguard/twilioguard/signature"
)

const formType = "application/x-www-form-urlencoded"

// rawForm reports whether r is a form POST whose parameters are still its
// raw body. Such a call is checked on the body as it is, and its
// url.Values are built, from the check's own decoding, only once it proved
// genuine: a forged call costs no url.Values.
func (r *Request) rawForm() bool {
	if r.Method != http.MethodPost || r.Form != nil {
		return false
	}
	if r.ContentType == formType {
		return true
	}
	mt, _, err := mime.ParseMediaType(r.ContentType)
	return err == nil && mt == formType
}

// verifyForm is Verify for a raw form POST: call carries the URL and the
// headers. It refuses a malformed body with ErrBadRequest and url.ParseQuery's
// reason, as Params does, even when no token can be had.
func (g *Guard) verifyForm(ctx context.Context, r *Request, call signature.Call) (*Call, error) {
	call.HashedBody, call.Form = false, r.Body
	m, err := g.check(ctx, call)
	if errors.Is(err, signature.ErrForm) || errors.Is(err, ErrNoToken) {
		if _, perr := parseForm(string(r.Body)); perr != nil {
			return nil, perr
		}
	}
	if err != nil {
		return nil, err
	}
	params := m.Params // the form as the check decoded it
	if params == nil {
		if params, err = parseForm(string(r.Body)); err != nil {
			return nil, err
		}
	}
	return &Call{URL: m.URL, Params: params, Body: r.Body, Token: m.Token,
		IdempotencyToken: r.IdempotencyToken,
		SharedKey:        m.SharedKey}, nil
}
