package webhook

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/twiml"
)

const dedupeURL = "https://example.com/sms"

// counter answers every call with a new message and counts the runs. When
// gate is set, each run waits for it to close.
type counter struct {
	runs atomic.Int32
	gate chan struct{}
}

func (c *counter) Respond(_ context.Context, call *Call) *twiml.Response {
	n := c.runs.Add(1)
	if c.gate != nil {
		<-c.gate
	}
	body := call.Params.Get("Body") + " #" + string(rune('0'+n))
	return &twiml.Response{Messages: []twiml.Message{{Body: body}}}
}

// signed is a genuine form POST of params with the idempotency token idem.
func signed(params url.Values, idem string) *Request {
	return &Request{Method: "POST", URL: dedupeURL, Form: params, IdempotencyToken: idem,
		Signature: signature.Sign("tok", dedupeURL, params)}
}

func sms(sid, status, body string) url.Values {
	v := url.Values{"Body": {body}, "From": {"+15555550199"}}
	if sid != "" {
		v.Set("MessageSid", sid)
	}
	if status != "" {
		v.Set("MessageStatus", status)
	}
	return v
}

func dedupeGuard(t *testing.T, app App, store Store) *Guard {
	t.Helper()
	return &Guard{Validator: mustValidator(t, "tok"), App: app, Store: store,
		PendingWait: 100 * time.Millisecond}
}

// TestResplitReplay replays a genuine body with one key/value boundary
// moved ("MessageSi=dSM..."): the signed bytes, and so the MAC, are the
// same while the parsed MessageSid is gone. It must still be a duplicate.
func TestResplitReplay(t *testing.T) {
	app := &counter{}
	g := dedupeGuard(t, app, &MemoryStore{})
	params := sms("SM0000000000000000000000000000000A", "", "secret")
	body := params.Encode()
	post := func(b string) Result {
		return g.Serve(context.Background(), &Request{Method: "POST", URL: dedupeURL,
			ContentType: "application/x-www-form-urlencoded", Body: []byte(b),
			Signature: signature.Sign("tok", dedupeURL, params)})
	}
	if res := post(body); res.Err != nil || res.Duplicate {
		t.Fatalf("genuine call: %v, duplicate %v", res.Err, res.Duplicate)
	}
	resplit := strings.Replace(body, "MessageSid=SM", "MessageSi=dSM", 1)
	for range 3 {
		if res := post(resplit); res.Err != nil || !res.Duplicate {
			t.Fatalf("re-split replay: err %v, duplicate %v; want the saved reply", res.Err, res.Duplicate)
		}
	}
	if n := app.runs.Load(); n != 1 {
		t.Errorf("app ran %d times, want once", n)
	}
}

// TestDuplicates delivers pairs of calls and checks whether the second ran
// the App or got the first reply.
func TestDuplicates(t *testing.T) {
	form := sms("SM01", "", "hi")
	tests := []struct {
		name          string
		first, second *Request
		duplicate     bool
	}{
		{"retry: same call, same token", signed(form, "idem-1"), signed(form, "idem-1"), true},
		{"replay with another token", signed(form, "idem-1"), signed(form, "idem-2"), true},
		{"replay without a token", signed(form, "idem-1"), signed(form, ""), true},
		{"another message", signed(form, "idem-1"), signed(sms("SM02", "", "hi"), "idem-1"), false},
		{"status callbacks, same status", signed(sms("SM03", "sent", ""), "a"),
			signed(sms("SM03", "sent", ""), "b"), true},
		{"status callbacks, new status", signed(sms("SM03", "sent", ""), "a"),
			signed(sms("SM03", "delivered", ""), "b"), false},
		{"no MessageSid, same token", signed(sms("", "", "x"), "idem-3"),
			signed(sms("", "", "x"), "idem-3"), true},
		// The same signed bytes are the same delivery, whatever the
		// unsigned header says.
		{"no MessageSid, new token", signed(sms("", "", "x"), "idem-3"),
			signed(sms("", "", "x"), "idem-4"), true},
		{"no MessageSid, token reused on another call", signed(sms("", "", "x"), "idem-3"),
			signed(sms("", "", "y"), "idem-3"), false},
		{"no MessageSid, no token", signed(sms("", "", "x"), ""), signed(sms("", "", "x"), ""), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := &counter{}
			g := dedupeGuard(t, app, &MemoryStore{})
			first := g.Serve(context.Background(), tt.first)
			second := g.Serve(context.Background(), tt.second)
			if first.Status != 200 || second.Status != 200 {
				t.Fatalf("got %d %v and %d %v, want 200 twice",
					first.Status, first.Err, second.Status, second.Err)
			}
			wantRuns := map[bool]int32{true: 1, false: 2}[tt.duplicate]
			if n := app.runs.Load(); n != wantRuns || second.Duplicate != tt.duplicate {
				t.Errorf("app ran %d times, duplicate %v; want %d, %v",
					n, second.Duplicate, wantRuns, tt.duplicate)
			}
			if tt.duplicate && !bytes.Equal(first.TwiML, second.TwiML) {
				t.Errorf("copy got %s, want the first reply %s", second.TwiML, first.TwiML)
			}
			if second.Call == nil {
				t.Errorf("copy has no verified call to log")
			}
		})
	}
}

