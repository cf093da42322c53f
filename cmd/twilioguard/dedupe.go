package main

import (
	"context"
	"fmt"
	"time"

	"github.com/twilioguard/twilioguard/dynamostore"
	"github.com/twilioguard/twilioguard/webhook"
)

// dedupe holds the duplicate check's settings as read from the
// environment: DEDUPE_WINDOW, how long a delivery is remembered, and
// DEDUPE_TABLE, a DynamoDB table shared by every instance.
type dedupe struct{ window, table string }

func dedupeFromEnv(getenv func(string) string) dedupe {
	return dedupe{getenv("DEDUPE_WINDOW"), getenv("DEDUPE_TABLE")}
}

// store returns the Store the settings ask for: in memory by default, in
// DynamoDB with a table, nil when the window is 0. It makes no network
// call.
func (d dedupe) store(ctx context.Context) (webhook.Store, error) {
	window := webhook.DefaultWindow
	if d.window != "" {
		w, err := time.ParseDuration(d.window)
		if err != nil || (w != 0 && w < time.Minute) {
			return nil, fmt.Errorf("DEDUPE_WINDOW=%q: want a duration of at least 1m, "+
				"such as 24h, or 0 to turn the duplicate check off", d.window)
		}
		window = w
	}
	switch {
	case window == 0 && d.table != "":
		return nil, fmt.Errorf("DEDUPE_TABLE is set but DEDUPE_WINDOW=0 turns the duplicate check off: " +
			"unset one of them")
	case window == 0:
		return nil, nil
	case d.table == "":
		return &webhook.MemoryStore{Window: window}, nil
	}
	s, err := dynamostore.Load(ctx, d.table)
	if err != nil {
		return nil, err
	}
	s.Window = window
	return s, nil
}

// String says where deliveries are remembered, for a log line.
func (d dedupe) String() string {
	w, err := time.ParseDuration(d.window)
	switch {
	case err == nil && w == 0:
		return "off"
	case d.table != "":
		return "dynamodb:" + d.table
	}
	return "memory"
}
