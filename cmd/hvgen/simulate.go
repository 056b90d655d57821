package main

import (
	"bufio"
	"fmt"
	"io"
	"time"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/runtime/recording"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"
)

// runSimulate runs the simulated hypervisor: it sets up an event-log group,
// logs events of the documented types for a span of simulated time and, as
// the root partition does, reads each buffer the hypervisor reports complete
// and releases it, appending it to a recording (runtime/recording) as it
// goes; optionally it also writes a VP statistics page dump. The events
// lost after a logical processor's last buffer, which no buffer header
// reports, go into the recording's end record, so that the recording holds
// every loss the simulator counted.
func runSimulate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate", "simulate [-o file] [-stats file] [-for d] [-rate n] [-buffers n] [-pages n] [-seed n]\n       hvgen simulate -debugfs dir [-for d] [-seed n]\n       hvgen simulate -list-calls [-all] [-version V]", stderr)
	out := fs.String("o", "events.dump", "event-log recording `file` to write (- for standard output)")
	statsOut := fs.String("stats", "", "also write a VP statistics page dump to this `file`")
	dur := fs.Duration("for", 200*time.Millisecond, "how much simulated time to log events for (runs as fast as the CPU allows)")
	rate := fs.Int("rate", 100000, "events per simulated second")
	buffers := fs.Int("buffers", 16, "buffers in the group (1-512)")
	pages := fs.Int("pages", 4, "pages per buffer (1-512)")
	seed := fs.Uint64("seed", 1, "random seed")
	debugfs := fs.String("debugfs", "", "instead, write the statistics of a simulated host after -for as the kernel's mshv debugfs tree into this `dir`ectory (docs/exporter.md)")
	calls := addCallsFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if done, err := calls.run(stdout); done {
		return err
	}
	if *debugfs != "" {
		return simulateDebugfs(fs, *debugfs, *dur, *seed, stdout)
	}
	switch {
	case *buffers < 1 || *buffers > 512 || *pages < 1 || *pages > 512:
		return usageError{"-buffers and -pages must be 1 to 512"}
	case *rate < 1:
		return usageError{"-rate must be positive"}
	case *dur <= 0:
		return usageError{"-for must be positive"}
	case *out == "":
		return usageError{"-o: want a file name or -"}
	case *statsOut == "-":
		return usageError{"-stats: the statistics dump goes to a file, not standard output"}
	case *statsOut != "" && *statsOut == *out:
		return usageError{"-o and -stats name the same file"}
	}

	// Open every output before any work, so that a bad path fails now and
	// nothing is replaced unless the whole run succeeds.
	events, summary := stdout, stdout
	var evFile, statsFile *atomicFile
	if *out == "-" {
		summary = stderr
	} else {
		f, err := createAtomic(*out)
		if err != nil {
			return err
		}
		defer f.Discard()
		events, evFile = f, f
	}
	if *statsOut != "" {
		f, err := createAtomic(*statsOut)
		if err != nil {
			return err
		}
		defer f.Discard()
		statsFile = f
	}

	h := wdk2013sim.New(sim.Config{RootPoolPages: sim.EventLogPoolPages(*buffers, *pages) + sim.StatsPagePoolPages})
	bw := bufio.NewWriterSize(events, 1<<20)
	rr, err := startRecording(h, bw, *buffers, *pages)
	if err != nil {
		return err
	}
	src := h.EventLog().NewSource(rr.typ, *rate, *seed)
	for src.Elapsed() < *dur {
		src.Next()
		if err := rr.drain(); err != nil {
			return err
		}
	}
	if err := rr.client.FlushEventLogBuffer(&hv.FlushEventLogBufferInput{Type: rr.typ}); err != nil {
		return err
	}
	if err := rr.drain(); err != nil {
		return err
	}
	if err := rr.end(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	simulated := src.Elapsed()

	var statsLine string
	if statsFile != nil {
		child := h.CreateChild(h.Root(), 0, 8, 1)
		in := &hv.MapStatsPageInput{StatsType: hv.StatsObjectVP, TargetGPAPage: 0x8000}
		in.ObjectIdentity.VP().PartitionID = child.ID()
		if err := rr.client.MapStatsPage(in); err != nil {
			return err
		}
		h.Advance(uint64(*dur / 100))
		if err := h.Root().WriteStatsDump(statsFile, hv.StatsObjectVP, 0x8000); err != nil {
			return err
		}
		if err := statsFile.Commit(); err != nil {
			return err
		}
		statsLine = fmt.Sprintf("%s: statistics page of VP 0 of partition %d\n", *statsOut, child.ID())
	}
	if evFile != nil {
		if err := evFile.Commit(); err != nil {
			return err
		}
	}
	// Every event not logged found no free buffer (the group is on and
	// every entry fits); the buffer headers' EventsLost count them too.
	fmt.Fprintf(summary, "%s: %d events logged, %d lost (no free buffer); %d buffers, %d bytes, %s simulated\n",
		*out, src.Logged(), src.Dropped(), rr.chunks, rr.bytes, simulated)
	fmt.Fprint(summary, statsLine)
	return nil
}

