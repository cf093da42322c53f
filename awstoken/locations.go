package awstoken

import (
	"errors"
	"fmt"
)

// The environment variables FromEnv reads.
const (
	// EnvParameter names an SSM Parameter Store SecureString parameter
	// holding the auth token.
	EnvParameter = "AUTH_TOKEN_PARAMETER"
	// EnvSecret is a Secrets Manager secret (name or ARN) holding the auth
	// token, as a plain string or as JSON (see SecretJSON).
	EnvSecret = "AUTH_TOKEN_SECRET"
	// EnvSecondaryParameter names a parameter holding a second accepted
	// token, while rotating.
	EnvSecondaryParameter = "AUTH_TOKEN_SECONDARY_PARAMETER"
	// EnvSecondarySecret is a secret holding a second accepted token.
	EnvSecondarySecret = "AUTH_TOKEN_SECONDARY_SECRET"
)

// Errors of configuration. Errors of a read are ErrRead, ErrFormat and
// ErrEmpty, joined with the SDK's error when there is one.
var (
	ErrNoLocation = errors.New("awstoken: no token location: set " +
		EnvParameter + " or " + EnvSecret)
	ErrTwoLocations = errors.New("awstoken: both " + EnvParameter + " and " +
		EnvSecret + " are set: keep the auth token in one place")
	ErrConfig = errors.New("awstoken: cannot configure the AWS SDK")
)

// Locations says where the tokens are kept. Exactly one of Parameter and
// Secret must be set; the secondary locations are optional.
type Locations struct {
	// Parameter is the name (or ARN) of an SSM Parameter Store parameter,
	// read with decryption: a SecureString, or a String.
	Parameter string
	// Secret is the name or ARN of a Secrets Manager secret. Its current
	// version (AWSCURRENT) is read.
	Secret string
	// SecondaryParameter and SecondarySecret hold a second token to accept
	// while the auth token is rotated. A secondary location that does not
	// exist holds no token; any other failure to read it fails the read.
	SecondaryParameter string
	SecondarySecret    string
}

// FromEnv returns the locations named by the AUTH_TOKEN_* variables of the
// environment getenv reads.
func FromEnv(getenv func(string) string) Locations {
	return Locations{
		Parameter:          getenv(EnvParameter),
		Secret:             getenv(EnvSecret),
		SecondaryParameter: getenv(EnvSecondaryParameter),
		SecondarySecret:    getenv(EnvSecondarySecret),
	}
}

// IsZero reports whether no location at all is set.
func (l Locations) IsZero() bool {
	return l == Locations{}
}

// Check reports whether l names exactly one primary location.
func (l Locations) Check() error {
	switch {
	case l.Parameter != "" && l.Secret != "":
		return ErrTwoLocations
	case l.Parameter == "" && l.Secret == "":
		return ErrNoLocation
	}
	return nil
}

// String names the kind of store of the primary token, for a log line.
func (l Locations) String() string {
	switch {
	case l.Parameter != "":
		return fmt.Sprintf("ssm:%s", l.Parameter)
	case l.Secret != "":
		return fmt.Sprintf("secretsmanager:%s", l.Secret)
	}
	return "none"
}
