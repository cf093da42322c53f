package dynamostore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/twilioguard/twilioguard/internal/motoserver"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiliotest"
	"github.com/twilioguard/twilioguard/twiml"
	"github.com/twilioguard/twilioguard/webhook"
)

// TestMain gives the process dummy credentials and disables the instance
// metadata service, so that the SDK reaches nothing but the emulator on
// 127.0.0.1.
func TestMain(m *testing.M) { motoserver.Main(m) }

// client returns a DynamoDB client of the shared emulator.
func client(t *testing.T) *dynamodb.Client {
	t.Helper()
	return clientAt(t, motoserver.Shared(t).URL)
}

func clientAt(t *testing.T, endpoint string) *dynamodb.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
}

var tables atomic.Int32

// newTable creates a table shaped as the package doc says, with TTL on
// "expires", and returns a Store in it.
func newTable(t *testing.T) *Store {
	t.Helper()
	c := client(t)
	ctx := context.Background()
	name := fmt.Sprintf("deliveries-%d", tables.Add(1))
	if err := CreateTable(ctx, c, name); err != nil {
		t.Fatal(err)
	}
	s, err := New(c, name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// clock is a settable time source.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestClaimAndSave(t *testing.T) {
	s := newTable(t)
	ctx := context.Background()
	if reply, claimed, err := s.Claim(ctx, "message:SM01:received"); err != nil || !claimed || reply != nil {
		t.Fatalf("first claim: got %q %v %v, want claimed", reply, claimed, err)
	}
	if reply, claimed, err := s.Claim(ctx, "message:SM01:received"); err != nil || claimed || reply != nil {
		t.Fatalf("while pending: got %q %v %v, want neither claimed nor a reply", reply, claimed, err)
	}
	if err := s.Save(ctx, "message:SM01:received", twiml.Empty); err != nil {
		t.Fatal(err)
	}
	if reply, claimed, err := s.Claim(ctx, "message:SM01:received"); err != nil || claimed ||
		!bytes.Equal(reply, twiml.Empty) {
		t.Fatalf("after save: got %q %v %v, want the saved reply", reply, claimed, err)
	}
}

// TestItem reads back the item a delivery leaves: the key, the reply, and
// the TTL attribute in epoch seconds at the end of the window.
func TestItem(t *testing.T) {
	s := newTable(t)
	clk := &clock{}
	clk.Advance(time.Unix(1_800_000_000, 0).Sub(time.Unix(0, 0)))
	s.Now, s.Window = clk.Now, 2*time.Hour
	ctx := context.Background()
	s.Claim(ctx, "k")
	s.Save(ctx, "k", []byte("<Response/>"))

	item, err := s.get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	expires, _ := item["expires"].(*types.AttributeValueMemberN)
	if want := strconv.Itoa(1_800_000_000 + 7200); expires == nil || expires.Value != want {
		t.Errorf("expires = %v, want the number %s", item["expires"], want)
	}
	if reply, _ := item["reply"].(*types.AttributeValueMemberB); reply == nil || string(reply.Value) != "<Response/>" {
		t.Errorf("reply = %v, want the TwiML", item["reply"])
	}
	if len(item) != 4 {
		t.Errorf("item has %d attributes, want id, expires, lease and reply: %v", len(item), item)
	}
}

// TestWindowAndLease moves the injected clock past the lease of an
// abandoned claim, then past the window of a saved one.
func TestWindowAndLease(t *testing.T) {
	s := newTable(t)
	clk := &clock{}
	clk.Advance(time.Unix(1_800_000_000, 0).Sub(time.Unix(0, 0)))
	s.Now, s.Window, s.Lease = clk.Now, time.Hour, 15*time.Second
	ctx := context.Background()

	s.Claim(ctx, "abandoned")
	clk.Advance(14 * time.Second)
	if _, claimed, err := s.Claim(ctx, "abandoned"); claimed || err != nil {
		t.Fatalf("inside the lease: claimed=%v %v, want pending", claimed, err)
	}
	clk.Advance(time.Second)
	if _, claimed, err := s.Claim(ctx, "abandoned"); !claimed || err != nil {
		t.Fatalf("after the lease: claimed=%v %v, want claimed", claimed, err)
	}

	s.Claim(ctx, "answered")
	s.Save(ctx, "answered", []byte("first"))
	clk.Advance(time.Hour - time.Second)
	if reply, claimed, err := s.Claim(ctx, "answered"); claimed || string(reply) != "first" || err != nil {
		t.Fatalf("inside the window: got %q claimed=%v %v, want the reply", reply, claimed, err)
	}
	clk.Advance(time.Second)
	if _, claimed, err := s.Claim(ctx, "answered"); !claimed || err != nil {
		t.Fatalf("after the window: claimed=%v %v, want claimed", claimed, err)
	}
}

// TestConcurrentClaims races many claims of one key: exactly one wins.
func TestConcurrentClaims(t *testing.T) {
	s := newTable(t)
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			_, claimed, err := s.Claim(context.Background(), "race")
			if err != nil {
				t.Error(err)
			}
			if claimed {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	if n := won.Load(); n != 1 {
		t.Errorf("%d claims won, want 1", n)
	}
}

// counter is an App that counts its runs.
type counter struct{ runs atomic.Int32 }

func (c *counter) Respond(context.Context, *webhook.Call) *twiml.Response {
	n := c.runs.Add(1)
	return &twiml.Response{Messages: []twiml.Message{{Body: "reply " + strconv.Itoa(int(n))}}}
}

// TestDuplicateDelivery sends copies of one genuine call to two Guards
// sharing the table, as two Lambda instances would: the App runs once and
// every copy gets its reply.
func TestDuplicateDelivery(t *testing.T) {
	store := newTable(t)
	v, _ := signature.NewValidator("tok")
	app := &counter{}
	guards := []*webhook.Guard{
		{Validator: v, App: app, Store: store},
		{Validator: v, App: app, Store: store},
	}
	const u = "https://example.com/sms"
	form := twiliotest.InboundSMS("+15555550199", "+15555550111", "hi")
	req := &webhook.Request{Method: "POST", URL: u, Form: form,
		Signature: signature.Sign("tok", u, form), IdempotencyToken: "idem-1"}

	results := make([]webhook.Result, 6)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i] = guards[i%2].Serve(context.Background(), req) })
	}
	wg.Wait()
	if n := app.runs.Load(); n != 1 {
		t.Errorf("app ran %d times, want once", n)
	}
	for _, res := range results {
		if res.Status != 200 || string(res.TwiML) != string(results[0].TwiML) {
			t.Errorf("got %d %v %s, want 200 %s", res.Status, res.Err, res.TwiML, results[0].TwiML)
		}
	}
}

