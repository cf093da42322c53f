// Command reprozip writes a zip archive whose bytes depend only on the
// contents and permissions of the files put in it: entries sorted by name,
// at the archive root, with a fixed modification time. "make package" uses
// it for dist/bootstrap.zip, so that two builds of one commit give one
// archive, whose hash can be compared with what is deployed.
//
//	go run ./internal/reprozip -o dist/bootstrap.zip dist/bootstrap
package main

import (
	"archive/zip"
	"compress/flate"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// modTime is every entry's modification time: the earliest a zip's DOS
// timestamp can hold.
var modTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	out := flag.String("o", "", "the archive to write (required)")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: reprozip -o ARCHIVE FILE...")
		os.Exit(2)
	}
	if err := write(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "reprozip:", err)
		os.Exit(1)
	}
}

// write writes files to the archive out, each under its base name, through
// a temporary file renamed into place.
func write(out string, files []string) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".reprozip-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := archive(tmp, files); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}

func archive(w io.Writer, files []string) error {
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b string) int {
		return strings.Compare(filepath.Base(a), filepath.Base(b))
	})
	z := zip.NewWriter(w)
	z.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	for i, f := range files {
		if i > 0 && filepath.Base(f) == filepath.Base(files[i-1]) {
			return fmt.Errorf("two files named %q", filepath.Base(f))
		}
		if err := add(z, f); err != nil {
			return err
		}
	}
	return z.Close()
}

// add stores one file, keeping only whether it is executable: Lambda runs
// bootstrap only if the archive marks it so.
func add(z *zip.Writer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", name)
	}
	h := &zip.FileHeader{Name: filepath.Base(name), Method: zip.Deflate, Modified: modTime}
	h.SetMode(0o644)
	if info.Mode()&0o111 != 0 {
		h.SetMode(0o755)
	}
	dst, err := z.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, f)
	return err
}
