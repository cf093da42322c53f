package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"
)

// report is everything one run of the benchmarks measured.
type report struct {
	machine machine
	options options
	micro   micro
	servers []*server
	cold    cold
	zip     int64
}

// A target is one goal of issue 8 and how this run fared.
type target struct {
	goal, measured string
	met            bool
	why            string
}

func (t target) row() string {
	verdict := "**met**"
	if !t.met {
		verdict = "**not met**"
	}
	return fmt.Sprintf("| %s | %s | %s | %s |", t.goal, t.measured, verdict, t.why)
}

func ns(v float64) string  { return fmt.Sprintf("%.0f ns", v) }
func x(v float64) string   { return fmt.Sprintf("%.1f×", v) }
func x2(v float64) string  { return fmt.Sprintf("%.2f×", v) }
func ms(v float64) string  { return fmt.Sprintf("%.1f ms", v) }
func us(v float64) string  { return fmt.Sprintf("%.0f µs", v) }
func us1(v float64) string { return fmt.Sprintf("%.1f µs", v) }
func num(v float64) string { return fmt.Sprintf("%.0f", v) }
func kib(v float64) string { return fmt.Sprintf("%.1f MiB", v/1024) }

func (r report) markdown() string {
	var b strings.Builder
	o := r.options
	fmt.Fprintf(&b, "## Benchmarks (issue 8: the performance targets)\n\n")
	by := "`bench/run.sh`"
	if o.only != "" {
		by = fmt.Sprintf("`go run ./cmd/benchrun -only %s`, a part of the run only,", o.only)
	}
	var rounds []string
	for _, p := range []struct {
		part string
		text string
	}{
		{"micro", fmt.Sprintf("%d of the Go benchmarks", o.micro)},
		{"servers", fmt.Sprintf("%d of the servers", o.rounds)},
		{"cold", fmt.Sprintf("%d cold starts", o.cold)},
	} {
		if o.part(p.part) {
			rounds = append(rounds, p.text)
		}
	}
	fmt.Fprintf(&b, "Written by %s on %s. Every figure is the median of "+
		"interleaved rounds (%s), with the minimum and maximum in brackets; every "+
		"ratio pairs figures of the same round.\n\n", by,
		time.Now().UTC().Format("2006-01-02 15:04 MST"), strings.Join(rounds, ", "))
	r.machine.markdown(&b)
	b.WriteString("\n### Targets\n\n| target | measured | verdict | why |\n|---|---|---|---|\n")
	for _, t := range r.targets() {
		b.WriteString(t.row() + "\n")
	}
	if o.part("micro") {
		r.microMarkdown(&b)
	}
	if o.part("servers") {
		r.serverMarkdown(&b)
	}
	if o.part("cold") {
		r.coldMarkdown(&b)
	}
	b.WriteString("\n### Commands\n\n```sh\n")
	paths := strings.NewReplacer(r.options.work, "$WORK", r.options.repo, ".")
	b.WriteString("# WORK is a temporary directory; . is the repository root\n")
	for _, s := range steps {
		b.WriteString(paths.Replace(s) + "\n")
	}
	if o.part("micro") {
		fmt.Fprintf(&b, "(cd bench && $WORK/%s)   # %d rounds\n", r.micro.command, o.micro)
	}
	if o.part("servers") {
		fmt.Fprintf(&b, "wrk %s   # per server, %d rounds after a 2 s warm-up\n",
			strings.Join(wrkArgs("post.lua", "http://127.0.0.1:PORT/sms", o.wrkTime), " "),
			o.rounds)
	}
	b.WriteString("```\n")
	return b.String()
}

func (m machine) markdown(b *strings.Builder) {
	fmt.Fprintf(b, "- machine: %d CPUs, %s\n", m.cpus, m.model)
	fmt.Fprintf(b, "- %s; node %s; %s\n", m.goVersion, m.node, m.wrk)
	fmt.Fprintf(b, "- load average (1, 5, 15 min): %s at the start, %s at the end", m.loadBefore, m.loadAfter)
	if m.waited > 0 {
		fmt.Fprintf(b, " (waited %v for a quieter machine first)", m.waited)
	}
	b.WriteString(". Other engineers' tests share this machine: absolute figures drift " +
		"by tens of percent between runs, so the claims below are ratios.\n")
}

func (r report) microMarkdown(b *strings.Builder) {
	b.WriteString("\n### Validators (Go benchmarks, one typical inbound SMS: 19 parameters, " +
		"~440 signed bytes)\n\n| benchmark | what it does | ns/op | allocs/op |\n|---|---|---|---|\n")
	what := map[string]string{
		"Floor":                "one HMAC-SHA1 over the prepared bytes, base64, constant-time compare",
		"OursValidate":         "`signature.Validate`, decoded url.Values",
		"OursForm":             "`signature.ValidateForm`, from the raw form body",
		"OursBody":             "`webhook.Guard.Verify`: the server's check from the raw body, plus the url.Values the app gets",
		"OursForged":           "`signature.Validate` refusing a forged call (2 URL variants)",
		"OursForgedBody":       "`webhook.Guard.Verify` refusing a forged call",
		"TwilioGoValidate":     "twilio-go `RequestValidator.Validate`",
		"TwilioGoValidateBody": "twilio-go `RequestValidator.ValidateBody`, from the raw form body",
	}
	for _, name := range microNames {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", name, what[name],
			fmtStats(r.micro.ns[name], ns), fmtStats(r.micro.allocs[name], num))
	}
}

