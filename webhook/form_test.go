package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/twilioguard/twilioguard/signature"
)

// formBodies are raw bodies url.ParseQuery reads in every way it can, and
// those it refuses; the last one has more pairs than signature decodes
// itself.
var formBodies = []string{
	"",
	"Body=hi&From=%2B15555550100",
	"Body=Hi%21+Are+we+still+on%3F&To=%2b1555&ToCity=SAN+FRANCISCO",
	"a=1&a=1&a=0&b=",
	"&&a=1&&",
	"=v&k",
	"k=&k&k=",
	"k=%e2%82%ac&k=€",
	"a=%zz",
	"a=1;b=2",
	"a=%4",
	"good=1&bad=%g0x&a=%zz",
	strings.Repeat("k=v&", 1200),
}

// verifyDecoded is how Verify checked a form POST before it checked the raw
// body: decode with Params, then check the url.Values.
func verifyDecoded(ctx context.Context, g *Guard, r *Request) (*Call, error) {
	u := g.url(r.URL)
	params, err := r.Params(u)
	if err != nil {
		return nil, err
	}
	m, err := g.check(ctx, signature.Call{URL: u, Params: params,
		Signature: r.Signature, Settings: r.SignatureSettings})
	if err != nil {
		return nil, err
	}
	return &Call{URL: m.URL, Params: params, Body: r.Body, Token: m.Token,
		SharedKey: m.SharedKey}, nil
}

// TestRawFormSameOutcome checks that checking the raw body gives every form
// POST the outcome decoding it first gave: the same call or the same
// error, whatever the body, signature, content type and token source.
func TestRawFormSameOutcome(t *testing.T) {
	const u = "https://example.com/sms"
	v := mustValidator(t, "tok")
	guards := map[string]*Guard{
		"validator": {Validator: v},
		"no token":  {Tokens: &rotating{err: errors.New("unreadable")}},
		"rotating":  {Tokens: &rotating{current: mustValidator(t, "old"), next: v}},
	}
	ctypes := []string{formType, formType + "; charset=utf-8", "Application/X-WWW-Form-Urlencoded"}
	ctx := context.Background()
	for gname, g := range guards {
		for _, body := range formBodies {
			params, _ := url.ParseQuery(body)
			for _, sig := range []string{signature.Sign("tok", u, params),
				signature.Sign("forger", u, params), "AAAA"} {
				for _, ct := range ctypes {
					r := &Request{Method: "POST", URL: u, ContentType: ct, Body: []byte(body), Signature: sig}
					got, gotErr := g.Verify(ctx, r)
					want, wantErr := verifyDecoded(ctx, g, r)
					if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
						t.Errorf("%s, %.30q, %s: got %+v, %v; want %+v, %v",
							gname, body, ct, got, gotErr, want, wantErr)
					}
				}
			}
		}
	}
}