// TestDuplicateForgedCopy checks that the duplicate check comes after the
// signature: a forged copy of a genuine call gets nothing.
func TestDuplicateForgedCopy(t *testing.T) {
	app := &counter{}
	g := dedupeGuard(t, app, &MemoryStore{})
	form := sms("SM01", "", "hi")
	g.Serve(context.Background(), signed(form, "idem"))
	forged := signed(form, "idem")
	forged.Signature = signature.Sign("guess", dedupeURL, form)
	if res := g.Serve(context.Background(), forged); res.Status != 403 || res.Duplicate {
		t.Errorf("forged copy: got %d duplicate=%v, want 403", res.Status, res.Duplicate)
	}
}

// TestConcurrentCopies sends many copies of one call at once: the App runs
// once and every copy gets its reply.
func TestConcurrentCopies(t *testing.T) {
	app := &counter{gate: make(chan struct{})}
	g := dedupeGuard(t, app, &MemoryStore{})
	g.PendingWait = 5 * time.Second
	req := signed(sms("SM01", "", "hi"), "idem")

	const copies = 20
	results := make([]Result, copies)
	var wg sync.WaitGroup
	for i := range copies {
		wg.Go(func() { results[i] = g.Serve(context.Background(), req) })
	}
	time.Sleep(20 * time.Millisecond) // let the copies pile up behind the first
	close(app.gate)
	wg.Wait()

	if n := app.runs.Load(); n != 1 {
		t.Errorf("app ran %d times, want once", n)
	}
	duplicates := 0
	for _, res := range results {
		if res.Status != 200 || !bytes.Equal(res.TwiML, results[0].TwiML) {
			t.Errorf("got %d %s, want 200 %s", res.Status, res.TwiML, results[0].TwiML)
		}
		if res.Duplicate {
			duplicates++
		}
	}
	if duplicates != copies-1 {
		t.Errorf("%d copies marked duplicate, want %d", duplicates, copies-1)
	}
}

// TestPendingCopy sends a copy while the first is still running and past
// PendingWait: it is refused with 503 and no message, and a later copy
// gets the first reply.
func TestPendingCopy(t *testing.T) {
	app := &counter{gate: make(chan struct{})}
	g := dedupeGuard(t, app, &MemoryStore{})
	g.PendingWait = 30 * time.Millisecond
	req := signed(sms("SM01", "", "hi"), "idem")

	done := make(chan Result)
	go func() { done <- g.Serve(context.Background(), req) }()
	for app.runs.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	res := g.Serve(context.Background(), req)
	if res.Status != 503 || !errors.Is(res.Err, ErrPending) || !bytes.Equal(res.TwiML, twiml.Empty) {
		t.Errorf("copy while pending: got %d %v %s, want 503 ErrPending and the empty TwiML",
			res.Status, res.Err, res.TwiML)
	}
	if waited := time.Since(start); waited < g.PendingWait || waited > time.Second {
		t.Errorf("copy waited %v, want about %v", waited, g.PendingWait)
	}

	close(app.gate)
	first := <-done
	if res := g.Serve(context.Background(), req); !res.Duplicate || !bytes.Equal(res.TwiML, first.TwiML) {
		t.Errorf("copy after the first: got %s duplicate=%v, want %s", res.TwiML, res.Duplicate, first.TwiML)
	}
}

