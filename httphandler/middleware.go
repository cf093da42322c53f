package httphandler

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

// Middleware protects the handlers of an existing web app: it validates
// every call with the same code path as Handler and passes only genuine
// ones on. Use it on the routes Twilio calls:
//
//	v, err := signature.NewValidator(os.Getenv("AUTH_TOKEN"))
//	...
//	mux.Handle("POST /sms", httphandler.Protect(v, smsHandler))
//
// The handler behind it reads the form as usual (r.FormValue,
// r.PostForm), or the raw body, which is restored; CallFrom gives the
// verified call.
type Middleware struct {
	// Guard validates; its App and Store are not used.
	Guard *webhook.Guard
	// Logger gets one line per refused call; nil logs nothing.
	Logger *slog.Logger
	// MaxBody and IgnoreForwarded are as in Handler.
	MaxBody         int64
	IgnoreForwarded bool
	// Reject answers a refused call; nil answers 403 (or 400, 413, 415
	// for a malformed request) with an empty TwiML <Response/>.
	Reject func(w http.ResponseWriter, r *http.Request, err error)
}

// Protect returns next behind a Middleware that accepts calls signed with
// the tokens of v, validated against the URL rebuilt from each request.
func Protect(v *signature.Validator, next http.Handler) http.Handler {
	return (&Middleware{Guard: &webhook.Guard{Validator: v}}).Wrap(next)
}

type callKey struct{}

// CallFrom returns the verified call of a request that passed the
// Middleware.
func CallFrom(ctx context.Context) (*webhook.Call, bool) {
	c, ok := ctx.Value(callKey{}).(*webhook.Call)
	return c, ok
}

// Wrap returns next behind m.
func (m *Middleware) Wrap(next http.Handler) http.Handler {
	// TODO(dedupe): a retried or replayed call reaches the handler behind
	// again. The Guard's Store replays a reply the Guard wrote; the
	// Middleware would have to record the handler's response to do the
	// same. Until then, such handlers check MessageSid themselves.
	h := &Handler{MaxBody: m.MaxBody, IgnoreForwarded: m.IgnoreForwarded}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := h.Request(r)
		var c *webhook.Call
		if err == nil {
			c, err = m.Guard.Verify(r.Context(), req)
		}
		if err != nil {
			m.reject(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(req.Body))
		signedForm(r, c)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
	})
}

func (m *Middleware) reject(w http.ResponseWriter, r *http.Request, err error) {
	if m.Logger != nil {
		m.Logger.LogAttrs(r.Context(), slog.LevelWarn, "webhook refused",
			slog.String("path", r.URL.Path), slog.String("reason", err.Error()))
	}
	if m.Reject != nil {
		m.Reject(w, r, err)
		return
	}
	res := webhook.Refuse(err)
	w.Header().Set("Content-Type", twiml.ContentType)
	w.WriteHeader(res.Status)
	w.Write(res.TwiML)
}

// signedForm makes r's query, r.Form and r.PostForm hold what the
// signature covered and nothing else: with a PublicURL, the query of the
// request as received was not signed, so it is replaced by the signed
// URL's.
func signedForm(r *http.Request, c *webhook.Call) {
	_, query, _ := strings.Cut(c.URL, "?")
	query, _, _ = strings.Cut(query, "#")
	signed, _ := url.ParseQuery(query) // it was parsed already to be verified
	r.URL.RawQuery = query
	r.PostForm = url.Values{}
	if r.Method == http.MethodPost && c.Params != nil {
		r.PostForm = c.Params
	}
	r.Form = merge(signed, r.PostForm)
}

// merge returns the query values followed by the form values, as
// http.Request.ParseForm arranges r.Form.
func merge(query, form url.Values) url.Values {
	out := url.Values{}
	for k, vs := range form {
		out[k] = append(out[k], vs...)
	}
	for k, vs := range query {
		out[k] = append(out[k], vs...)
	}
	return out
}
