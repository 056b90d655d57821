package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/runtime/recording"
	"github.com/hvgen/hvgen/runtime/sim"
)

var summaryRE = regexp.MustCompile(`: (\d+) events logged, (\d+) lost \(no free buffer\); (\d+) buffers, (\d+) bytes`)

// simulateTo runs hvgen simulate with extra flags and returns the numbers
// its summary line states.
func simulateTo(t *testing.T, path string, flags ...string) (logged, lost, chunks int) {
	t.Helper()
	code, out, errs := runCLI(append([]string{"simulate", "-o", path}, flags...)...)
	if code != 0 {
		t.Fatalf("simulate: %d %s", code, errs)
	}
	m := summaryRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("simulate output %q", out)
	}
	logged, _ = strconv.Atoi(m[1])
	lost, _ = strconv.Atoi(m[2])
	chunks, _ = strconv.Atoi(m[3])
	size, _ := strconv.Atoi(m[4])
	if st, err := os.Stat(path); err != nil || st.Size() != int64(size) {
		t.Fatalf("simulate says %d bytes; file: %v %v", size, st, err)
	}
	if logged == 0 {
		t.Fatalf("simulate logged nothing: %q", out)
	}
	return logged, lost, chunks
}

func simulate(t *testing.T) (dir string, logged int) {
	t.Helper()
	dir = t.TempDir()
	logged, _, _ = simulateTo(t, filepath.Join(dir, "ev.dump"), "-stats", filepath.Join(dir, "st.dump"),
		"-for", "30ms", "-buffers", "8", "-pages", "1")
	return dir, logged
}

// entryLine is one line of -json output for an event-log entry.
type entryLine struct {
	Buffer  uint32            `json:"buffer"`
	Offset  int               `json:"offset"`
	LP      uint8             `json:"lp"`
	TimeNS  string            `json:"time_ns"`
	Type    string            `json:"type"`
	ID      uint16            `json:"id"`
	Context uint32            `json:"context"`
	Params  map[string]string `json:"params"`
	Raw     string            `json:"raw"`
}

func TestDumpEventLog(t *testing.T) {
	dir, logged := simulate(t)
	ev := filepath.Join(dir, "ev.dump")
	code, out, errs := runCLI("dump", ev)
	if code != 0 || strings.Count(out, "\n") != logged || errs != "" {
		t.Fatalf("dump: exit %d, %d lines for %d events; %s", code, strings.Count(out, "\n"), logged, errs)
	}
	code, out, _ = runCLI("dump", "-format", "json", "-types", "HV_TR_HC_HYPERCALL,0x25", ev)
	if code != 0 {
		t.Fatal(code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		var e entryLine
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if e.ID != 0x1a && e.ID != 0x25 {
			t.Fatalf("filter let through %+v", e)
		}
		if e.ID == 0x1a && (len(e.Params) != 2 || !strings.HasPrefix(e.Params["GuestRip"], "0x")) {
			t.Fatalf("HV_TR_HC_HYPERCALL params %v", e.Params)
		}
	}
	code, out, _ = runCLI("dump", "-until", "1ns", ev)
	if code != 0 || out != "" {
		t.Errorf("-until 1ns printed %q", out)
	}
}

// The default simulation, shortened, loses nothing: the root drains and
// releases every buffer as it is reported. The recording holds every
// logged event and no buffer header reports a lost one.
func TestSimulateLosesNothing(t *testing.T) {
	ev := filepath.Join(t.TempDir(), "ev.dump")
	logged, lost, chunks := simulateTo(t, ev, "-for", "1s")
	if lost != 0 || logged != 100000 {
		t.Fatalf("%d events logged, %d lost; want 100000 and 0", logged, lost)
	}
	if chunks <= 16 {
		t.Errorf("%d buffers recorded: no buffer was reused, so none was drained", chunks)
	}
	code, out, errs := runCLI("dump", ev)
	if code != 0 || strings.Count(out, "\n") != logged || strings.Contains(errs, "lost") {
		t.Fatalf("dump: exit %d, %d lines for %d events: %s", code, strings.Count(out, "\n"), logged, errs)
	}
}

// Two recordings concatenated are one valid recording.
func TestDumpConcatenated(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	na, _, _ := simulateTo(t, a, "-for", "20ms", "-seed", "1")
	nb, _, _ := simulateTo(t, b, "-for", "30ms", "-seed", "2", "-pages", "2")
	da := readTestFile(t, a)
	db := readTestFile(t, b)
	both := filepath.Join(dir, "both")
	writeTestFile(t, both, append(da, db...))
	code, out, errs := runCLI("dump", both)
	if code != 0 || strings.Count(out, "\n") != na+nb || errs != "" {
		t.Fatalf("exit %d, %d lines for %d+%d events: %s", code, strings.Count(out, "\n"), na, nb, errs)
	}
}

// chunkEnds returns the offset after each chunk of a recording (its end
// record is not a chunk).
func chunkEnds(t *testing.T, data []byte) []int {
	t.Helper()
	var ends []int
	r := recording.NewReader(bytes.NewReader(data))
	var c recording.Chunk
	for {
		err := r.ReadChunk(&c)
		if err == io.EOF {
			return ends
		}
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, int(c.Offset)+recording.ChunkHeaderSize+len(c.Payload))
	}
}

