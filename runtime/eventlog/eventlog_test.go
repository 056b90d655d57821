package eventlog_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
)

// lt is the log type of the test buffers, elt the same as the reader's type.
const (
	lt  = hv.EventLogTypeLocalDiagnostics
	elt = eventlog.Type(lt)
)

// build makes an 8-byte-aligned buffer with entries of the given payload
// sizes (in 8-byte words), as the hypervisor lays them out.
func build(index uint32, size int, words ...int) []byte {
	mem := make([]uint64, size/8)
	b := unsafe.Slice((*byte)(unsafe.Pointer(&mem[0])), size)
	h := (*hv.EventLogBufferHeader)(unsafe.Pointer(&b[0]))
	h.BufferSize, h.BufferIndex, h.Type = uint32(size), hv.EventLogBufferIndex(index), lt
	h.BufferState = hv.EventLogBufferStateReady
	h.NextBufferIndex = hv.EventLogBufferIndexNone
	off := eventlog.HeaderSize
	for i, w := range words {
		e := (*hv.EventLogEntryHeader)(unsafe.Pointer(&b[off]))
		e.Size, e.Type, e.TimeStamp = uint16(16+8*w), uint16(hv.TrHcHypercall), uint64(i)
		for k := range w {
			binary.LittleEndian.PutUint64(b[off+16+8*k:], uint64(100*i+k))
		}
		off += 16 + 8*w
	}
	h.NextBufferOffset = uint32(off)
	return b
}

func group(bufs map[uint32][]byte, size int) *eventlog.Group {
	return &eventlog.Group{Type: elt, BufferSize: size, MaxBuffers: 8, Memory: func(i uint32) []byte { return bufs[i] }}
}

func TestReadyListAndEntries(t *testing.T) {
	bufs := map[uint32][]byte{2: build(2, 4096, 2, 2), 5: build(5, 4096, 2, 0, 3)}
	(*hv.EventLogBufferHeader)(unsafe.Pointer(&bufs[2][0])).NextBufferIndex = 5
	var got []int
	var payload uint64
	for e, err := range group(bufs, 4096).Events(2, eventlog.Stop) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, len(e.Payload))
		if p := hv.AsTrHcHypercall(e.Payload); p != nil {
			payload += p.GuestRIP
		}
	}
	if len(got) != 5 || got[0] != 16 || got[3] != 0 || got[4] != 24 {
		t.Fatalf("payload sizes %v", got)
	}
	if payload != 0+100+0+200 { // GuestRip of the entries with a payload of at least 16 bytes
		t.Errorf("typed payload sum %d", payload)
	}
}

