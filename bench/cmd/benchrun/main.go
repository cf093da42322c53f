// Command benchrun builds twilioguard and its peers, measures them side by
// side in interleaved rounds on 127.0.0.1, and writes BENCHMARKS.md at the
// repository root. Run it through ../../run.sh (the benchmarks) or
// ../../load.sh (the 60-second load run), which install what it needs.
//
// Every measurement is repeated in rounds, A B C D, A B C D, ..., so that
// a change in the machine's load falls on every contender alike; every
// claim is a ratio between figures of the same run.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"time"
)

type options struct {
	repo      string        // the repository root
	work      string        // where the binaries are built
	out       string        // the report
	rounds    int           // rounds of the server measurements
	micro     int           // rounds of the Go benchmarks
	benchtime string        // -test.benchtime of each Go benchmark
	wrkTime   time.Duration // each wrk run
	cold      int           // cold starts of each bootstrap
	load      time.Duration // the load run; 0 runs the benchmarks instead
	only      string        // "", or one part: micro, servers or cold
	quiet     float64       // the 1-minute load average to wait for
	wait      time.Duration // how long to wait for it at most
}

func main() {
	var o options
	flag.StringVar(&o.repo, "repo", "..", "the repository root (run from bench/)")
	flag.StringVar(&o.out, "out", "", "the report (default: BENCHMARKS.md in the repository root; "+
		"with -only, standard output, so that a part never replaces the whole section)")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds of the server measurements")
	flag.IntVar(&o.micro, "microrounds", 9, "rounds of the Go benchmarks (about 15 s each)")
	flag.StringVar(&o.benchtime, "benchtime", "1s", "-test.benchtime of each Go benchmark")
	flag.DurationVar(&o.wrkTime, "wrk", 10*time.Second, "duration of each wrk run")
	flag.IntVar(&o.cold, "cold", 7, "cold starts of each Lambda bootstrap")
	flag.DurationVar(&o.load, "load", 0, "run the load test of issue 6 for this long instead")
	flag.StringVar(&o.only, "only", "", "run one part only, for a quick look: micro, servers or cold")
	flag.Float64Var(&o.quiet, "quiet", 1.0, "wait until the 1-minute load average is below this")
	flag.DurationVar(&o.wait, "wait", 3*time.Minute, "but no longer than this")
	flag.Parse()
	log.SetFlags(log.Ltime)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, o options) error {
	var err error
	if o.repo, err = filepath.Abs(o.repo); err != nil {
		return err
	}
	switch {
	case o.out == "" && o.only != "" && o.load == 0:
		o.out = "-"
	case o.out == "":
		o.out = filepath.Join(o.repo, "BENCHMARKS.md")
	}
	if o.work, err = os.MkdirTemp("", "twilioguard-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(o.work)

	m := describeMachine(ctx)
	m.waited = waitQuiet(ctx, o.quiet, o.wait)
	m.loadBefore = loadAverage()
	if o.load > 0 {
		return runLoad(ctx, o, m)
	}
	return runBenchmarks(ctx, o, m)
}

func runBenchmarks(ctx context.Context, o options, m machine) error {
	bins, err := build(ctx, o)
	if err != nil {
		return err
	}
	var r report
	r.machine = m
	r.options = o
	part := o.part
	if part("micro") {
		log.Printf("Go benchmarks: %d rounds", o.micro)
		if r.micro, err = microBenchmarks(ctx, o, bins); err != nil {
			return err
		}
	}
	if part("servers") {
		log.Printf("servers under wrk: %d rounds of %v", o.rounds, o.wrkTime)
		if r.servers, err = serverBenchmarks(ctx, o, bins); err != nil {
			return err
		}
	}
	if part("cold") {
		log.Printf("Lambda cold starts: %d of each", o.cold)
		if r.cold, err = coldStarts(ctx, o, bins); err != nil {
			return err
		}
		r.zip = zipSize(ctx, o)
	}
	r.machine.loadAfter = loadAverage()
	if o.out == "-" {
		_, err := fmt.Print(r.markdown())
		return err
	}
	return writeSection(o.out, "benchmarks", r.markdown())
}

// part reports whether the run measures the part named: micro, servers or
// cold.
func (o options) part(name string) bool { return o.only == "" || o.only == name }

func runLoad(ctx context.Context, o options, m machine) error {
	bins, err := buildServe(ctx, o)
	if err != nil {
		return err
	}
	res, err := loadRun(ctx, o, bins)
	if err != nil {
		return err
	}
	m.loadAfter = loadAverage()
	text := loadMarkdown(o, m, res)
	if err := writeSection(o.out, "load", text); err != nil {
		return err
	}
	if !res.ok() {
		return fmt.Errorf("load run failed: %s", res.verdict())
	}
	return nil
}
