package webhook

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/twilioguard/twilioguard/signature"
)

const formType = "application/x-www-form-urlencoded"

// rawForm reports whether r is a form POST whose parameters are still its
// raw body. Such a call is checked on the body as it is, and its
// url.Values are built only once it proved genuine: a forged call costs
// no decoding.
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
	params, err := decodeForm(r.Body)
	if err != nil {
		return nil, err
	}
	return &Call{URL: m.URL, Params: params, Body: r.Body, Token: m.Token,
		SharedKey: m.SharedKey}, nil
}

// maxFastPairs bounds the forms decodeForm reads itself.
const maxFastPairs = 1000

// decodeForm returns what url.ParseQuery returns for body, with far fewer
// allocations: one copy of the body that unescaped keys and values share,
// one array for every value, a map sized once. Each key's slice has no
// spare capacity, so an app appending to one cannot overwrite another. What
// it does not read itself (a ';', a bad escape, thousands of pairs) goes to
// url.ParseQuery, for the same result and the same error.
func decodeForm(body []byte) (url.Values, error) {
	s := string(body)
	n := strings.Count(s, "&") + 1
	if n > maxFastPairs || strings.IndexByte(s, ';') >= 0 {
		return parseForm(s)
	}
	vals := make([]string, 0, n)
	form := make(url.Values, n)
	for rest := s; rest != ""; {
		var field string
		field, rest, _ = strings.Cut(rest, "&")
		if field == "" {
			continue
		}
		k, v, _ := strings.Cut(field, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return parseForm(s)
		}
		if old, ok := form[k]; ok {
			form[k] = append(old, v)
			continue
		}
		vals = append(vals, v)
		form[k] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	return form, nil
}
