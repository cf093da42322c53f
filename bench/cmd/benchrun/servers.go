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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"

	"github.com/twilioguard/twilioguard/bench"
)

// A server is one contender of the server benchmarks, running on a port
// of 127.0.0.1.
type server struct {
	name string
	cmd  *exec.Cmd
	addr string
	lua  string // the wrk script posting the signed call
	// Per round: requests/s, p50 and p99 latency (µs), errors, peak RSS (KiB).
	rps, p50, p99, errs, rss, cpu samples
}

func (s *server) url() string { return "http://" + s.addr + "/sms" }

// serverEnv is the environment every contender gets: the benchmark's
// token, and a master number that is not the caller's.
func serverEnv() []string {
	return []string{"AUTH_TOKEN=" + bench.Token, "MASTER_NUMBER=+15555550100"}
}

// The contenders that are not: serve with its duplicate check on (its
// default), where the benchmark's fixed call is a copy after the first and
// gets the saved reply; serve at LOG_LEVEL=WARN, which writes no line for
// a genuine call, a measure of what the line costs; serve at Go's default
// GOGC=100 instead of its own 400; and the check alone (cmd/guardonly), a
// measure of what the guard costs.
const (
	withDedupe = "serve, duplicate check on"
	noLog      = "serve, LOG_LEVEL=WARN"
	goDefault  = "serve, GOGC=100"
	guardOnly  = "the check alone: `ValidateForm`, static TwiML"
)

func newServers(o options, b binaries) ([]*server, error) {
	var out []*server
	for _, c := range []struct {
		name string
		argv func(addr string) []string
		env  []string
	}{
		{"twilioguard serve", func(a string) []string { return []string{b.serve, "serve", "-addr", a} },
			[]string{"DEDUPE_WINDOW=0"}},
		{"unguarded net/http", func(a string) []string { return []string{b.unguarded, "-addr", a} }, nil},
		{"net/http + twilio-go", func(a string) []string { return []string{b.twiliogo, "-addr", a} }, nil},
		{"express + twilio.webhook()", func(string) []string {
			return []string{"node", filepath.Join(b.nodeDir, "server.js")}
		}, nil},
		{withDedupe, func(a string) []string { return []string{b.serve, "serve", "-addr", a} }, nil},
		{noLog, func(a string) []string { return []string{b.serve, "serve", "-addr", a} },
			[]string{"DEDUPE_WINDOW=0", "LOG_LEVEL=WARN"}},
		{goDefault, func(a string) []string { return []string{b.serve, "serve", "-addr", a} },
			[]string{"DEDUPE_WINDOW=0", "GOGC=100"}},
		{guardOnly, func(a string) []string { return []string{b.guardonly, "-addr", a} }, nil},
	} {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		argv := c.argv(addr)
		cmd := exec.Command(argv[0], argv[1:]...)
		_, port, _ := net.SplitHostPort(addr)
		cmd.Env = append(append(append(os.Environ(), serverEnv()...), c.env...), "PORT="+port)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		s := &server{name: c.name, cmd: cmd, addr: addr}
		s.lua = filepath.Join(o.work, fmt.Sprintf("post-%s.lua", port))
		if err := writeLua(s.lua, postLua, s.url()); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// start runs s (its logs go to /dev/null) and waits until it answers the
// benchmark's call with 200 and the expected reply.
func (s *server) start(ctx context.Context) error {
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("%s: %v", s.name, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body, err := post(ctx, s.url(), bench.Body(), bench.Signature(s.url()))
		if err == nil && status == http.StatusOK && strings.Contains(body, "Hello, World") {
			return nil
		}
		if err == nil {
			return fmt.Errorf("%s answered the genuine call with %d: %s", s.name, status, body)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer within 20s: %v", s.name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		}
	}
}

func post(ctx context.Context, u, body, sig string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sig)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b), nil
}

func serverBenchmarks(ctx context.Context, o options, b binaries) ([]*server, error) {
	servers, err := newServers(o, b)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for _, s := range servers {
		if err := s.start(ctx); err != nil {
			return nil, err
		}
		if _, err := runWrk(ctx, s.lua, s.url(), 2*time.Second, s.cmd.Process.Pid); err != nil {
			return nil, err // a warm-up, not recorded
		}
	}
	for round := range o.rounds {
		for _, s := range servers {
			r, err := runWrk(ctx, s.lua, s.url(), o.wrkTime, s.cmd.Process.Pid)
			if err != nil {
				return nil, err
			}
			s.record(r)
			log.Printf("round %d: %-28s %8.0f requests/s, p99 %6.0f µs, %d errors, RSS %d KiB",
				round+1, s.name, r.rps(), r.P99, r.errors(), r.peakRSS)
		}
	}
	return servers, nil
}

func (s *server) record(r wrkResult) {
	s.rps = append(s.rps, r.rps())
	s.p50 = append(s.p50, r.P50)
	s.p99 = append(s.p99, r.P99)
	s.errs = append(s.errs, float64(r.errors()))
	s.rss = append(s.rss, float64(r.peakRSS))
	s.cpu = append(s.cpu, r.cpuPerRequest())
}

// wrkResult is what the scripts' done() prints, plus the server's RSS.
type wrkResult struct {
	Requests  float64            `json:"requests"`
	Duration  float64            `json:"duration_us"`
	P50       float64            `json:"p50_us"`
	P99       float64            `json:"p99_us"`
	Errors    map[string]float64 `json:"errors"`
	Statuses  map[string]float64 `json:"statuses"` // the load run's scripts only
	peakRSS   int64              // KiB
	rssSeries []int64            // KiB, one per sample
	cpu       time.Duration      // the server's CPU time (user and system) during the run
}

// cpuPerRequest is the server's CPU time per request, in µs: unlike
// requests/s, it does not depend on what else the two cores run.
func (r wrkResult) cpuPerRequest() float64 {
	return float64(r.cpu.Microseconds()) / r.Requests
}

func (r wrkResult) rps() float64 { return r.Requests / (r.Duration / 1e6) }

// errors counts socket errors, timeouts and non-2xx answers.
func (r wrkResult) errors() int64 {
	var n float64
	for _, v := range r.Errors {
		n += v
	}
	return int64(n)
}

const wrkThreads, wrkConns = 2, 32

// wrkArgs is the wrk command line, as the report shows it.
func wrkArgs(lua, u string, d time.Duration) []string {
	return []string{"-t" + strconv.Itoa(wrkThreads), "-c" + strconv.Itoa(wrkConns),
		"-d" + strconv.Itoa(int(d.Seconds())) + "s", "--latency", "-s", lua, u}
}

// runWrk runs wrk against u for d, sampling the RSS of pid meanwhile.
func runWrk(ctx context.Context, lua, u string, d time.Duration, pid int) (wrkResult, error) {
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	var r wrkResult
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.rssSeries = sampleRSS(pid, stop)
	}()
	cpu0 := cpuTime(pid)
	out, err := exec.CommandContext(ctx, "wrk", wrkArgs(lua, u, d)...).CombinedOutput()
	r.cpu = cpuTime(pid) - cpu0
	close(stop)
	wg.Wait()
	if err != nil {
		return r, fmt.Errorf("wrk %s: %v\n%s", u, err, out)
	}
	_, js, ok := bytes.Cut(out, []byte("RESULT "))
	if !ok {
		return r, fmt.Errorf("wrk %s printed no RESULT line:\n%s", u, out)
	}
	js, _, _ = bytes.Cut(js, []byte("\n"))
	if err := json.Unmarshal(js, &r); err != nil {
		return r, fmt.Errorf("wrk %s: %v in %s", u, err, js)
	}
	for _, v := range r.rssSeries {
		r.peakRSS = max(r.peakRSS, v)
	}
	return r, nil
}

