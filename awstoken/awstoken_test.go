package awstoken

import (
	"context"
	"errors"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/twilioguard/twilioguard/internal/motoserver"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

// These tests read through the real AWS SDK from moto_server on 127.0.0.1.
// TestMain gives the process dummy credentials and disables the instance
// metadata service, so that the SDK never looks beyond the emulator.
func TestMain(m *testing.M) { motoserver.Main(m) }

// moto is the emulator: its SDK configuration, and clients to set up the
// parameters and secrets a test reads.
type moto struct {
	cfg aws.Config
	ssm *ssm.Client
	sm  *secretsmanager.Client
}

func newMoto(t *testing.T) *moto {
	t.Helper()
	srv := motoserver.Shared(t)
	cfg := configFor(t, srv.URL)
	return &moto{cfg, ssm.NewFromConfig(cfg), secretsmanager.NewFromConfig(cfg)}
}

// configFor is the SDK configuration for the endpoint url, with the
// environment TestMain set.
func configFor(t *testing.T, url string) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithBaseEndpoint(url))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// name makes a parameter or secret name of its own for each test, so that
// tests sharing the emulator do not see each other's values.
func name(t *testing.T, suffix string) string {
	return "/twilioguard-test/" + regexp.MustCompile(`[^A-Za-z0-9_.-]+`).
		ReplaceAllString(t.Name(), "_") + "/" + suffix
}

func (m *moto) putParameter(t *testing.T, name, value string) {
	t.Helper()
	_, err := m.ssm.PutParameter(context.Background(), &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(value),
		Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
}

// putSecret creates the secret or adds a new current version, and returns
// its ARN.
func (m *moto) putSecret(t *testing.T, name, value string) string {
	t.Helper()
	ctx := context.Background()
	put, err := m.sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(name), SecretString: aws.String(value),
	})
	if err == nil {
		return *put.ARN
	}
	out, err := m.sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String(name), SecretString: aws.String(value),
	})
	if err != nil {
		t.Fatal(err)
	}
	return *out.ARN
}

// clock is a fake clock that tests move forward.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// counting counts the reads a Source makes.
type counting struct {
	parameterGetter
	secretGetter
	n atomic.Int32
}

func (c *counting) GetParameter(ctx context.Context, in *ssm.GetParameterInput,
	opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	c.n.Add(1)
	return c.parameterGetter.GetParameter(ctx, in, opts...)
}

func (c *counting) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput,
	opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.n.Add(1)
	return c.secretGetter.GetSecretValue(ctx, in, opts...)
}

// source returns a Source on the emulator with a fake clock, counting its
// reads.
func (m *moto) source(t *testing.T, loc Locations) (*Source, *clock, *counting) {
	t.Helper()
	s, err := New(m.cfg, loc)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	n := &counting{parameterGetter: s.ssm, secretGetter: s.sm}
	s.Now, s.ssm, s.sm = c.Now, n, n
	return s, c, n
}

const hookURL = "https://example.com/sms"

var form = url.Values{"Body": {"hello"}, "From": {"+15555550199"}}

// accepts reports whether v accepts a call signed with token.
func accepts(v *signature.Validator, token string) bool {
	return v != nil && v.Validate(hookURL, form, signature.Sign(token, hookURL, form)) == nil
}

func checkAccepts(t *testing.T, v *signature.Validator, want, refuse []string) {
	t.Helper()
	for _, tok := range want {
		if !accepts(v, tok) {
			t.Errorf("token %q refused, want accepted", tok)
		}
	}
	for _, tok := range refuse {
		if accepts(v, tok) {
			t.Errorf("token %q accepted, want refused", tok)
		}
	}
}

func TestRead(t *testing.T) {
	t.Parallel()
	m := newMoto(t)
	tests := []struct {
		name   string
		setup  func(t *testing.T) Locations
		accept []string
	}{
		{"SSM SecureString", func(t *testing.T) Locations {
			m.putParameter(t, name(t, "token"), "tok-ssm")
			return Locations{Parameter: name(t, "token")}
		}, []string{"tok-ssm"}},
		{"SSM with secondary", func(t *testing.T) Locations {
			m.putParameter(t, name(t, "a"), "tok-a")
			m.putParameter(t, name(t, "b"), "tok-b")
			return Locations{Parameter: name(t, "a"), SecondaryParameter: name(t, "b")}
		}, []string{"tok-a", "tok-b"}},
		{"SSM missing secondary is none", func(t *testing.T) Locations {
			m.putParameter(t, name(t, "a"), "tok-a")
			return Locations{Parameter: name(t, "a"), SecondaryParameter: name(t, "gone")}
		}, []string{"tok-a"}},
		{"secret plain", func(t *testing.T) Locations {
			m.putSecret(t, name(t, "s"), "tok-plain")
			return Locations{Secret: name(t, "s")}
		}, []string{"tok-plain"}},
		{"secret plain with newline", func(t *testing.T) Locations {
			m.putSecret(t, name(t, "s"), "tok-nl\n")
			return Locations{Secret: name(t, "s")}
		}, []string{"tok-nl"}},
		{"secret by ARN", func(t *testing.T) Locations {
			return Locations{Secret: m.putSecret(t, name(t, "s"), "tok-arn")}
		}, []string{"tok-arn"}},
		{"secret JSON, both tokens", func(t *testing.T) Locations {
			m.putSecret(t, name(t, "s"), `{"AUTH_TOKEN":"tok-1","AUTH_TOKEN_SECONDARY":"tok-2","note":"x"}`)
			return Locations{Secret: name(t, "s")}
		}, []string{"tok-1", "tok-2"}},
		{"secret JSON, one token", func(t *testing.T) Locations {
			m.putSecret(t, name(t, "s"), `{"AUTH_TOKEN":"tok-1"}`)
			return Locations{Secret: name(t, "s")}
		}, []string{"tok-1"}},
		{"secret with secondary secret", func(t *testing.T) Locations {
			m.putSecret(t, name(t, "a"), "tok-a")
			m.putSecret(t, name(t, "b"), "tok-b")
			return Locations{Secret: name(t, "a"), SecondarySecret: name(t, "b")}
		}, []string{"tok-a", "tok-b"}},
		{"parameter with secondary secret", func(t *testing.T) Locations {
			m.putParameter(t, name(t, "a"), "tok-a")
			m.putSecret(t, name(t, "b"), "tok-b")
			return Locations{Parameter: name(t, "a"), SecondarySecret: name(t, "b")}
		}, []string{"tok-a", "tok-b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _, _ := m.source(t, tt.setup(t))
			v, err := s.Validator(context.Background())
			if err != nil {
				t.Fatalf("got error %v, want a validator", err)
			}
			checkAccepts(t, v, tt.accept, []string{"wrong"})
		})
	}
}

