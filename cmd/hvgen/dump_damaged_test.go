package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/runtime/recording"
)

// chunkEntries returns the number of entries of each chunk of a recording.
func chunkEntries(t *testing.T, data []byte) []int {
	t.Helper()
	r := recording.NewReader(bytes.NewReader(data))
	var n []int
	for buf, err := range r.Buffers() {
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for _, err := range buf.All() {
			if err != nil {
				t.Fatal(err)
			}
			k++
		}
		n = append(n, k)
	}
	return n
}

// dump -o of a damaged recording writes every entry it decoded, the same
// lines as standard output, and exits 1 naming the file and the chunk: a
// chunk whose payload fails its checksum, and a recording cut short.
func TestDumpOutputKeepsDecoded(t *testing.T) {
	dir := t.TempDir()
	ev, txt := filepath.Join(dir, "ev"), filepath.Join(dir, "ev.txt")
	logged, _, _ := simulateTo(t, ev, "-for", "30ms", "-pages", "1")
	data := readTestFile(t, ev)
	ends := chunkEnds(t, data)
	per := chunkEntries(t, data)
	if len(ends) < 6 {
		t.Fatalf("%d chunks", len(ends))
	}
	lines := func(k int) int { // entries in chunks 0..k-1
		n := 0
		for _, e := range per[:k] {
			n += e
		}
		return n
	}
	bad := bytes.Clone(data)
	bad[ends[2]+recording.ChunkHeaderSize+200] ^= 1 // a byte of chunk 3's payload
	for _, tc := range []struct {
		name  string
		data  []byte
		lines int
		msg   string
	}{
		{"corrupt chunk", bad, logged - per[3], fmt.Sprintf("hvgen dump: %s: byte %d: chunk 3: payload checksum", ev, ends[2])},
		{"truncated", data[:ends[4]+recording.ChunkHeaderSize+10], lines(5),
			fmt.Sprintf("hvgen dump: %s: truncated recording: byte %d: the stream ends inside a chunk: 10 of its 4096 payload bytes", ev, ends[4])},
	} {
		writeTestFile(t, ev, tc.data)
		writeTestFile(t, txt, []byte("previous\n"))
		_, stdout, _ := runCLI("dump", ev)
		code, out, errs := runCLI("dump", "-o", txt, ev)
		got := readTestFile(t, txt)
		if code != 1 || out != "" || !strings.Contains(errs, tc.msg) {
			t.Errorf("%s: exit %d, stderr %q, want exit 1 and %q", tc.name, code, errs, tc.msg)
		}
		if n := bytes.Count(got, []byte("\n")); n != tc.lines || string(got) != stdout {
			t.Errorf("%s: the -o file has %d lines, want the %d standard output has", tc.name, n, tc.lines)
		}
	}
	assertNoTemp(t, dir)
}

var lostRE = regexp.MustCompile(`(?m)^total +(\d+) +\((\d+) buffers, (\d+) events lost\)$`)

// simulate and dump -summary count the same events lost for the same
// recording: the events lost after a logical processor's last buffer,
// which no buffer header reports, are in the recording's end record.
func TestSimulateAndDumpAgreeOnLost(t *testing.T) {
	ev := filepath.Join(t.TempDir(), "x.rec")
	logged, lost, chunks := simulateTo(t, ev, "-rate", "100000000", "-for", "10ms", "-buffers", "1", "-pages", "1")
	code, out, errs := runCLI("dump", "-summary", ev)
	m := lostRE.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("dump -summary: exit %d %q %s", code, out, errs)
	}
	total, _ := strconv.Atoi(m[1])
	buffers, _ := strconv.Atoi(m[2])
	reported, _ := strconv.Atoi(m[3])
	if lost < 100000 || reported != lost || buffers != chunks || total != logged {
		t.Errorf("simulate: %d logged, %d lost in %d buffers; dump -summary: %q", logged, lost, chunks, out)
	}
	// The buffer headers alone report fewer: the rest are in the end record.
	var headers uint64
	r := recording.NewReader(bytes.NewReader(readTestFile(t, ev)))
	for buf, err := range r.Buffers() {
		if err != nil {
			t.Fatal(err)
		}
		headers += uint64(buf.Header().EventsLost)
	}
	if r.UnreportedLost() == 0 || headers+r.UnreportedLost() != uint64(lost) {
		t.Errorf("headers report %d lost, the end record %d; simulate counted %d", headers, r.UnreportedLost(), lost)
	}
}

// An output file that cannot be made is named as the user gave it, not as
// the temporary file it would have been written through.
func TestOutputErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	ev := filepath.Join(dir, "ev")
	simulateTo(t, ev, "-for", "5ms")
	target := filepath.Join(dir, "nonexistent", "x.txt")
	for _, args := range [][]string{
		{"dump", "-o", target, ev},
		{"simulate", "-o", target, "-for", "5ms"},
		{"simulate", "-o", ev, "-stats", target, "-for", "5ms"},
	} {
		code, _, errs := runCLI(args...)
		if want := "open " + target + ": no such file or directory"; code != 1 || !strings.Contains(errs, want) || strings.Contains(errs, ".tmp") {
			t.Errorf("%v: exit %d, stderr %q, want %q", args, code, errs, want)
		}
	}
	// A write that fails names the target too.
	f, err := createAtomic(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	f.f.Close() // make the writes fail
	_, err = io.WriteString(f, "x")
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "out")+":") || strings.Contains(err.Error(), ".tmp") {
		t.Errorf("write error %v", err)
	}
	if err := f.Commit(); err == nil || strings.Contains(err.Error(), ".tmp") {
		t.Errorf("commit error %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Error("a failed file was put in place")
	}
	assertNoTemp(t, dir)
}
