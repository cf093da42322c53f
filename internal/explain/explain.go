// Package explain finds out why a genuine Twilio call fails validation. It
// tries the variants of the call that real deployments are known to produce
// (another scheme, a missing API Gateway stage, a trailing slash, a lost or
// re-encoded query, trimmed values, ...) and names the one whose signature
// matches, with the setting that fixes it. Each cause has an entry in
// docs/troubleshooting.md.
package explain

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/webhook"
)

// A Finding is a variant of the call that verifies.
type Finding struct {
	URL   string // the URL the signature covers
	Token int    // the token that verified it
	Cause string // what differs between the call as received and as signed
	Fix   string // what to change
	Entry string // the anchor of the entry in docs/troubleshooting.md
}

// stages are API Gateway stage names worth trying when the event does not
// say which stage the call came through.
var stages = []string{"prod", "production", "dev", "stage", "staging", "test", "v1", "live", "default"}

// A variant is one guess at what Twilio signed.
type variant struct {
	url    string
	params url.Values
	cause  string
	entry  string
}

// Explain returns the first variant of r that v verifies. base is the URL
// the call was checked against; more are other URLs the front door could
// have rebuilt (from other headers or event fields), tried as they are.
func Explain(v *signature.Validator, r *webhook.Request, base string, more []string) (Finding, bool) {
	params, _ := r.Params(base)
	for _, vr := range variants(base, params, more) {
		m, err := check(v, r, vr)
		if err != nil {
			continue
		}
		if vr.entry != "values" {
			if cause, entry := describe(base, vr.url); entry != "" {
				vr.cause, vr.entry = cause, entry
			}
		}
		return finding(vr, m), true
	}
	return Finding{}, false
}

// describe names what differs between the URL the call was checked against
// and the URL Twilio signed, whichever guess found the latter.
func describe(checked, signed string) (cause, entry string) {
	cs, ca, cp, cq, ok1 := split(checked)
	ss, sa, sp, sq, ok2 := split(signed)
	if !ok1 || !ok2 {
		return "", ""
	}
	var causes []string
	add := func(e, c string) {
		if entry == "" {
			entry = e
		}
		causes = append(causes, c)
	}
	if cs != ss {
		add("scheme", fmt.Sprintf("the scheme differs: Twilio called %s, the check used %s "+
			"(a proxy or tunnel terminated TLS)", ss, cs))
	}
	switch {
	case ca == sa:
	case strings.EqualFold(ca, sa):
		add("host", fmt.Sprintf("the host name's case differs: Twilio called %s, the check used %s", sa, ca))
	default:
		add("url", fmt.Sprintf("the host differs: Twilio called %s, the check used %s", sa, ca))
	}
	switch {
	case cp == sp:
	case strings.TrimSuffix(cp, "/") == strings.TrimSuffix(sp, "/"):
		add("trailing-slash", "a trailing slash was added or dropped")
	case strings.HasSuffix(sp, cp) || strings.HasSuffix(cp, sp):
		add("stage", fmt.Sprintf("the path differs by a prefix: Twilio called %s, the check used %s "+
			"(an API Gateway stage or base path)", sp, cp))
	default:
		add("url", fmt.Sprintf("the path differs: Twilio called %s, the check used %s", sp, cp))
	}
	if cq != sq {
		add("query", "the query string was dropped or re-encoded")
	}
	return strings.Join(causes, "; and "), entry
}

func check(v *signature.Validator, r *webhook.Request, vr variant) (signature.Match, error) {
	if _, ok := signature.BodyHashParam(vr.url); ok && r.Method != "GET" {
		return v.CheckBody(vr.url, r.Body, r.Signature)
	}
	if r.Method == "GET" {
		return v.Check(vr.url, nil, r.Signature)
	}
	return v.Check(vr.url, vr.params, r.Signature)
}

func finding(vr variant, m signature.Match) Finding {
	f := Finding{URL: m.URL, Token: m.Token, Cause: vr.cause, Entry: vr.entry}
	switch vr.entry {
	case "values":
		f.Fix = "something between Twilio and this check changes parameter values " +
			"(trimming spaces): validate the raw body"
	default:
		f.Fix = "set REQUEST_URL=" + m.URL + " (the URL configured in Twilio)"
	}
	return f
}

