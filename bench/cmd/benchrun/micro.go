package main

import (
	"context"
	"fmt"
	"log"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// The Go benchmarks of package bench, in the order of the report.
var microNames = []string{
	"Floor", "OursValidate", "OursForm", "OursBody", "OursForged", "OursForgedBody",
	"TwilioGoValidate", "TwilioGoValidateBody",
}

// micro holds, per benchmark, ns/op and allocs/op of every round.
type micro struct {
	ns, allocs map[string]samples
	command    string
}

// microBenchmarks runs every benchmark once per round, all of them in
// each round, so that the rounds interleave them.
func microBenchmarks(ctx context.Context, o options, b binaries) (micro, error) {
	m := micro{ns: map[string]samples{}, allocs: map[string]samples{}}
	args := []string{"-test.run", "^$", "-test.bench", ".", "-test.benchtime", o.benchtime}
	m.command = "bench.test -test.run '^$' " + strings.Join(args[2:], " ")
	for round := range o.micro {
		cmd := exec.CommandContext(ctx, b.benchTest, args...)
		cmd.Dir = filepath.Join(o.repo, "bench")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return m, fmt.Errorf("%s: %v\n%s", m.command, err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			m.parse(line)
		}
		log.Printf("round %d: ours %s ns, floor %s ns, twilio-go %s ns", round+1,
			last(m.ns["OursValidate"]), last(m.ns["Floor"]), last(m.ns["TwilioGoValidate"]))
	}
	return m, nil
}

// parse reads one line of go test -bench output:
// BenchmarkName-2  1000  1234 ns/op  0 B/op  0 allocs/op
func (m *micro) parse(line string) {
	f := strings.Fields(line)
	if len(f) < 8 || !strings.HasPrefix(f[0], "Benchmark") {
		return
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(f[0], "Benchmark"), "-")
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			continue
		}
		switch f[i+1] {
		case "ns/op":
			m.ns[name] = append(m.ns[name], v)
		case "allocs/op":
			m.allocs[name] = append(m.allocs[name], v)
		}
	}
}

func last(s samples) string {
	if len(s) == 0 {
		return "?"
	}
	return strconv.FormatFloat(s[len(s)-1], 'f', 0, 64)
}
