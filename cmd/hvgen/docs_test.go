package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsCleanDirectory runs docs twice into one directory, from a registry
// and then from one that lost items: the pages of the lost items go, a file
// hvgen did not write stays, and a non-empty directory hvgen did not write is
// refused untouched.
func TestDocsCleanDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	if code, _, errs := runCLI("docs", "-spec", diffData+"/old", "-out", dir); code != 0 {
		t.Fatalf("docs: exit %d: %s", code, errs)
	}
	gone := filepath.Join(dir, "hypercalls", "HvCallRemoved.html")
	goneType := filepath.Join(dir, "types", "HV_GONE.html")
	for _, p := range []string{gone, goneType} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("first run: %v", err)
		}
	}
	mine := filepath.Join(dir, "types", "notes.txt")
	if err := os.WriteFile(mine, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI("docs", "-spec", diffData+"/new", "-out", dir); code != 0 {
		t.Fatalf("docs again: exit %d: %s", code, errs)
	}
	for _, p := range []string{gone, goneType} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s from the earlier run is still there (%v)", p, err)
		}
	}
	if data, err := os.ReadFile(mine); err != nil || string(data) != "mine" {
		t.Errorf("a file hvgen did not write was touched: %v %q", err, data)
	}
	if _, err := os.Stat(filepath.Join(dir, "hypercalls", "HvCallAdded.html")); err != nil {
		t.Errorf("second run: %v", err)
	}
	// Markdown into the same directory replaces the HTML pages.
	if code, _, errs := runCLI("docs", "-spec", diffData+"/new", "-format", "markdown", "-out", dir); code != 0 {
		t.Fatalf("docs -format markdown: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html")); !os.IsNotExist(err) {
		t.Errorf("index.html left behind by the Markdown run (%v)", err)
	}

	other := t.TempDir()
	keep := filepath.Join(other, "README")
	if err := os.WriteFile(keep, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI("docs", "-spec", diffData+"/new", "-out", other)
	if code != 1 || !strings.Contains(errs, "not written by hvgen docs") {
		t.Errorf("non-empty directory: exit %d, %s", code, errs)
	}
	if want := "hvgen docs: " + other + " is not empty"; !strings.HasPrefix(errs, want) {
		t.Errorf("the message repeats its prefix or does not lead with the directory: %q, want it to start %q", errs, want)
	}
	if entries, _ := os.ReadDir(other); len(entries) != 1 {
		t.Errorf("the refused directory was written into: %d entries", len(entries))
	}
	if err := os.WriteFile(filepath.Join(other, docsManifest), []byte("../../etc/passwd\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI("docs", "-spec", diffData+"/new", "-out", other); code != 1 || !strings.Contains(errs, "not a path inside") {
		t.Errorf("manifest naming a path outside: exit %d, %s", code, errs)
	}
}