// sampleRSS reads the resident set size of pid every 100 ms until stop.
func sampleRSS(pid int, stop <-chan struct{}) []int64 {
	var out []int64
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if kib := rss(pid); kib > 0 {
			out = append(out, kib)
		}
		select {
		case <-stop:
			return out
		case <-t.C:
		}
	}
}

// cpuTime is the CPU time pid has used, in user and system mode, all
// threads: fields 14 and 15 of /proc/PID/stat, in USER_HZ ticks (100 a
// second on Linux); 0 when unreadable.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	_, rest, ok := bytes.Cut(b, []byte(") "))
	f := strings.Fields(string(rest)) // f[0] is field 3
	if !ok || len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100
}

// rss is VmRSS of pid in KiB, or 0.
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// postLua posts the benchmark's genuine call, signed for the server's URL.
var postLua = template.Must(template.New("post").Parse(`-- Posts one genuine, signed inbound SMS, again and again.
wrk.method = "POST"
wrk.body = {{.Body}}
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-Twilio-Signature"] = {{.Signature}}
` + doneLua))

// doneLua prints the summary as one JSON line after "RESULT ".
const doneLua = `
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}%s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, statuses and statuses() or ""))
end
`

func writeLua(path string, t *template.Template, u string) error {
	var b bytes.Buffer
	err := t.Execute(&b, map[string]string{
		"Body":      luaString(bench.Body()),
		"Signature": luaString(bench.Signature(u)),
	})
	if err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// luaString quotes s as a Lua string literal.
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' || c < 0x20 || c >= 0x7f {
			fmt.Fprintf(&b, "\\%03d", c)
			continue
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}
