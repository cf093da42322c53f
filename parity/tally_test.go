package parity

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/twilioguard/twilioguard/signature"
)

// The known classes of disagreement. README.md says why each is accepted or
// must be fixed.
const (
	classOrder = "artefact: Node sorts by UTF-16 code units, Go by bytes"
	classNorm  = "artefact: Node also accepts a signature over its own normalisation of the URL"
	classPin   = "by design: Go pins a SharedKey to HMAC_SHA256; Node takes the algorithm the header names"
)

// counts are the outcomes of one kind of check.
type counts struct{ accepted, rejected, differ int }

// tally judges checks and keeps the score.
type tally struct {
	t        *testing.T
	seed     uint64
	kinds    map[string]*counts
	classes  map[string]int
	examples map[string]string
	nodeErrs map[string]int
	failures int
}

func newTally(t *testing.T, seed uint64) *tally {
	return &tally{t: t, seed: seed, kinds: map[string]*counts{}, classes: map[string]int{},
		examples: map[string]string{}, nodeErrs: map[string]int{}}
}

func (tl *tally) fail(format string, args ...any) {
	tl.t.Helper()
	if tl.failures++; tl.failures <= 20 {
		tl.t.Errorf("PARITY_SEED=%d: %s", tl.seed, fmt.Sprintf(format, args...))
	}
}

func (tl *tally) count(kind string, ok, differ bool) {
	c := tl.kinds[kind]
	if c == nil {
		c = &counts{}
		tl.kinds[kind] = c
	}
	switch {
	case differ:
		c.differ++
	case ok:
		c.accepted++
	default:
		c.rejected++
	}
}

func (tl *tally) explain(class, example string) {
	if tl.classes[class]++; tl.classes[class] == 1 {
		tl.examples[class] = example
	}
}

// sign compares Sign with getExpectedTwilioSignature for one exact URL.
func (tl *tally) sign(s signCheck, res nodeResult) {
	tl.t.Helper()
	if res.Err != "" {
		tl.fail("getExpectedTwilioSignature threw %q for %q", res.Err, s.url)
		return
	}
	model, got, kind := signNode, signature.Sign, "Sign = getExpectedTwilioSignature"
	if s.sha256 {
		model, got, kind = signNodeSHA256, signature.SignWithSharedKey, "SignWithSharedKey = getExpectedTwilioSignature"
	}
	if res.Sig != model(s.token, s.url, s.params) {
		tl.fail("Node's signature departs from the UTF-16 model for %q %q", s.url, s.params)
	}
	sig := got(s.token, s.url, s.params)
	tl.count(kind, true, sig != res.Sig)
	switch {
	case sig == res.Sig:
	case orderSensitive(s.params):
		tl.explain(classOrder, fmt.Sprintf("Sign: params %q", s.params))
	default:
		tl.fail("%s: %q, %q: got %q, Node computes %q", kind, s.url, s.params, sig, res.Sig)
	}
}

// verdict compares the verdicts on one check and explains a disagreement.
func (tl *tally) verdict(c check, results []nodeResult) {
	tl.t.Helper()
	if c.signedOver >= 0 && !tl.signedOver(&c, results[c.signedOver]) {
		return
	}
	nodeOK, forms := false, []string(nil)
	if c.signedOver >= 0 {
		forms = append(forms, results[c.signedOver].SignedURL)
	}
	for _, op := range c.ops {
		res := results[op]
		nodeOK = nodeOK || res.OK
		forms = append(forms, res.Forms...)
		if res.Err != "" {
			tl.nodeErrs[c.kind+": "+res.Err]++
		}
	}
	goOK := goVerdict(c)
	tl.count(c.kind, goOK, goOK != nodeOK)
	if c.want != anyVerdict && goOK != (c.want == wantAccept) {
		tl.fail("%s: package signature accepted=%v, want %v; %s", c.kind, goOK, !goOK, describe(c))
	}
	if goOK == nodeOK {
		return
	}
	class := classify(c, goOK, nodeOK, forms)
	if class == "" {
		tl.fail("unexplained: %s: Go accepted=%v, Node accepted=%v; %s", c.kind, goOK, nodeOK, describe(c))
		return
	}
	tl.explain(class, c.kind+": "+describe(c))
}

