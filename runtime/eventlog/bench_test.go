package eventlog_test

import (
	"bytes"
	"encoding/binary"
	"sync"
	"testing"
	"unsafe"

	"github.com/hvgen/hvgen/internal/eventlogtest"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
)

const (
	benchBufferSize = 64 << 10
	benchBuffers    = 1024 // 64 MiB in all
)

var benchData struct {
	once sync.Once
	mem  []byte
	bufs []*eventlog.Buffer
}

// benchSetup builds 64 MiB of complete buffers holding the documented entry
// types in equal proportion (eventlogtest.FillBuffers).
func benchSetup() ([]byte, []*eventlog.Buffer) {
	benchData.once.Do(func() {
		words := make([]uint64, benchBuffers*benchBufferSize/8)
		mem := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
		eventlogtest.FillBuffers(mem, benchBuffers, benchBufferSize, lt, 1)
		benchData.mem = mem
		for i := range benchBuffers {
			bb, err := eventlog.NewBuffer(mem[i*benchBufferSize:(i+1)*benchBufferSize], uint32(i), elt, benchBufferSize)
			if err != nil {
				panic(err)
			}
			benchData.bufs = append(benchData.bufs, bb)
		}
	})
	return benchData.mem, benchData.bufs
}

var sink uint64

// BenchmarkReader reads 64 MiB of event-log buffers several ways, each
// reporting the same byte count: this reader (range over Buffer.All, every
// entry header and the typed payload view of the types it sums), the same
// with the pull iterator (Entries/Next), the same with the generic
// hv.Payload view (an interface per entry), the walk over entry headers only,
// encoding/binary.Read, a hand-written encoding/binary.LittleEndian loop, and
// a plain sum of the memory as uint64 (the bandwidth ceiling).
func BenchmarkReader(b *testing.B) {
	mem, bufs := benchSetup()
	b.Run("reader", func(b *testing.B) {
		b.SetBytes(int64(len(mem)))
		b.ReportAllocs()
		for b.Loop() {
			var s uint64
			for _, buf := range bufs {
				for e, err := range buf.All() {
					if err != nil {
						b.Fatal(err)
					}
					s += e.Header.TimeStamp + uint64(e.Header.Context)
					switch hv.EntryType(e.Type()) {
					case hv.TrHcHypercall:
						if p := hv.AsTrHcHypercall(e.Payload); p != nil {
							s += p.GuestRIP + p.InputValue
						}
					case hv.TrImMSRRead:
						if p := hv.AsTrImMSRRead(e.Payload); p != nil {
							s += p.Value
						}
					default:
						s += uint64(len(e.Payload))
					}
				}
			}
			sink += s
		}
	})
	// pull is the reader with the pull iterator instead of a range loop.
	b.Run("pull", func(b *testing.B) {
		b.SetBytes(int64(len(mem)))
		b.ReportAllocs()
		for b.Loop() {
			var s uint64
			for _, buf := range bufs {
				it := buf.Entries()
				for {
					e, ok := it.Next()
					if !ok {
						break
					}
					s += e.Header.TimeStamp + uint64(e.Header.Context)
					switch hv.EntryType(e.Type()) {
					case hv.TrHcHypercall:
						if p := hv.AsTrHcHypercall(e.Payload); p != nil {
							s += p.GuestRIP + p.InputValue
						}
					case hv.TrImMSRRead:
						if p := hv.AsTrImMSRRead(e.Payload); p != nil {
							s += p.Value
						}
					default:
						s += uint64(len(e.Payload))
					}
				}
				if err := it.Err(); err != nil {
					b.Fatal(err)
				}
			}
			sink += s
		}
	})
	// payloadAny is the reader with hv.Payload, the generic view that
	// returns an interface: one indirect call and a type switch per entry.
	b.Run("payloadAny", func(b *testing.B) {
		b.SetBytes(int64(len(mem)))
		b.ReportAllocs()
		for b.Loop() {
			var s uint64
			for _, buf := range bufs {
				for e, err := range buf.All() {
					if err != nil {
						b.Fatal(err)
					}
					s += e.Header.TimeStamp + uint64(e.Header.Context)
					switch p := hv.Payload(hv.EntryType(e.Type()), e.Payload).(type) {
					case *hv.TrHcHypercallPayload:
						s += p.GuestRIP + p.InputValue
					case *hv.TrImMSRReadPayload:
						s += p.Value
					case nil:
					default:
						s++
					}
				}
			}
			sink += s
		}
	})
	// headers is the walk without the typed payload views.
	b.Run("headers", func(b *testing.B) {
		b.SetBytes(int64(len(mem)))
		b.ReportAllocs()
		for b.Loop() {
			var s uint64
			for _, buf := range bufs {
				for e, err := range buf.All() {
					if err != nil {
						b.Fatal(err)
					}
					s += e.Header.TimeStamp + uint64(e.Header.Context) + uint64(len(e.Payload))
				}
			}
			sink += s
		}
	})
	b.Run("binaryRead", func(b *testing.B) {
		b.SetBytes(int64(len(mem)))
		b.ReportAllocs()
		for b.Loop() {
			var s uint64
			for i := range benchBuffers {
				buf := mem[i*benchBufferSize : (i+1)*benchBufferSize]
				end := int(binary.LittleEndian.Uint32(buf[48:]))
				r := bytes.NewReader(buf[eventlog.HeaderSize:end])
				for r.Len() > 0 {
					var h struct {
						Context    uint32
						Size, Type uint16
						TimeStamp  uint64
					}
					if err := binary.Read(r, binary.LittleEndian, &h); err != nil {
						b.Fatal(err)
					}
					params := make([]uint64, (int(h.Size)-16)/8)
					if err := binary.Read(r, binary.LittleEndian, params); err != nil {
						b.Fatal(err)
					}
					s += h.TimeStamp + uint64(h.Context)
					for _, p := range params {
						s += p
					}
				}
			}
			sink += s
		}
	})
	b.Run("manual", func(b *testing.B) {
		b.SetBytes(int64(len(mem)))
		b.ReportAllocs()
		for b.Loop() {
			var s uint64
			for i := range benchBuffers {
				buf := mem[i*benchBufferSize : (i+1)*benchBufferSize]
				end := int(binary.LittleEndian.Uint32(buf[48:]))
				for off := eventlog.HeaderSize; off < end; {
					size := int(binary.LittleEndian.Uint16(buf[off+4:]))
					if size < 16 || off+size > end {
						b.Fatal("bad entry")
					}
					s += binary.LittleEndian.Uint64(buf[off+8:]) + uint64(binary.LittleEndian.Uint32(buf[off:]))
					for k := off + 16; k < off+size; k += 8 {
						s += binary.LittleEndian.Uint64(buf[k:])
					}
					off += size
				}
			}
			sink += s
		}
	})
	b.Run("memsum", func(b *testing.B) {
		words := unsafe.Slice((*uint64)(unsafe.Pointer(&mem[0])), len(mem)/8)
		b.SetBytes(int64(len(mem)))
		b.ReportAllocs()
		for b.Loop() {
			var s uint64
			for _, w := range words {
				s += w
			}
			sink += s
		}
	})
}
