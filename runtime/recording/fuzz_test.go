package recording_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/hvgen/hvgen/runtime/recording"
)

// FuzzReader: any bytes as a recording. Buffers ends; every error is an
// *Error (or a buffer's *eventlog.CorruptError inside one) at an offset
// inside the input; a buffer it yields lies inside the input; and the
// entries of each buffer walk to their end or to an error.
func FuzzReader(f *testing.F) {
	for _, name := range []string{"format1.rec", "format2.rec"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), 900)])
	}
	small := record(f, filled(2, 512, 9), 4)
	f.Add(small)
	f.Add(small[recording.ChunkHeaderSize+512:])
	f.Add(append(bytes.Clone(small[:100]), "HVGENEL1"...))
	r := recording.NewReader(nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		r.Reset(bytes.NewReader(data))
		for buf, err := range r.Buffers() {
			if err != nil {
				var e *recording.Error
				if !errors.As(err, &e) || e.Offset < 0 || e.Offset > int64(len(data)) {
					t.Fatalf("error %v (%T) outside the %d bytes", err, err, len(data))
				}
				continue
			}
			if n := len(buf.Bytes()); n > len(data) || r.Chunk().Offset+int64(n) > int64(len(data)) {
				t.Fatalf("a %d-byte buffer at byte %d of %d", n, r.Chunk().Offset, len(data))
			}
			for _, err := range buf.All() {
				if err != nil {
					break
				}
			}
		}
		if r.Offset() > int64(len(data)) {
			t.Fatalf("read %d of %d bytes", r.Offset(), len(data))
		}
		_, _ = recording.ReadStatsDump(bytes.NewReader(data))
	})
}
