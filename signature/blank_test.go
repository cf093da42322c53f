package signature

import (
	"errors"
	"testing"
)

// TestBlankSecretsRefused checks that a token or SharedKey secret of white
// space only, which anyone could sign with, is refused like an empty one.
func TestBlankSecretsRefused(t *testing.T) {
	for _, blank := range []string{" ", "\n", "\t \r\n", "\u00a0\u2003"} {
		if _, err := NewValidator(blank); !errors.Is(err, ErrEmptyToken) {
			t.Errorf("NewValidator(%q): got %v, want ErrEmptyToken", blank, err)
		}
		if _, err := NewValidator("tok", blank); !errors.Is(err, ErrEmptyToken) {
			t.Errorf("NewValidator(tok, %q): got %v, want ErrEmptyToken", blank, err)
		}
		v, _ := NewValidator("tok")
		if _, err := v.WithSharedKey("key_1", blank); !errors.Is(err, ErrEmptyToken) {
			t.Errorf("WithSharedKey(key_1, %q): got %v, want ErrEmptyToken", blank, err)
		}
	}
}
