package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// binaries are the programs a run measures.
type binaries struct {
	serve, unguarded, twiliogo string // servers
	guardonly                  string // the check alone, static TwiML
	benchTest                  string // the Go benchmarks, go test -c
	bootstrap, rie             string // the Lambda bootstrap and the emulator
	nodeDir                    string // bench/node, after npm ci
}

// A step is one command of the build, kept for the report.
var steps []string

func command(ctx context.Context, dir string, env []string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	shown := strings.TrimSpace(strings.Join(env, " ") + " " + name + " " + strings.Join(args, " "))
	steps = append(steps, fmt.Sprintf("(cd %s && %s)", dir, shown))
	log.Print(shown)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s in %s: %v\n%s", shown, dir, err, out)
	}
	return nil
}

func buildServe(ctx context.Context, o options) (binaries, error) {
	b := binaries{serve: filepath.Join(o.work, "twilioguard")}
	err := command(ctx, o.repo, nil, "go", "build", "-o", b.serve, "./cmd/twilioguard")
	return b, err
}

func build(ctx context.Context, o options) (binaries, error) {
	b, err := buildServe(ctx, o)
	if err != nil {
		return b, err
	}
	benchDir := filepath.Join(o.repo, "bench")
	b.unguarded = filepath.Join(o.work, "unguarded")
	b.twiliogo = filepath.Join(o.work, "twiliogo")
	b.guardonly = filepath.Join(o.work, "guardonly")
	b.benchTest = filepath.Join(o.work, "bench.test")
	b.bootstrap = filepath.Join(o.work, "lambda", "bootstrap")
	b.rie = filepath.Join(o.work, "aws-lambda-rie")
	b.nodeDir = filepath.Join(benchDir, "node")
	const rie = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"
	goCmd := func(dir string, env []string, args ...string) { // the first error stops the rest
		if err == nil {
			err = command(ctx, dir, env, "go", args...)
		}
	}
	if o.part("servers") {
		goCmd(benchDir, nil, "build", "-o", b.unguarded, "./cmd/unguarded")
		goCmd(benchDir, nil, "build", "-o", b.twiliogo, "./cmd/twiliogo")
		goCmd(benchDir, nil, "build", "-o", b.guardonly, "./cmd/guardonly")
	}
	if o.part("micro") {
		goCmd(benchDir, nil, "test", "-c", "-o", b.benchTest, ".")
	}
	if o.part("cold") {
		goCmd(o.repo, []string{"CGO_ENABLED=0"}, "build", "-tags", "lambda.norpc",
			"-trimpath", "-o", b.bootstrap, "./cmd/twilioguard")
		goCmd(filepath.Join(o.repo, "tools"), []string{"GOWORK=off"},
			"build", "-mod=readonly", "-o", b.rie, rie)
	}
	if err != nil {
		return b, err
	}
	if !o.part("servers") && !o.part("cold") {
		return b, nil
	}
	if _, err := os.Stat(filepath.Join(b.nodeDir, "node_modules", "twilio")); err != nil {
		return b, fmt.Errorf("bench/node has no node_modules: run bench/run.sh, " +
			"or npm ci --prefix bench/node from the repository root")
	}
	return b, nil
}