// clock is a settable time source, safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// TestWindowAndLease moves an injected clock past the window and the lease.
func TestWindowAndLease(t *testing.T) {
	clk := newClock()
	store := &MemoryStore{Window: time.Hour, Lease: 10 * time.Second, Now: clk.Now}
	app := &counter{}
	g := dedupeGuard(t, app, store)
	ctx := context.Background()
	req := signed(sms("SM01", "", "hi"), "idem")

	g.Serve(ctx, req)
	clk.Advance(time.Hour - time.Second)
	if res := g.Serve(ctx, req); !res.Duplicate || app.runs.Load() != 1 {
		t.Fatalf("inside the window: duplicate=%v after %d runs, want a duplicate after 1",
			res.Duplicate, app.runs.Load())
	}
	clk.Advance(time.Second)
	if res := g.Serve(ctx, req); res.Duplicate || app.runs.Load() != 2 {
		t.Fatalf("after the window: duplicate=%v after %d runs, want a new run",
			res.Duplicate, app.runs.Load())
	}

	// A claim whose reply never came (the process died) holds for the
	// lease only.
	if _, claimed, _ := store.Claim(ctx, "abandoned"); !claimed {
		t.Fatal("first claim refused")
	}
	clk.Advance(9 * time.Second)
	if reply, claimed, _ := store.Claim(ctx, "abandoned"); claimed || reply != nil {
		t.Fatalf("inside the lease: got claimed=%v reply=%q, want pending", claimed, reply)
	}
	clk.Advance(time.Second)
	if _, claimed, _ := store.Claim(ctx, "abandoned"); !claimed {
		t.Fatal("after the lease: claim refused, want it granted")
	}
}

func TestMemoryStoreBounded(t *testing.T) {
	clk := newClock()
	s := &MemoryStore{MaxEntries: 3, Now: clk.Now}
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		s.Claim(ctx, k)
		s.Save(ctx, k, []byte("reply "+k))
		clk.Advance(time.Second)
	}
	if n := s.Len(); n != 3 {
		t.Errorf("holds %d deliveries, want 3", n)
	}
	if _, claimed, _ := s.Claim(ctx, "a"); !claimed {
		t.Errorf("oldest delivery still remembered, want it forgotten")
	}
	if reply, claimed, _ := s.Claim(ctx, "e"); claimed || string(reply) != "reply e" {
		t.Errorf("newest: got claimed=%v reply=%q, want its reply", claimed, reply)
	}
}

// failing is a Store whose calls fail as told.
type failing struct {
	MemoryStore
	claimErr, saveErr error
}

func (f *failing) Claim(ctx context.Context, key string) ([]byte, bool, error) {
	if f.claimErr != nil {
		return nil, false, f.claimErr
	}
	return f.MemoryStore.Claim(ctx, key)
}

func (f *failing) Save(ctx context.Context, key string, reply []byte) error {
	if f.saveErr != nil {
		return f.saveErr
	}
	return f.MemoryStore.Save(ctx, key, reply)
}

// TestStoreErrors checks that the check fails closed: no message, 503.
func TestStoreErrors(t *testing.T) {
	down := errors.New("store unreachable")
	tests := []struct {
		name  string
		store *failing
		runs  int32
	}{
		{"claim fails", &failing{claimErr: down}, 0},
		{"save fails", &failing{saveErr: down}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := &counter{}
			res := dedupeGuard(t, app, tt.store).Serve(context.Background(), signed(sms("SM01", "", "hi"), ""))
			if res.Status != 503 || !errors.Is(res.Err, ErrStore) || !bytes.Equal(res.TwiML, twiml.Empty) {
				t.Errorf("got %d %v %s, want 503 ErrStore with the empty TwiML", res.Status, res.Err, res.TwiML)
			}
			if n := app.runs.Load(); n != tt.runs {
				t.Errorf("app ran %d times, want %d", n, tt.runs)
			}
		})
	}
}

// TestDigestStable pins deliveryKey's digest: keys already saved in a
// DynamoDB table must keep matching their copies.
func TestDigestStable(t *testing.T) {
	tests := []struct {
		parts []string
		want  string
	}{
		{[]string{"", "abc"}, "c15f96bb44b34913c8e4638ddab5e855"},
		{[]string{"key=k,algorithm=HMAC_SHA256", "0/KCTR6DLpKmkAf8muzZqo1nDgQ="}, "69a3408f91606b59a60e7152d5dceefd"},
		{nil, "e3b0c44298fc1c149afbf4c8996fb924"},
		{[]string{""}, "ba768b331fd86cec803be04e56ab2b3d"},
	}
	for _, tt := range tests {
		if got := digest(tt.parts...); got != tt.want {
			t.Errorf("digest(%q) = %s, want %s", tt.parts, got, tt.want)
		}
	}
}