// TestCorruption: each kind of bad input gives a CorruptError with the
// buffer index and byte offset, and never a panic.
func TestCorruption(t *testing.T) {
	hdr := func(b []byte) *hv.EventLogBufferHeader { return (*hv.EventLogBufferHeader)(unsafe.Pointer(&b[0])) }
	size16 := func(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off+4:], v) }
	first := eventlog.HeaderSize
	for _, tc := range []struct {
		name   string
		mutate func(map[uint32][]byte)
		start  uint32
		buffer uint32
		offset int
		reason string
	}{
		{"entry size zero", func(m map[uint32][]byte) { size16(m[0], first, 0) }, 0, 0, first, "entry size 0"},
		{"entry below header", func(m map[uint32][]byte) { size16(m[0], first, 8) }, 0, 0, first, "below the 16-byte entry header"},
		{"entry size not multiple of 8", func(m map[uint32][]byte) { size16(m[0], first, 28) }, 0, 0, first, "not a multiple of 8"},
		{"entry past NextBufferOffset", func(m map[uint32][]byte) { size16(m[0], first+32, 72) }, 0, 0, first + 32, "runs past NextBufferOffset"},
		{"NextBufferOffset beyond buffer", func(m map[uint32][]byte) { hdr(m[0]).NextBufferOffset = 5000 }, 0, 0, -1, "NextBufferOffset 0x1388 outside"},
		{"index out of range", func(m map[uint32][]byte) { hdr(m[0]).NextBufferIndex = 9 }, 0, 9, -1, "index out of range"},
		{"cycle", func(m map[uint32][]byte) { hdr(m[0]).NextBufferIndex = 1; hdr(m[1]).NextBufferIndex = 0 }, 0, 0, -1, "cycle"},
		{"missing buffer", func(m map[uint32][]byte) { hdr(m[0]).NextBufferIndex = 3 }, 0, 3, -1, "no such buffer"},
		{"type mismatch", func(m map[uint32][]byte) { hdr(m[0]).Type = hv.EventLogTypeGlobalSystemEvents }, 0, 0, -1, "Type 0, the group's type is 1"},
		{"size mismatch", func(m map[uint32][]byte) { hdr(m[0]).BufferSize = 8192 }, 0, 0, -1, "BufferSize 8192"},
		{"index mismatch", func(m map[uint32][]byte) { hdr(m[1]).BufferIndex = 4; hdr(m[0]).NextBufferIndex = 1 }, 0, 1, -1, "BufferIndex 4 in a slot for buffer 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bufs := map[uint32][]byte{0: build(0, 4096, 2, 2, 2), 1: build(1, 4096, 1)}
			tc.mutate(bufs)
			var last error
			n := 0
			for _, err := range group(bufs, 4096).Events(tc.start, eventlog.Stop) {
				if err != nil {
					last = err
				}
				n++
				if n > 100 {
					t.Fatal("no end")
				}
			}
			var ce *eventlog.CorruptError
			if !errors.As(last, &ce) || ce.Buffer != tc.buffer || ce.Offset != tc.offset || !contains(ce.Reason, tc.reason) {
				t.Fatalf("error %v, want buffer %d offset %d reason %q", last, tc.buffer, tc.offset, tc.reason)
			}
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// With Skip, a corrupt buffer's error is reported and the next buffer read.
func TestSkip(t *testing.T) {
	bufs := map[uint32][]byte{0: build(0, 4096, 1), 1: build(1, 4096, 1, 1), 2: build(2, 4096, 1)}
	for i, next := range map[uint32]uint32{0: 1, 1: 2} {
		(*hv.EventLogBufferHeader)(unsafe.Pointer(&bufs[i][0])).NextBufferIndex = hv.EventLogBufferIndex(next)
	}
	binary.LittleEndian.PutUint16(bufs[1][eventlog.HeaderSize+24+4:], 3) // second entry of buffer 1
	var entries, errs int
	for _, err := range group(bufs, 4096).Events(0, eventlog.Skip) {
		if err != nil {
			errs++
		} else {
			entries++
		}
	}
	if entries != 3 || errs != 1 {
		t.Errorf("entries %d, errors %d; want 3 and 1 (buffer 1's first entry, then buffer 2)", entries, errs)
	}
}

func TestClock(t *testing.T) {
	if d := (eventlog.Clock{Basis: eventlog.TimeReference}).Duration(25); d != 2500*time.Nanosecond {
		t.Errorf("reference: %v", d)
	}
	if d := (eventlog.Clock{Basis: eventlog.TimeTSC, TSCHz: 2_000_000_000}).Duration(3_000_000_000); d != 1500*time.Millisecond {
		t.Errorf("TSC: %v", d)
	}
	if d := (eventlog.Clock{Basis: eventlog.TimeTSC, TSCHz: 1}).Duration(1 << 62); d != time.Duration(1<<63-1) {
		t.Errorf("overflow: %v", d)
	}
	// The quotient fits 64 bits but not a Duration (2^63 ns and more).
	for _, ts := range []uint64{1 << 63, 1e10 * 1e9, 1<<64 - 1} {
		if d := (eventlog.Clock{Basis: eventlog.TimeTSC, TSCHz: 1_000_000_000}).Duration(ts); d != time.Duration(1<<63-1) {
			t.Errorf("TSC %d at 1 GHz: %v, want the largest Duration", ts, d)
		}
	}
	if d := (eventlog.Clock{Basis: eventlog.TimeTSC, TSCHz: 1_000_000_000}).Duration(1<<63 - 1); d != time.Duration(1<<63-1) {
		t.Errorf("TSC 2^63-1 at 1 GHz: %v", d)
	}
}

func TestNoAllocationsPerEntry(t *testing.T) {
	b, err := eventlog.NewBuffer(build(0, 65536, make([]int, 2000)...), 0, elt, 65536)
	if err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(10, func() {
		it := b.Entries()
		for {
			if _, ok := it.Next(); !ok {
				break
			}
		}
	})
	if n > 1 { // the iterator itself
		t.Errorf("%v allocations per pass over 2000 entries", n)
	}
}

// TestPullForm: Entries/Next/Err stop at the same bytes with the same error
// as All, and Err is nil while entries remain.
func TestPullForm(t *testing.T) {
	first := eventlog.HeaderSize
	for _, tc := range []struct {
		name   string
		off    int
		size   uint16
		reason string
	}{
		{"clean", 0, 0, ""},
		{"size zero", first + 24, 0, "entry size 0"},
		{"size 12", first + 24, 12, "below the 16-byte entry header"},
		{"size 20", first + 48, 20, "not a multiple of 8"},
		{"past the end", first + 48, 4000, "runs past NextBufferOffset"},
	} {
		b := build(0, 4096, 1, 1, 1)
		if tc.off > 0 {
			binary.LittleEndian.PutUint16(b[tc.off+4:], tc.size)
		}
		buf, err := eventlog.NewBuffer(b, 0, elt, 4096)
		if err != nil {
			t.Fatal(err)
		}
		var rangeErr error
		n := 0
		for _, err := range buf.All() {
			if err != nil {
				rangeErr = err
			} else {
				n++
			}
		}
		it := buf.Entries()
		if err := it.Err(); err != nil {
			t.Errorf("%s: Err %v before the first entry", tc.name, err)
		}
		m := 0
		for {
			if _, ok := it.Next(); !ok {
				break
			}
			m++
		}
		pullErr := it.Err()
		var ce *eventlog.CorruptError
		switch {
		case m != n:
			t.Errorf("%s: pull %d entries, range %d", tc.name, m, n)
		case tc.reason == "" && (pullErr != nil || rangeErr != nil):
			t.Errorf("%s: errors %v, %v", tc.name, pullErr, rangeErr)
		case tc.reason != "" && (!errors.As(pullErr, &ce) || ce.Offset != tc.off || !contains(ce.Reason, tc.reason) || fmt.Sprint(rangeErr) != pullErr.Error()):
			t.Errorf("%s: pull %v, range %v, want offset %#x %q", tc.name, pullErr, rangeErr, tc.off, tc.reason)
		}
	}
}

// TestEntryTypeString: every documented entry type prints its ABI name, an
// unknown one its number.
func TestEntryTypeString(t *testing.T) {
	for _, d := range hv.EventEntries {
		if got := hv.EntryType(d.ID).String(); got != d.Name {
			t.Errorf("EntryType(%#x).String() = %q, want %q", d.ID, got, d.Name)
		}
	}
	if got := hv.EntryType(0xffff).String(); got != "EntryType(65535)" {
		t.Errorf("unknown type: %q", got)
	}
	e := hv.TrImMSRRead
	if got := fmt.Sprint(e); got != "HV_TR_IM_MSR_READ" {
		t.Errorf("fmt.Sprint: %q", got)
	}
}

// TestPullStopsAtBadBytes: once Next refuses an entry the iteration stays
// stopped, and Err names the entry even if its bytes changed meanwhile.
func TestPullStopsAtBadBytes(t *testing.T) {
	b := build(0, 4096, 1, 1, 1)
	off := eventlog.HeaderSize + 24
	binary.LittleEndian.PutUint16(b[off+4:], 12)
	buf, err := eventlog.NewBuffer(b, 0, elt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	it := buf.Entries()
	if _, ok := it.Next(); !ok {
		t.Fatal("first entry refused")
	}
	if err := it.Err(); err != nil {
		t.Fatalf("Err %v with entries left", err)
	}
	if _, ok := it.Next(); ok {
		t.Fatal("entry of size 12 accepted")
	}
	binary.LittleEndian.PutUint16(b[off+4:], 24) // the writer fixes it
	if e, ok := it.Next(); ok {
		t.Fatalf("iteration resumed at %#x after stopping", e.Offset)
	}
	var ce *eventlog.CorruptError
	if err := it.Err(); !errors.As(err, &ce) || ce.Offset != off || !contains(ce.Reason, "changed while it was read") {
		t.Fatalf("Err %v, want the entry at %#x named as changed", err, off)
	}
}

// TestEmptyPayloadAtTheEnd: an entry with no payload that ends the buffer's
// memory gets an empty Payload, not a pointer one past the allocation (the
// race detector's pointer checks catch that; 4096 bytes is a whole
// allocation size class, so nothing follows the buffer).
func TestEmptyPayloadAtTheEnd(t *testing.T) {
	const size = 4096
	words := (size - eventlog.HeaderSize - 2*16) / 8
	b := build(0, size, words, 0)
	buf, err := eventlog.NewBuffer(b, 0, elt, size)
	if err != nil {
		t.Fatal(err)
	}
	if buf.Next() != size {
		t.Fatalf("NextBufferOffset %#x, want the end %#x", buf.Next(), size)
	}
	var got []int
	for e, err := range buf.All() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, len(e.Payload))
	}
	it := buf.Entries()
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		got = append(got, len(e.Payload))
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprint([]int{8 * words, 0, 8 * words, 0}); fmt.Sprint(got) != want {
		t.Errorf("payload sizes %v, want %s (range, then pull)", got, want)
	}
}
