package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
)

// runSimulate runs the simulated hypervisor: it sets up an event-log group,
// logs events of the documented types for a while, and writes the buffers
// (and optionally a VP statistics page) as dumps for hvgen dump.
func runSimulate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate", "simulate [-o file] [-stats file] [-for d] [-rate n] [-buffers n] [-pages n]", stderr)
	out := fs.String("o", "events.dump", "event-log dump `file` to write")
	statsOut := fs.String("stats", "", "also write a VP statistics page dump to this `file`")
	dur := fs.Duration("for", 200*time.Millisecond, "how long to log events")
	rate := fs.Int("rate", 100000, "events per second")
	buffers := fs.Int("buffers", 16, "buffers in the group (1-512)")
	pages := fs.Int("pages", 4, "pages per buffer (1-512)")
	seed := fs.Uint64("seed", 1, "random seed")
	calls := addCallsFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if done, err := calls.run(stdout); done {
		return err
	}
	if *buffers < 1 || *buffers > 512 || *pages < 1 || *pages > 512 || *rate < 1 {
		return usageError{"-buffers and -pages must be 1 to 512, -rate positive"}
	}
	h := sim.New(sim.Config{RootPoolPages: *buffers**pages + 64})
	c := hv.NewClient(h.Root().Backend())
	lt := hv.EventLogTypeLocalDiagnostics
	steps := []func() error{
		func() error {
			return c.InitializeEventLogBufferGroup(&hv.InitializeEventLogBufferGroupInput{Type: lt,
				MaximumBufferCount: uint32(*buffers), BufferPages: uint32(*pages), Threshold: uint32(*buffers)})
		},
	}
	for i := range *buffers {
		idx := hv.EventlogBufferIndex(i)
		steps = append(steps,
			func() error { return c.CreateEventLogBuffer(&hv.CreateEventLogBufferInput{Type: lt, BufferIndex: idx}) },
			func() error {
				return c.MapEventLogBuffer(&hv.MapEventLogBufferInput{Type: lt, BufferIndex: idx}, &hv.MapEventLogBufferOutput{},
					make([]hv.GPAPageNumber, *pages))
			})
	}
	steps = append(steps, func() error {
		return c.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: hv.EventlogEnableDiagAdmin})
	})
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	logged, dropped := h.Stream(ctx, lt, *rate, *seed)
	if err := c.FlushEventLogBuffer(&hv.FlushEventLogBufferInput{Type: lt}); err != nil {
		return err
	}
	if err := writeWith(*out, func(w io.Writer) error { return h.WriteDump(w, lt) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d events logged, %d lost (no free buffer)\n", *out, logged, dropped)
	if *statsOut != "" {
		child := h.CreateChild(h.Root(), 0, 8, 1)
		in := &hv.MapStatsPageInput{StatsType: hv.StatsObjectVP, TargetGPAPage: 0x8000}
		in.ObjectIdentity.VP().PartitionID = child.ID
		if err := c.MapStatsPage(in); err != nil {
			return err
		}
		h.Advance(uint64(*dur / 100))
		if err := writeWith(*statsOut, func(w io.Writer) error { return h.Root().WriteStatsDump(w, hv.StatsObjectVP, 0x8000) }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: statistics page of VP 0 of partition %d\n", *statsOut, child.ID)
	}
	return nil
}

func writeWith(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
