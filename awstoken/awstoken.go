// Package awstoken reads the Twilio auth token from AWS Systems Manager
// Parameter Store or AWS Secrets Manager and hands it to a webhook.Guard as
// a webhook.TokenSource, so that the token is kept as a secret rather than
// in a plain environment variable, and can be rotated without a redeploy.
//
// Where the tokens live is read from the environment:
//
//	src, err := awstoken.Load(ctx, awstoken.FromEnv(os.Getenv))
//	...
//	g := &webhook.Guard{Tokens: src, App: app}
//
// Load configures the AWS SDK the standard way (AWS_REGION, the credentials
// the Lambda runtime provides, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SSM,
// AWS_ENDPOINT_URL_SECRETS_MANAGER; see
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
//
// A Source reads the tokens on the first call of Validator, which the
// command makes once at start (in Lambda's init phase), and keeps them: one
// read per container and per MaxAge. After a signature mismatch the Guard
// calls Refresh, which reads them again at most once per RefreshInterval, so
// a token rotated in AWS is accepted within a minute of Twilio's first call
// signed with it. A token removed from AWS is refused once the tokens held
// are MaxAge old. While no token could be read, every call is refused with
// webhook.ErrNoToken, and the read is retried at most once per
// RetryInterval; a failed re-read keeps the tokens already held.
//
// No error of this package contains a token.
package awstoken

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/webhook"
)

// Timings of a Source.
const (
	// RefreshInterval is the least time between two reads by Refresh:
	// forged calls, each a mismatch, must not become AWS API calls.
	RefreshInterval = time.Minute
	// RetryInterval is the least time between two reads while no token
	// has been read yet.
	RetryInterval = 5 * time.Second
	// DefaultTimeout bounds one read of all the tokens.
	DefaultTimeout = 5 * time.Second
	// DefaultMaxAge is how long tokens are used before Validator reads
	// them again: the longest a token removed from AWS is still accepted
	// by a running container.
	DefaultMaxAge = 5 * time.Minute
)

// A Source is a webhook.TokenSource holding the tokens read from AWS. It is
// safe for concurrent use; reads are serialised.
type Source struct {
	// Now is the clock; nil means time.Now. Set it before first use.
	Now func() time.Time
	// Timeout bounds one read; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxAge is how long tokens are used before they are read again; 0
	// means DefaultMaxAge.
	MaxAge time.Duration
	// Build makes the validator from the tokens read, the primary first;
	// nil means signature.NewValidator. Set it to add what the tokens
	// alone do not give, such as a Twilio SharedKey.
	Build func(token string, more ...string) (*signature.Validator, error)

	loc Locations
	ssm parameterGetter
	sm  secretGetter

	mu     sync.Mutex
	tokens []string
	v      *signature.Validator
	read   bool      // a read was attempted
	last   time.Time // when it started
	err    error     // why the last read failed, while v is nil
	stale  bool      // the last re-read failed: v is kept, the next read is due sooner
}

var _ webhook.TokenSource = (*Source)(nil)

// The SDK calls a Source makes, so that tests can count them.
type parameterGetter interface {
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

type secretGetter interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput,
		...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Load returns a Source for loc with the AWS SDK configured from the
// environment and the shared configuration files. It makes no network call:
// the tokens are read on first use.
func Load(ctx context.Context, loc Locations) (*Source, error) {
	if err := loc.Check(); err != nil {
		return nil, err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, errors.Join(ErrConfig, err)
	}
	return New(cfg, loc)
}

// New returns a Source for loc that reads with the AWS SDK configured by
// cfg. It makes no network call.
func New(cfg aws.Config, loc Locations) (*Source, error) {
	if err := loc.Check(); err != nil {
		return nil, err
	}
	s := &Source{loc: loc}
	if loc.Parameter != "" || loc.SecondaryParameter != "" {
		s.ssm = ssm.NewFromConfig(cfg)
	}
	if loc.Secret != "" || loc.SecondarySecret != "" {
		s.sm = secretsmanager.NewFromConfig(cfg)
	}
	return s, nil
}

// Validator returns the validator for the tokens as last read. It reads
// them first on the first call, and again when they are MaxAge old. While
// no token could be read it returns the reason, reading again at most once
// per RetryInterval.
func (s *Source) Validator(ctx context.Context) (*signature.Validator, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	age := s.now().Sub(s.last)
	switch {
	case !s.read,
		(s.v == nil || s.stale) && age >= RetryInterval,
		s.v != nil && age >= orDefault(s.MaxAge, DefaultMaxAge):
		s.reload(ctx)
	}
	if s.v == nil {
		return nil, s.err
	}
	return s.v, nil
}

// Refresh reads the tokens again unless it did so less than RefreshInterval
// ago. It returns the new validator when the tokens changed, and nil when
// they did not, when it did not read, or when the read failed: the tokens
// already held stay in use.
func (s *Source) Refresh(ctx context.Context) *signature.Validator {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.read && s.now().Sub(s.last) < RefreshInterval {
		return nil
	}
	before := s.tokens
	if !s.reload(ctx) || slices.Equal(before, s.tokens) {
		return nil
	}
	return s.v
}

// reload reads the tokens and, on success, replaces the validator. It
// reports whether the read succeeded. s.mu must be held.
//
// The read does not end with ctx, only with the Source's own timeout: the
// caller's context is a request's, which its client can cancel at will, and
// a read cut short keeps the old tokens, so a client hanging up at each
// MaxAge would keep a rotated-out token alive. After a failed re-read, the
// next is due RetryInterval later rather than a whole MaxAge.
func (s *Source) reload(ctx context.Context) bool {
	s.read, s.last = true, s.now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), orDefault(s.Timeout, DefaultTimeout))
	defer cancel()

	tokens, err := s.fetch(ctx)
	var v *signature.Validator
	if err == nil {
		build := s.Build
		if build == nil {
			build = signature.NewValidator
		}
		v, err = build(tokens[0], tokens[1:]...)
	}
	if err != nil {
		s.err = err
		s.stale = s.v != nil // keep the tokens held, and retry soon
		return false
	}
	s.tokens, s.v, s.err, s.stale = tokens, v, nil, false
	return true
}

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
