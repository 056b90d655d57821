package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func simulate(t *testing.T) (dir string, logged int) {
	t.Helper()
	dir = t.TempDir()
	code, out, errs := runCLI("simulate", "-o", filepath.Join(dir, "ev.dump"), "-stats", filepath.Join(dir, "st.dump"),
		"-for", "30ms", "-buffers", "4", "-pages", "1")
	if code != 0 {
		t.Fatalf("simulate: %d %s", code, errs)
	}
	f := strings.Fields(out)
	n, err := strconv.Atoi(f[1])
	if err != nil || n == 0 {
		t.Fatalf("simulate output %q", out)
	}
	return dir, n
}

func TestDumpEventLog(t *testing.T) {
	dir, logged := simulate(t)
	ev := filepath.Join(dir, "ev.dump")
	code, out, errs := runCLI("dump", ev)
	if code != 0 || strings.Count(out, "\n") != logged {
		t.Fatalf("dump: exit %d, %d lines for %d events; %s", code, strings.Count(out, "\n"), logged, errs)
	}
	code, out, _ = runCLI("dump", "-json", "-type", "HV_TR_HC_HYPERCALL,0x25", ev)
	if code != 0 {
		t.Fatal(code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		var e entryJSON
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if e.ID != 0x1a && e.ID != 0x25 {
			t.Fatalf("filter let through %+v", e)
		}
		if e.ID == 0x1a && len(e.Params) != 2 {
			t.Fatalf("HV_TR_HC_HYPERCALL params %v", e.Params)
		}
	}
	code, out, _ = runCLI("dump", "-until", "1ns", ev)
	if code != 0 || out != "" {
		t.Errorf("-until 1ns printed %q", out)
	}
}

// A corrupt entry size is reported with buffer and offset; the rest of the
// dump is still decoded unless -stop.
func TestDumpCorrupt(t *testing.T) {
	dir, logged := simulate(t)
	ev := filepath.Join(dir, "ev.dump")
	data, err := os.ReadFile(ev)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint16(data[40+72+4:], 12) // first entry of the first buffer: size 12
	if err := os.WriteFile(ev, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("dump", ev)
	if code != 1 || !strings.Contains(errs, "buffer 0 at byte 0x48: entry size 12 below the 16-byte entry header") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if n := strings.Count(out, "\n"); n == 0 || n >= logged {
		t.Errorf("%d entries decoded around the corrupt buffer (of %d)", n, logged)
	}
	if code, out, _ = runCLI("dump", "-stop", ev); code != 1 || out != "" {
		t.Errorf("-stop: exit %d, %d bytes of output", code, len(out))
	}
	os.WriteFile(ev, []byte("not a dump"), 0o644)
	if code, _, _ := runCLI("dump", ev); code != 1 {
		t.Errorf("garbage: exit %d", code)
	}
}

func TestDumpStats(t *testing.T) {
	dir, _ := simulate(t)
	code, out, errs := runCLI("dump", filepath.Join(dir, "st.dump"))
	if code != 0 || !strings.Contains(out, "HV_STATISTICS_TYPE_VPA     1  Total run time") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
}
