package eventlog_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/runtime/sim"
)

// rootReader sets up, as the root partition does, a local-diagnostics group
// of one-page buffers on the simulator, each reported as soon as it
// completes, and returns the reader's view of the group, the buffers' GPA
// pages and the client that set it up.
func rootReader(h *wdk2013sim.Hypervisor, buffers int) (*eventlog.Group, []hv.GPAPageNumber, *hv.Client, error) {
	c := hv.NewClient(h.Root().Backend())
	if err := c.InitializeEventLogBufferGroup(&hv.InitializeEventLogBufferGroupInput{Type: lt,
		MaximumBufferCount: uint32(buffers), BufferPages: 1, Threshold: 1}); err != nil {
		return nil, nil, nil, err
	}
	gpas := make([]hv.GPAPageNumber, buffers)
	for i := range buffers {
		idx := hv.EventLogBufferIndex(i)
		out := make([]hv.GPAPageNumber, 1)
		if err := c.CreateEventLogBuffer(&hv.CreateEventLogBufferInput{Type: lt, BufferIndex: idx}); err != nil {
			return nil, nil, nil, err
		}
		if err := c.MapEventLogBuffer(&hv.MapEventLogBufferInput{Type: lt, BufferIndex: idx}, &hv.MapEventLogBufferOutput{}, out); err != nil {
			return nil, nil, nil, err
		}
		gpas[i] = out[0]
	}
	if err := c.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: hv.EventLogEnableDiagAdmin}); err != nil {
		return nil, nil, nil, err
	}
	g := &eventlog.Group{Type: eventlog.Type(lt), BufferSize: 4096, MaxBuffers: buffers, Memory: func(i uint32) []byte {
		if int(i) >= len(gpas) {
			return nil
		}
		return h.Root().Memory(gpas[i])
	}}
	return g, gpas, c, nil
}

// A buffers-ready message names the first buffer of a list: Events walks
// the list and every entry of each buffer, and the generated As... view
// reads a payload.
func ExampleGroup_Events() {
	h := wdk2013sim.New(sim.Config{RootPoolPages: sim.EventLogPoolPages(4, 1)})
	g, _, c, err := rootReader(h, 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range uint64(3) {
		h.EventLog().Log(lt, 0, hv.TrHcHypercall, 0, 0x1000*(i+1), 0x8c)
	}
	if err := c.FlushEventLogBuffer(&hv.FlushEventLogBufferInput{Type: lt}); err != nil {
		fmt.Println(err)
		return
	}
	m, _ := h.EventLog().NextMessage(false)
	for e, err := range g.Events(uint32(m.BufferIndex), eventlog.Stop) {
		if err != nil {
			fmt.Println(err)
			return
		}
		if p := hv.AsTrHcHypercall(e.Payload); p != nil && hv.EntryType(e.Type()) == hv.TrHcHypercall {
			fmt.Printf("%v GuestRip %#x\n", hv.EntryType(e.Type()), p.GuestRIP)
		}
	}
	// Output:
	// HV_TR_HC_HYPERCALL GuestRip 0x1000
	// HV_TR_HC_HYPERCALL GuestRip 0x2000
	// HV_TR_HC_HYPERCALL GuestRip 0x3000
}

// Ready walks the buffers of ready lists; the root reads each and releases
// it to the hypervisor. Here 200 entries of 32 bytes fill one-page buffers
// one after the other, each reported as it completes.
func ExampleGroup_Ready() {
	h := wdk2013sim.New(sim.Config{RootPoolPages: sim.EventLogPoolPages(4, 1)})
	g, _, c, err := rootReader(h, 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range uint64(200) {
		h.EventLog().Log(lt, 0, hv.TrHcHypercall, uint32(i), i, 0)
	}
	if err := c.FlushEventLogBuffer(&hv.FlushEventLogBufferInput{Type: lt}); err != nil {
		fmt.Println(err)
		return
	}
	for {
		m, ok := h.EventLog().NextMessage(false)
		if !ok {
			break
		}
		for b, err := range g.Ready(uint32(m.BufferIndex)) {
			if err != nil {
				fmt.Println(err)
				return
			}
			n := 0
			for range b.All() {
				n++
			}
			fmt.Printf("buffer %d: %v, %d entries, %d lost before it\n", b.Index(), b.State(), n, b.Header().EventsLost)
			if err := c.ReleaseEventLogBuffer(&hv.ReleaseEventLogBufferInput{Type: lt, BufferIndex: hv.EventLogBufferIndex(b.Index())}); err != nil {
				fmt.Println(err)
				return
			}
		}
	}
	// Output:
	// buffer 0: Ready, 125 entries, 0 lost before it
	// buffer 1: Ready, 75 entries, 0 lost before it
}

// Tail follows a buffer the hypervisor is still filling, entry by entry,
// until it leaves the in-use state (here when the root flushes it).
func ExampleBuffer_Tail() {
	h := wdk2013sim.New(sim.Config{RootPoolPages: sim.EventLogPoolPages(1, 1)})
	_, gpas, c, err := rootReader(h, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	h.EventLog().Log(lt, 0, hv.TrHcHypercall, 0, 0x1000, 0x8c) // the buffer is now in use
	buf, err := eventlog.NewBuffer(h.Root().Memory(gpas[0]), 0, eventlog.Type(lt), 4096)
	if err != nil {
		fmt.Println(err)
		return
	}
	go func() { // the hypervisor logs more, then the root flushes the buffer
		for i := range uint64(4) {
			time.Sleep(time.Millisecond)
			h.EventLog().Log(lt, 0, hv.TrHcHypercall, 0, 0x2000+i, 0x8c)
		}
		c.FlushEventLogBuffer(&hv.FlushEventLogBufferInput{Type: lt})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for e, err := range buf.Tail(ctx, 100*time.Microsecond) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("GuestRip %#x\n", hv.AsTrHcHypercall(e.Payload).GuestRIP)
	}
	fmt.Println("buffer state:", buf.State())
	// Output:
	// GuestRip 0x1000
	// GuestRip 0x2000
	// GuestRip 0x2001
	// GuestRip 0x2002
	// GuestRip 0x2003
	// buffer state: Ready
}
