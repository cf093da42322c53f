package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/twilioguard/twilioguard/lambdahandler"
)

// runLambda serves Lambda invocations until the runtime stops the process
// or ctx ends (SIGTERM, which Lambda sends before it shuts an environment
// down). Logs go to stderr as JSON, which Lambda sends to CloudWatch Logs.
func runLambda(ctx context.Context, e env) int {
	log, err := newLogger(e.stderr, e.getenv, true)
	if err != nil {
		log.Error("configuration: refusing to start", "err", err)
		return 2
	}
	tuneGC(e.getenv)
	cfg, err := loadConfig(e.getenv)
	if err != nil {
		log.Error("configuration: refusing to start", "err", err)
		return 2
	}
	g, err := cfg.guard()
	if err != nil {
		log.Error("configuration: refusing to start", "err", err)
		return 2
	}
	readTokens(ctx, g, log)
	log.Info("lambda: ready", "request_url", cfg.requestURL != "",
		"token_source", cfg.tokenSource(), "dedupe", cfg.dedupe.String())
	go func() {
		<-ctx.Done()
		log.Info("lambda: shutting down")
		os.Exit(0)
	}()
	lambda.Start(&lambdahandler.Handler{Guard: g, Logger: log})
	return 0
}
