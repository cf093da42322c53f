package main

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twilioguard/twilioguard/bench"
	"github.com/twilioguard/twilioguard/signature"
)

// A loadRequest is one kind of call the load run mixes, with how often it
// is sent and the status serve must answer it with.
type loadRequest struct {
	name    string
	weight  int
	method  string
	headers map[string]string
	body    string
	status  int
}

const formType = "application/x-www-form-urlencoded"

// loadMix is what a public webhook URL receives: mostly genuine calls,
// then forgeries and every kind of malformed request.
func loadMix(u string) []loadRequest {
	body, sig := bench.Body(), bench.Signature(u)
	forged := signature.Sign("not-the-token", u, bench.Params())
	badForm := "Body=%zz&From=%2B15555550199"
	badFormSig := signature.Sign(bench.Token, u, url.Values{"From": {bench.From}})
	huge := "Body=" + strings.Repeat("x", 70<<10)
	form := func(sig string) map[string]string {
		return map[string]string{"Content-Type": formType, "X-Twilio-Signature": sig}
	}
	return []loadRequest{
		{"genuine", 12, "POST", form(sig), body, 200},
		{"forged signature", 3, "POST", form(forged), body, 403},
		{"no signature", 2, "POST", map[string]string{"Content-Type": formType}, body, 403},
		{"signature not base64", 1, "POST", form("!!not base64!!"), body, 403},
		{"signature of another body", 1, "POST", form(sig), body + "&Extra=1", 403},
		{"broken percent-encoding", 1, "POST", form(badFormSig), badForm, 400},
		{"JSON body, no bodySHA256", 1, "POST",
			map[string]string{"Content-Type": "application/json", "X-Twilio-Signature": sig},
			`{"Body":"hi"}`, 415},
		{"body over 64 KiB", 1, "POST", form(sig), huge, 413},
		{"method PUT", 1, "PUT", form(sig), body, 405},
		{"GET, forged", 1, "GET", map[string]string{"X-Twilio-Signature": forged}, "", 403},
	}
}

// loadResult is the load run's outcome.
type loadResult struct {
	wrkResult
	mix      []loadRequest
	duration time.Duration
	command  string
}

// ok reports whether the run met issue 6: no 5xx, no socket errors, only
// the statuses the mix calls for, and an RSS that stays bounded.
func (r loadResult) ok() bool { return r.verdict() == "" }

// maxLoadRSS bounds serve's resident memory under the load run.
const maxLoadRSS = 128 << 10 // KiB

func (r loadResult) verdict() string {
	var bad []string
	for _, k := range []string{"connect", "read", "write", "timeout"} {
		if n := r.Errors[k]; n > 0 {
			bad = append(bad, fmt.Sprintf("%.0f socket %s errors", n, k))
		}
	}
	want := map[string]bool{}
	for _, m := range r.mix {
		want[strconv.Itoa(m.status)] = true
	}
	for status, n := range r.Statuses {
		if strings.HasPrefix(status, "5") {
			bad = append(bad, fmt.Sprintf("%.0f answers %s", n, status))
		} else if !want[status] {
			bad = append(bad, fmt.Sprintf("%.0f unexpected answers %s", n, status))
		}
	}
	if r.peakRSS > maxLoadRSS {
		bad = append(bad, fmt.Sprintf("RSS reached %d KiB, over %d", r.peakRSS, maxLoadRSS))
	}
	if g := r.rssGrowth(); g > 1.25 {
		bad = append(bad, fmt.Sprintf("RSS still growing: last third %.2f× the first", g))
	}
	slices.Sort(bad)
	return strings.Join(bad, "; ")
}

// rssGrowth is the peak RSS of the last third of the run over that of the
// first third: near 1 when memory is bounded.
func (r loadResult) rssGrowth() float64 {
	s := r.rssSeries
	if len(s) < 3 {
		return 1
	}
	first, last := slices.Max(s[:len(s)/3]), slices.Max(s[len(s)-len(s)/3:])
	return float64(last) / float64(first)
}

func loadRun(ctx context.Context, o options, b binaries) (loadResult, error) {
	res := loadResult{duration: o.load}
	servers, err := newServers(o, b)
	if err != nil {
		return res, err
	}
	var srv *server
	for _, s := range servers {
		if s.name == withDedupe { // serve as shipped
			srv = s
		}
	}
	if err := srv.start(ctx); err != nil {
		return res, err
	}
	defer srv.stop()
	res.mix = loadMix(srv.url())
	lua := filepath.Join(o.work, "mix.lua")
	if err := os.WriteFile(lua, mixLua(res.mix), 0o644); err != nil {
		return res, err
	}
	res.command = "wrk " + strings.Join(wrkArgs(lua, srv.url(), o.load), " ")
	log.Printf("load run: %s", res.command)
	res.wrkResult, err = runWrk(ctx, lua, srv.url(), o.load, srv.cmd.Process.Pid)
	if err != nil {
		return res, err
	}
	log.Printf("load run: %.0f requests, statuses %v, errors %v, peak RSS %d KiB",
		res.Requests, res.Statuses, res.Errors, res.peakRSS)
	return res, nil
}

// mixLua is a wrk script that sends the mix's requests at random, in
// proportion to their weights, and counts the statuses of the answers.
func mixLua(mix []loadRequest) []byte {
	var b bytes.Buffer
	b.WriteString("-- Sends genuine, forged and malformed calls at random; counts statuses.\n")
	b.WriteString("local threads = {}\nfunction setup(thread) table.insert(threads, thread) end\n\n")
	b.WriteString("function init(args)\n  counts = {}\n  reqs = {}\n")
	for _, m := range mix {
		fmt.Fprintf(&b, "  -- %s: %d\n", m.name, m.status)
		var h []string
		for _, k := range slices.Sorted(maps.Keys(m.headers)) {
			h = append(h, fmt.Sprintf("[%s] = %s", luaString(k), luaString(m.headers[k])))
		}
		body := "nil"
		if m.body != "" {
			body = luaString(m.body)
		}
		fmt.Fprintf(&b, "  local r = wrk.format(%q, nil, {%s}, %s)\n", m.method, strings.Join(h, ", "), body)
		fmt.Fprintf(&b, "  for i = 1, %d do table.insert(reqs, r) end\n", m.weight)
	}
	b.WriteString("end\n\nfunction request() return reqs[math.random(#reqs)] end\n\n")
	b.WriteString("function response(status, headers, body)\n" +
		"  counts[status] = (counts[status] or 0) + 1\nend\n\n")
	b.WriteString(`function statuses()
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do total[status] = (total[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(total) do table.insert(parts, string.format('"%d":%d', status, n)) end
  return ',"statuses":{' .. table.concat(parts, ",") .. '}'
end
`)
	b.WriteString(doneLua)
	return b.Bytes()
}