func (r report) serverMarkdown(b *strings.Builder) {
	fmt.Fprintf(b, "\n### Servers (wrk, %d threads, %d connections, %v per round, genuine "+
		"signed calls, 127.0.0.1)\n\n| server | requests/s | server CPU per request | p50 | p99 | errors | peak RSS |\n"+
		"|---|---|---|---|---|---|---|\n", wrkThreads, wrkConns, r.options.wrkTime)
	for _, s := range r.servers {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", s.name, fmtStats(s.rps, num),
			fmtStats(s.cpu, us1), fmtStats(s.p50, us), fmtStats(s.p99, us), fmtStats(s.errs, num),
			fmtStats(s.rss, kib))
	}
	b.WriteString("\n`twilioguard serve` runs as shipped, but for its duplicate check, " +
		"off (`DEDUPE_WINDOW=0`) as the peers have none: its collector at `GOGC=400`, " +
		"its own default, it logs one line per call " +
		"(to /dev/null here) and answers through the reference app. The unguarded " +
		"server answers the same TwiML without reading the request; the twilio-go " +
		"server validates with `ValidateBody` and answers through the same app; " +
		"express parses the form with `express.urlencoded` and validates with " +
		"`twilio.webhook()`. wrk runs on the same two cores as the servers. " +
		"A server's CPU per request is the user and system time its process used " +
		"during the round (`/proc/PID/stat`) over the requests it answered: it " +
		"moves less than requests/s, which also depend on wrk and on the " +
		"machine's other work. The " +
		"last four rows are not contenders: serve with its duplicate check on, its " +
		"default, where the fixed call is a copy after the first and gets the saved " +
		"reply; serve at `LOG_LEVEL=WARN` (its duplicate check off), which logs " +
		"refused calls only, to show what the line per genuine call costs; serve " +
		"with Go's default `GOGC=100`, to show what its own setting buys; and the check alone " +
		"(`bench/cmd/guardonly`: the body read and passed to `ValidateForm`, then " +
		"the unguarded server's static TwiML; no app, no decoded parameters, no " +
		"log), to show what the guard itself costs.\n")
}

func (r report) coldMarkdown(b *strings.Builder) {
	b.WriteString("\n### Lambda cold start (the AWS Lambda Runtime Interface Emulator, " +
		"pinned in tools/go.mod, on 127.0.0.1)\n\n" +
		"| bootstrap | first invocation, round trip | init phase (the emulator's INIT REPORT) |\n|---|---|---|\n")
	for _, name := range bootstraps {
		fmt.Fprintf(b, "| %s | %s | %s |\n", name, fmtStats(r.cold.first[name], ms),
			fmtStats(r.cold.init[name], ms))
	}
	fmt.Fprintf(b, "\nThe round trip runs from the invocation request to its answer: "+
		"the emulator starts the bootstrap, which initialises and answers one genuine "+
		"signed call through a REST API proxy event. The Node peer is a custom runtime "+
		"(`bench/node/lambda`) that requires `twilio` at init and speaks the Runtime API "+
		"over HTTP. For reference, `node -e \"\"` takes %s and `node -e \"require('twilio')\"` "+
		"%s on this machine.\n", fmtStats(r.cold.nodeBare, ms), fmtStats(r.cold.nodeTwilio, ms))
	if r.zip > 0 {
		fmt.Fprintf(b, "\n`make package` (linux/arm64, stripped): `dist/bootstrap.zip` is %d bytes (%.1f MiB).\n",
			r.zip, float64(r.zip)/(1<<20))
	} else {
		b.WriteString("\n`dist/bootstrap.zip`: no `make package` target in this checkout.\n")
	}
}

// Markers delimit each section the tool writes in BENCHMARKS.md, so that
// the benchmarks and the load run each replace only their own.
func markers(section string) (string, string) {
	return "<!-- begin " + section + " (written by bench/cmd/benchrun) -->",
		"<!-- end " + section + " -->"
}

const preamble = "# Benchmarks\n\nMeasured by `bench/run.sh` (issue 8: speed against the peers) and `bench/load.sh` " +
	"(issue 6: serve under hostile load): see bench/README.md. Do not edit the sections by hand; run the scripts.\n"

// writeSection replaces section in the file at path, or appends it.
func writeSection(path, section, text string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if len(old) == 0 {
		old = []byte(preamble)
	}
	begin, end := markers(section)
	block := []byte("\n" + begin + "\n" + text + end + "\n")
	i, j := bytes.Index(old, []byte("\n"+begin)), bytes.Index(old, []byte(end+"\n"))
	var out []byte
	if i >= 0 && j > i {
		out = append(append(append(out, old[:i]...), block...), old[j+len(end)+1:]...)
	} else {
		out = append(append(out, old...), block...)
	}
	return os.WriteFile(path, out, 0o644)
}
