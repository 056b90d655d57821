package engine_test

import (
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"unsafe"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
	"github.com/hvgen/hvgen/runtime/sim"
)

func header(mem []byte) *hv.EventLogBufferHeader {
	return (*hv.EventLogBufferHeader)(unsafe.Pointer(&mem[0]))
}

// TestBufferLifecycle walks the documented states: standby after create, free
// after map, in use while logging, complete when full, ready (linked through
// NextBufferIndex, with a message) at the threshold, free after release.
func TestBufferLifecycle(t *testing.T) {
	e := newEnv(t, 64)
	e.init(t, 4, 1, 2)
	var gpas [][]hv.GPAPageNumber
	for i := range uint32(3) {
		e.create(t, i)
		if st := header(e.h.EventLog().Buffer(lt, hv.EventLogBufferIndex(i))).BufferState; st != hv.EventLogBufferStateStandby {
			t.Fatalf("created buffer in state %v", st)
		}
		gpas = append(gpas, e.mapBuf(t, i, 1))
	}
	mem := e.h.Root().Memory(gpas[0][0])
	if header(mem).BufferState != hv.EventLogBufferStateFree {
		t.Fatalf("mapped buffer in state %v", header(mem).BufferState)
	}
	if err := e.root.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: 0x400}); err != nil {
		t.Fatal(err)
	}
	// 4096-72 bytes per buffer, 32-byte entries: 127 per buffer.
	perBuffer := (4096 - 72) / 32
	for i := range 2*perBuffer + 1 {
		if !e.h.EventLog().Log(lt, 0, hv.TrHcHypercall, 0, uint64(i), 0) {
			t.Fatalf("event %d not logged", i)
		}
	}
	msg, ok := e.h.EventLog().NextMessage(false)
	if !ok || msg.EventLogType != lt || msg.BufferIndex != 0 {
		t.Fatalf("buffers-ready message %+v %v", msg, ok)
	}
	b0, b1 := header(e.h.Root().Memory(gpas[0][0])), header(e.h.Root().Memory(gpas[1][0]))
	if b0.BufferState != hv.EventLogBufferStateReady || b1.BufferState != hv.EventLogBufferStateReady ||
		b0.NextBufferIndex != 1 || b1.NextBufferIndex != hv.EventLogBufferIndexNone {
		t.Fatalf("ready list: %v->%d, %v->%d", b0.BufferState, b0.NextBufferIndex, b1.BufferState, b1.NextBufferIndex)
	}
	if int(b0.NextBufferOffset) != 72+32*perBuffer {
		t.Errorf("NextBufferOffset %d", b0.NextBufferOffset)
	}
	if b2 := header(e.h.Root().Memory(gpas[2][0])); b2.BufferState != hv.EventLogBufferStateInUse {
		t.Errorf("third buffer %v", b2.BufferState)
	}
	// The first entry of buffer 0 is event 0.
	entry := (*hv.EventLogEntryHeader)(unsafe.Pointer(&e.h.Root().Memory(gpas[0][0])[72]))
	if entry.Type != uint16(hv.TrHcHypercall) || entry.Size != 32 {
		t.Errorf("entry %+v", *entry)
	}
	if err := e.root.ReleaseEventLogBuffer(&hv.ReleaseEventLogBufferInput{Type: lt, BufferIndex: 0}); err != nil {
		t.Fatal(err)
	}
	if b0.BufferState != hv.EventLogBufferStateFree {
		t.Errorf("released buffer %v", b0.BufferState)
	}
}

// TestEventsLost: with no free buffer, events are counted and reported in
// the header of the next buffer that becomes in use.
func TestEventsLost(t *testing.T) {
	e := newEnv(t, 64)
	e.init(t, 2, 1, 1)
	e.create(t, 0)
	gpa := e.mapBuf(t, 0, 1)
	if err := e.root.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: 1}); err != nil {
		t.Fatal(err)
	}
	perBuffer := (4096 - 72) / 24
	for i := range perBuffer + 5 {
		e.h.EventLog().Log(lt, 0, hv.TrImHltInstruction, 0, uint64(i))
	}
	if _, ok := e.h.EventLog().NextMessage(false); !ok {
		t.Fatal("no message at threshold 1")
	}
	if err := e.root.ReleaseEventLogBuffer(&hv.ReleaseEventLogBufferInput{Type: lt}); err != nil {
		t.Fatal(err)
	}
	e.h.EventLog().Log(lt, 0, hv.TrImHltInstruction, 0, 0)
	// 167 entries fill the buffer; the 168th completes it and finds no free
	// buffer, like the four after it.
	if lost := header(e.h.Root().Memory(gpa[0])).EventsLost; lost != 5 {
		t.Errorf("EventsLost = %d, want 5", lost)
	}
}

