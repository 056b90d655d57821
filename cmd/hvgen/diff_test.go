package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/diff"
	"github.com/hvgen/hvgen/spec/layout"
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
	if code, out, _ := runCLI(same...); code != 0 || !strings.Contains(out, "0 incompatible, 0 compatible, 0 documentation-only changes; 0 undescribed") {
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
	oldR, err := layout.LoadDir(diffData + "/old")
	if err != nil {
		t.Fatal(err)
	}
	newR, err := layout.LoadDir(diffData + "/new")
	if err != nil {
		t.Fatal(err)
	}
	o, _ := diff.NewSide("o", oldR.Version("v"))
	n, _ := diff.NewSide("n", newR.Version("v"))
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
	r, err := layout.LoadDir("../../spec")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		o, err := diff.NewSide("wdk-2013", r.Version("wdk-2013"))
		if err != nil {
			b.Fatal(err)
		}
		n, err := diff.NewSide("tlfs", r.Version("tlfs"))
		if err != nil {
			b.Fatal(err)
		}
		if len(diff.Compare(o, n)) == 0 {
			b.Fatal("no changes")
		}
	}
}

// TestDiffWDKToTLFS is the committed comparison: real breaks stay
// incompatible, what the TLFS does not describe is counted apart, and the
// short forms keep their promises.
func TestDiffWDKToTLFS(t *testing.T) {
	code, out, errs := runCLI("diff", "-spec", "../../spec", "-from", "wdk-2013", "-to", "tlfs", "-format", "json", "-fail-on", "none")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep struct {
		Summary diff.Summary
		Changes []struct{ Class, Kind, Item, Path, Old, New string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Incompatible >= 150 || rep.Summary.Undescribed == 0 {
		t.Errorf("summary %+v: want fewer than 150 incompatible and the undescribed counted apart", rep.Summary)
	}
	find := func(item, kind, path string) string {
		for _, c := range rep.Changes {
			if c.Item == item && c.Kind == kind && c.Path == path {
				return c.Class + " " + c.Old + " -> " + c.New
			}
		}
		return "(none)"
	}
	for _, w := range []struct{ item, kind, path, want string }{
		{"HvCallAssertVirtualInterrupt", "hypercall.code", "", "incompatible 0x55 -> 0x94"},
		{"HV_INPUT_UNMAP_STATS_PAGE", "field.offset", "ObjectIdentity", "incompatible 0x8 -> 0x4"},
		{"HvCallMapStatsPage", "hypercall.undescribed", "", "undescribed 0x6c -> "}, // no TLFS page
		{"HvCallSignalEvent", "hypercall.fast", "", "undescribed true -> false"},    // no TLFS page states the convention
		{"HV_REGISTER_NAME", "value.renamed", "HvX64RegisterSint0", "compatible HvX64RegisterSint0 -> HvRegisterSint0"},
		{"HV_PORT_TYPE", "value.removed", "HvPortTypeMessage", "incompatible 0x1 -> "}, // the TLFS's enum lists Doorbell only
	} {
		if got := find(w.item, w.kind, w.path); got != w.want {
			t.Errorf("%s %s %s: %q, want %q", w.item, w.kind, w.path, got, w.want)
		}
	}
	// The default -fail-on ignores undescribed differences; naming the class counts them.
	undesc := []string{"diff", "-spec", "../../spec", "-from", "wdk-2013", "-to", "tlfs", "-only", "undescribed"}
	if code, out, _ := runCLI(append(undesc, "-fail-on", "undescribed")...); code != 3 || strings.Contains(out, "incompatible  ") {
		t.Errorf("-only undescribed -fail-on undescribed: exit %d", code)
	}
	// -only incompatible -summary fits a pull-request comment (65536 characters).
	code, out, _ = runCLI("diff", "-spec", "../../spec", "-from", "wdk-2013", "-to", "tlfs", "-only", "incompatible", "-summary", "-format", "markdown")
	if code != 3 || len(out) > 65536 || !strings.Contains(out, "`HvCallAssertVirtualInterrupt`: hypercall.code") || strings.Contains(out, "| compatible |") {
		t.Errorf("-only incompatible -summary: exit %d, %d bytes:\n%s", code, len(out), out)
	}
	// -only lists some classes and still counts all.
	code, out, _ = runCLI("diff", "-spec", "../../spec", "-from", "wdk-2013", "-to", "tlfs", "-only", "incompatible", "-format", "json")
	var only struct {
		Summary diff.Summary
		Only    []string
		Changes []struct{ Class string }
	}
	if err := json.Unmarshal([]byte(out), &only); err != nil || code != 3 {
		t.Fatalf("-only incompatible -format json: exit %d, %v", code, err)
	}
	if only.Summary != rep.Summary || len(only.Changes) != rep.Summary.Incompatible || len(only.Only) != 1 {
		t.Errorf("-only incompatible: summary %+v (want %+v), %d changes listed", only.Summary, rep.Summary, len(only.Changes))
	}
	for _, c := range only.Changes {
		if c.Class != "incompatible" {
			t.Errorf("-only incompatible lists a %s change", c.Class)
		}
	}
	if code, _, _ := runCLI("diff", "-spec", "../../spec", "-from", "wdk-2013", "-to", "tlfs", "-only", "worse"); code != 2 {
		t.Errorf("-only worse: exit %d, want 2", code)
	}
}
