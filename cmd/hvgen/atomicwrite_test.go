package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// assertNoTemp fails when a temporary file of writeFileAtomic is left in dir.
func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out")
	os.WriteFile(p, []byte("old"), 0o600)
	boom := errors.New("boom")
	err := writeFileAtomic(p, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if data, _ := os.ReadFile(p); !errors.Is(err, boom) || string(data) != "old" {
		t.Fatalf("failed write: %v, file %q", err, data)
	}
	assertNoTemp(t, dir)
	if err := writeFileAtomic(p, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if data, _ := os.ReadFile(p); string(data) != "new" || st.Mode().Perm() != 0o600 {
		t.Errorf("file %q, mode %v (want the old file's 0600)", data, st.Mode())
	}
	// A symlink is followed: the file it points to is replaced.
	link := filepath.Join(dir, "link")
	os.Symlink("out", link)
	if err := writeFileAtomic(link, func(w io.Writer) error { _, err := io.WriteString(w, "via link"); return err }); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if data, _ := os.ReadFile(p); string(data) != "via link" {
		t.Errorf("target %q", data)
	}
	// A device is written in place.
	if err := writeFileAtomic(os.DevNull, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode().IsRegular() {
		t.Fatalf("%s: %v %v", os.DevNull, fi, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, "no", "such"), func(io.Writer) error { return nil }); err == nil {
		t.Error("a missing directory was not an error")
	}
	assertNoTemp(t, dir)
}

// linked makes path a file with old content and a hard link to it: a
// command that replaces path (temp file + rename) leaves the link's content
// alone, one that writes path in place changes both.
func linked(t *testing.T, path string) (link string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	link = path + ".link"
	if err := os.Link(path, link); err != nil {
		t.Skip("no hard links here:", err)
	}
	return link
}

func assertReplaced(t *testing.T, path, link string) {
	t.Helper()
	if data, _ := os.ReadFile(link); string(data) != "old" {
		t.Errorf("%s was written in place, not replaced: its old inode now holds %d bytes", path, len(data))
	}
	if data, _ := os.ReadFile(path); len(data) == 0 || string(data) == "old" {
		t.Errorf("%s not written", path)
	}
	assertNoTemp(t, filepath.Dir(path))
}

func TestOutputsReplacedAtomically(t *testing.T) {
	dir := t.TempDir()
	exp := filepath.Join(dir, "abi.json")
	link := linked(t, exp)
	if code, _, errs := runCLI("export", "-spec", miniDir, "-o", exp); code != 0 {
		t.Fatal(errs)
	}
	assertReplaced(t, exp, link)

	rep := filepath.Join(dir, "diff.txt")
	link = linked(t, rep)
	if code, _, errs := runCLI("diff", "-spec", miniDir, "-from", "v1", "-to", "v2", "-fail-on", "none", "-o", rep); code != 0 {
		t.Fatal(errs)
	}
	assertReplaced(t, rep, link)

	// docs refuses a directory it did not write, so the first run makes the
	// site and the second one must replace its index.html.
	site := filepath.Join(dir, "site")
	if code, _, errs := runCLI("docs", "-spec", miniDir, "-out", site); code != 0 {
		t.Fatal(errs)
	}
	index := filepath.Join(site, "index.html")
	link = linked(t, index)
	if code, _, errs := runCLI("docs", "-spec", miniDir, "-out", site); code != 0 {
		t.Fatal(errs)
	}
	assertReplaced(t, index, link)

	ev, st := filepath.Join(dir, "ev"), filepath.Join(dir, "st")
	evLink, stLink := linked(t, ev), linked(t, st)
	if code, _, errs := runCLI("simulate", "-o", ev, "-stats", st, "-for", "5ms"); code != 0 {
		t.Fatal(errs)
	}
	assertReplaced(t, ev, evLink)
	assertReplaced(t, st, stLink)

	txt := filepath.Join(dir, "ev.txt")
	link = linked(t, txt)
	if code, _, errs := runCLI("dump", "-o", txt, ev); code != 0 {
		t.Fatal(errs)
	}
	assertReplaced(t, txt, link)
}