// TestReadFailures covers each way a read fails: the error says why without
// the token, and a Guard refuses the call with 500 and no message.
func TestReadFailures(t *testing.T) {
	t.Parallel()
	m := newMoto(t)
	closed := closedPort(t)
	tests := []struct {
		name  string
		setup func(t *testing.T) (Locations, aws.Config)
		want  error
	}{
		{"missing parameter", func(t *testing.T) (Locations, aws.Config) {
			return Locations{Parameter: name(t, "missing")}, m.cfg
		}, ErrNotFound},
		{"missing secret", func(t *testing.T) (Locations, aws.Config) {
			return Locations{Secret: name(t, "missing")}, m.cfg
		}, ErrNotFound},
		{"secondary secret malformed", func(t *testing.T) (Locations, aws.Config) {
			m.putParameter(t, name(t, "a"), "tok-a")
			m.putSecret(t, name(t, "b"), `{"AUTH_TOKEN": tok-leak}`)
			return Locations{Parameter: name(t, "a"), SecondarySecret: name(t, "b")}, m.cfg
		}, ErrFormat},
		{"secret JSON not JSON", func(t *testing.T) (Locations, aws.Config) {
			m.putSecret(t, name(t, "s"), `{tok-leak`)
			return Locations{Secret: name(t, "s")}, m.cfg
		}, ErrFormat},
		{"secret JSON without AUTH_TOKEN", func(t *testing.T) (Locations, aws.Config) {
			m.putSecret(t, name(t, "s"), `{"token":"tok-leak"}`)
			return Locations{Secret: name(t, "s")}, m.cfg
		}, ErrFormat},
		{"secret binary", func(t *testing.T) (Locations, aws.Config) {
			_, err := m.sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
				Name: aws.String(name(t, "s")), SecretBinary: []byte("tok-leak"),
			})
			if err != nil {
				t.Fatal(err)
			}
			return Locations{Secret: name(t, "s")}, m.cfg
		}, ErrFormat},
		{"secret blank", func(t *testing.T) (Locations, aws.Config) {
			m.putSecret(t, name(t, "s"), " \n")
			return Locations{Secret: name(t, "s")}, m.cfg
		}, ErrEmpty},
		{"endpoint unreachable (SSM)", func(t *testing.T) (Locations, aws.Config) {
			cfg := configFor(t, closed)
			return Locations{Parameter: "/twilioguard/auth-token"}, cfg
		}, ErrRead},
		{"endpoint unreachable (Secrets Manager)", func(t *testing.T) (Locations, aws.Config) {
			cfg := configFor(t, closed)
			return Locations{Secret: "twilioguard/auth-token"}, cfg
		}, ErrRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc, cfg := tt.setup(t)
			s, err := New(cfg, loc)
			if err != nil {
				t.Fatal(err)
			}
			s.Timeout = 2 * time.Second
			start := time.Now()
			v, err := s.Validator(context.Background())
			if v != nil || !errors.Is(err, tt.want) {
				t.Fatalf("got %v, %v; want no validator and %v", v, err, tt.want)
			}
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("the failed read took %v, want it bounded by the 2s timeout", took)
			}
			if strings.Contains(err.Error(), "tok-") {
				t.Errorf("error leaks the stored value: %v", err)
			}
			checkGuardRefuses(t, s)
		})
	}
}

// checkGuardRefuses checks that a Guard on s refuses a correctly signed
// call as an internal error, with no message.
func checkGuardRefuses(t *testing.T, s *Source) {
	t.Helper()
	g := &webhook.Guard{Tokens: s, App: noApp{t}, PublicURL: hookURL}
	res := g.Serve(context.Background(), &webhook.Request{
		Method:      "POST",
		ContentType: "application/x-www-form-urlencoded",
		Body:        []byte(form.Encode()),
		Signature:   signature.Sign("tok-a", hookURL, form),
	})
	if res.Status != 500 || !errors.Is(res.Err, webhook.ErrNoToken) ||
		string(res.TwiML) != string(twiml.Empty) {
		t.Errorf("Guard: got %d %v %q; want 500, ErrNoToken and the empty TwiML",
			res.Status, res.Err, res.TwiML)
	}
}

type noApp struct{ t *testing.T }

func (a noApp) Respond(context.Context, *webhook.Call) *twiml.Response {
	a.t.Error("the App was called for a call that must be refused")
	return nil
}

// closedPort returns the URL of a port on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	ln.Close()
	return u
}