// TestConcurrentCallersAndLogging runs callers on several goroutines (each
// with its own client) while events are logged; run with -race.
func TestConcurrentCallersAndLogging(t *testing.T) {
	e := newEnv(t, 4096)
	e.init(t, 64, 1, 4)
	for i := range uint32(16) {
		e.create(t, i)
		e.mapBuf(t, i, 1)
	}
	if err := e.root.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: 1}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			c := hv.NewClient(e.h.Root().Backend())
			for i := range 200 {
				in := statsIn(hv.StatsObjectVP, e.child.ID(), hv.VPIndex(i%2))
				_ = c.MapStatsPage(in)
				_ = c.UnmapStatsPage(&hv.UnmapStatsPageInput{StatsType: in.StatsType, ObjectIdentity: in.ObjectIdentity})
			}
		}()
		go func() {
			defer wg.Done()
			for i := range 500 {
				e.h.EventLog().Log(lt, w%2, hv.TrHcHypercall, 0, uint64(i), 0)
			}
		}()
	}
	// A reader drains messages and releases buffers meanwhile.
	done := make(chan struct{})
	go func() {
		c := hv.NewClient(e.h.Root().Backend())
		for {
			select {
			case <-done:
				return
			default:
			}
			if m, ok := e.h.EventLog().NextMessage(false); ok {
				idx := m.BufferIndex
				for idx != hv.EventLogBufferIndexNone {
					mem := e.h.EventLog().Buffer(lt, idx)
					next := header(mem).NextBufferIndex
					_ = c.ReleaseEventLogBuffer(&hv.ReleaseEventLogBufferInput{Type: lt, BufferIndex: idx})
					idx = next
				}
			}
		}
	}()
	wg.Wait()
	close(done)
}

// depositCall is HvCallDepositMemory with its 2013 layout: an 8-byte header
// (PartitionId) and 8-byte GPA page elements.
func depositCall() *abi.Hypercall {
	d, _ := hv.LookupHypercall(hv.CallDepositMemory)
	c := *d
	c.InputSize, c.InputElemSize = 8, 8
	return &c
}

func deposit(c *hvcall.Caller, pid hv.PartitionID, gpas []hv.GPAPageNumber) (int, error) {
	hdr := binary.LittleEndian.AppendUint64(nil, uint64(pid))
	var elems []byte
	for _, g := range gpas {
		elems = binary.LittleEndian.AppendUint64(elems, uint64(g))
	}
	return c.CallRep(depositCall(), hdr, elems, nil, nil, len(gpas))
}

// TestDepositMemoryRep is a rep call end to end: continuation when the sim
// stops early, and a failure that names the rep.
func TestDepositMemoryRep(t *testing.T) {
	e := newEnv(t, 64)
	root := e.h.Root()
	c := hvcall.NewCaller(observe(root.Backend()), &hv.Encoding)
	gpas := root.GiveRAM(100)
	e.h.SetRepBudget(7)
	before := e.child.PoolPages()
	n, err := deposit(c, e.child.ID(), gpas)
	if err != nil || n != 100 || e.child.PoolPages() != before+100 {
		t.Fatalf("deposited %d (err %v), pool %d -> %d", n, err, before, e.child.PoolPages())
	}
	// The same pages again: they are no longer the caller's.
	n, err = deposit(c, e.child.ID(), append(root.GiveRAM(3), gpas[0]))
	var he *hvcall.Error
	if !errors.As(err, &he) || he.Rep != 3 || n != 3 || !errors.Is(err, hv.StatusOperationDenied) {
		t.Fatalf("n = %d, err = %v", n, err)
	}
	if _, err := deposit(c, 77, root.GiveRAM(1)); !errors.Is(err, hv.StatusInvalidPartitionID) {
		t.Errorf("bad partition: %v", err)
	}
}

// memoryOnly is a backend that carries only the memory convention.
type memoryOnly struct{ hvcall.Backend }

func (memoryOnly) Conventions() hvcall.Conventions { return hvcall.MemoryOnly }

// BenchmarkSimpleCall is a successful simple call (fast-capable, so through
// registers) and the same call through a backend that carries only the
// memory convention.
func BenchmarkSimpleCall(b *testing.B) {
	for _, mode := range []string{"fast", "memory"} {
		b.Run(mode, func(b *testing.B) {
			h := wdk2013sim.New(sim.Config{})
			be := h.Root().Backend()
			if mode == "memory" {
				be = memoryOnly{be}
			}
			c := hv.NewClient(be)
			if err := c.InitializeEventLogBufferGroup(initIn(lt, 1, 1, 1, 0)); err != nil {
				b.Fatal(err)
			}
			in := &hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: 1}
			b.ReportAllocs()
			for b.Loop() {
				if err := c.SetEventLogGroupSources(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRepCall100(b *testing.B) {
	h := wdk2013sim.New(sim.Config{})
	root := h.Root()
	child := h.CreateChild(root, 0, 0, 1)
	c := hvcall.NewCaller(root.Backend(), &hv.Encoding)
	hdr := binary.LittleEndian.AppendUint64(nil, uint64(child.ID()))
	elems := make([]byte, 800)
	d := depositCall()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i, g := range root.GiveRAM(100) {
			binary.LittleEndian.PutUint64(elems[8*i:], uint64(g))
		}
		b.StartTimer()
		if n, err := c.CallRep(d, hdr, elems, nil, nil, 100); err != nil || n != 100 {
			b.Fatal(n, err)
		}
	}
}
