// Package bench compares hvgen's event-log reader with a Kaitai Struct parser
// of the same format (ksy/, generated from eventlog_buffer.ksy by
// gen-kaitai.sh). It is a module of its own so that hvgen does not depend on
// the Kaitai runtime. Run: cd verify/bench && go test -bench . -benchmem
package bench

import (
	"github.com/hvgen/hvgen/internal/eventlogtest"
	"testing"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/verify/bench/ksy"
	"github.com/kaitai-io/kaitai_struct_go_runtime/kaitai"
)

const (
	bufferSize = 64 << 10
	buffers    = 1024 // 64 MiB, as eventlog's BenchmarkReader
	lt         = hv.EventLogTypeLocalDiagnostics
)

func data() []byte {
	words := make([]uint64, buffers*bufferSize/8)
	mem := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
	eventlogtest.FillBuffers(mem, buffers, bufferSize, lt, 1)
	return mem
}

var sink uint64

// TestSameResult: both parsers see the same entries.
func TestSameResult(t *testing.T) {
	mem := data()[:4*bufferSize]
	var a, b uint64
	for i := range 4 {
		buf := mem[i*bufferSize : (i+1)*bufferSize]
		eb, err := eventlog.NewBuffer(buf, uint32(i), eventlog.Type(lt), bufferSize)
		if err != nil {
			t.Fatal(err)
		}
		for e, err := range eb.All() {
			if err != nil {
				t.Fatal(err)
			}
			a += e.Header.TimeStamp + uint64(len(e.Payload)/8)
		}
		var k ksy.EventlogBuffer
		if err := k.Read(kaitai.NewStream(bytesReader(buf)), nil, &k); err != nil {
			t.Fatal(err)
		}
		for _, e := range k.Body.Entries {
			b += e.TimeStamp + uint64(len(e.Params))
		}
	}
	if a != b || a == 0 {
		t.Fatalf("hvgen %d, kaitai %d", a, b)
	}
}

// BenchmarkReader: this reader and the Kaitai parser over the same 64 MiB,
// with the same byte count, in one run.
func BenchmarkReader(b *testing.B) {
	mem := data()
	bufs := make([]*eventlog.Buffer, buffers)
	for i := range bufs {
		var err error
		if bufs[i], err = eventlog.NewBuffer(mem[i*bufferSize:(i+1)*bufferSize], uint32(i), eventlog.Type(lt), bufferSize); err != nil {
			b.Fatal(err)
		}
	}
	// reader computes what the kaitai loop computes (time stamps and
	// payload word counts), from the same bytes.
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
					s += e.Header.TimeStamp + uint64(len(e.Payload)/8)
				}
			}
			sink += s
		}
	})
	// pull is the same with the pull iterator.
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
					s += e.Header.TimeStamp + uint64(len(e.Payload)/8)
				}
				if err := it.Err(); err != nil {
					b.Fatal(err)
				}
			}
			sink += s
		}
	})
	b.Run("kaitai", func(b *testing.B) {
		b.SetBytes(int64(len(mem)))
		b.ReportAllocs()
		for b.Loop() {
			var s uint64
			for i := range buffers {
				var k ksy.EventlogBuffer
				if err := k.Read(kaitai.NewStream(bytesReader(mem[i*bufferSize:(i+1)*bufferSize])), nil, &k); err != nil {
					b.Fatal(err)
				}
				for _, e := range k.Body.Entries {
					s += e.TimeStamp + uint64(len(e.Params))
				}
			}
			sink += s
		}
	})
}
