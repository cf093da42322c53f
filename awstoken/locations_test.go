package awstoken

import (
	"context"
	"errors"
	"testing"

	"github.com/twilioguard/twilioguard/internal/motoserver"
)

func TestLocations(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want error
		str  string
	}{
		{"none", nil, ErrNoLocation, "none"},
		{"parameter", map[string]string{EnvParameter: "/tg/token"}, nil, "ssm:/tg/token"},
		{"secret", map[string]string{EnvSecret: "tg/token"}, nil, "secretsmanager:tg/token"},
		{"both", map[string]string{EnvParameter: "/p", EnvSecret: "s"}, ErrTwoLocations, "ssm:/p"},
		{"secondary only", map[string]string{EnvSecondaryParameter: "/p2"}, ErrNoLocation, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := FromEnv(func(k string) string { return tt.env[k] })
			if err := loc.Check(); !errors.Is(err, tt.want) {
				t.Errorf("Check: got %v, want %v", err, tt.want)
			}
			if loc.IsZero() != (len(tt.env) == 0) {
				t.Errorf("IsZero: got %v for %v", loc.IsZero(), tt.env)
			}
			if got := loc.String(); got != tt.str {
				t.Errorf("String: got %q, want %q", got, tt.str)
			}
			if tt.want != nil {
				if _, err := Load(context.Background(), loc); !errors.Is(err, tt.want) {
					t.Errorf("Load: got %v, want %v", err, tt.want)
				}
			}
		})
	}
}

// TestLoadEndpointFromEnv: Load honours the SDK's endpoint variables, the
// shared one and each service's own.
func TestLoadEndpointFromEnv(t *testing.T) {
	m := newMoto(t)
	m.putParameter(t, name(t, "p"), "tok-p")
	m.putSecret(t, name(t, "s"), "tok-s")
	url := motoserver.Shared(t).URL
	tests := []struct {
		name, variable string
		loc            Locations
		token          string
	}{
		{"SSM, shared variable", "AWS_ENDPOINT_URL", Locations{Parameter: name(t, "p")}, "tok-p"},
		{"SSM, own variable", "AWS_ENDPOINT_URL_SSM", Locations{Parameter: name(t, "p")}, "tok-p"},
		{"secret, shared variable", "AWS_ENDPOINT_URL", Locations{Secret: name(t, "s")}, "tok-s"},
		{"secret, own variable", "AWS_ENDPOINT_URL_SECRETS_MANAGER", Locations{Secret: name(t, "s")}, "tok-s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(tt.variable, url)
			s, err := Load(context.Background(), tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			v, err := s.Validator(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			checkAccepts(t, v, []string{tt.token}, []string{"wrong"})
		})
	}
}