// rootReader is the root partition's side of event logging: the group it
// set up, the GPAs of each mapped buffer, and the recording it appends the
// buffers it reads to.
type rootReader struct {
	h       *wdk2013sim.Hypervisor
	client  *hv.Client
	root    *wdk2013sim.Partition
	typ     hv.EventLogType
	gpas    [][]hv.GPAPageNumber // by buffer index
	group   eventlog.Group
	scratch []byte // one buffer, 8-byte aligned, as the root sees it mapped
	rec     *recording.Writer
	chunk   recording.Group // what each chunk says of the group
	chunks  int
	bytes   int64
}

// startRecording initializes a group of local-diagnostics buffers that are
// reported as soon as each completes (threshold 1), creates and maps every
// buffer and enables the sources.
func startRecording(h *wdk2013sim.Hypervisor, w io.Writer, buffers, pages int) (*rootReader, error) {
	root := h.Root()
	rr := &rootReader{h: h, client: hv.NewClient(root.Backend()), root: root, typ: hv.EventLogTypeLocalDiagnostics,
		gpas: make([][]hv.GPAPageNumber, buffers)}
	c, lt := rr.client, rr.typ
	if err := c.InitializeEventLogBufferGroup(&hv.InitializeEventLogBufferGroupInput{Type: lt,
		MaximumBufferCount: uint32(buffers), BufferPages: uint32(pages), Threshold: 1,
		TimeBasis: hv.EventLogEntryTimeReference}); err != nil {
		return nil, err
	}
	for i := range buffers {
		idx := hv.EventLogBufferIndex(i)
		if err := c.CreateEventLogBuffer(&hv.CreateEventLogBufferInput{Type: lt, BufferIndex: idx}); err != nil {
			return nil, fmt.Errorf("buffer %d: %w", i, err)
		}
		rr.gpas[i] = make([]hv.GPAPageNumber, pages)
		if err := c.MapEventLogBuffer(&hv.MapEventLogBufferInput{Type: lt, BufferIndex: idx}, &hv.MapEventLogBufferOutput{}, rr.gpas[i]); err != nil {
			return nil, fmt.Errorf("buffer %d: %w", i, err)
		}
	}
	if err := c.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: hv.EventLogEnableDiagAdmin}); err != nil {
		return nil, err
	}
	size := pages * hv.PageSize
	words := make([]uint64, size/8)
	rr.scratch = unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), size)
	rr.group = eventlog.Group{Type: eventlog.Type(lt), BufferSize: size, MaxBuffers: buffers, Memory: rr.memory}
	rr.chunk = recording.Group{Type: eventlog.Type(lt), TimeBasis: eventlog.TimeReference, TSCHz: h.TSCFrequency()}
	rr.rec = recording.NewWriter(w)
	return rr, nil
}

// memory is the buffer's pages, gathered from the GPAs they were mapped at.
func (rr *rootReader) memory(index uint32) []byte {
	if int(index) >= len(rr.gpas) {
		return nil
	}
	for i, gpa := range rr.gpas[index] {
		page := rr.root.Memory(gpa)
		if len(page) != hv.PageSize {
			return nil
		}
		copy(rr.scratch[i*hv.PageSize:], page)
	}
	return rr.scratch
}

// drain handles every pending buffers-ready message: it walks the list,
// records each buffer and releases it back to the hypervisor.
func (rr *rootReader) drain() error {
	for {
		m, ok := rr.h.EventLog().NextMessage(false)
		if !ok {
			return nil
		}
		for b, err := range rr.group.Ready(uint32(m.BufferIndex)) {
			if err != nil {
				return err
			}
			if err := rr.rec.WriteBuffer(rr.chunk, b.Bytes()); err != nil {
				return err
			}
			rr.chunks++
			rr.bytes += int64(recording.ChunkHeaderSize + len(b.Bytes()))
			if err := rr.client.ReleaseEventLogBuffer(&hv.ReleaseEventLogBufferInput{Type: rr.typ, BufferIndex: hv.EventLogBufferIndex(b.Index())}); err != nil {
				return fmt.Errorf("release buffer %d: %w", b.Index(), err)
			}
		}
	}
}

// end closes the recording: its end record carries the events lost that no
// buffer header reports (those lost after a logical processor's last
// buffer), so the recording counts every event the simulator lost.
func (rr *rootReader) end() error {
	rr.rec.AddUnreportedLost(rr.h.EventLog().PendingLost(rr.typ))
	if err := rr.rec.Close(); err != nil {
		return err
	}
	rr.bytes += recording.ChunkHeaderSize
	return nil
}