// TestUnreachable checks that a store that cannot be reached refuses the
// call (503, no message) within the timeout, the App not run.
func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := (&url.URL{Scheme: "http", Host: ln.Addr().String()}).String()
	ln.Close()
	store, _ := New(clientAt(t, closed), "deliveries")
	store.Timeout = 300 * time.Millisecond

	v, _ := signature.NewValidator("tok")
	app := &counter{}
	g := &webhook.Guard{Validator: v, App: app, Store: store}
	form := twiliotest.InboundSMS("+15555550199", "+15555550111", "hi")
	start := time.Now()
	res := g.Serve(context.Background(), &webhook.Request{Method: "POST", URL: "https://x/sms",
		Form: form, Signature: signature.Sign("tok", "https://x/sms", form)})
	if res.Status != 503 || !errors.Is(res.Err, webhook.ErrStore) || app.runs.Load() != 0 {
		t.Errorf("got %d %v after %d runs, want 503 ErrStore and no run", res.Status, res.Err, app.runs.Load())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v, want the timeout to bound it", d)
	}
}

func TestNewRefusesEmptyTable(t *testing.T) {
	if _, err := New(nil, ""); !errors.Is(err, ErrNoTable) {
		t.Errorf("got %v, want ErrNoTable", err)
	}
	if _, err := Load(context.Background(), ""); !errors.Is(err, ErrNoTable) {
		t.Errorf("got %v, want ErrNoTable", err)
	}
}
