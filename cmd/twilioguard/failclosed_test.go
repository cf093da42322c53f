package main

import (
	"context"
	"strings"
	"testing"
)

// TestNoUsableToken starts both commands with no token, an empty one and
// one of white space only: each refuses to start (exit 2), saying why, so
// that no call is ever answered.
func TestNoUsableToken(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"unset", nil, "AUTH_TOKEN is not set"},
		{"empty", map[string]string{"AUTH_TOKEN": ""}, "AUTH_TOKEN is not set"},
		{"blank", map[string]string{"AUTH_TOKEN": " \t"}, "empty auth token"},
		{"blank secondary", map[string]string{"AUTH_TOKEN": "tok", "AUTH_TOKEN_SECONDARY": "\n"},
			"empty auth token"},
		{"blank SharedKey secret", map[string]string{"AUTH_TOKEN": "tok", "SHARED_KEY_ID": "key_1",
			"SHARED_KEY_SECRET": "  "}, "SharedKey needs an id and a secret"},
	}
	for _, tt := range tests {
		for _, cmd := range [][]string{{"lambda"}, {"serve", "-addr", "127.0.0.1:0"}} {
			t.Run(tt.name+"/"+cmd[0], func(t *testing.T) {
				code, _, errs := runCmd(context.Background(), tt.vars, cmd...)
				if code != 2 || !strings.Contains(errs, tt.want) {
					t.Errorf("got exit %d, stderr %q; want exit 2 mentioning %q", code, errs, tt.want)
				}
			})
		}
	}
}
