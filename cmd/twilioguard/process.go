package main

import (
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
)

// newLogger returns the logger serve (text) and lambda (JSON) write to w,
// at the level LOG_LEVEL names; under Lambda, when it is unset, the one
// AWS_LAMBDA_LOG_LEVEL names (Lambda's log-level filtering sets it); else
// INFO. At WARN, genuine calls are not logged; refused ones still are. On
// a bad level it returns an INFO logger and the error.
func newLogger(w io.Writer, getenv func(string) string, lambda bool) (*slog.Logger, error) {
	level, err := logLevel(getenv, lambda)
	opts := &slog.HandlerOptions{Level: level}
	if lambda {
		return slog.New(slog.NewJSONHandler(w, opts)), err
	}
	return slog.New(slog.NewTextHandler(w, opts)), err
}

// levels are the names a level setting takes, Lambda's TRACE and FATAL
// included. Only names: slog's offsets ("ERROR+4") could hide the
// program's own errors.
var levels = map[string]slog.Level{
	"TRACE": slog.LevelDebug, "DEBUG": slog.LevelDebug, "INFO": slog.LevelInfo,
	"WARN": slog.LevelWarn, "ERROR": slog.LevelError, "FATAL": slog.LevelError,
}

func logLevel(getenv func(string) string, lambda bool) (slog.Level, error) {
	name, value := "LOG_LEVEL", getenv("LOG_LEVEL")
	if value == "" && lambda {
		name, value = "AWS_LAMBDA_LOG_LEVEL", getenv("AWS_LAMBDA_LOG_LEVEL")
	}
	if value == "" {
		return slog.LevelInfo, nil
	}
	l, ok := levels[strings.ToUpper(value)]
	if !ok {
		return slog.LevelInfo, fmt.Errorf("%s=%q: want DEBUG, INFO, WARN or ERROR "+
			"(or Lambda's TRACE, FATAL)", name, value)
	}
	return l, nil
}

// gcPercent is the collector's GOGC for serve and lambda. The AWS SDK's
// packages allocate about 3 MB at init, 2 to 3 MB of which stays live; at
// Go's default of 100 the collector marks it all again every few MB of
// garbage, some 600 calls of serve's ~3 KB each (gctrace under wrk). At
// 400 a cycle comes about a quarter as often, for a few more megabytes of
// heap (BENCHMARKS.md measures both).
const gcPercent = 400

// tuneGC sets gcPercent unless the GOGC environment variable chose a value.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}
