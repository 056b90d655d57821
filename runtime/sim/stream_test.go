package sim_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
	"time"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
)

func TestStreamAndDump(t *testing.T) {
	e := newEnv(t, 4096)
	e.init(t, 8, 2, 2)
	for i := range uint32(8) {
		e.create(t, i)
		e.mapBuf(t, i, 2)
	}
	if err := e.root.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: 1}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	logged, dropped := e.h.Stream(ctx, lt, 200000, 1)
	if logged == 0 {
		t.Fatalf("logged %d, dropped %d", logged, dropped)
	}
	var buf bytes.Buffer
	if err := e.h.WriteDump(&buf, lt); err != nil {
		t.Fatal(err)
	}
	d := buf.Bytes()
	if string(d[:8]) != sim.DumpMagic || binary.LittleEndian.Uint32(d[12:]) != uint32(lt) ||
		binary.LittleEndian.Uint32(d[16:]) != 8192 || binary.LittleEndian.Uint32(d[20:]) != 8 || len(d) != 40+8*8192 {
		t.Fatalf("dump header % x, %d bytes", d[:40], len(d))
	}
	// Count the entries in the dump: every logged event is in a buffer
	// unless a buffer was reused after release (none was released here).
	entries := 0
	for i := range 8 {
		b := d[40+i*8192 : 40+(i+1)*8192]
		end := int(binary.LittleEndian.Uint32(b[48:])) // NextBufferOffset
		for off := 72; off < end; {
			size := int(binary.LittleEndian.Uint16(b[off+4:]))
			if size < 16 || size%8 != 0 {
				t.Fatalf("buffer %d: bad entry size %d at %d", i, size, off)
			}
			entries++
			off += size
		}
	}
	if entries != logged {
		t.Errorf("dump holds %d entries, %d were logged", entries, logged)
	}
}
