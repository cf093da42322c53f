package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/twilioguard/twilioguard/dynamostore"
	"github.com/twilioguard/twilioguard/internal/motoserver"
	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/twiliotest"
	"github.com/twilioguard/twilioguard/webhook"
)

// awsEnv points the AWS SDK of this process at url with dummy
// credentials and no metadata service; "" leaves the endpoint unset.
func awsEnv(t *testing.T, url string) {
	t.Helper()
	for _, kv := range motoserver.Env(url) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

func TestDedupeSettings(t *testing.T) {
	awsEnv(t, "")
	tests := []struct {
		window, table string
		want          string // the store's kind, or part of the error
		wantWindow    time.Duration
	}{
		{"", "", "memory", time.Hour},
		{"24h", "", "memory", 24 * time.Hour},
		{"0", "", "off", 0},
		{"", "deliveries", "dynamodb", time.Hour},
		{"48h", "deliveries", "dynamodb", 48 * time.Hour},
		{"30s", "", "at least 1m", 0},
		{"-1h", "", "at least 1m", 0},
		{"a day", "", "at least 1m", 0},
		{"0", "deliveries", "turns the duplicate check off", 0},
	}
	for _, tt := range tests {
		d := dedupe{tt.window, tt.table}
		store, err := d.store(context.Background())
		var got string
		var window time.Duration
		switch s := store.(type) {
		case *webhook.MemoryStore:
			got, window = "memory", s.Window
		case *dynamostore.Store:
			got, window = "dynamodb", s.Window
		case nil:
			got = "off"
		}
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tt.want) || window != tt.wantWindow {
			t.Errorf("DEDUPE_WINDOW=%q DEDUPE_TABLE=%q: got %s %v, want %s %v",
				tt.window, tt.table, got, window, tt.want, tt.wantWindow)
		}
		if err == nil && !strings.HasPrefix(d.String(), tt.want) {
			t.Errorf("DEDUPE_WINDOW=%q DEDUPE_TABLE=%q: logged as %q, want %q",
				tt.window, tt.table, d.String(), tt.want)
		}
	}
	for _, cmd := range [][]string{{"lambda"}, {"serve", "-addr", "127.0.0.1:0"}} {
		code, _, errs := runCmd(context.Background(),
			map[string]string{"AUTH_TOKEN": "t", "DEDUPE_WINDOW": "5s"}, cmd...)
		if code != 2 || !strings.Contains(errs, "DEDUPE_WINDOW") {
			t.Errorf("%s with DEDUPE_WINDOW=5s: got exit %d, %q; want exit 2 naming it", cmd[0], code, errs)
		}
	}
}

// TestServeDuplicates runs serve with the duplicate check in memory and in
// DynamoDB (moto_server), and delivers one message twice: the second
// delivery gets the first reply, logged as a duplicate.
func TestServeDuplicates(t *testing.T) {
	const token, master = "tok-dedupe-51c2", "+15555550123"
	tests := []struct {
		name  string
		table bool
	}{
		{"memory", false},
		{"dynamodb", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"AUTH_TOKEN": token, "MASTER_NUMBER": master}
			if tt.table {
				srv := motoserver.ForTest(t)
				awsEnv(t, srv.URL)
				vars["DEDUPE_TABLE"] = createTable(t, "twilioguard-deliveries")
			}
			form := twiliotest.InboundSMS(master, "+15555550111", "secret")
			var replies []string
			logs := serveWith(t, vars, func(url string) {
				for range 2 {
					replies = append(replies, post(t, token, url, form))
				}
			})
			if replies[0] != replies[1] || !strings.Contains(replies[0], responder.MasterReply) {
				t.Errorf("got replies %q, want the MMS twice", replies)
			}
			if n := strings.Count(logs, "duplicate=true"); n != 1 {
				t.Errorf("%d log lines mark a duplicate, want 1:\n%s", n, logs)
			}
			if want := "dedupe=" + tt.name; !strings.Contains(logs, want) {
				t.Errorf("log lacks %q:\n%s", want, logs)
			}
		})
	}
}

// post sends a genuine call of form to url and returns the reply, failing
// on any status but 200.
func post(t *testing.T, token, url string, form map[string][]string) string {
	t.Helper()
	req, err := twiliotest.NewRequest(token, url, form)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Errorf("got %s %s, want 200", resp.Status, body)
	}
	return string(body)
}

// createTable creates a deliveries table as package dynamostore
// documents it, through the endpoint the environment names.
func createTable(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := dynamostore.CreateTable(ctx, dynamodb.NewFromConfig(cfg), name); err != nil {
		t.Fatal(err)
	}
	return name
}
