package lambdahandler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/twilioguard/twilioguard/webhook"
)

// templateEvent is the flat object the classic REST API body mapping
// template makes of a form POST: "twilioSignature" holds the
// X-Twilio-Signature header, and every other member is one form field whose
// name and value are still URL-encoded as in the raw body ("+" a space,
// "%2B" a plus). A field sent several times appears as repeated members,
// which are all kept. The event carries no URL: REQUEST_URL gives it. An
// optional "twilioIdempotencyToken" member holds the
// I-Twilio-Idempotency-Token header.
type templateEvent struct {
	templateAnswer
	signature string
	signed    bool // a twilioSignature member was read
	token     string
	form      url.Values
	size      int // of the form as a raw body: what MaxBody caps
}

// UnmarshalJSON reads the members in order, so repeated names survive.
func (e *templateEvent) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("not a JSON object")
	}
	e.form = url.Values{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name := tok.(string) // object keys are always strings
		// A pointer, so that null, which no template writes, is refused.
		var value *string
		if err := dec.Decode(&value); err != nil || value == nil {
			return fmt.Errorf("member %q: want a string", name)
		}
		if err := e.add(name, *value); err != nil {
			return err
		}
	}
	return nil
}

func (e *templateEvent) add(name, value string) error {
	switch name {
	case "twilioSignature":
		if e.signed {
			// As for a repeated header: which copy is checked must
			// not be up to whoever added the second.
			return errors.New(`member "twilioSignature" twice`)
		}
		e.signature, e.signed = value, true
		return nil
	case "twilioIdempotencyToken":
		e.token = value
		return nil
	}
	k, err := url.QueryUnescape(name)
	if err != nil {
		return fmt.Errorf("member name %q: %v", name, err)
	}
	v, err := url.QueryUnescape(value)
	if err != nil {
		return fmt.Errorf("member %q: %v", k, err)
	}
	e.form.Add(k, v)
	e.size += len(name) + len(value) + len("=&")
	return nil
}

func (e *templateEvent) request(maxBody int) (*webhook.Request, error) {
	if e.size > maxBody+1 { // the last pair has no "&"
		return nil, fmt.Errorf("%w: over %d bytes", webhook.ErrTooLarge, maxBody)
	}
	return &webhook.Request{
		Method:           http.MethodPost,
		ContentType:      "application/x-www-form-urlencoded",
		Form:             e.form,
		Signature:        e.signature,
		IdempotencyToken: e.token,
	}, nil
}

// Rejected is the error a mapping-template invocation returns for a refused
// call. Its message starts with "Forbidden", so that an integration
// response with the selection pattern "Forbidden.*" maps it to 403 and
// Twilio sends nothing.
type Rejected struct {
	Status int
	Err    error
}

// Error starts with the status text of the refusal ("Forbidden", "Bad
// Request", ...), which integration responses match on.
func (r *Rejected) Error() string {
	return fmt.Sprintf("%s: %v", http.StatusText(r.Status), r.Err)
}

// Unwrap returns the reason the call was refused.
func (r *Rejected) Unwrap() error { return r.Err }

// templateAnswer answers the way a REST API integration that is not a proxy
// expects, for both mapping-template events.
type templateAnswer struct{}

// reply answers a genuine call with the TwiML as a JSON string, which the
// integration response passes through as the body. A refused call becomes
// a Rejected error.
func (templateAnswer) reply(res webhook.Result) ([]byte, error) {
	if res.Err != nil {
		return nil, &Rejected{Status: res.Status, Err: res.Err}
	}
	return json.Marshal(string(res.TwiML))
}
