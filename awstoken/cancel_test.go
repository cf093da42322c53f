package awstoken

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/twilioguard/twilioguard/signature"
)

// TestCancelledCallerStillRotates: a caller whose context is already
// cancelled (a client that hung up) must not cut the re-read short, or a
// rotated-out token would stay valid for another MaxAge.
func TestCancelledCallerStillRotates(t *testing.T) {
	f := &ctxSSM{value: "tok-leaked"}
	now := time.Unix(1_700_000_000, 0)
	s := &Source{loc: Locations{Parameter: "p"}, ssm: f, Now: func() time.Time { return now }}
	if _, err := s.Validator(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.value = "tok-new"
	now = now.Add(DefaultMaxAge)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	v, err := s.Validator(cancelled)
	if err != nil {
		t.Fatal(err)
	}
	const u = "https://example.com/sms"
	if v.Validate(u, nil, signature.Sign("tok-leaked", u, nil)) == nil {
		t.Error("the rotated-out token is still accepted after a re-read by a cancelled caller")
	}
}

// TestFailedReReadRetriesSoon: after a failed MaxAge re-read the tokens
// held stay in use, and the next read comes RetryInterval later, not a
// whole MaxAge later.
func TestFailedReReadRetriesSoon(t *testing.T) {
	f := &ctxSSM{value: "tok-old"}
	now := time.Unix(1_700_000_000, 0)
	s := &Source{loc: Locations{Parameter: "p"}, ssm: f, Now: func() time.Time { return now }}
	if _, err := s.Validator(context.Background()); err != nil {
		t.Fatal(err)
	}
	const u = "https://example.com/sms"
	valid := func(tok string) bool {
		v, err := s.Validator(context.Background())
		return err == nil && v.Validate(u, nil, signature.Sign(tok, u, nil)) == nil
	}
	f.fail, now = true, now.Add(DefaultMaxAge)
	if !valid("tok-old") {
		t.Fatal("a failed re-read dropped the tokens held")
	}
	f.fail, f.value, now = false, "tok-new", now.Add(RetryInterval)
	if !valid("tok-new") || valid("tok-old") {
		t.Error("RetryInterval after a failed re-read, the new token is not in use")
	}
}

// ctxSSM answers GetParameter with value, and fails as a real client does
// when the context is done.
type ctxSSM struct {
	value string
	fail  bool
}

func (f *ctxSSM) GetParameter(ctx context.Context, in *ssm.GetParameterInput,
	_ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.fail {
		return nil, errors.New("AWS is unreachable")
	}
	return &ssm.GetParameterOutput{Parameter: &types.Parameter{Value: aws.String(f.value)}}, nil
}