// variants lists the guesses in order: single changes first, then pairs.
func variants(base string, params url.Values, more []string) []variant {
	var out []variant
	add := func(u, cause, entry string) {
		if u != base {
			out = append(out, variant{u, params, cause, entry})
		}
	}
	for _, m := range more {
		add(m, "the URL was rebuilt from other parts of the request than Twilio called", "url")
	}
	for _, t := range transforms {
		for _, u := range t.apply(base) {
			add(u, t.cause, t.entry)
		}
	}
	for _, t := range transforms {
		for _, u := range t.apply(base) {
			for _, t2 := range transforms {
				if t2.entry == t.entry {
					continue
				}
				for _, u2 := range t2.apply(u) {
					add(u2, t.cause+"; and "+t2.cause, t.entry)
				}
			}
		}
	}
	if trimmed, changed := trim(params); changed {
		out = append(out, variant{base, trimmed, "parameter values were trimmed after Twilio signed them", "values"})
	}
	return out
}

func trim(params url.Values) (url.Values, bool) {
	out, changed := url.Values{}, false
	for k, vs := range params {
		for _, v := range vs {
			t := strings.TrimSpace(v)
			changed = changed || t != v
			out.Add(k, t)
		}
	}
	return out, changed
}

// A transform turns a URL into the URLs a known fault would have made of it.
type transform struct {
	entry, cause string
	apply        func(string) []string
}

var transforms = []transform{
	{"scheme", "the scheme differs (a proxy or tunnel terminated TLS)", swapScheme},
	{"stage", "the API Gateway stage or base path is missing or extra in the path", stagePaths},
	{"trailing-slash", "a trailing slash was added or dropped", toggleSlash},
	{"query", "the query string was dropped or re-encoded", queryForms},
	{"host", "the host name's case differs", lowerHost},
}

func split(u string) (scheme, authority, path, query string, ok bool) {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return "", "", "", "", false
	}
	rest, query, _ = strings.Cut(rest, "?")
	authority, path = rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	return scheme, authority, path, query, true
}

func join(scheme, authority, path, query string) string {
	u := scheme + "://" + authority + path
	if query != "" {
		u += "?" + query
	}
	return u
}

func swapScheme(u string) []string {
	switch {
	case strings.HasPrefix(u, "http://"):
		return []string{"https://" + strings.TrimPrefix(u, "http://")}
	case strings.HasPrefix(u, "https://"):
		return []string{"http://" + strings.TrimPrefix(u, "https://")}
	}
	return nil
}

func stagePaths(u string) []string {
	scheme, auth, path, query, ok := split(u)
	if !ok {
		return nil
	}
	var out []string
	if i := strings.IndexByte(strings.TrimPrefix(path, "/"), '/'); i >= 0 {
		out = append(out, join(scheme, auth, path[i+1:], query)) // a base path too many
	}
	for _, s := range stages {
		out = append(out, join(scheme, auth, "/"+s+path, query))
	}
	return out
}

func toggleSlash(u string) []string {
	scheme, auth, path, query, ok := split(u)
	if !ok {
		return nil
	}
	if strings.HasSuffix(path, "/") && path != "/" {
		return []string{join(scheme, auth, strings.TrimSuffix(path, "/"), query)}
	}
	return []string{join(scheme, auth, path+"/", query)}
}

func queryForms(u string) []string {
	scheme, auth, path, query, ok := split(u)
	if !ok || query == "" {
		return nil
	}
	out := []string{join(scheme, auth, path, "")}
	if q, err := url.ParseQuery(query); err == nil {
		out = append(out, join(scheme, auth, path, q.Encode()))
	}
	return append(out,
		join(scheme, auth, path, strings.ReplaceAll(query, "+", "%20")),
		join(scheme, auth, path, strings.ReplaceAll(query, "%20", "+")))
}

func lowerHost(u string) []string {
	scheme, auth, path, query, ok := split(u)
	if !ok || strings.ToLower(auth) == auth {
		return nil
	}
	return []string{join(scheme, strings.ToLower(auth), path, query)}
}

// Describe explains err, a refusal by the Guard, in a sentence for a user.
func Describe(err error) string {
	switch {
	case errors.Is(err, signature.ErrMissing):
		return "the request has no X-Twilio-Signature header: it did not come from Twilio, " +
			"or a proxy dropped the header"
	case errors.Is(err, signature.ErrMalformed):
		return "the X-Twilio-Signature header is not a Twilio signature"
	case errors.Is(err, signature.ErrBodyHash):
		return "the URL's signature matches, but the body was changed after Twilio hashed it " +
			"(hash the raw bytes, not re-serialized JSON)"
	case errors.Is(err, signature.ErrNoBodyHash):
		return "a JSON body needs bodySHA256 in the URL; Twilio adds it to the URL it signs"
	}
	return fmt.Sprint(err)
}
