package awstoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// Errors of a read. They name the parameter or secret, never its value, and
// wrap the SDK's error (which holds no value either) when there is one.
var (
	ErrNotFound = errors.New("awstoken: no such parameter or secret")
	ErrRead     = errors.New("awstoken: cannot read the auth token")
	ErrFormat   = errors.New("awstoken: stored value is not an auth token")
	ErrEmpty    = errors.New("awstoken: stored auth token is empty")
)

// SecretJSON is the JSON form of a Secrets Manager secret. A secret whose
// value starts with "{" is read as this object; any other value is the
// token itself. The JSON form lets one secret carry both tokens while
// rotating, and is what the Secrets Manager console's key/value editor
// writes:
//
//	{"AUTH_TOKEN": "primary token", "AUTH_TOKEN_SECONDARY": "new token"}
//
// Other members are ignored. Surrounding white space of a token is dropped
// in either form, as a value stored from a file often ends in a newline.
type SecretJSON struct {
	AuthToken          string `json:"AUTH_TOKEN"`
	AuthTokenSecondary string `json:"AUTH_TOKEN_SECONDARY,omitempty"`
}

// fetch reads every location and returns the tokens, the primary first,
// without blanks or duplicates.
func (s *Source) fetch(ctx context.Context) ([]string, error) {
	var primary []string
	var err error
	if s.loc.Parameter != "" {
		var t string
		t, err = s.parameter(ctx, s.loc.Parameter)
		primary = []string{t}
	} else {
		primary, err = s.secret(ctx, s.loc.Secret)
	}
	if err != nil {
		return nil, err
	}
	if primary[0] == "" {
		return nil, fmt.Errorf("%w: %s", ErrEmpty, s.loc)
	}
	more, err := s.secondaries(ctx)
	if err != nil {
		return nil, err
	}

	var tokens []string
	for _, t := range append(primary, more...) {
		if t != "" && !slices.Contains(tokens, t) {
			tokens = append(tokens, t)
		}
	}
	return tokens, nil
}

// secondaries reads the optional locations; one that does not exist holds
// no token.
func (s *Source) secondaries(ctx context.Context) ([]string, error) {
	var tokens []string
	if name := s.loc.SecondaryParameter; name != "" {
		t, err := s.parameter(ctx, name)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		tokens = append(tokens, t)
	}
	if id := s.loc.SecondarySecret; id != "" {
		ts, err := s.secret(ctx, id)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		tokens = append(tokens, ts...)
	}
	return tokens, nil
}

// parameter reads an SSM parameter with decryption. See
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html
func (s *Source) parameter(ctx context.Context, name string) (string, error) {
	out, err := s.ssm.GetParameter(ctx, &ssm.GetParameterInput{
		Name:           aws.String(name),
		WithDecryption: aws.Bool(true),
	})
	var missing *ssmtypes.ParameterNotFound
	switch {
	case errors.As(err, &missing):
		return "", fmt.Errorf("%w: SSM parameter %q: %w", ErrNotFound, name, err)
	case err != nil:
		return "", fmt.Errorf("%w: SSM parameter %q: %w", ErrRead, name, err)
	case out.Parameter == nil || out.Parameter.Value == nil:
		return "", fmt.Errorf("%w: SSM parameter %q has no value", ErrRead, name)
	}
	return strings.TrimSpace(*out.Parameter.Value), nil
}

// secret reads the current version of a Secrets Manager secret and returns
// its token, or its two tokens for the JSON form. See
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
func (s *Source) secret(ctx context.Context, id string) ([]string, error) {
	out, err := s.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(id),
	})
	var missing *smtypes.ResourceNotFoundException
	switch {
	case errors.As(err, &missing):
		return nil, fmt.Errorf("%w: secret %q: %w", ErrNotFound, id, err)
	case err != nil:
		return nil, fmt.Errorf("%w: secret %q: %w", ErrRead, id, err)
	case out.SecretString == nil:
		return nil, fmt.Errorf("%w: secret %q holds binary data, want a string", ErrFormat, id)
	}
	value := strings.TrimSpace(*out.SecretString)
	if !strings.HasPrefix(value, "{") {
		return []string{value}, nil
	}
	// The decoder's own error is not wrapped: it may quote the value.
	var j SecretJSON
	if json.Unmarshal([]byte(value), &j) != nil || strings.TrimSpace(j.AuthToken) == "" {
		return nil, fmt.Errorf("%w: secret %q is JSON but not an object "+
			"with a non-empty string member AUTH_TOKEN", ErrFormat, id)
	}
	return []string{strings.TrimSpace(j.AuthToken), strings.TrimSpace(j.AuthTokenSecondary)}, nil
}
