package main

import (
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
)

// newLogger returns the logger serve and lambda write to w: text or JSON,
// at the level LOG_LEVEL names, else AWS_LAMBDA_LOG_LEVEL (which Lambda's
// advanced logging controls set), else INFO. At WARN, genuine calls are
// not logged; refused ones still are.
func newLogger(w io.Writer, getenv func(string) string, json bool) (*slog.Logger, error) {
	level, err := logLevel(getenv)
	opts := &slog.HandlerOptions{Level: level}
	if json {
		return slog.New(slog.NewJSONHandler(w, opts)), err
	}
	return slog.New(slog.NewTextHandler(w, opts)), err
}

// logLevel reads the level; on a bad value it returns INFO and an error.
func logLevel(getenv func(string) string) (slog.Level, error) {
	name, value := "LOG_LEVEL", getenv("LOG_LEVEL")
	if value == "" {
		name, value = "AWS_LAMBDA_LOG_LEVEL", getenv("AWS_LAMBDA_LOG_LEVEL")
	}
	switch strings.ToUpper(value) {
	case "":
		return slog.LevelInfo, nil
	case "TRACE": // Lambda's levels that slog lacks
		return slog.LevelDebug, nil
	case "FATAL":
		return slog.LevelError, nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(value)); err != nil {
		return slog.LevelInfo, fmt.Errorf("%s=%q: want DEBUG, INFO, WARN or ERROR", name, value)
	}
	return l, nil
}

// gcPercent is the collector's GOGC for serve and lambda. The AWS SDK's
// packages allocate about 3 MB at init, 2 MB of which stays live; at Go's
// default of 100 the collector marks it all again every ~2 MB of garbage,
// some 600 calls of serve's ~3 KB each. At 400 a cycle comes a quarter
// as often, for a few more megabytes of heap (BENCHMARKS.md measures both).
const gcPercent = 400

// tuneGC sets gcPercent unless the GOGC environment variable chose a value.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
