package recording_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/recording"
	"github.com/hvgen/hvgen/runtime/stats"
)

// TestStatsDumpRoundTrip: a page written is the page read, and the dump
// has the documented header.
func TestStatsDumpRoundTrip(t *testing.T) {
	page := make([]byte, 4096)
	for i := range page {
		page[i] = byte(i * 7)
	}
	var out bytes.Buffer
	if err := recording.WriteStatsDump(&out, uint32(hv.StatsObjectVP), page); err != nil {
		t.Fatal(err)
	}
	data := out.Bytes()
	le := binary.LittleEndian
	if len(data) != 24+4096 || !recording.IsStatsDump(data) || le.Uint32(data[8:]) != 2 || le.Uint32(data[12:]) != uint32(hv.StatsObjectVP) {
		t.Fatalf("dump header % x", data[:24])
	}
	d, err := recording.ReadStatsDump(bytes.NewReader(data))
	if err != nil || d.Format != 2 || d.Object != uint32(hv.StatsObjectVP) || !bytes.Equal(d.Page, page) {
		t.Fatalf("%v %+v", err, d)
	}
	if err := recording.WriteStatsDump(&out, 1, page[:100]); err == nil {
		t.Error("a 100-byte page was written")
	}
}

// TestStatsDumpFormat1: a dump written by the simulator before format 2 (no
// checksums) still reads, and its page parses.
func TestStatsDumpFormat1(t *testing.T) {
	f, err := os.Open("testdata/stats-format1.dump")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := recording.ReadStatsDump(f)
	if err != nil || d.Format != 1 || d.Object != uint32(hv.StatsObjectVP) {
		t.Fatalf("%v %+v", err, d)
	}
	p, err := stats.Parse(d.Page, hv.StatsObjectVP, hv.StatsGroups[:])
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := p.Counter(hv.StatisticsGroupVpaID, hv.StatisticsTypeVpaTotalRunTime); !ok || v != 2_000_000 {
		t.Errorf("total run time %d, %v; the simulator advanced 2,000,000 units", v, ok)
	}
}

func TestStatsDumpDamage(t *testing.T) {
	var out bytes.Buffer
	if err := recording.WriteStatsDump(&out, 2, make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	good := out.Bytes()
	flip := func(off int) []byte { d := bytes.Clone(good); d[off] ^= 1; return d }
	for _, tc := range []struct {
		name   string
		data   []byte
		kind   error
		offset int64
		detail string
	}{
		{"page checksum", flip(24 + 4000), recording.ErrChecksum, 24, "statistics page checksum"},
		{"header checksum", flip(12), recording.ErrChecksum, 0, "statistics dump header checksum"},
		{"version", flip(9), recording.ErrVersion, 8, "format version 258"},
		{"trailing", append(bytes.Clone(good), 0), recording.ErrTrailing, 24 + 4096, "trailing bytes after the statistics page"},
		{"truncated page", good[:1000], recording.ErrTruncated, 24, "ends inside its page: 976 of 4096 bytes"},
		{"truncated header", good[:20], recording.ErrTruncated, 0, "ends inside its header: 20 of 24 bytes"},
		{"not a dump", []byte("HVGENELC and more bytes"), recording.ErrFormat, 0, "is not the magic of a statistics dump"},
	} {
		_, err := recording.ReadStatsDump(bytes.NewReader(tc.data))
		var e *recording.Error
		if !errors.Is(err, tc.kind) || !errors.As(err, &e) || e.Offset != tc.offset || !strings.Contains(err.Error(), tc.detail) {
			t.Errorf("%s: %v, want %v at byte %d: ...%s", tc.name, err, tc.kind, tc.offset, tc.detail)
		}
	}
}