// signedOver fills in the header that Node made over its normalised URL,
// and checks that Sign makes the same one. It reports whether the check can
// go on.
func (tl *tally) signedOver(c *check, res nodeResult) bool {
	tl.t.Helper()
	if res.Err != "" {
		tl.nodeErrs[c.kind+": "+res.Err]++
		return false
	}
	c.header = res.Sig
	if !res.OK {
		tl.fail("%s: Node rejects its own signature over %q; %s", c.kind, res.SignedURL, describe(*c))
	}
	got := signature.Sign(c.tokens[0], res.SignedURL, c.params)
	if got != res.Sig && !orderSensitive(c.params) {
		tl.fail("Sign(%q, %q) = %q, Node computes %q", res.SignedURL, c.params, got, res.Sig)
	}
	return true
}

func goVerdict(c check) bool {
	v, err := signature.NewValidator(c.tokens[0], c.tokens[1:]...)
	if err == nil && c.shared != nil {
		v, err = v.WithSharedKey(c.shared.id, c.shared.secret)
	}
	if err != nil {
		panic(err) // generated tokens are never empty
	}
	if c.settings != "" {
		call := signature.Call{URL: c.url, Params: c.params, Signature: c.header, Settings: c.settings}
		if c.body != nil {
			call = signature.Call{URL: c.url, Body: []byte(*c.body), HashedBody: true,
				Signature: c.header, Settings: c.settings}
		}
		_, err := v.Verify(call)
		return err == nil
	}
	if c.body != nil {
		return v.ValidateBody(c.url, []byte(*c.body), c.header) == nil
	}
	return v.Validate(c.url, c.params, c.header) == nil
}

// classify names the known class that explains a disagreement, or "".
func classify(c check, goOK, nodeOK bool, forms []string) string {
	if orderSensitive(c.params) || orderSensitive(c.signedParams) {
		return classOrder
	}
	if nodeOK && !goOK && c.shared != nil && !strings.Contains(c.settings, "algorithm="+signature.SharedKeyAlgorithm) {
		return classPin
	}
	if nodeOK && !goOK {
		for _, f := range forms {
			alt := c
			alt.url = f
			if goVerdict(alt) {
				return classNorm
			}
		}
	}
	return ""
}

func describe(c check) string {
	s := fmt.Sprintf("url %q, header %q", c.url, c.header)
	if c.body != nil {
		return s + fmt.Sprintf(", body %q", *c.body)
	}
	s += fmt.Sprintf(", params %q", c.params)
	if !maps.EqualFunc(c.params, c.signedParams, slices.Equal) {
		s += fmt.Sprintf(", signed params %q", c.signedParams)
	}
	return s
}

// report logs the score and fails when a class lost its coverage.
func (tl *tally) report(n int) {
	t := tl.t
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%-52s %9s %9s %7s\n", "check", "accepted", "rejected", "differ")
	for _, k := range slices.Sorted(maps.Keys(tl.kinds)) {
		c := tl.kinds[k]
		fmt.Fprintf(&b, "%-52s %9d %9d %7d\n", k, c.accepted, c.rejected, c.differ)
	}
	for _, k := range slices.Sorted(maps.Keys(tl.classes)) {
		fmt.Fprintf(&b, "%6d × %s\n         e.g. %.300s\n", tl.classes[k], k, tl.examples[k])
	}
	for _, k := range slices.Sorted(maps.Keys(tl.nodeErrs)) {
		fmt.Fprintf(&b, "%6d × Node threw: %s\n", tl.nodeErrs[k], k)
	}
	t.Log("\n" + b.String())

	if n < 2000 {
		return
	}
	for _, class := range []string{classOrder, classNorm, classPin} {
		if tl.classes[class] == 0 {
			t.Errorf("PARITY_SEED=%d: no case of %q: the generator lost its coverage", tl.seed, class)
		}
	}
}
