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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// Command is the emulator's executable, looked up in PATH.
const Command = "moto_server"

// ErrNotInstalled is returned by Start when moto_server is not in PATH.
var ErrNotInstalled = errors.New("motoserver: moto_server not found in PATH " +
	"(install it with: pip install 'moto[server]')")

// Env is the environment a process needs to reach the emulator at url
// through the AWS SDK, and nothing else: dummy credentials, a fixed region,
// no shared config files, and the instance metadata service disabled so
// that the SDK never tries its address. With url "", AWS_ENDPOINT_URL is
// left out.
func Env(url string) []string {
	env := []string{
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true",
	}
	if url != "" {
		env = append(env, "AWS_ENDPOINT_URL="+url)
	}
	return env
}

// WithoutAWS returns environ without its AWS_* variables, so that neither
// the emulator nor a process under test picks up a real profile, real
// credentials or a real endpoint from the machine.
func WithoutAWS(environ []string) []string {
	var out []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return out
}

// SetEnv replaces the AWS_* variables of the current process with Env(""),
// for tests that use the SDK in process. TestMain calls it before m.Run.
func SetEnv() {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			os.Unsetenv(k)
		}
	}
	for _, kv := range Env("") {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
}

// A Server is a running moto_server.
type Server struct {
	// URL is the endpoint, "http://127.0.0.1:PORT".
	URL  string
	cmd  *exec.Cmd
	done chan error
	once sync.Once
	log  tail
}

// Log returns the end of the emulator's output, for a failing test to
// show.
func (s *Server) Log() string { return s.log.String() }

// tail keeps the last 16 KiB written to it.
type tail struct {
	mu sync.Mutex
	b  []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - 16<<10; over > 0 {
		t.b = t.b[over:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
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
	s.cmd.Env = append(WithoutAWS(os.Environ()), "PYTHONUNBUFFERED=1")
	s.cmd.Stderr = &s.log
	dieWithParent(s.cmd)
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
			return fmt.Errorf("motoserver: moto_server exited: %v\n%s", err, s.Log())
		case <-ctx.Done():
			return fmt.Errorf("motoserver: moto_server did not answer on %s: %w", s.URL, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Config returns an AWS SDK configuration for the emulator that reads
// nothing from the environment or the shared files: dummy static
// credentials, region us-east-1, the instance metadata service disabled.
// Tests use it to create the parameters and secrets the code under test
// reads.
func (s *Server) Config(ctx context.Context) (aws.Config, error) {
	return config.LoadDefaultConfig(ctx,
		config.WithBaseEndpoint(s.URL),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithEC2IMDSClientEnableState(imds.ClientDisabled),
	)
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

// ForTest starts an emulator for one test and stops it when the test ends.
// When moto_server is missing, the test fails saying so, or is skipped
// under -short.
func ForTest(t testing.TB) *Server {
	t.Helper()
	s, err := Start(context.Background())
	check(t, err)
	t.Cleanup(s.Close)
	return s
}

// Shared starts one emulator for a test binary on first use and returns it
// to every later caller; the binary's TestMain calls Stop after m.Run. When
// moto_server is missing, the test fails saying so, or is skipped under
// -short.
func Shared(t testing.TB) *Server {
	t.Helper()
	shared.once.Do(func() {
		shared.s, shared.err = Start(context.Background())
	})
	check(t, shared.err)
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

func check(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNotInstalled) && testing.Short() {
		t.Skipf("-short: %v", err)
	}
	if err != nil {
		t.Fatal(err)
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

// Main runs a package's tests against the shared emulator, with the AWS
// settings of SetEnv, then stops it: a TestMain of one line.
func Main(m *testing.M) {
	SetEnv()
	code := m.Run()
	Stop()
	os.Exit(code)
}
