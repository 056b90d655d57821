package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/runtime/recording"
)

// -summary counts what the text form decodes: on a truncated recording and
// on one with bytes after its last chunk, the complete buffers before the
// problem are counted and the summary is written, as the text form writes
// their lines; the truncation is named with the file's name either way.
func TestDumpSummaryDamagedEnd(t *testing.T) {
	dir := t.TempDir()
	ev := filepath.Join(dir, "ev")
	simulateTo(t, ev, "-for", "30ms", "-pages", "1")
	data := readTestFile(t, ev)
	ends := chunkEnds(t, data)
	if len(ends) < 4 {
		t.Fatalf("%d chunks", len(ends))
	}
	whole := ends[len(ends)-3]
	writeTestFile(t, ev, data[:whole])
	_, want, _ := runCLI("dump", "-summary", ev)
	if !strings.Contains(want, "total ") {
		t.Fatalf("no summary of the complete chunks: %q", want)
	}
	damaged := map[string][]byte{
		"truncated": data[:whole+recording.ChunkHeaderSize+100],
		"garbage":   append(append([]byte(nil), data[:whole]...), "garbage"...),
	}
	for name, b := range damaged {
		writeTestFile(t, ev, b)
		code, out, errs := runCLI("dump", "-summary", ev)
		if code != 1 || out != want {
			t.Errorf("%s: exit %d, summary %q, want %q (stderr %q)", name, code, out, want, errs)
		}
	}
	writeTestFile(t, ev, damaged["truncated"])
	code, out, errs := runCLI("dump", "-summary", "-allow-truncated", ev)
	if code != 0 || out != want || !strings.Contains(errs, "hvgen dump: "+ev+": truncated recording: ") {
		t.Errorf("-allow-truncated: exit %d, summary %q, stderr %q", code, out, errs)
	}
}
