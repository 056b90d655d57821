package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/diff"
	"github.com/hvgen/hvgen/spec"
)

const diffData = "internal/diff/testdata"

func TestDiffExitCodes(t *testing.T) {
	args := []string{"diff", "-spec", diffData + "/new", "-against", diffData + "/old", "-version", "v"}
	if code, out, errs := runCLI(args...); code != 3 || !strings.Contains(out, "HvCallMoved") {
		t.Errorf("incompatible changes: exit %d, %s%s", code, out, errs)
	}
	if code, _, _ := runCLI(append(args, "-fail-on", "none")...); code != 0 {
		t.Errorf("-fail-on none: exit %d", code)
	}
	same := []string{"diff", "-spec", diffData + "/old", "-against", diffData + "/old", "-version", "v", "-fail-on", "doc"}
	if code, out, _ := runCLI(same...); code != 0 || !strings.Contains(out, "0 incompatible, 0 compatible, 0 documentation") {
		t.Errorf("no changes: exit %d %q", code, out)
	}
	for _, bad := range [][]string{
		{"diff", "-spec", diffData + "/old"},
		{"diff", "-spec", diffData + "/old", "-from", "v", "-to", "nope"},
		{"diff", "-spec", diffData + "/old", "-from", "v", "-to", "v", "-format", "xml"},
		{"diff", "-spec", diffData + "/old", "-from", "v", "-to", "v", "-fail-on", "some"},
	} {
		if code, _, _ := runCLI(bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	code, out, _ := runCLI(append(args, "-format", "json")...)
	var rep struct {
		Summary diff.Summary
		Changes []struct{ Class, Kind, Item string }
	}
	if code != 3 || json.Unmarshal([]byte(out), &rep) != nil || rep.Summary.Incompatible == 0 || len(rep.Changes) == 0 {
		t.Errorf("json report: exit %d, %+v", code, rep.Summary)
	}
}

// TestDiffAgainstGitRevision diffs the working tree's registry against the
// registry committed at HEAD of a temporary repository.
func TestDiffAgainstGitRevision(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is required:", err)
	}
	repo := t.TempDir()
	gitIn := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	copyFile := func(from, to string) {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitIn("init", "-q")
	copyFile(diffData+"/old/abi.yaml", filepath.Join(repo, "spec", "abi.yaml"))
	gitIn("add", ".")
	gitIn("commit", "-q", "-m", "old")
	copyFile(diffData+"/new/abi.yaml", filepath.Join(repo, "spec", "abi.yaml"))

	code, out, errs := runCLI("diff", "-spec", filepath.Join(repo, "spec"), "-against", "HEAD", "-version", "v", "-format", "json")
	if code != 3 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep struct{ Changes []diff.Change }
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	oldR, _ := spec.LoadDir(diffData + "/old")
	newR, _ := spec.LoadDir(diffData + "/new")
	o, _ := diff.NewSide("o", oldR.View("v"))
	n, _ := diff.NewSide("n", newR.View("v"))
	if want := diff.Compare(o, n); len(rep.Changes) != len(want) {
		t.Errorf("against HEAD: %d changes, against the directory: %d", len(rep.Changes), len(want))
	}
	if code, _, errs := runCLI("diff", "-spec", filepath.Join(repo, "spec"), "-against", "no-such-rev", "-version", "v"); code != 1 || !strings.Contains(errs, "no-such-rev") {
		t.Errorf("bad revision: exit %d %s", code, errs)
	}
}

// BenchmarkDiff diffs the two versions of the whole registry (layouts
// included), the work of "hvgen diff -from wdk-2013 -to tlfs".
func BenchmarkDiff(b *testing.B) {
	r, err := spec.LoadDir("../../spec")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		o, err := diff.NewSide("wdk-2013", r.View("wdk-2013"))
		if err != nil {
			b.Fatal(err)
		}
		n, err := diff.NewSide("tlfs", r.View("tlfs"))
		if err != nil {
			b.Fatal(err)
		}
		if len(diff.Compare(o, n)) == 0 {
			b.Fatal("no changes")
		}
	}
}
