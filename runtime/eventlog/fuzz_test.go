package eventlog_test

import (
	"testing"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
)

func aligned(data []byte) []byte {
	mem := make([]uint64, len(data)/8+1)
	b := unsafe.Slice((*byte)(unsafe.Pointer(&mem[0])), len(data))
	copy(b, data)
	return b
}

// FuzzEntries: any bytes as a buffer; iteration ends with entries or an error.
func FuzzEntries(f *testing.F) {
	f.Add(build(0, 512, 1, 2, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := eventlog.NewBuffer(aligned(data), 0, lt, 0)
		if err != nil {
			return
		}
		n := 0
		for e, err := range b.All() {
			if err == nil && (e.Offset < eventlog.HeaderSize || e.Offset+16+len(e.Payload) > len(data)) {
				t.Fatalf("entry at %d with %d payload bytes outside the buffer", e.Offset, len(e.Payload))
			}
			if n++; n > len(data) {
				t.Fatal("more entries than bytes")
			}
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
		g := &eventlog.Group{Type: lt, BufferSize: 512, MaxBuffers: 4, Memory: func(i uint32) []byte { return bufs[i] }}
		n := 0
		for range g.Events(hv.EventlogBufferIndex(data[0]%4), eventlog.Skip) {
			if n++; n > 4*512 {
				t.Fatal("walk does not end")
			}
		}
	})
}
