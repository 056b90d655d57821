package eventlog_test

import (
	"errors"
	"fmt"
	"testing"
	"unsafe"

	"github.com/hvgen/hvgen/runtime/eventlog"
)

func aligned(data []byte) []byte {
	mem := make([]uint64, len(data)/8+1)
	b := unsafe.Slice((*byte)(unsafe.Pointer(&mem[0])), len(data))
	copy(b, data)
	return b
}

// FuzzEntries: any bytes as a buffer; iteration ends with entries or an
// error, every entry inside the buffer, and the range form (All) and the pull
// form (Entries) agree on the entries and the error.
func FuzzEntries(f *testing.F) {
	f.Add(build(0, 512, 1, 2, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := eventlog.NewBuffer(aligned(data), 0, elt, 0)
		if err != nil {
			return
		}
		var offsets []int
		var last error
		for e, err := range b.All() {
			if err != nil {
				if last != nil {
					t.Fatalf("two errors: %v, then %v", last, err)
				}
				last = err
				continue
			}
			if last != nil {
				t.Fatalf("entry at %d after the error %v", e.Offset, last)
			}
			if e.Offset < eventlog.HeaderSize || e.Offset+16+len(e.Payload) > len(data) || int(e.Header.Size) != 16+len(e.Payload) {
				t.Fatalf("entry at %d with %d payload bytes outside the buffer", e.Offset, len(e.Payload))
			}
			if offsets = append(offsets, e.Offset); len(offsets) > len(data) {
				t.Fatal("more entries than bytes")
			}
		}
		var ce *eventlog.CorruptError
		if last != nil && !errors.As(last, &ce) {
			t.Fatalf("error %v is not a *CorruptError", last)
		}
		it := b.Entries()
		for i := 0; ; i++ {
			if err := it.Err(); err != nil && err.Error() != fmt.Sprint(last) {
				t.Fatalf("pull: Err %v before the end (range: %v)", err, last)
			}
			e, ok := it.Next()
			if !ok {
				if i != len(offsets) {
					t.Fatalf("pull: %d entries, range: %d", i, len(offsets))
				}
				break
			}
			if i >= len(offsets) || e.Offset != offsets[i] {
				t.Fatalf("pull: entry %d at %d, range: %v", i, e.Offset, offsets)
			}
		}
		if got := it.Err(); fmt.Sprint(got) != fmt.Sprint(last) {
			t.Fatalf("pull: error %v, range: %v", got, last)
		}
	})
}

// FuzzWalk: four 512-byte buffers from the input, walked from buffer data[0]%4.
func FuzzWalk(f *testing.F) {
	seed := append(append(append(build(0, 512, 1), build(1, 512, 2)...), build(2, 512)...), build(3, 512, 0, 0)...)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 1 {
			return
		}
		bufs := map[uint32][]byte{}
		for i := range uint32(4) {
			if int(i+1)*512 <= len(data) {
				bufs[i] = aligned(data[i*512 : (i+1)*512])
			}
		}
		g := &eventlog.Group{Type: elt, BufferSize: 512, MaxBuffers: 4, Memory: func(i uint32) []byte { return bufs[i] }}
		n := 0
		for range g.Events(uint32(data[0]%4), eventlog.Skip) {
			if n++; n > 4*512 {
				t.Fatal("walk does not end")
			}
		}
	})
}
