package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/twilioguard/twilioguard/bench"
)

// The emulator's invocation path and the API Gateway host of the event.
const (
	invokePath = "/2015-03-31/functions/function/invocations"
	apiHost    = "abc123defg.execute-api.us-east-1.amazonaws.com"
	apiURL     = "https://" + apiHost + "/prod/sms"
)

// cold holds, per bootstrap, the first invocation's round trip (ms) and
// the emulator's reported init duration (ms), one per cold start; and the
// startup of node with and without require('twilio').
type cold struct {
	first, init map[string]samples
	nodeBare    samples
	nodeTwilio  samples
}

var bootstraps = []string{"twilioguard (Go)", "Node + twilio"}

// coldStarts starts each bootstrap under the emulator n times,
// alternating them, and times the first invocation of each start.
func coldStarts(ctx context.Context, o options, b binaries) (cold, error) {
	c := cold{first: map[string]samples{}, init: map[string]samples{}}
	event, err := proxyEvent()
	if err != nil {
		return c, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return c, err
	}
	for i := range o.cold {
		for _, name := range bootstraps {
			boot, env := b.bootstrap, serverEnv()
			if name != bootstraps[0] {
				boot = filepath.Join(b.nodeDir, "lambda", "bootstrap.sh")
				env = append(env, "PATH="+filepath.Dir(node)+":/usr/bin:/bin",
					"NODE_PATH="+filepath.Join(b.nodeDir, "node_modules"))
			}
			first, init, err := coldStart(ctx, b.rie, boot, env, event)
			if err != nil {
				return c, fmt.Errorf("%s: %w", name, err)
			}
			c.first[name] = append(c.first[name], first)
			if init > 0 {
				c.init[name] = append(c.init[name], init)
			}
			log.Printf("cold start %d: %-18s first invocation %6.1f ms", i+1, name, first)
		}
		c.nodeBare = append(c.nodeBare, timeRun(ctx, b.nodeDir, "node", "-e", ""))
		c.nodeTwilio = append(c.nodeTwilio, timeRun(ctx, b.nodeDir, "node", "-e", "require('twilio')"))
	}
	return c, nil
}

// proxyEvent is a REST API proxy event carrying the benchmark's call.
func proxyEvent() ([]byte, error) {
	return json.Marshal(map[string]any{
		"resource": "/sms", "path": "/sms", "httpMethod": "POST",
		"headers": map[string]string{
			"Host": apiHost, "Content-Type": "application/x-www-form-urlencoded",
			"X-Twilio-Signature": bench.Signature(apiURL),
		},
		"requestContext": map[string]string{
			"domainName": apiHost, "path": "/prod/sms", "stage": "prod", "httpMethod": "POST",
		},
		"body": bench.Body(),
	})
}

// initDuration is the emulator's log line closing the init phase (its
// REPORT line's "Init Duration" is not measured).
var initDuration = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// coldStart runs the emulator on two loopback ports (never its default
// 0.0.0.0:8080) with boot as the bootstrap, which it starts at the first
// invocation, and times that invocation. It checks the reply is the
// genuine call's 200.
func coldStart(ctx context.Context, rie, boot string, env []string, event []byte) (first, init float64, err error) {
	invokeAddr, err := freeAddr()
	if err != nil {
		return 0, 0, err
	}
	runtimeAddr, err := freeAddr()
	for err == nil && runtimeAddr == invokeAddr {
		runtimeAddr, err = freeAddr()
	}
	if err != nil {
		return 0, 0, err
	}
	var out syncBuffer
	cmd := exec.CommandContext(ctx, rie, "--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", runtimeAddr, boot)
	cmd.Dir = filepath.Dir(boot)
	cmd.Env = append([]string{"AWS_LAMBDA_FUNCTION_TIMEOUT=10"}, env...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer stopGroup(cmd)
	if err := waitListening(invokeAddr); err != nil {
		return 0, 0, fmt.Errorf("%v\n%s", err, out.String())
	}
	begin := time.Now()
	body, err := invoke(ctx, "http://"+invokeAddr+invokePath, event)
	first = float64(time.Since(begin).Microseconds()) / 1000
	if err != nil || !strings.Contains(body, "200") || !strings.Contains(body, "Hello, World") {
		return 0, 0, fmt.Errorf("first invocation: %v: %s\n%s", err, body, out.String())
	}
	time.Sleep(200 * time.Millisecond) // let the emulator log its report
	if m := initDuration.FindStringSubmatch(out.String()); m != nil {
		fmt.Sscan(m[1], &init)
	}
	return first, init, nil
}

func invoke(ctx context.Context, u string, event []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(event))
	if err != nil {
		return "", err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return string(b), err
}

func waitListening(addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("the emulator did not listen on %s within 10s", addr)
}

// stopGroup ends the emulator and the bootstrap it started.
func stopGroup(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// timeRun is the wall time of a command in ms.
func timeRun(ctx context.Context, dir, name string, args ...string) float64 {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	begin := time.Now()
	if err := cmd.Run(); err != nil {
		return 0
	}
	return float64(time.Since(begin).Microseconds()) / 1000
}

// zipSize builds dist/bootstrap.zip with the repository's make package,
// into the work directory, and returns its size in bytes, or 0 when there
// is no such target.
func zipSize(ctx context.Context, o options) int64 {
	mk, err := os.ReadFile(filepath.Join(o.repo, "Makefile"))
	if err != nil || !bytes.Contains(mk, []byte("\npackage:")) {
		return 0
	}
	dist := filepath.Join(o.work, "dist")
	if err := command(ctx, o.repo, nil, "make", "package", "DIST="+dist); err != nil {
		log.Print(err)
		return 0
	}
	fi, err := os.Stat(filepath.Join(dist, "bootstrap.zip"))
	if err != nil {
		return 0
	}
	return fi.Size()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
