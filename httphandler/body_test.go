package httphandler

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReadBody checks that readBody reads what io.ReadAll of a limited
// reader would, whatever Content-Length claims.
func TestReadBody(t *testing.T) {
	const limit = 1000
	tests := []struct {
		name   string
		size   int
		length int64 // the request's ContentLength
		want   int
	}{
		{"stated length", 440, 440, 440},
		{"unknown length", 440, -1, 440},
		{"unknown length, several buffers", 900, -1, 900},
		{"length understated", 700, 10, 700},
		{"length overstated", 5, 900, 5},
		{"empty", 0, 0, 0},
		{"over the limit", 5000, 5000, limit + 1},
		{"over the limit, unknown length", 5000, -1, limit + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := strings.Repeat("k=v&", tt.size/4+1)[:tt.size]
			r := httptest.NewRequest("POST", "/sms", strings.NewReader(body))
			r.ContentLength = tt.length
			got, err := readBody(r, limit)
			if err != nil || len(got) != tt.want || !bytes.Equal(got, []byte(body[:tt.want])) {
				t.Errorf("got %d bytes, %v; want the first %d", len(got), err, tt.want)
			}
		})
	}
}
