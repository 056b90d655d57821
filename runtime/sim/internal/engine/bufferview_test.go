package engine_test

import (
	"testing"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
)

// TestMultiPageBufferView: a 3-page buffer, filled past its first page, is
// read whole through MemoryRange by the eventlog reader; every entry logged
// is there.
func TestMultiPageBufferView(t *testing.T) {
	e := newEnv(t, 64)
	e.init(t, 2, 3, 2)
	e.create(t, 0)
	gpas := e.mapBuf(t, 0, 3)
	for i := 1; i < 3; i++ {
		if gpas[i] != gpas[0]+hv.GPAPageNumber(i) {
			t.Fatalf("buffer pages %v are not consecutive", gpas)
		}
	}
	if err := e.root.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: 0x400}); err != nil {
		t.Fatal(err)
	}
	const n = 350 // 350 entries of 32 bytes: past two pages
	for i := range n {
		if !e.h.EventLog().Log(lt, 0, hv.TrHcHypercall, uint32(i), uint64(i), 2) {
			t.Fatalf("event %d not logged", i)
		}
	}
	root := e.h.Root()
	if root.MemoryRange(gpas[0], 4) != nil || root.MemoryRange(gpas[1], 3) != nil {
		t.Error("a range past the buffer's pages was given")
	}
	if tail := root.MemoryRange(gpas[1], 2); len(tail) != 2*4096 || &tail[0] != &root.Memory(gpas[1])[0] {
		t.Error("the last two pages are not the buffer's")
	}
	mem := root.MemoryRange(gpas[0], 3)
	if len(mem) != 3*4096 {
		t.Fatalf("view of %d bytes", len(mem))
	}
	b, err := eventlog.NewBuffer(mem, 0, eventlog.Type(lt), len(mem))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for entry, err := range b.All() {
		if err != nil {
			t.Fatal(err)
		}
		if entry.Header.Context != uint32(got) {
			t.Fatalf("entry %d has context %d", got, entry.Header.Context)
		}
		got++
	}
	if got != n || b.Next() <= 2*4096 {
		t.Errorf("read %d of %d entries, next offset %d", got, n, b.Next())
	}
}
