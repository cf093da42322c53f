// Package motoserver runs moto_server, the AWS API emulator of the Python
// moto project (https://docs.getmoto.org/en/latest/docs/server_mode.html),
// on 127.0.0.1 for tests that talk to SSM Parameter Store and Secrets
// Manager through the real AWS SDK.
package motoserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Command is the emulator's executable, looked up in PATH.
const Command = "moto_server"

// ErrNotInstalled is returned by Start when moto_server is not in PATH.
var ErrNotInstalled = errors.New("motoserver: moto_server not found in PATH " +
	"(install it with: pip install 'moto[server]')")

// Env is the environment a process needs to reach the emulator at url
// through the AWS SDK, and nothing else: dummy credentials, a fixed region,
// no shared config files, and the instance metadata service disabled so
// that the SDK never tries its address.
func Env(url string) map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":           "testing",
		"AWS_SECRET_ACCESS_KEY":       "testing",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "us-east-1",
		"AWS_DEFAULT_REGION":          "us-east-1",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL":            url,
	}
}

// A Server is a running moto_server.
type Server struct {
	// URL is the endpoint, "http://127.0.0.1:PORT".
	URL  string
	cmd  *exec.Cmd
	done chan error
	once sync.Once
}

// Start runs moto_server on a free port of 127.0.0.1 and waits until it
// answers. Close stops it.
func Start(ctx context.Context) (*Server, error) {
	path, err := exec.LookPath(Command)
	if err != nil {
		return nil, ErrNotInstalled
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://127.0.0.1:" + port, done: make(chan error, 1)}
	s.cmd = exec.Command(path, "-H", "127.0.0.1", "-p", port)
	s.cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1")
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("motoserver: %v", err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	if err := s.wait(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// wait polls the emulator's own API until it answers.
func (s *Server) wait(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/moto-api/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case err := <-s.done:
			return fmt.Errorf("motoserver: moto_server exited: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("motoserver: moto_server did not answer on %s: %w", s.URL, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Reset drops every resource the emulator holds.
func (s *Server) Reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("motoserver: reset: %s", resp.Status)
	}
	return nil
}

// Close stops the emulator and waits for it to exit.
func (s *Server) Close() {
	s.once.Do(func() {
		s.cmd.Process.Kill()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
		}
	})
}

// Shared starts one emulator for a test binary on first use and returns it
// to every later caller; the test binary's TestMain calls Stop. When
// moto_server is missing, the test fails saying so, or is skipped under
// -short.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.once.Do(func() {
		shared.s, shared.err = Start(context.Background())
	})
	if errors.Is(shared.err, ErrNotInstalled) && testing.Short() {
		t.Skipf("-short: %v", shared.err)
	}
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.s
}

var shared struct {
	once sync.Once
	s    *Server
	err  error
}

// Stop stops the emulator Shared started, if any.
func Stop() {
	if shared.s != nil {
		shared.s.Close()
	}
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}
