//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/twilioguard/twilioguard/internal/motoserver"
	"github.com/twilioguard/twilioguard/internal/testevents"
)

// Where TestTokenFromAWS keeps the auth token in moto_server.
const (
	tokenParameter = "/twilioguard/e2e/auth-token"
	tokenSecret    = "twilioguard/e2e/auth-token"
)

// TestTokenFromAWS runs the bootstrap with the auth token read from
// moto_server on 127.0.0.1, through SSM Parameter Store and through Secrets
// Manager, the endpoint given to it by AWS_ENDPOINT_URL in the emulator's
// environment. With the secret missing, every call is refused with no
// message.
func TestTokenFromAWS(t *testing.T) {
	binaries(t) // skips under -short before moto_server starts
	moto := motoserver.ForTest(t)
	putToken(t, moto)
	aws := motoserver.Env(moto.URL)

	stores := []struct{ name, setting string }{
		{"SSM", "AUTH_TOKEN_PARAMETER=" + tokenParameter},
		{"Secrets Manager", "AUTH_TOKEN_SECRET=" + tokenSecret},
	}
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			e := start(t, append(aws, s.setting, "MASTER_NUMBER="+master, "MEDIA_URL="+mediaURL)...)
			for _, c := range callers {
				form, sig := call(c, httpURL)
				resp := invokeHTTP(t, e, testevents.HTTP(t, form.Encode(), sig, true))
				if resp.StatusCode != c.status {
					t.Errorf("%s: got status %d, want %d", c.name, resp.StatusCode, c.status)
				}
				if got := messages(t, resp.Body); got != c.reply {
					t.Errorf("%s: got messages %q, want %q", c.name, got, c.reply)
				}
			}
			e.checkLogs(t, "auth token: read", `"door":"http-api"`)
		})
	}

	t.Run("secret missing", func(t *testing.T) {
		e := start(t, append(aws, "AUTH_TOKEN_SECRET=twilioguard/e2e/missing",
			"MASTER_NUMBER="+master, "REQUEST_URL="+restURL)...)
		form, sig := call(callers[0], httpURL)
		resp := invokeHTTP(t, e, testevents.HTTP(t, form.Encode(), sig, true))
		if resp.StatusCode != http.StatusInternalServerError || messages(t, resp.Body) != "" {
			t.Errorf("http-api: got %d %q, want 500 and no message", resp.StatusCode, resp.Body)
		}
		form, sig = call(callers[0], restURL)
		status, body := e.invoke(t, templateEvent(t, form, sig))
		if status != http.StatusOK || strings.Contains(string(body), "<Message>") ||
			!strings.Contains(string(body), "Internal Server Error") {
			t.Errorf("mapping template: got %d %s, want a function error "+
				"starting with Internal Server Error", status, body)
		}
		e.checkLogs(t, "cannot read it", "twilioguard/e2e/missing")
	})
}

// putToken stores the e2e token in moto as an SSM SecureString and as a
// Secrets Manager secret in its JSON form.
func putToken(t *testing.T, moto *motoserver.Server) {
	t.Helper()
	ctx := context.Background()
	cfg, err := moto.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(tokenParameter), Value: aws.String(token),
		Type: ssmtypes.ParameterTypeSecureString,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = secretsmanager.NewFromConfig(cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String(tokenSecret), SecretString: aws.String(`{"AUTH_TOKEN":"` + token + `"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
}

// invokeHTTP invokes with an HTTP API event and returns the function's
// reply.
func invokeHTTP(t *testing.T, e *emulator, event []byte) events.APIGatewayV2HTTPResponse {
	t.Helper()
	status, body := e.invoke(t, event)
	var resp events.APIGatewayV2HTTPResponse
	if status != http.StatusOK || json.Unmarshal(body, &resp) != nil {
		t.Fatalf("got emulator status %d, want 200 and an HTTP API reply: %s", status, body)
	}
	return resp
}
