package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/twilioguard/twilioguard/lambdahandler"
)

// runLambda serves Lambda invocations until the runtime stops the process.
// Logs go to stderr as JSON, which Lambda sends to CloudWatch Logs.
func runLambda(e env) int {
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
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
	readTokens(context.Background(), g, log)
	log.Info("lambda: ready", "request_url", cfg.requestURL != "",
		"token_source", cfg.tokenSource())
	lambda.Start(&lambdahandler.Handler{Guard: g, Logger: log})
	return 0
}
