package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestReproducible writes the same files twice, given in another order,
// with other modification times and other permission bits of the same
// kind: the archives must be identical.
func TestReproducible(t *testing.T) {
	dir := t.TempDir()
	file := func(sub, name, content string, mode os.FileMode, mtime time.Time) string {
		t.Helper()
		p := filepath.Join(dir, sub, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t1 := time.Date(2020, 5, 1, 12, 0, 0, 0, time.UTC)
	t2 := time.Now()
	a := []string{
		file("a", "bootstrap", "\x7fELF binary", 0o755, t1),
		file("a", "README", "read me", 0o644, t1),
	}
	b := []string{
		file("b", "README", "read me", 0o600, t2),
		file("b", "bootstrap", "\x7fELF binary", 0o700, t2),
	}
	za, zb := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	if err := write(za, a); err != nil {
		t.Fatal(err)
	}
	if err := write(zb, b); err != nil {
		t.Fatal(err)
	}
	ba, _ := os.ReadFile(za)
	bb, _ := os.ReadFile(zb)
	if !bytes.Equal(ba, bb) {
		t.Fatalf("archives differ: %d and %d bytes", len(ba), len(bb))
	}

	r, err := zip.NewReader(bytes.NewReader(ba), int64(len(ba)))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		mode os.FileMode
		body string
	}{{"README", 0o644, "read me"}, {"bootstrap", 0o755, "\x7fELF binary"}}
	if len(r.File) != len(want) {
		t.Fatalf("got %d entries, want %d", len(r.File), len(want))
	}
	for i, f := range r.File {
		body := read(t, f)
		if f.Name != want[i].name || f.Mode() != want[i].mode || body != want[i].body ||
			!f.Modified.Equal(modTime) {
			t.Errorf("entry %d: got %s %v %q %v; want %s %v %q %v", i, f.Name, f.Mode(), body,
				f.Modified, want[i].name, want[i].mode, want[i].body, modTime)
		}
	}
}

func TestRefusesClashingNames(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"x", "y"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
		os.WriteFile(filepath.Join(dir, sub, "bootstrap"), []byte(sub), 0o755)
	}
	err := write(filepath.Join(dir, "out.zip"),
		[]string{filepath.Join(dir, "x", "bootstrap"), filepath.Join(dir, "y", "bootstrap")})
	if err == nil {
		t.Error("got no error for two files named bootstrap")
	}
	if _, err := os.Stat(filepath.Join(dir, "out.zip")); !os.IsNotExist(err) {
		t.Error("a failed run left an archive behind")
	}
}

func read(t *testing.T, f *zip.File) string {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
