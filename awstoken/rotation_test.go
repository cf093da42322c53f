package awstoken

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

// TestRefresh rotates the token in SSM: Refresh reads again only once a
// minute has passed, and returns a validator only when the token changed.
func TestRefresh(t *testing.T) {
	t.Parallel()
	m := newMoto(t)
	ctx := context.Background()
	m.putParameter(t, name(t, "token"), "tok-old")
	s, clk, reads := m.source(t, Locations{Parameter: name(t, "token")})

	v, err := s.Validator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkAccepts(t, v, []string{"tok-old"}, []string{"tok-new"})
	if got := s.Refresh(ctx); got != nil {
		t.Error("Refresh right after the first read returned a validator, want nil")
	}

	m.putParameter(t, name(t, "token"), "tok-new")
	steps := []struct {
		advance time.Duration
		fresh   bool // Refresh returns a validator
		reads   int32
	}{
		{0, false, 1},
		{30 * time.Second, false, 1},
		{29 * time.Second, false, 1},
		{time.Second, true, 2}, // a minute after the first read
		{time.Second, false, 2},
		{time.Minute, false, 3}, // read again, unchanged
	}
	for i, st := range steps {
		clk.advance(st.advance)
		got := s.Refresh(ctx)
		if (got != nil) != st.fresh || reads.n.Load() != st.reads {
			t.Fatalf("step %d: got validator %v after %d reads; want %v after %d",
				i, got != nil, reads.n.Load(), st.fresh, st.reads)
		}
		if got != nil {
			checkAccepts(t, got, []string{"tok-new"}, []string{"tok-old"})
		}
	}
	v, _ = s.Validator(ctx)
	checkAccepts(t, v, []string{"tok-new"}, []string{"tok-old"})
}

// TestRefreshFailureKeepsTokens deletes the parameter: the tokens already
// read stay in use.
func TestRefreshFailureKeepsTokens(t *testing.T) {
	t.Parallel()
	m := newMoto(t)
	ctx := context.Background()
	m.putParameter(t, name(t, "token"), "tok-kept")
	s, clk, _ := m.source(t, Locations{Parameter: name(t, "token")})
	if _, err := s.Validator(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := m.ssm.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name(t, "token"))})
	if err != nil {
		t.Fatal(err)
	}
	clk.advance(RefreshInterval)
	if got := s.Refresh(ctx); got != nil {
		t.Error("Refresh after a failed read returned a validator, want nil")
	}
	v, err := s.Validator(ctx)
	if err != nil {
		t.Fatalf("got %v, want the tokens read before", err)
	}
	checkAccepts(t, v, []string{"tok-kept"}, nil)
}

// TestRetryAfterFailure: while the token cannot be read, calls do not each
// become a read, and the token is used as soon as it can be read.
func TestRetryAfterFailure(t *testing.T) {
	t.Parallel()
	m := newMoto(t)
	ctx := context.Background()
	s, clk, reads := m.source(t, Locations{Secret: name(t, "late")})
	for range 5 {
		if _, err := s.Validator(ctx); err == nil {
			t.Fatal("got a validator for a missing secret")
		}
	}
	if n := reads.n.Load(); n != 1 {
		t.Errorf("got %d reads for 5 calls within %v, want 1", n, RetryInterval)
	}
	m.putSecret(t, name(t, "late"), "tok-late")
	if _, err := s.Validator(ctx); err == nil {
		t.Error("read again before RetryInterval passed")
	}
	clk.advance(RetryInterval)
	v, err := s.Validator(ctx)
	if err != nil {
		t.Fatalf("after RetryInterval: %v", err)
	}
	checkAccepts(t, v, []string{"tok-late"}, nil)
}

// TestConcurrentFirstUse: many calls at once on a cold Source make one read.
func TestConcurrentFirstUse(t *testing.T) {
	t.Parallel()
	m := newMoto(t)
	m.putParameter(t, name(t, "token"), "tok-c")
	s, _, reads := m.source(t, Locations{Parameter: name(t, "token")})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := s.Validator(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := reads.n.Load(); n != 1 {
		t.Errorf("got %d reads, want 1", n)
	}
}

type echoApp struct{}

func (echoApp) Respond(_ context.Context, c *webhook.Call) *twiml.Response {
	return &twiml.Response{Messages: []twiml.Message{{Body: c.Params.Get("Body")}}}
}

// TestGuardRotation rotates through a Secrets Manager JSON secret the way
// docs/deploy.md tells an operator to, with a Guard serving calls
// throughout.
func TestGuardRotation(t *testing.T) {
	t.Parallel()
	m := newMoto(t)
	ctx := context.Background()
	secret := name(t, "tokens")
	m.putSecret(t, secret, `{"AUTH_TOKEN":"tok-1"}`)
	s, clk, _ := m.source(t, Locations{Secret: secret})
	g := &webhook.Guard{Tokens: s, App: echoApp{}, PublicURL: hookURL}
	call := func(token string) int {
		return g.Serve(ctx, &webhook.Request{
			Method:      "POST",
			ContentType: "application/x-www-form-urlencoded",
			Body:        []byte(form.Encode()),
			Signature:   signature.Sign(token, hookURL, form),
		}).Status
	}

	steps := []struct {
		what    string
		secret  string // new secret value, "" to keep it
		advance time.Duration
		token   string
		want    int
	}{
		{"before rotation", "", 0, "tok-1", 200},
		{"stage the new token", `{"AUTH_TOKEN":"tok-1","AUTH_TOKEN_SECONDARY":"tok-2"}`, 0, "tok-1", 200},
		{"Twilio signs with it within the minute", "", 10 * time.Second, "tok-2", 403},
		{"after the minute", "", time.Minute, "tok-2", 200},
		{"old still accepted", "", 0, "tok-1", 200},
		{"retire the old token", `{"AUTH_TOKEN":"tok-2"}`, time.Minute, "tok-2", 200},
		{"old accepted until the tokens age", "", time.Minute, "tok-1", 200},
		{"old refused after MaxAge", "", DefaultMaxAge, "tok-1", 403},
		{"new accepted", "", 0, "tok-2", 200},
	}
	for _, st := range steps {
		if st.secret != "" {
			m.putSecret(t, secret, st.secret)
		}
		clk.advance(st.advance)
		if got := call(st.token); got != st.want {
			t.Fatalf("%s: got %d, want %d", st.what, got, st.want)
		}
	}
}

// TestBuild: a custom Build gets the tokens, primary first, and its error
// fails the read.
func TestBuild(t *testing.T) {
	t.Parallel()
	m := newMoto(t)
	m.putSecret(t, name(t, "s"), `{"AUTH_TOKEN":"tok-1","AUTH_TOKEN_SECONDARY":"tok-2"}`)
	s, _, _ := m.source(t, Locations{Secret: name(t, "s")})
	var got []string
	s.Build = func(token string, more ...string) (*signature.Validator, error) {
		got = append([]string{token}, more...)
		return nil, signature.ErrEmptyToken
	}
	if _, err := s.Validator(context.Background()); !errors.Is(err, signature.ErrEmptyToken) {
		t.Errorf("got %v, want Build's error", err)
	}
	if !slices.Equal(got, []string{"tok-1", "tok-2"}) {
		t.Errorf("Build got %q, want [tok-1 tok-2]", got)
	}
}
