package engine_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
)

func TestStream(t *testing.T) {
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
	logged, dropped := e.h.EventLog().Stream(ctx, lt, 200000, 1)
	if logged == 0 {
		t.Fatalf("logged %d, dropped %d", logged, dropped)
	}
	// Count the entries in the buffers: every logged event is in a buffer
	// unless a buffer was reused after release (none was released here).
	entries := 0
	for i := range 8 {
		b := e.h.EventLog().Buffer(lt, hv.EventLogBufferIndex(i))
		if len(b) != 8192 {
			t.Fatalf("buffer %d is %d bytes", i, len(b))
		}
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

// EventLogPoolPages is exactly what a group takes: with that many pool
// pages every buffer is created and mapped and the pool is empty; with one
// fewer the last map fails for want of memory.
func TestEventLogPoolPages(t *testing.T) {
	for _, bp := range [][2]uint32{{512, 1}, {3, 5}, {1, 1}} {
		for _, short := range []int{0, 1} {
			e := newEnv(t, sim.EventLogPoolPages(int(bp[0]), int(bp[1]))-short)
			e.init(t, bp[0], bp[1], 1)
			var err error
			for i := range bp[0] {
				e.create(t, i)
				err = e.root.MapEventLogBuffer(&hv.MapEventLogBufferInput{Type: lt, BufferIndex: hv.EventLogBufferIndex(i)},
					&hv.MapEventLogBufferOutput{}, make([]hv.GPAPageNumber, bp[1]))
				if err != nil {
					break
				}
			}
			left := e.h.Root().PoolPages()
			switch {
			case short == 0 && (err != nil || left != 0):
				t.Errorf("%v: %v, %d pages left", bp, err, left)
			case short == 1 && !errors.Is(err, hv.StatusInsufficientMemory):
				t.Errorf("%v, one page short: %v", bp, err)
			}
		}
	}
}

// A Source runs in simulated time: n events at r a second take n/r seconds
// of reference time, whatever the wall clock does, and a seed repeats.
func TestSourceSimulatedTime(t *testing.T) {
	run := func() ([]byte, time.Duration) {
		e := newEnv(t, 4096)
		e.init(t, 8, 2, 8)
		for i := range uint32(8) {
			e.create(t, i)
			e.mapBuf(t, i, 2)
		}
		e.enable(t)
		s := e.h.EventLog().NewSource(lt, 3_000_000, 9)
		for range 1500 {
			s.Next()
		}
		if s.Logged() != 1500 || s.Dropped() != 0 {
			t.Fatalf("logged %d, dropped %d", s.Logged(), s.Dropped())
		}
		return e.h.EventLog().Buffer(lt, 0), s.Elapsed()
	}
	b1, d1 := run()
	b2, d2 := run()
	if d1 != 500*time.Microsecond || d2 != d1 {
		t.Errorf("1500 events at 3M/s took %v and %v of simulated time, want 500µs", d1, d2)
	}
	if !bytes.Equal(b1, b2) {
		t.Error("the same seed logged different events")
	}
}
