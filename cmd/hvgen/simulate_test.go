package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// simulate accepts the whole documented range of -buffers and -pages: the
// pool is sized from what the calls take, the per-map overhead included.
func TestSimulateRange(t *testing.T) {
	dir := t.TempDir()
	for _, bp := range [][2]string{{"512", "1"}, {"1", "512"}, {"1", "1"}} {
		ev := filepath.Join(dir, "ev")
		logged, _, _ := simulateTo(t, ev, "-buffers", bp[0], "-pages", bp[1], "-for", "2ms")
		code, out, errs := runCLI("dump", ev)
		if code != 0 || strings.Count(out, "\n") != logged {
			t.Errorf("-buffers %s -pages %s: dump exit %d, %d lines of %d: %s", bp[0], bp[1], code, strings.Count(out, "\n"), logged, errs)
		}
	}
	// One buffer for four processors: events are lost, counted by simulate,
	// and reported by the recording dump reads (buffer headers and end
	// record).
	ev := filepath.Join(dir, "ev")
	logged, lost, _ := simulateTo(t, ev, "-buffers", "1", "-pages", "1", "-for", "5ms")
	code, out, errs := runCLI("dump", ev)
	var reported int
	fmt.Sscanf(errs, "hvgen dump: the recording reports %d events lost", &reported)
	if lost == 0 || reported != lost || code != 0 || strings.Count(out, "\n") != logged {
		t.Errorf("one buffer: %d logged, %d lost, dump reports %d lost (exit %d, %d lines)", logged, lost, reported, code, strings.Count(out, "\n"))
	}
	for _, args := range [][]string{{"-buffers", "513"}, {"-pages", "0"}, {"-rate", "0"}, {"-for", "0s"}, {"-o", ""}, {"-stats", "-"}} {
		if code, _, errs := runCLI(append([]string{"simulate", "-o", filepath.Join(dir, "x")}, args...)...); code != 2 || !strings.Contains(errs, "hvgen simulate: ") {
			t.Errorf("%v: exit %d %s", args, code, errs)
		}
	}
	assertNoTemp(t, dir)
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Error("a usage error wrote the output file")
	}
}

// Nothing is written until every argument has been checked: an unusable
// -stats path fails before the events file is touched.
func TestSimulateValidatesBeforeWriting(t *testing.T) {
	dir := t.TempDir()
	ev := filepath.Join(dir, "events.dump")
	writeTestFile(t, ev, []byte("previous recording"))
	code, _, errs := runCLI("simulate", "-o", ev, "-stats", filepath.Join(dir, "nonexistent", "x"), "-for", "5ms")
	if code != 1 || !strings.Contains(errs, "nonexistent") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if data, _ := os.ReadFile(ev); string(data) != "previous recording" {
		t.Errorf("the events file was overwritten (%d bytes) though -stats was unusable", len(data))
	}
	code, _, _ = runCLI("simulate", "-o", filepath.Join(dir, "nonexistent", "ev"), "-stats", filepath.Join(dir, "st"), "-for", "5ms")
	if _, err := os.Stat(filepath.Join(dir, "st")); code != 1 || err == nil {
		t.Errorf("exit %d; the stats file was written though -o was unusable", code)
	}
	assertNoTemp(t, dir)
}

// simulate -o - streams the recording to standard output (the summary goes
// to standard error) and dump - reads one from standard input.
func TestSimulatePipe(t *testing.T) {
	code, rec, errs := runCLI("simulate", "-o", "-", "-for", "20ms")
	m := summaryRE.FindStringSubmatch(errs)
	if code != 0 || m == nil || m[4] != strconv.Itoa(len(rec)) {
		t.Fatalf("exit %d, %d bytes on stdout, stderr %q", code, len(rec), errs)
	}
	in := filepath.Join(t.TempDir(), "in")
	writeTestFile(t, in, []byte(rec))
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stdin := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = stdin }()
	code, out, errs := runCLI("dump", "-")
	if code != 0 || strconv.Itoa(strings.Count(out, "\n")) != m[1] {
		t.Errorf("dump -: exit %d, %d lines for %s events: %s", code, strings.Count(out, "\n"), m[1], errs)
	}
}
