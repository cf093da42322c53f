package main

import (
	"bufio"
	"errors"
	"github.com/twilioguard/twilioguard/internal/testkit"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twilioguard/twilioguard/httphandler"
	"github.com/twilioguard/twilioguard/responder"
	"github.com/twilioguard/twilioguard/signature"
	"github.com/twilioguard/twilioguard/webhook"
)

// slowServer runs serve's server on 127.0.0.1 with its timeouts cut to a
// fraction of a second, after checking the values serve really uses.
func slowServer(t *testing.T) (addr string, logs *testkit.SyncBuffer) {
	t.Helper()
	v, err := signature.NewValidator("tok-slow-8d1e")
	if err != nil {
		t.Fatal(err)
	}
	logs = &testkit.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	h := &httphandler.Handler{Guard: &webhook.Guard{Validator: v, App: &responder.Responder{}}, Logger: log}
	srv := newServer(h, log)
	if srv.ReadHeaderTimeout != 5*time.Second || srv.ReadTimeout != 10*time.Second ||
		srv.WriteTimeout != 10*time.Second || srv.IdleTimeout != 60*time.Second ||
		srv.MaxHeaderBytes != 16<<10 {
		t.Fatalf("serve's limits changed: %+v; update this test and the README", srv)
	}
	srv.ReadHeaderTimeout = 200 * time.Millisecond
	srv.ReadTimeout = 400 * time.Millisecond
	srv.WriteTimeout = time.Second
	srv.IdleTimeout = 300 * time.Millisecond

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), logs
}

// trickle writes head, then one byte of drip every 50 ms until the server
// hangs up, and returns how long the connection lived and what the server
// answered, if anything.
func trickle(t *testing.T, addr, head, drip string) (time.Duration, string) {
	t.Helper()
	// The server's clock starts when it accepts, which can come before
	// Dial returns here: start ours first, so that lived is never short.
	start := time.Now()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(start.Add(5 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	answer := make(chan string)
	go func() {
		b, _ := io.ReadAll(conn) // until the server closes
		answer <- string(b)
	}()
	for i := 0; ; i++ {
		select {
		case got := <-answer:
			return time.Since(start), got
		case <-time.After(50 * time.Millisecond):
			conn.Write([]byte{drip[i%len(drip)]})
		}
	}
}

func TestSlowClients(t *testing.T) {
	addr, logs := slowServer(t)
	tests := []struct {
		name, head, drip string
		limit            time.Duration
		status           string // what the server may answer before hanging up
	}{
		{"slow headers", "POST /sms HTTP/1.1\r\nHost: example.com\r\n", "X-Slow: aaaa\r\n",
			200 * time.Millisecond, "HTTP/1.1 400 "},
		{"slow body", "POST /sms HTTP/1.1\r\nHost: example.com\r\n" +
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n", "Body=a",
			400 * time.Millisecond, "HTTP/1.1 400 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lived, got := trickle(t, addr, tt.head, tt.drip)
			if lived < tt.limit || lived > tt.limit+time.Second {
				t.Errorf("connection lived %v, want it cut off soon after %v", lived, tt.limit)
			}
			if got != "" && !strings.HasPrefix(got, tt.status) {
				t.Errorf("server answered %q, want %q or nothing", firstLine(got), tt.status)
			}
		})
	}
	if strings.Contains(logs.String(), "status=5") {
		t.Errorf("a slow client got a 5xx:\n%s", logs)
	}
}

func TestIdleConnectionClosed(t *testing.T) {
	addr, _ := slowServer(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The server's idle clock starts after its answer, so after ours.
	start := time.Now()
	conn.SetDeadline(start.Add(5 * time.Second))
	io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: example.com\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("idle connection: got %v, want the server to close it", err)
	}
	if idle := time.Since(start); idle < 300*time.Millisecond || idle > 2*time.Second {
		t.Errorf("idle connection closed after %v, want soon after the 300ms idle timeout", idle)
	}
}

func TestOversizedHeader(t *testing.T) {
	addr, logs := slowServer(t)
	for _, head := range []string{
		"X-Big: " + strings.Repeat("a", 32<<10) + "\r\n",
		strings.Repeat("X-Many: "+strings.Repeat("a", 100)+"\r\n", 400),
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, "POST /sms HTTP/1.1\r\nHost: example.com\r\n"+head+"\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%d bytes of headers: got %s, want 431", len(head), resp.Status)
		}
		conn.Close()
	}
	if logs.String() != "" {
		t.Errorf("refused before the handler, yet logged:\n%s", logs)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}