// rewrite reads the chunks of a recording, lets edit change each, and
// writes them again as a recording (with new checksums).
func rewrite(t *testing.T, data []byte, edit func(c *recording.Chunk)) []byte {
	t.Helper()
	var out bytes.Buffer
	w := recording.NewWriter(&out)
	r := recording.NewReader(bytes.NewReader(data))
	var c recording.Chunk
	for {
		err := r.ReadChunk(&c)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		edit(&c)
		if err := w.WriteBuffer(c.Group, c.Payload); err != nil {
			t.Fatal(err)
		}
	}
	w.AddUnreportedLost(r.UnreportedLost())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// A recording cut short is decoded up to its last complete buffer, and the
// truncation is named.
func TestDumpTruncated(t *testing.T) {
	dir := t.TempDir()
	ev := filepath.Join(dir, "ev")
	simulateTo(t, ev, "-for", "30ms", "-pages", "1")
	data := readTestFile(t, ev)
	ends := chunkEnds(t, data)
	if len(ends) < 4 {
		t.Fatalf("%d chunks", len(ends))
	}
	whole := ends[len(ends)-3] // the last complete chunk kept
	writeTestFile(t, ev, data[:whole])
	_, want, _ := runCLI("dump", ev)
	if want == "" {
		t.Fatal("nothing decoded from the complete chunks")
	}
	for _, tc := range []struct {
		cut int
		msg string
	}{
		{whole + 3, fmt.Sprintf("byte %d: the stream ends 3 bytes into a chunk header", whole)},
		{whole + 20, fmt.Sprintf("byte %d: the stream ends inside a chunk header: 20 of 48 bytes", whole)},
		{whole + recording.ChunkHeaderSize + 100, fmt.Sprintf("byte %d: the stream ends inside a chunk: 100 of its 4096 payload bytes", whole)},
	} {
		writeTestFile(t, ev, data[:tc.cut])
		code, out, errs := runCLI("dump", ev)
		if code != 1 || out != want || !strings.Contains(errs, "truncated recording: "+tc.msg) ||
			!strings.Contains(errs, fmt.Sprintf("the %d complete buffers before it were decoded", len(ends)-2)) {
			t.Errorf("cut at %d: exit %d, %d of %d bytes of output, stderr %q", tc.cut, code, len(out), len(want), errs)
		}
		code, out, errs = runCLI("dump", "-allow-truncated", ev)
		if code != 0 || out != want || !strings.Contains(errs, tc.msg) {
			t.Errorf("-allow-truncated, cut at %d: exit %d, stderr %q", tc.cut, code, errs)
		}
	}
}

// Bytes after the last chunk are an error naming their offset; everything
// before them is decoded.
func TestDumpTrailingGarbage(t *testing.T) {
	dir := t.TempDir()
	ev := filepath.Join(dir, "ev")
	logged, _, _ := simulateTo(t, ev, "-for", "20ms")
	data := readTestFile(t, ev)
	for _, tail := range []string{"garbage after the recording", "xy", "\x00"} {
		writeTestFile(t, ev, append(append([]byte(nil), data...), tail...))
		code, out, errs := runCLI("dump", ev)
		if code != 1 || strings.Count(out, "\n") != logged ||
			!strings.Contains(errs, fmt.Sprintf("byte %d: ", len(data))) || !strings.Contains(errs, "is not the start of a chunk") {
			t.Errorf("tail %q: exit %d, %d lines of %d, stderr %q", tail, code, strings.Count(out, "\n"), logged, errs)
		}
	}
}

// A corrupt chunk is reported with its offset and skipped; the rest is
// decoded unless -stop. A damaged entry under a valid checksum (the bytes
// as the hypervisor handed them over) is reported with buffer and offset.
func TestDumpCorrupt(t *testing.T) {
	dir, logged := simulate(t)
	ev := filepath.Join(dir, "ev.dump")
	data, err := os.ReadFile(ev)
	if err != nil {
		t.Fatal(err)
	}
	orig := bytes.Clone(data)
	first := binary.LittleEndian.Uint32(data[recording.ChunkHeaderSize+4:]) // BufferIndex of the first chunk
	entry := recording.ChunkHeaderSize + 72 + 4                             // Size of its first entry
	binary.LittleEndian.PutUint16(data[entry:], 12)
	writeTestFile(t, ev, data)
	code, out, errs := runCLI("dump", ev)
	if code != 1 || !strings.Contains(errs, "hvgen dump: "+ev+": byte 0: chunk 0: payload checksum") || strings.Contains(errs, "missing") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if n := strings.Count(out, "\n"); n == 0 || n >= logged {
		t.Errorf("%d entries decoded around the corrupt chunk (of %d)", n, logged)
	}

	data = rewrite(t, orig, func(c *recording.Chunk) {
		if c.Sequence == 0 {
			binary.LittleEndian.PutUint16(c.Payload[72+4:], 12)
		}
	})
	writeTestFile(t, ev, data)
	code, out, errs = runCLI("dump", ev)
	if msg := fmt.Sprintf("byte 0: chunk 0: eventlog: buffer %d at byte 0x48: entry size 12 below the 16-byte entry header", first); code != 1 || !strings.Contains(errs, msg) {
		t.Fatalf("exit %d, stderr %q, want %q", code, errs, msg)
	}
	if n := strings.Count(out, "\n"); n == 0 || n >= logged {
		t.Errorf("%d entries decoded around the corrupt buffer (of %d)", n, logged)
	}
	if code, out, _ = runCLI("dump", "-stop", ev); code != 1 || out != "" {
		t.Errorf("-stop: exit %d, %d bytes of output", code, len(out))
	}
	data[recording.ChunkHeaderSize/2] ^= 1 // the header checksum no longer matches: nothing after it can be trusted
	writeTestFile(t, ev, data)
	if code, out, errs := runCLI("dump", ev); code != 1 || out != "" || !strings.Contains(errs, "byte 0: chunk header checksum") {
		t.Errorf("bad header: exit %d, stderr %q", code, errs)
	}
	writeTestFile(t, ev, []byte("not a dump"))
	if code, _, errs := runCLI("dump", ev); code != 1 || !strings.Contains(errs, "byte 0") {
		t.Errorf("garbage: exit %d %s", code, errs)
	}
}

// recordEvents sets up a sim as simulate does and returns a recording of
// events logged by log, drained and released as the root does.
func recordEvents(t testing.TB, log func(h *wdk2013sim.Hypervisor)) []byte {
	t.Helper()
	var buf bytes.Buffer
	h := wdk2013sim.New(sim.Config{RootPoolPages: sim.EventLogPoolPages(4, 1)})
	rr, err := startRecording(h, &buf, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	log(h)
	if err := rr.client.FlushEventLogBuffer(&hv.FlushEventLogBufferInput{Type: rr.typ}); err != nil {
		t.Fatal(err)
	}
	if err := rr.drain(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// 64-bit values survive JSON decoders that read numbers as float64 (jq,
// JavaScript): they are strings, and every number is below 2^53.
func TestDumpJSONLossless(t *testing.T) {
	const rip = 8658327979019022802 // float64 reads it as 8658327979019022336
	data := recordEvents(t, func(h *wdk2013sim.Hypervisor) {
		h.Advance(math.MaxInt64 / 100) // a time in ns beyond 2^53
		h.EventLog().Log(hv.EventLogTypeLocalDiagnostics, 1, hv.TrHcHypercall, 0xffffffff, rip, math.MaxUint64)
	})
	ev := filepath.Join(t.TempDir(), "ev")
	writeTestFile(t, ev, data)
	code, out, errs := runCLI("dump", "-format", "json", ev)
	if code != 0 || strings.Count(out, "\n") != 1 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	var generic map[string]any // as a float64 reader sees it
	if err := json.Unmarshal([]byte(out), &generic); err != nil {
		t.Fatal(err)
	}
	params := generic["params"].(map[string]any)
	got, err := strconv.ParseUint(params["GuestRip"].(string), 0, 64)
	if err != nil || got != rip {
		t.Errorf("GuestRip %v read back as %d (%v)", params["GuestRip"], got, err)
	}
	if params["InputValue"] != "0xffffffffffffffff" {
		t.Errorf("InputValue %v", params["InputValue"])
	}
	if ns, err := strconv.ParseInt(generic["time_ns"].(string), 10, 64); err != nil || ns != math.MaxInt64/100*100 {
		t.Errorf("time_ns %v (%v)", generic["time_ns"], err)
	}
	for k, v := range generic {
		if f, ok := v.(float64); ok && (f >= 1<<53 || f != math.Trunc(f)) {
			t.Errorf("%s: %v is a number that may not be exact", k, v)
		}
	}
	if generic["context"] != float64(0xffffffff) {
		t.Errorf("context %v", generic["context"])
	}
}

// Format-1 dumps (whole-group snapshots from earlier hvgen versions) still
// decode, and may be followed by a recording.
func TestDumpFormat1(t *testing.T) {
	// A snapshot the simulator wrote before the recording package: 300
	// entries in four buffers.
	old := readTestFile(t, "../../runtime/recording/testdata/format1.rec")
	rec := recordEvents(t, func(h *wdk2013sim.Hypervisor) {
		for range 10 {
			h.EventLog().Log(hv.EventLogTypeLocalDiagnostics, 0, hv.TrImHltInstruction, 1, 2)
		}
	})
	ev := filepath.Join(t.TempDir(), "ev")
	writeTestFile(t, ev, append(old, rec...))
	code, out, errs := runCLI("dump", ev)
	if code != 0 || strings.Count(out, "\n") != 310 {
		t.Fatalf("exit %d, %d lines: %s", code, strings.Count(out, "\n"), errs)
	}
}

func TestDumpStats(t *testing.T) {
	dir, _ := simulate(t)
	st := filepath.Join(dir, "st.dump")
	code, out, errs := runCLI("dump", st)
	if code != 0 || !strings.Contains(out, "HV_STATISTICS_TYPE_VPA     1  Total run time") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	code, out, _ = runCLI("dump", "-format", "json", st)
	if code != 0 || !strings.Contains(out, `"slot":1,"value":"300000","version":"1.0"`) {
		t.Fatalf("exit %d: %s", code, out)
	}
	data := readTestFile(t, st)
	writeTestFile(t, st, append(data, 0))
	if code, _, errs := runCLI("dump", st); code != 1 || !strings.Contains(errs, st+": byte 4120: trailing bytes") {
		t.Errorf("trailing byte: exit %d %s", code, errs)
	}
}

// dump -o writes its output through a temporary file: a good recording's
// lines, and those decoded from a damaged one too (exit 1).
func TestDumpOutputFile(t *testing.T) {
	dir := t.TempDir()
	ev, txt := filepath.Join(dir, "ev"), filepath.Join(dir, "ev.txt")
	logged, _, _ := simulateTo(t, ev, "-for", "20ms")
	if code, _, errs := runCLI("dump", "-o", txt, ev); code != 0 {
		t.Fatal(code, errs)
	}
	if data, _ := os.ReadFile(txt); bytes.Count(data, []byte("\n")) != logged {
		t.Fatalf("%d lines in -o file", bytes.Count(data, []byte("\n")))
	}
	data := readTestFile(t, ev)
	writeTestFile(t, ev, data[:len(data)-1]) // the end record cut short: every buffer is there
	writeTestFile(t, txt, []byte("previous\n"))
	if code, _, errs := runCLI("dump", "-o", txt, ev); code != 1 || !strings.Contains(errs, "truncated") {
		t.Fatalf("truncated input: exit %d %s", code, errs)
	}
	if data, _ := os.ReadFile(txt); bytes.Count(data, []byte("\n")) != logged {
		t.Errorf("the -o file of a recording cut inside its end record has %d lines, want %d", bytes.Count(data, []byte("\n")), logged)
	}
	assertNoTemp(t, dir)
}

func TestDumpFormatting(t *testing.T) {
	for _, tc := range []struct {
		t    time.Duration
		want string
	}{{0, "    0.000000000s"}, {12*time.Second + 123400, "   12.000123400s"}, {time.Duration(math.MaxInt64), "9223372036.854775807s"}} {
		b := make([]byte, 32)
		if got := string(b[:putSeconds(b, 0, tc.t)]); got != tc.want {
			t.Errorf("putSeconds(%d) = %q, want %q", tc.t, got, tc.want)
		}
	}
	for _, v := range []uint64{0, 1, 0xf, 0x10, 0xabc, 8658327979019022802, math.MaxUint64} {
		b := append(make([]byte, 0, 32), 'x')
		if got, want := string(b[:putHex(b[:cap(b)], len(b), v, 1)]), "x"+strconv.FormatUint(v, 16); got != want {
			t.Errorf("putHex(%#x) = %q, want %q", v, got, want)
		}
	}
	for _, v := range []int{0, 0x48, 0xabc, 0x1ffff} {
		b := make([]byte, 32)
		if got, want := string(b[:putHex(b, 0, uint64(v), 3)]), fmt.Sprintf("%03x", v); got != want {
			t.Errorf("putHex(%#x, 3 digits) = %q, want %q", v, got, want)
		}
	}
}

// -summary counts what the full decode writes, by type, with the totals.
func TestDumpSummary(t *testing.T) {
	dir, logged := simulate(t)
	ev := filepath.Join(dir, "ev.dump")
	code, out, errs := runCLI("dump", "-summary", "-format", "json", ev)
	if code != 0 {
		t.Fatal(code, errs)
	}
	total := 0
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines[:len(lines)-1] {
		var e struct {
			Type    string
			ID      uint16
			Entries int
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.Entries == 0 || e.Type == "" {
			t.Fatalf("%q: %v", l, err)
		}
		_, typed, _ := runCLI("dump", "-types", e.Type, ev)
		if n := strings.Count(typed, "\n"); n != e.Entries {
			t.Errorf("%s: summary %d, dump -types %d", e.Type, e.Entries, n)
		}
		total += e.Entries
	}
	var sum struct {
		Total, Buffers int
		Lost           string
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum.Total != logged || total != logged || sum.Lost != "0" || sum.Buffers == 0 {
		t.Errorf("totals %q (%v): %d by type, %d logged", lines[len(lines)-1], err, total, logged)
	}
}

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := &progressLine{w: &buf, size: 200 << 20}
	p.update(50 << 20)
	p.update(60 << 20) // within 200ms of the last: not shown
	p.end()
	p.end()
	p.update(200 << 20)
	p.end()
	if want := "\rdecoded 50 of 200 MiB (25%)\n\rdecoded 200 of 200 MiB (100%)\n"; buf.String() != want {
		t.Errorf("%q, want %q", buf.String(), want)
	}
	var none *progressLine // no terminal
	none.update(1)
	none.end()
}

// A chunk missing from the middle of a recording is reported; the rest is
// decoded.
func TestDumpMissingChunk(t *testing.T) {
	ev := filepath.Join(t.TempDir(), "ev")
	simulateTo(t, ev, "-for", "20ms", "-pages", "1")
	data := readTestFile(t, ev)
	ends := chunkEnds(t, data)
	writeTestFile(t, ev, append(data[:ends[1]:ends[1]], data[ends[2]:]...)) // drop chunk 2
	code, _, errs := runCLI("dump", ev)
	if want := fmt.Sprintf("byte %d: chunk 3 follows chunk 1 of the recording: chunks are missing", ends[1]); code != 0 || !strings.Contains(errs, want) {
		t.Errorf("exit %d, stderr %q, want %q", code, errs, want)
	}
}

// A TSC time past 2^63 ns is dumped at the largest time, not dropped by the
// default -since 0.
func TestDumpTSCPastMaxDuration(t *testing.T) {
	data := recordEvents(t, func(h *wdk2013sim.Hypervisor) {
		h.Advance(1e10)
		h.EventLog().Log(hv.EventLogTypeLocalDiagnostics, 0, hv.TrHcHypercall, 1, 2, 3)
	})
	// The sim records in reference time: make every chunk say TSC at 1 Hz,
	// so the entry's stamp 1e10 is 1e10 s, past 2^63 ns.
	tsc := rewrite(t, data, func(c *recording.Chunk) { c.Group.TimeBasis, c.Group.TSCHz = eventlog.TimeTSC, 1 })
	ev := filepath.Join(t.TempDir(), "ev")
	if err := os.WriteFile(ev, tsc, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("dump", ev)
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "9223372036.854775807s ") {
		t.Errorf("dump: exit %d %q %s", code, out, errs)
	}
	code, out, errs = runCLI("dump", "-format", "json", ev)
	if code != 0 || !strings.Contains(out, `"time_ns":"9223372036854775807"`) {
		t.Errorf("dump -format json: exit %d %q %s", code, out, errs)
	}
	code, out, errs = runCLI("dump", "-summary", "-format", "json", ev)
	if code != 0 || !strings.Contains(out, `"type":"HV_TR_HC_HYPERCALL","id":`) || !strings.Contains(out, `"entries":1}`) {
		t.Errorf("dump -summary: exit %d %q %s", code, out, errs)
	}
}

// A -since/-until window no entry can fall in, or a negative time, is a
// usage error (exit 2) naming the problem, before the input is opened.
func TestDumpTimeWindowUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-since", "-1s"}, "-since and -until are times since the hypervisor started: not negative"},
		{[]string{"-until", "-1ns"}, "not negative"},
		{[]string{"-since", "2ms", "-until", "1ms"}, "-until 1ms is not after -since 2ms: no entry could match"},
		{[]string{"-since", "1ms", "-until", "1ms"}, "-until 1ms is not after -since 1ms"},
	} {
		code, out, errs := runCLI(append(append([]string{"dump"}, tc.args...), "no-such-file")...)
		if code != 2 || out != "" || !strings.Contains(errs, tc.want) {
			t.Errorf("dump %v: exit %d, stdout %q, stderr %q; want exit 2 with %q", tc.args, code, out, errs, tc.want)
		}
	}
}
