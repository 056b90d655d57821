package eventlog_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
)

// TestFormatMatchesGenerated: the reader's own header layouts and values are
// those the registry gives the 2013 event log (the generated wdk2013
// package): every named field at the same offset with the same size, and the
// same constants.
func TestFormatMatchesGenerated(t *testing.T) {
	same := func(ours, gen any) {
		t.Helper()
		a, b := reflect.TypeOf(ours), reflect.TypeOf(gen)
		if a.Size() != b.Size() {
			t.Errorf("%v is %d bytes, %v %d", a, a.Size(), b, b.Size())
		}
		for i := range a.NumField() {
			f := a.Field(i)
			if f.Name == "_" {
				continue
			}
			g, ok := b.FieldByName(f.Name)
			if !ok || g.Offset != f.Offset || g.Type.Size() != f.Type.Size() {
				t.Errorf("%v.%s at %d (%d bytes); generated: %v at %d (%d bytes)", a, f.Name, f.Offset, f.Type.Size(), ok, g.Offset, g.Type.Size())
			}
		}
	}
	same(eventlog.Header{}, hv.EventLogBufferHeader{})
	same(eventlog.EntryHeader{}, hv.EventLogEntryHeader{})
	for _, c := range []struct {
		name      string
		ours, gen uint64
	}{
		{"StateStandby", uint64(eventlog.StateStandby), uint64(hv.EventLogBufferStateStandby)},
		{"StateFree", uint64(eventlog.StateFree), uint64(hv.EventLogBufferStateFree)},
		{"StateInUse", uint64(eventlog.StateInUse), uint64(hv.EventLogBufferStateInUse)},
		{"StateComplete", uint64(eventlog.StateComplete), uint64(hv.EventLogBufferStateComplete)},
		{"StateReady", uint64(eventlog.StateReady), uint64(hv.EventLogBufferStateReady)},
		{"IndexNone", uint64(eventlog.IndexNone), uint64(hv.EventLogBufferIndexNone)},
		{"TimeReference", uint64(eventlog.TimeReference), uint64(hv.EventLogEntryTimeReference)},
		{"TimeTSC", uint64(eventlog.TimeTSC), uint64(hv.EventLogEntryTimeTSC)},
	} {
		if c.ours != c.gen {
			t.Errorf("%s = %d, the generated constant is %d", c.name, c.ours, c.gen)
		}
	}
}

// TestZeroBuffer: a Buffer that views nothing (the zero value, a nil
// pointer, or one whose Reset failed) yields ErrNoBuffer from every walk and
// never panics.
func TestZeroBuffer(t *testing.T) {
	failed := new(eventlog.Buffer)
	if err := failed.Reset(make([]byte, 8), 0, elt, 0); err == nil {
		t.Fatal("Reset of 8 bytes succeeded")
	}
	for name, b := range map[string]*eventlog.Buffer{"zero": {}, "nil": nil, "failed Reset": failed} {
		if b.Header() != nil || b.State() != eventlog.StateStandby || b.Next() != 0 || b.Bytes() != nil {
			t.Errorf("%s: header %v, state %d, next %d", name, b.Header(), b.State(), b.Next())
		}
		n := 0
		for e, err := range b.All() {
			if n++; !errors.Is(err, eventlog.ErrNoBuffer) || e.Type() != 0 {
				t.Errorf("%s: All yielded %+v, %v", name, e, err)
			}
		}
		it := b.Entries()
		if _, ok := it.Next(); ok || !errors.Is(it.Err(), eventlog.ErrNoBuffer) {
			t.Errorf("%s: Entries: %v", name, it.Err())
		}
		for _, err := range b.Tail(context.Background(), time.Millisecond) {
			if n++; !errors.Is(err, eventlog.ErrNoBuffer) {
				t.Errorf("%s: Tail yielded %v", name, err)
			}
		}
		if n != 2 {
			t.Errorf("%s: %d errors from All and Tail, want one each", name, n)
		}
	}
	var g eventlog.Group
	for _, err := range g.Ready(0) {
		if !errors.Is(err, eventlog.ErrNoMemory) {
			t.Errorf("zero Group: %v", err)
		}
	}
	for range g.Ready(eventlog.IndexNone) {
		t.Error("an empty ready list yielded")
	}
}

// TestMisalignedBuffer: a buffer at an odd address (bytes read from a file
// at any offset) is copied to aligned memory, so the generated payload
// views work on its entries as on a mapped buffer's.
func TestMisalignedBuffer(t *testing.T) {
	mem := build(0, 4096, 2, 0, 3)
	odd := make([]byte, len(mem)+1)[1:]
	copy(odd, mem)
	var b eventlog.Buffer
	for range 2 { // the second Reset reuses the aligned copy
		if err := b.Reset(odd, 0, elt, 4096); err != nil {
			t.Fatal(err)
		}
		var rips []uint64
		for e, err := range b.All() {
			if err != nil {
				t.Fatal(err)
			}
			if p := hv.AsTrHcHypercall(e.Payload); p != nil {
				rips = append(rips, p.GuestRIP)
			}
		}
		if !reflect.DeepEqual(rips, []uint64{0, 200}) {
			t.Errorf("GuestRIP of the entries with two or more parameters: %v, want [0 200]", rips)
		}
	}
}
