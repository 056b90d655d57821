package recording_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/hvgen/hvgen/internal/eventlogtest"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/runtime/recording"
)

const lt = eventlog.Type(hv.EventLogTypeLocalDiagnostics)

var group = recording.Group{Type: lt, TimeBasis: eventlog.TimeTSC, TSCHz: 2_000_000_000}

// filled returns n complete buffers of size bytes with entries of every
// documented type (eventlogtest.FillBuffers), one slice each.
func filled(n, size int, seed uint64) [][]byte {
	words := make([]uint64, n*size/8)
	mem := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), n*size)
	eventlogtest.FillBuffers(mem, n, size, hv.EventLogType(lt), seed)
	var bufs [][]byte
	for i := range n {
		bufs = append(bufs, mem[i*size:(i+1)*size])
	}
	return bufs
}

// record writes the buffers as a recording, closed with lost unreported
// events when lost >= 0 (left open otherwise).
func record(t testing.TB, bufs [][]byte, lost int) []byte {
	t.Helper()
	var out bytes.Buffer
	w := recording.NewWriter(&out)
	for _, b := range bufs {
		if err := w.WriteBuffer(group, b); err != nil {
			t.Fatal(err)
		}
	}
	if lost >= 0 {
		w.AddUnreportedLost(uint64(lost))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// entries lists what Buffers yields: each buffer's index and entries (type
// and time stamp), and each error.
func entries(data []byte) (lines []string, errs []error, r *recording.Reader) {
	r = recording.NewReader(bytes.NewReader(data))
	for buf, err := range r.Buffers() {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for e, err := range buf.All() {
			if err != nil {
				errs = append(errs, err)
				break
			}
			lines = append(lines, fmt.Sprintf("%d %v %d", buf.Index(), hv.EntryType(e.Type()), e.Header.TimeStamp))
		}
	}
	return lines, errs, r
}

func TestRoundTrip(t *testing.T) {
	bufs := filled(3, 4096, 1)
	data := record(t, bufs, 7)
	if len(data) != 3*(recording.ChunkHeaderSize+4096)+recording.ChunkHeaderSize {
		t.Fatalf("%d bytes", len(data))
	}
	lines, errs, r := entries(data)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	var want []string
	for i, b := range bufs {
		buf, err := eventlog.NewBuffer(b, uint32(i), lt, 4096)
		if err != nil {
			t.Fatal(err)
		}
		for e := range buf.All() {
			want = append(want, fmt.Sprintf("%d %v %d", i, hv.EntryType(e.Type()), e.Header.TimeStamp))
		}
	}
	if len(lines) < 3*10 || strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("read %d entries, wrote %d", len(lines), len(want))
	}
	if r.Chunks() != 3 || r.UnreportedLost() != 7 || r.EndRecords() != 1 || r.Offset() != int64(len(data)) {
		t.Errorf("chunks %d, lost %d, end records %d, offset %d", r.Chunks(), r.UnreportedLost(), r.EndRecords(), r.Offset())
	}
	if c := r.Chunk(); c.Sequence != 2 || c.Group != group || c.Format != 2 || c.Offset != 2*(recording.ChunkHeaderSize+4096) {
		t.Errorf("last chunk %+v", c)
	}
	// The header as the package documents it.
	le := binary.LittleEndian
	h := data[recording.ChunkHeaderSize+4096:]
	if string(h[:8]) != "HVGENELC" || le.Uint16(h[8:]) != 2 || le.Uint32(h[12:]) != uint32(lt) || le.Uint32(h[16:]) != 1 ||
		le.Uint32(h[20:]) != 4096 || le.Uint64(h[24:]) != 2_000_000_000 || le.Uint64(h[32:]) != 1 ||
		le.Uint32(h[40:]) != crc32.Checksum(bufs[1], crc32.MakeTable(crc32.Castagnoli)) {
		t.Errorf("chunk header % x", h[:48])
	}
	end := data[len(data)-48:]
	if string(end[:8]) != "HVGENELE" || le.Uint64(end[16:]) != 3 || le.Uint64(end[24:]) != 7 {
		t.Errorf("end record % x", end)
	}
}

// TestOldFormats: files written by hvgen before this package (format-1
// snapshot, format-2 recording without an end record, made by the
// simulator of that time) read as they did: 300 entries, these ones among
// them.
func TestOldFormats(t *testing.T) {
	for _, name := range []string{"format1.rec", "format2.rec"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		r := recording.NewReader(bytes.NewReader(data))
		var n int
		var first, hypercall string
		for buf, err := range r.Buffers() {
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if st := buf.State(); st == eventlog.StateFree || st == eventlog.StateStandby {
				continue
			}
			clock := r.Chunk().Group.Clock()
			for e, err := range buf.All() {
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				n++
				if first == "" {
					p := hv.AsTrVPCreateVP(e.Payload)
					first = fmt.Sprintf("%v %v %#x", hv.EntryType(e.Type()), clock.Duration(e.Header.TimeStamp), p.PartitionID)
				}
				if p := hv.AsTrHcHypercall(e.Payload); hypercall == "" && hv.EntryType(e.Type()) == hv.TrHcHypercall {
					hypercall = fmt.Sprintf("%d+%#x %#x %#x", buf.Index(), e.Offset, p.GuestRIP, p.InputValue)
				}
			}
		}
		if n != 300 || r.Chunks() != 4 || r.EndRecords() != 0 {
			t.Errorf("%s: %d entries in %d buffers", name, n, r.Chunks())
		}
		if first != "HV_TR_VP_CREATE_VP 10µs 0xdeb7b1a7075f67aa" || hypercall != "0+0x808 0x35e0fbe50f0cf6ad 0x7a0f143ce623658e" {
			t.Errorf("%s: first entry %q, first hypercall %q", name, first, hypercall)
		}
	}
}

// corrupt returns a copy of data with the byte at off flipped.
func corrupt(data []byte, off int) []byte {
	d := bytes.Clone(data)
	d[off] ^= 0x40
	return d
}

// TestDamage: each kind of damage is an *Error with the sentinel and the
// byte offset, and what can be decoded is.
func TestDamage(t *testing.T) {
	bufs := filled(3, 4096, 2)
	data := record(t, bufs, 0)
	chunk := recording.ChunkHeaderSize + 4096
	all, _, _ := entries(data)
	count := func(lines []string, idx int) (n int) {
		for _, l := range lines {
			if strings.HasPrefix(l, fmt.Sprintf("%d ", idx)) {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		name    string
		data    []byte
		kind    error
		offset  int64
		detail  string
		buffers []int // the buffers decoded
	}{
		{"payload checksum", corrupt(data, chunk+100), recording.ErrChecksum, int64(chunk), "chunk 1: payload checksum", []int{0, 2}},
		{"header checksum", corrupt(data, chunk+24), recording.ErrChecksum, int64(chunk), "chunk header checksum", []int{0}},
		{"truncated payload", data[:chunk+recording.ChunkHeaderSize+100], recording.ErrTruncated, int64(chunk), "the stream ends inside a chunk: 100 of its 4096 payload bytes", []int{0}},
		{"truncated header", data[:chunk+5], recording.ErrTruncated, int64(chunk), "the stream ends 5 bytes into a chunk header", []int{0}},
		{"truncated header past the magic", data[:chunk+20], recording.ErrTruncated, int64(chunk), "the stream ends inside a chunk header: 20 of 48 bytes", []int{0}},
		{"garbage after the end", append(bytes.Clone(data), "trailing garbage"...), recording.ErrTrailing, int64(len(data)), `"trailing" is not the start of a chunk`, []int{0, 1, 2}},
		{"short garbage", append(bytes.Clone(data), "xy"...), recording.ErrTrailing, int64(len(data)), `"xy" is not the start`, []int{0, 1, 2}},
		{"gap", append(bytes.Clone(data[:chunk]), data[2*chunk:3*chunk]...), recording.ErrGap, int64(chunk), "chunk 2 follows chunk 0 of the recording", []int{0, 2}},
		{"missing start", data[chunk:], recording.ErrGap, 0, "chunk 1 starts the recording: chunks 0 to 0 are missing", []int{1, 2}},
		{"end record counts more", append(bytes.Clone(data[:2*chunk]), data[3*chunk:]...), recording.ErrGap, int64(2 * chunk), "the end record counts 3 chunks, the recording ends after chunk 1", []int{0, 1}},
		{"truncated end record", data[:len(data)-1], recording.ErrTruncated, int64(3 * chunk), "the stream ends inside an end record: 47 of 48 bytes", []int{0, 1, 2}},
		{"end record checksum", corrupt(data, 3*chunk+30), recording.ErrChecksum, int64(3 * chunk), "end record checksum", []int{0, 1, 2}},
		{"version", func() []byte { d := bytes.Clone(data); d[chunk+8] = 3; return d }(), recording.ErrVersion, int64(chunk), "chunk header of format version 3", []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines, errs, _ := entries(tc.data)
			if len(errs) != 1 {
				t.Fatalf("errors %v, want one", errs)
			}
			var e *recording.Error
			if !errors.Is(errs[0], tc.kind) || !errors.As(errs[0], &e) || e.Offset != tc.offset || !strings.Contains(e.Error(), tc.detail) {
				t.Errorf("error %v (offset %v), want %v at byte %d: ...%s", errs[0], e, tc.kind, tc.offset, tc.detail)
			}
			for idx := range 3 {
				want := 0
				for _, b := range tc.buffers {
					if b == idx {
						want = count(all, idx)
					}
				}
				if got := count(lines, idx); got != want {
					t.Errorf("buffer %d: %d entries, want %d", idx, got, want)
				}
			}
		})
	}
}

// A chunk whose buffer header does not fit its chunk is reported with its
// offset as the *eventlog.CorruptError, and the next chunk is read.
func TestBadBufferHeader(t *testing.T) {
	bufs := filled(2, 4096, 3)
	binary.LittleEndian.PutUint32(bufs[0][0:], 8192) // BufferSize
	lines, errs, _ := entries(record(t, bufs, 0))
	var ce *eventlog.CorruptError
	var e *recording.Error
	if len(errs) != 1 || !errors.As(errs[0], &ce) || !errors.As(errs[0], &e) || e.Offset != 0 || !strings.Contains(errs[0].Error(), "chunk 0: eventlog: buffer 0: BufferSize 8192") {
		t.Fatalf("errors %v", errs)
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "1 ") {
		t.Errorf("buffer 1 not read: %d entries", len(lines))
	}
}

// ReadChunk returns the error that ended the recording again.
func TestReadChunkSticky(t *testing.T) {
	data := record(t, filled(1, 4096, 4), -1)
	r := recording.NewReader(bytes.NewReader(append(data, "garbage!"...)))
	var c recording.Chunk
	if err := r.ReadChunk(&c); err != nil || c.Verify() != nil {
		t.Fatal(err)
	}
	first := r.ReadChunk(&c)
	if !errors.Is(first, recording.ErrTrailing) || r.ReadChunk(&c) != first || c.Payload != nil {
		t.Errorf("first %v, then %v", first, r.ReadChunk(&c))
	}
	if err := recording.NewReader(bytes.NewReader(nil)).ReadChunk(&c); err != io.EOF {
		t.Errorf("empty: %v", err)
	}
}

// Recordings concatenated read as one: the second starts at sequence 0.
func TestConcatenated(t *testing.T) {
	a, b := record(t, filled(2, 4096, 5), 1), record(t, filled(1, 8192, 6), 2)
	lines, errs, r := entries(append(bytes.Clone(a), b...))
	if len(errs) != 0 || r.Chunks() != 3 || r.UnreportedLost() != 3 || r.EndRecords() != 2 || len(lines) == 0 {
		t.Errorf("errors %v, chunks %d, lost %d", errs, r.Chunks(), r.UnreportedLost())
	}
}

func TestWriterRejects(t *testing.T) {
	w := recording.NewWriter(io.Discard)
	for _, n := range []int{0, 64, 4100, recording.MaxPayload + 8} {
		if err := w.WriteBuffer(group, make([]byte, n)); err == nil {
			t.Errorf("a %d-byte buffer was recorded", n)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteBuffer(group, make([]byte, 4096)); err == nil {
		t.Error("WriteBuffer after Close")
	}
}
