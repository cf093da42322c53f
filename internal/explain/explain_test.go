package explain

import (
	"os"
	"strings"
	"testing"
)

// TestEntriesExist checks that every entry Explain and verify link to is in
// docs/troubleshooting.md.
func TestEntriesExist(t *testing.T) {
	doc, err := os.ReadFile("../../docs/troubleshooting.md")
	if err != nil {
		t.Fatal(err)
	}
	entries := []string{"url", "values", "token", "library"}
	for _, tr := range transforms {
		entries = append(entries, tr.entry)
	}
	for _, e := range entries {
		if !strings.Contains(string(doc), `<a id="`+e+`"></a>`) {
			t.Errorf("docs/troubleshooting.md has no entry %q", e)
		}
	}
}
