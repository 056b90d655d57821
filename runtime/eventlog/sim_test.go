package eventlog_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/runtime/sim"
)

// simGroup sets up a local-diagnostics group of one-page buffers in the sim
// and returns a reader's view of it.
func simGroup(t *testing.T, h *wdk2013sim.Hypervisor, buffers, threshold uint32) *eventlog.Group {
	t.Helper()
	c := hv.NewClient(h.Root().Backend())
	if err := c.InitializeEventLogBufferGroup(&hv.InitializeEventLogBufferGroupInput{Type: lt, MaximumBufferCount: buffers,
		BufferPages: 1, Threshold: threshold}); err != nil {
		t.Fatal(err)
	}
	gpas := make([]hv.GPAPageNumber, buffers)
	for i := range buffers {
		if err := c.CreateEventLogBuffer(&hv.CreateEventLogBufferInput{Type: lt, BufferIndex: hv.EventLogBufferIndex(i)}); err != nil {
			t.Fatal(err)
		}
		out := make([]hv.GPAPageNumber, 1)
		if err := c.MapEventLogBuffer(&hv.MapEventLogBufferInput{Type: lt, BufferIndex: hv.EventLogBufferIndex(i)}, &hv.MapEventLogBufferOutput{}, out); err != nil {
			t.Fatal(err)
		}
		gpas[i] = out[0]
	}
	if err := c.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: 1}); err != nil {
		t.Fatal(err)
	}
	root := h.Root()
	return &eventlog.Group{Type: elt, BufferSize: 4096, MaxBuffers: int(buffers), Memory: func(i uint32) []byte {
		if int(i) >= len(gpas) {
			return nil
		}
		return root.Memory(gpas[i])
	}}
}

// TestEveryEntryOnceOrLost: writers on several goroutines log numbered
// events while a reader takes the ready lists and releases the buffers.
// Every logged event is read exactly once; every event not logged is in an
// EventsLost count (or still pending for the next buffer); nothing else.
func TestEveryEntryOnceOrLost(t *testing.T) {
	h := wdk2013sim.New(sim.Config{LogicalProcessors: 4})
	g := simGroup(t, h, 16, 2)
	c := hv.NewClient(h.Root().Backend())
	const writers, perWriter = 4, 5000
	var seq, logged, dropped atomic.Uint64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWriter {
				if h.EventLog().Log(lt, w, hv.TrHcHypercall, 0, seq.Add(1), 0) {
					logged.Add(1)
				} else {
					dropped.Add(1)
				}
			}
		}()
	}
	seen := map[uint64]int{}
	var lost uint64
	read := func(first hv.EventLogBufferIndex) {
		var release []hv.EventLogBufferIndex
		for b, err := range g.Ready(uint32(first)) {
			if err != nil {
				t.Fatal(err)
			}
			lost += uint64(b.Header().EventsLost)
			for e, err := range b.All() {
				if err != nil {
					t.Fatal(err)
				}
				seen[hv.AsTrHcHypercall(e.Payload).GuestRIP]++
			}
			release = append(release, hv.EventLogBufferIndex(b.Index()))
		}
		for _, i := range release {
			if err := c.ReleaseEventLogBuffer(&hv.ReleaseEventLogBufferInput{Type: lt, BufferIndex: i}); err != nil {
				t.Fatal(err)
			}
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if m, ok := h.EventLog().NextMessage(false); ok {
			read(m.BufferIndex)
		}
	}
	if err := c.FlushEventLogBuffer(&hv.FlushEventLogBufferInput{Type: lt}); err != nil {
		t.Fatal(err)
	}
	for {
		m, ok := h.EventLog().NextMessage(false)
		if !ok {
			break
		}
		read(m.BufferIndex)
	}
	for s, n := range seen {
		if n != 1 {
			t.Fatalf("event %d read %d times", s, n)
		}
	}
	if uint64(len(seen)) != logged.Load() {
		t.Errorf("read %d distinct events, %d were logged", len(seen), logged.Load())
	}
	if lost+h.EventLog().PendingLost(lt) != dropped.Load() {
		t.Errorf("EventsLost %d + pending %d, but %d were dropped", lost, h.EventLog().PendingLost(lt), dropped.Load())
	}
	t.Logf("%d logged, %d lost", logged.Load(), dropped.Load())
}

// TestTailLive follows the in-use buffer while the sim streams into it.
func TestTailLive(t *testing.T) {
	h := wdk2013sim.New(sim.Config{LogicalProcessors: 1})
	g := simGroup(t, h, 2, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	streamCtx, stop := context.WithCancel(ctx)
	go h.EventLog().Stream(streamCtx, lt, 100000, 7)
	// Wait for buffer 0 to be in use.
	var b *eventlog.Buffer
	for b == nil {
		if mem := g.Memory(0); mem != nil {
			if bb, err := eventlog.NewBuffer(mem, 0, elt, 4096); err == nil && bb.State() != eventlog.StateFree {
				b = bb
			}
		}
	}
	n := 0
	for _, err := range b.Tail(ctx, 100*time.Microsecond) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	stop()
	if n == 0 || b.State() == eventlog.StateInUse {
		t.Fatalf("tailed %d entries; state %v", n, b.State())
	}
	// Everything the tail saw is what the completed buffer holds.
	m := 0
	for range b.All() {
		m++
	}
	if m != n {
		t.Errorf("tail saw %d entries, the completed buffer holds %d", n, m)
	}
}
