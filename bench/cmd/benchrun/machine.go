package main

import (
	"bufio"
	"context"
	"log"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine is what the report says about where it ran.
type machine struct {
	cpus      int
	model     string
	goVersion string
	node      string
	wrk       string
	// loadBefore and loadAfter are the 1, 5 and 15-minute load averages
	// at the start and the end; waited is how long the run waited for a
	// quieter machine.
	loadBefore, loadAfter string
	waited                time.Duration
}

func describeMachine(ctx context.Context) machine {
	return machine{
		cpus:      runtime.NumCPU(),
		model:     cpuModel(),
		goVersion: output(ctx, "go", "version"),
		node:      output(ctx, "node", "--version"),
		wrk:       firstLine(output(ctx, "wrk", "--version")),
	}
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// output runs a command and returns its trimmed output, or "" when it
// fails (wrk --version exits 1 after printing its version).
func output(ctx context.Context, name string, args ...string) string {
	out, _ := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return strings.TrimSpace(string(out))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// loadAverage is /proc/loadavg's first three fields.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func load1() float64 {
	f := strings.Fields(loadAverage())
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// waitQuiet waits, at most max, until the 1-minute load average is below
// quiet, and returns how long it waited. Other work on the machine makes
// absolute figures drift; the ratios hold better on a quiet machine.
func waitQuiet(ctx context.Context, quiet float64, max time.Duration) time.Duration {
	start := time.Now()
	for load1() >= quiet && time.Since(start) < max {
		log.Printf("load average %s: waiting for it to fall below %.2f", loadAverage(), quiet)
		select {
		case <-ctx.Done():
			return time.Since(start)
		case <-time.After(15 * time.Second):
		}
	}
	return time.Since(start).Round(time.Second)
}
