package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/twilioguard/twilioguard/internal/motoserver"
	"github.com/twilioguard/twilioguard/internal/testkit"
	"github.com/twilioguard/twilioguard/responder"
)

func TestTokenSettingErrors(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"none", nil, "AUTH_TOKEN_PARAMETER"},
		{"plain and AWS", map[string]string{"AUTH_TOKEN": "t", "AUTH_TOKEN_PARAMETER": "/p"}, "both set"},
		{"plain secondary and AWS", map[string]string{"AUTH_TOKEN_SECONDARY": "t", "AUTH_TOKEN_SECRET": "s"}, "both set"},
		{"parameter and secret", map[string]string{"AUTH_TOKEN_PARAMETER": "/p", "AUTH_TOKEN_SECRET": "s"},
			"keep the auth token in one place"},
		{"secondary only", map[string]string{"AUTH_TOKEN_SECONDARY_PARAMETER": "/p"}, "no token location"},
	}
	for _, tt := range tests {
		for _, cmd := range [][]string{{"lambda"}, {"serve", "-addr", "127.0.0.1:0"}} {
			t.Run(tt.name+"/"+cmd[0], func(t *testing.T) {
				code, _, errs := runCmd(context.Background(), tt.vars, cmd...)
				if code != 2 || !strings.Contains(errs, tt.want) {
					t.Errorf("got exit %d, stderr %q; want exit 2 mentioning %q", code, errs, tt.want)
				}
			})
		}
	}
}

// TestServeTokenFromAWS serves with the auth token read from moto_server
// through SSM and through Secrets Manager, and with a secret that does not
// exist: then every call is refused with no message.
func TestServeTokenFromAWS(t *testing.T) {
	srv := motoserver.ForTest(t)
	for _, kv := range motoserver.Env(srv.URL) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	ctx := context.Background()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String("/twilioguard/cmd-test"), Value: aws.String("tok-ssm-3f9a"),
		Type: ssmtypes.ParameterTypeSecureString,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = secretsmanager.NewFromConfig(cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("twilioguard/cmd-test"), SecretString: aws.String("tok-sm-77c1"),
	})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, variable, location, token string
		wantLog                         string
		calls                           []sendCase
	}{
		{"SSM", "AUTH_TOKEN_PARAMETER", "/twilioguard/cmd-test", "tok-ssm-3f9a", "auth token: read",
			[]sendCase{{"tok-ssm-3f9a", 0, responder.MasterReply}, {"tok-sm-77c1", 1, "<Response/>"}}},
		{"Secrets Manager", "AUTH_TOKEN_SECRET", "twilioguard/cmd-test", "tok-sm-77c1", "auth token: read",
			[]sendCase{{"tok-sm-77c1", 0, responder.MasterReply}, {"tok-ssm-3f9a", 1, "<Response/>"}}},
		{"missing secret", "AUTH_TOKEN_SECRET", "twilioguard/missing", "", "cannot read it",
			[]sendCase{{"tok-sm-77c1", 1, "<Response/>"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{tt.variable: tt.location, "MASTER_NUMBER": "+15555550123"}
			logs := serveWith(t, vars, func(url string) {
				for _, c := range tt.calls {
					code, out, errs := runCmd(ctx, nil, "send", "-url", url, "-token", c.token,
						"-from", "+15555550123", "-body", "secret")
					if code != c.code || !strings.Contains(out, c.want) {
						t.Errorf("send with %s: got exit %d, %q (%s); want exit %d with %q",
							c.token, code, out, errs, c.code, c.want)
					}
				}
			})
			if !strings.Contains(logs, tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, logs)
			}
			for _, tok := range []string{"tok-ssm-3f9a", "tok-sm-77c1"} {
				if strings.Contains(logs, tok) {
					t.Errorf("log leaks a token:\n%s", logs)
				}
			}
		})
	}
}

type sendCase struct {
	token string
	code  int
	want  string
}

// serveWith runs "serve" with vars, calls try with its URL, shuts it down
// and returns its log.
func serveWith(t *testing.T, vars map[string]string, try func(url string)) string {
	t.Helper()
	addr := testkit.FreeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stderr testkit.SyncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, env{
			args:   []string{"twilioguard", "serve", "-addr", addr},
			stdin:  strings.NewReader(""),
			stdout: &testkit.SyncBuffer{},
			stderr: &stderr,
			getenv: environ(vars),
		})
	}()
	// Wait for the port, not the "listening" line: LOG_LEVEL may hide it.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			break
		}
	}
	try("http://" + addr + "/sms")
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
	return stderr.String()
}
