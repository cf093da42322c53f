package lambdahandler

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/webhook"
)

// TestSafeTemplateFromDeploy decodes the event the deploy template's
// mapping template renders (deploy/testdata, signed with the token
// "deploy-fixture-token") and checks the handler accepts it with no
// REQUEST_URL, and refuses it with any other version.
func TestSafeTemplateFromDeploy(t *testing.T) {
	event, err := os.ReadFile("../deploy/testdata/rest-mapping-template-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Guard: &webhook.Guard{
		Validator: mustValidator(t, "deploy-fixture-token"),
		App:       &responder.Responder{},
	}}
	out, err := h.Invoke(context.Background(), event)
	if err != nil || !strings.Contains(string(out), responder.DefaultReply) {
		t.Fatalf("genuine event: got %s, %v; want the TwiML reply", out, err)
	}

	other := strings.Replace(string(event), SafeTemplateVersion, "rest-mapping-template-v2", 1)
	_, err = h.Invoke(context.Background(), []byte(other))
	var r *Rejected
	if !errors.As(err, &r) || r.Status != http.StatusBadRequest || !errors.Is(err, webhook.ErrBadRequest) {
		t.Errorf("unknown version: got %v, want a Bad Request rejection", err)
	}
}
