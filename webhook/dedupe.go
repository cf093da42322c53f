package webhook

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Twilio may deliver one call more than once. It retries a call whose
// connection failed, and on the failures a webhook URL's connection
// overrides name (rc and rp,
// https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides),
// each copy with the same I-Twilio-Idempotency-Token header. And anyone who
// captured a genuine call can replay it: the signature carries no time.
// A Guard with a Store runs its App once per delivery and answers the
// later copies with the first reply.

// Defaults of the duplicate check.
const (
	// DefaultWindow is how long a delivery is remembered: a copy arriving
	// later runs the App again.
	DefaultWindow = time.Hour
	// DefaultLease is how long a claim without a reply holds. After it the
	// first copy is taken to have died, and the next copy runs the App. It
	// is Twilio's default read timeout: by then Twilio has given up on the
	// first copy.
	DefaultLease = 15 * time.Second
	// DefaultPendingWait is how long a copy waits for the reply to the
	// first copy while that one is still being answered.
	DefaultPendingWait = 2 * time.Second
	// DefaultMaxEntries bounds the deliveries a MemoryStore remembers.
	DefaultMaxEntries = 10000
)

// Errors of the duplicate check. Both answer 503 with the empty TwiML, so
// that Twilio sends nothing now and may retry (see Store).
var (
	ErrPending = errors.New("webhook: an earlier copy of this call is still being answered")
	ErrStore   = errors.New("webhook: duplicate check failed")
)

// A Store remembers the reply to each delivery for a while, so that a Guard
// runs its App once per delivery. Implementations must be safe for
// concurrent use, and across processes if several share one store.
//
// A store error refuses the call with ErrStore (503, no message): without
// the store the Guard cannot tell a first copy from a repeat, and running
// the App anyway could send the message twice, the very thing the store is
// there to prevent. Twilio may retry the call later; nothing is sent twice.
type Store interface {
	// Claim records that a copy of the delivery key is being answered.
	// claimed is true for the first copy within the window: its caller
	// runs the App and saves the reply. Otherwise reply is the reply saved
	// for an earlier copy, or empty while that copy is still being
	// answered.
	Claim(ctx context.Context, key string) (reply []byte, claimed bool, err error)
	// Save stores the reply to the delivery key its caller claimed.
	Save(ctx context.Context, key string, reply []byte) error
}

// deliveryKey names the delivery c belongs to: the same for every copy,
// different for two deliveries.
//
// It is the verified MAC (the signature header, which must be the
// canonical encoding, and the SharedKey that made it, if any). Twilio's
// retries and any replay carry the same MAC; an attacker cannot make a new
// one. Parsed fields would not do: the signed string joins keys and values
// without separators, so a replay can move a boundary ("MessageSi=dSM...")
// and keep the MAC while a MessageSid disappears. Two real deliveries never
// share a MAC: each carries its own MessageSid, and a status callback its
// own status.
func deliveryKey(r *Request) string {
	return "mac:" + digest(r.SignatureSettings, r.Signature)
}

func digest(parts ...string) string {
	// Each part as its length, ':' and itself, as fmt's "%d:%s" wrote them:
	// keys already in a DynamoDB table stay valid.
	var buf [128]byte
	b := buf[:0]
	for _, p := range parts {
		b = strconv.AppendInt(b, int64(len(p)), 10)
		b = append(b, ':')
		b = append(b, p...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// once answers c the first time its delivery key is seen, and a later copy
// with the saved reply.
func (g *Guard) once(ctx context.Context, c *Call, key string) Result {
	if key == "" {
		return g.answer(ctx, c)
	}
	reply, err := g.claim(ctx, key)
	if err != nil {
		return Refuse(err)
	}
	if reply != nil {
		return Result{Status: http.StatusOK, TwiML: reply, Call: c, Duplicate: true}
	}
	res := g.answer(ctx, c)
	if err := g.Store.Save(ctx, key, res.TwiML); err != nil {
		// The App ran but its reply is dropped: a retry after the lease
		// runs it again, so that the message is sent once, not never.
		return Refuse(fmt.Errorf("%w: saving the reply: %v", ErrStore, err))
	}
	return res
}

// claim claims key for the caller, who then gets nil, or returns the reply
// saved for an earlier copy. While that copy is being answered it asks
// again, up to PendingWait.
func (g *Guard) claim(ctx context.Context, key string) ([]byte, error) {
	wait := g.PendingWait
	if wait <= 0 {
		wait = DefaultPendingWait
	}
	deadline := time.Now().Add(wait)
	for pause := 5 * time.Millisecond; ; pause = min(2*pause, 200*time.Millisecond) {
		reply, claimed, err := g.Store.Claim(ctx, key)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%w: %v", ErrStore, err)
		case claimed:
			return nil, nil
		case len(reply) > 0:
			return reply, nil
		}
		pause = min(pause, time.Until(deadline))
		if pause <= 0 {
			return nil, ErrPending
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %v", ErrPending, ctx.Err())
		case <-time.After(pause):
		}
	}
}

// A MemoryStore is a Store in the memory of one process. It suits one
// server; the instances of a Lambda function do not share it (see package
// dynamostore). The zero value is ready to use. It is safe for concurrent
// use.
type MemoryStore struct {
	// Window is how long a delivery is remembered after its first copy;
	// 0 means DefaultWindow.
	Window time.Duration
	// Lease is how long a claim without a reply holds; 0 means
	// DefaultLease.
	Lease time.Duration
	// MaxEntries bounds the deliveries remembered; when it is reached the
	// oldest is forgotten first. 0 means DefaultMaxEntries.
	MaxEntries int
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	entries map[string]*list.Element
	order   list.List // of *entry, oldest claim first
}

type entry struct {
	key     string
	claimed time.Time
	reply   []byte
}

var _ Store = (*MemoryStore)(nil)

// Claim implements Store.
func (s *MemoryStore) Claim(_ context.Context, key string) ([]byte, bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	if el, ok := s.entries[key]; ok {
		e := el.Value.(*entry)
		if e.reply != nil || now.Sub(e.claimed) < or(s.Lease, DefaultLease) {
			return e.reply, false, nil
		}
		s.remove(el) // abandoned: the first copy never saved a reply
	}
	s.add(&entry{key: key, claimed: now})
	return nil, true, nil
}

// Save implements Store. A delivery forgotten in the meantime is
// remembered again, from now.
func (s *MemoryStore) Save(_ context.Context, key string, reply []byte) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.entries[key]
	if !ok {
		el = s.add(&entry{key: key, claimed: now})
	}
	el.Value.(*entry).reply = bytes.Clone(reply)
	return nil
}

// Len returns the number of deliveries remembered.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}

func (s *MemoryStore) add(e *entry) *list.Element {
	if s.entries == nil {
		s.entries = map[string]*list.Element{}
	}
	for s.order.Len() >= or(s.MaxEntries, DefaultMaxEntries) {
		s.remove(s.order.Front())
	}
	el := s.order.PushBack(e)
	s.entries[e.key] = el
	return el
}

func (s *MemoryStore) remove(el *list.Element) {
	delete(s.entries, el.Value.(*entry).key)
	s.order.Remove(el)
}

// expire forgets the deliveries older than the window, oldest first.
func (s *MemoryStore) expire(now time.Time) {
	window := or(s.Window, DefaultWindow)
	for el := s.order.Front(); el != nil; el = s.order.Front() {
		if now.Sub(el.Value.(*entry).claimed) < window {
			return
		}
		s.remove(el)
	}
}

func (s *MemoryStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// or returns v, or def when v is not positive.
func or[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
