package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/runtime/recording"
	"github.com/hvgen/hvgen/runtime/stats"
)

// runDump decodes an event-log recording or a statistics page dump (the
// formats of runtime/recording) to text or JSON lines. A recording is read
// as a stream, one buffer at a time, so its size does not matter.
func runDump(args []string, stdout, stderr io.Writer) error {
	_, err := runDumpCounted(args, stdout, stderr)
	return err
}

// runDumpCounted is runDump that also returns how many entries it wrote or
// counted, for benchmarks.
func runDumpCounted(args []string, stdout, stderr io.Writer) (entries int64, err error) {
	fs := newFlags("dump", "dump [-format text|json] [-summary] [-types list] [-since d] [-until d] [-stop] [-allow-truncated] [-o file] file|-", stderr)
	format := fs.String("format", "text", "output `format`: text, or json (JSON lines; a 64-bit value is a string, a number only where it fits in 53 bits)")
	types := newList(fs, "types", "only these entry types (comma-separated HV_TR_* `names` or numbers; repeatable)")
	deprecated(fs, "json", "-format json", "", func(v string) error {
		if on, err := strconv.ParseBool(v); err != nil || on {
			*format = "json"
			return err
		}
		return nil
	})
	deprecated(fs, "type", "-types", "list", types.Set)
	since := fs.Duration("since", 0, "only entries at or after this time since the hypervisor started")
	until := fs.Duration("until", 0, "only entries before this time since the hypervisor started (0: no limit)")
	stop := fs.Bool("stop", false, "stop at the first corrupt buffer instead of skipping it")
	allowTrunc := fs.Bool("allow-truncated", false, "exit 0 when the recording ends inside a chunk (the truncation is still reported)")
	summary := fs.Bool("summary", false, "write only how many entries of each type there are (after -types, -since, -until)")
	out := fs.String("o", "-", "write to this `file` (- for standard output); it is replaced when the input is read, damaged or not, with every entry decoded, and left as it was when writing fails")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, err
		}
		return 0, exitError(2)
	}
	if fs.NArg() != 1 {
		return 0, usageError{"want one dump file (- for standard input)"}
	}
	if *format != "text" && *format != "json" {
		return 0, usageError{fmt.Sprintf("-format %q: want text or json", *format)}
	}
	want, err := entryFilter(types.items)
	if err != nil {
		return 0, usageError{err.Error()}
	}
	switch {
	case *since < 0 || *until < 0:
		return 0, usageError{"-since and -until are times since the hypervisor started: not negative"}
	case *until > 0 && *until <= *since:
		return 0, usageError{fmt.Sprintf("-until %v is not after -since %v: no entry could match", *until, *since)}
	}
	name := fs.Arg(0)
	var in io.Reader = os.Stdin
	var size int64 = -1
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		in = f
	}
	dst := stdout
	var outFile *atomicFile
	if *out != "-" {
		if outFile, err = createAtomic(*out); err != nil {
			return 0, err
		}
		defer outFile.Discard()
		dst = outFile
	}
	w := bufio.NewWriterSize(dst, 64<<10)
	d := newDecoder(w, *format == "json", want, *since, *until, stderr)
	d.name = name
	if *summary {
		d.summarize()
	}
	mode := eventlog.Skip
	if *stop {
		mode = eventlog.Stop
	}
	if isTerminal(stderr) && size > 64<<20 {
		d.progress = &progressLine{w: stderr, size: size}
	}
	br := bufio.NewReaderSize(in, 1<<20)
	if head, _ := br.Peek(8); recording.IsStatsDump(head) {
		sd, err := recording.ReadStatsDump(br)
		if err == nil {
			err = d.statsPage(sd)
		}
		if err != nil {
			return d.entries(), fmt.Errorf("%s: %w", name, err)
		}
		if err := d.flush(); err != nil {
			return 0, err
		}
		if outFile != nil {
			return d.entries(), outFile.Commit()
		}
		return d.entries(), nil
	}
	rr := recording.NewReader(br)
	err = d.recording(rr, mode, *allowTrunc)
	var oe outputError
	if errors.As(err, &oe) {
		return d.entries(), oe.err // the output is incomplete: a file is left as it was
	}
	if ferr := d.flush(); ferr != nil {
		return d.entries(), ferr
	}
	if outFile != nil {
		// Every entry decoded is kept, also when the recording is damaged.
		if cerr := outFile.Commit(); cerr != nil {
			return d.entries(), cerr
		}
	}
	var ee exitError
	switch {
	case errors.As(err, &ee):
		return d.entries(), err // reported already
	case err != nil:
		return d.entries(), fmt.Errorf("%s: %w", name, err)
	case d.corrupt > 0:
		return d.entries(), exitError(1)
	}
	return d.entries(), nil
}

// outputError is a failure to write the output.
type outputError struct{ err error }

func (e outputError) Error() string { return e.err.Error() }
func (e outputError) Unwrap() error { return e.err }

// progressLine shows on a terminal, at most a few times a second, how far
// into a file of that size the decoder is.
type progressLine struct {
	w     io.Writer
	size  int64
	last  time.Time
	shown bool // a line without its newline is on the terminal
}

func (p *progressLine) update(off int64) {
	if p == nil {
		return
	}
	if now := time.Now(); now.Sub(p.last) >= 200*time.Millisecond || off == p.size {
		p.last = now
		fmt.Fprintf(p.w, "\rdecoded %d of %d MiB (%d%%)", off>>20, p.size>>20, off*100/max(p.size, 1))
		p.shown = true
	}
}

// end finishes the line, before any other message or at the end.
func (p *progressLine) end() {
	if p != nil && p.shown {
		fmt.Fprintln(p.w)
		p.shown = false
	}
}

// entryFilter returns the entry type ids -types names (HV_TR_* names or
// numbers), or nil for every type.
func entryFilter(names []string) (map[uint16]bool, error) {
	if len(names) == 0 {
		return nil, nil
	}
	want := map[uint16]bool{}
	for _, name := range names {
		found := false
		for _, e := range hv.EventEntries {
			if e.Name == name {
				want[e.ID], found = true, true
			}
		}
		if !found {
			n, err := strconv.ParseUint(name, 0, 16)
			if err != nil {
				return nil, fmt.Errorf("-types: %q is neither an entry type name nor a number", name)
			}
			want[uint16(n)] = true
		}
	}
	return want, nil
}

// decoder writes what the formatters make of a recording's buffers, in
// order, and reports problems between the lines they belong between.
type decoder struct {
	w        *bufio.Writer
	name     string // the input's name in messages
	json     bool
	stderr   io.Writer
	fmts     []*formatter // one per decoding goroutine
	corrupt  int
	progress *progressLine // nil: none
	written  int           // chunks written
}

func newDecoder(w *bufio.Writer, asJSON bool, want map[uint16]bool, since, until time.Duration, stderr io.Writer) *decoder {
	d := &decoder{w: w, json: asJSON, stderr: stderr}
	var wantTab []bool
	if want != nil {
		wantTab = make([]bool, 1<<16)
		for id := range want {
			wantTab[id] = true
		}
	}
	for range min(max(runtime.GOMAXPROCS(0), 1), 8) {
		d.fmts = append(d.fmts, &formatter{json: asJSON, want: wantTab, since: since, until: until})
	}
	return d
}

// summarize makes the decoder count entries by type instead of writing them.
func (d *decoder) summarize() {
	for _, f := range d.fmts {
		f.counts = make([]int64, 1<<16)
	}
}

// entries is how many entries were written (or counted).
func (d *decoder) entries() int64 {
	var n int64
	for _, f := range d.fmts {
		n += f.entries
	}
	return n
}

// job is one chunk on its way through the decoder: read, checked and
// formatted by a worker, then written.
type job struct {
	c       recording.Chunk // the chunk and its memory; no Payload: a job that only carries warn
	end     int64           // stream offset after the chunk
	warn    string          // printed before the chunk's lines
	readErr error           // a damaged chunk (set by the worker): reported, nothing decoded
	out     []byte          // the chunk's lines
	decErr  error           // what ended the buffer's entries
	ready   chan struct{}
}

// recording decodes every chunk of a recording. A corrupt buffer or chunk
// payload is reported and skipped (or ends the run with Stop); a truncated
// stream is reported after every complete buffer is decoded; anything else
// that is not a chunk is an error naming its offset.
//
// The chunks are read in this goroutine, formatted by one worker per
// formatter, and written in stream order by another goroutine; a fixed set
// of jobs circulates between them, so memory stays that of a few buffers.
func (d *decoder) recording(rr *recording.Reader, mode eventlog.OnCorrupt, allowTrunc bool) error {
	defer d.progress.end()
	n := 2*len(d.fmts) + 2
	free, order, work := make(chan *job, n), make(chan *job, n), make(chan *job, n)
	for range n {
		free <- &job{ready: make(chan struct{}, 1)}
	}
	var workers sync.WaitGroup
	for _, f := range d.fmts {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for j := range work {
				if j.c.Payload != nil {
					if j.readErr = j.c.Verify(); j.readErr == nil {
						j.out, j.decErr = f.buffer(&j.c, j.out[:0])
					}
				}
				j.ready <- struct{}{}
			}
		}()
	}
	var stop atomic.Bool
	written := make(chan error, 1)
	go func() { written <- d.writeJobs(order, free, mode, &stop) }()
	err := d.readJobs(rr, free, order, work, &stop)
	close(work)
	close(order)
	werr := <-written
	workers.Wait()
	switch {
	case werr != nil:
		return werr
	case err == io.EOF:
		d.progress.update(rr.Offset())
		d.progress.end()
		if rr.Offset() == 0 {
			fmt.Fprintln(d.stderr, "hvgen dump: the input is empty: a recording with no buffers")
		}
		if lost := d.lost(rr); lost > 0 {
			fmt.Fprintf(d.stderr, "hvgen dump: the recording reports %d events lost\n", lost)
		}
		return d.summary(rr)
	case errors.Is(err, recording.ErrTruncated):
		// The complete buffers before the cut were decoded: -summary
		// counts them as the text and JSON forms show them.
		if err := d.summary(rr); err != nil {
			return err
		}
		if err := d.flush(); err != nil {
			return outputError{err}
		}
		d.progress.end()
		if !allowTrunc {
			return fmt.Errorf("truncated recording: %w (the %d complete buffers before it were decoded)", err, rr.Chunks())
		}
		fmt.Fprintf(d.stderr, "hvgen dump: %s: truncated recording: %v (the %d complete buffers before it were decoded)\n", d.name, err, rr.Chunks())
		return nil
	default:
		// Bytes that are not a chunk, a damaged header or a read error
		// end the stream; what came before was decoded, and -summary
		// counts it too.
		if werr := d.summary(rr); werr != nil {
			return werr
		}
	}
	return err
}

// lost is the events lost that the buffers decoded so far and the
// recording's end records report.
func (d *decoder) lost(rr *recording.Reader) uint64 {
	lost := rr.UnreportedLost()
	for _, f := range d.fmts {
		lost += f.lost
	}
	return lost
}

// summary writes the -summary table of the buffers decoded so far, when
// -summary is set.
func (d *decoder) summary(rr *recording.Reader) error {
	if d.fmts[0].counts == nil {
		return nil
	}
	if err := d.writeSummary(rr.Chunks(), d.lost(rr)); err != nil {
		return outputError{err}
	}
	return nil
}

// readJobs reads chunks into free jobs and hands them to the workers and,
// in order, to the writer, until the stream ends (its error, io.EOF at a
// clean end) or the writer stops (nil).
func (d *decoder) readJobs(rr *recording.Reader, free <-chan *job, order, work chan<- *job, stop *atomic.Bool) error {
	for !stop.Load() {
		j := <-free
		j.warn, j.readErr, j.decErr, j.out = "", nil, nil, j.out[:0]
		err := rr.ReadChunk(&j.c)
		j.end = rr.Offset()
		switch {
		case errors.Is(err, recording.ErrGap):
			// Chunks are missing: reported in stream order, and the
			// chunk after the gap (if the gap came with one) decoded.
			j.warn = fmt.Sprintf("hvgen dump: %s: %v", d.name, err)
		case err != nil:
			return err
		}
		order <- j
		work <- j
	}
	return nil
}

// writeJobs writes each job's lines and reports its problems, in stream
// order, and returns the jobs to free. After an error (a write failed, or
// -stop met a corrupt buffer) it stops the reader and only recycles.
func (d *decoder) writeJobs(order <-chan *job, free chan<- *job, mode eventlog.OnCorrupt, stop *atomic.Bool) error {
	var err error
	for j := range order {
		<-j.ready
		if err == nil {
			if err = d.writeJob(j, mode); err != nil {
				stop.Store(true)
			}
		}
		free <- j
	}
	return err
}

func (d *decoder) writeJob(j *job, mode eventlog.OnCorrupt) error {
	if j.warn != "" {
		if err := d.flush(); err != nil {
			return outputError{err}
		}
		d.progress.end()
		fmt.Fprintln(d.stderr, j.warn)
	}
	if j.c.Payload == nil {
		return nil
	}
	if j.readErr != nil {
		if d.report(j.readErr, mode) {
			return exitError(1)
		}
		return nil
	}
	if len(j.out) > d.w.Available() && d.w.Buffered() > 0 {
		// Empty the buffer first: bufio then hands the lines to the writer
		// as they are, instead of copying most of them through its buffer.
		if err := d.flush(); err != nil {
			return outputError{err}
		}
	}
	if _, err := d.w.Write(j.out); err != nil {
		return outputError{err}
	}
	if j.decErr != nil && d.report(j.decErr, mode) {
		return exitError(1)
	}
	if d.written++; d.written%256 == 0 {
		d.progress.update(j.end)
	}
	return nil
}

// writeSummary writes the -summary table: entries by type, then the totals.
func (d *decoder) writeSummary(buffers int, lost uint64) error {
	f := d.fmts[0]
	for id := range f.counts {
		var n int64
		for _, g := range d.fmts {
			n += g.counts[id]
		}
		if n == 0 {
			continue
		}
		name := f.name(uint16(id))
		if d.json {
			fmt.Fprintf(d.w, "{\"type\":%s,\"id\":%d,\"entries\":%d}\n", name.quoted, id, n)
			continue
		}
		fmt.Fprintf(d.w, "%s %12d\n", name.text, n)
	}
	if d.json {
		_, err := fmt.Fprintf(d.w, "{\"total\":%d,\"buffers\":%d,\"lost\":\"%d\"}\n", d.entries(), buffers, lost)
		return err
	}
	_, err := fmt.Fprintf(d.w, "%-32s %12d  (%d buffers, %d events lost)\n", "total", d.entries(), buffers, lost)
	return err
}

// report prints a corruption, naming the input, and says whether the walk
// stops.
func (d *decoder) report(err error, mode eventlog.OnCorrupt) bool {
	d.corrupt++
	d.flush()
	d.progress.end()
	fmt.Fprintf(d.stderr, "hvgen dump: %s: %v\n", d.name, err)
	return mode == eventlog.Stop
}

// flush writes everything decoded so far.
func (d *decoder) flush() error { return d.w.Flush() }

func (d *decoder) statsPage(sd *recording.StatsDump) error {
	object := sd.Object
	p, err := stats.Parse(sd.Page, hv.StatsObjectType(object), hv.StatsGroups[:])
	if err != nil {
		return err
	}
	for _, g := range p.Groups {
		name := fmt.Sprintf("group %d", g.Type)
		var counters []string
		if g.Desc != nil {
			name = g.Desc.Name
			counters = make([]string, g.NumCounters+1)
			for _, c := range g.Desc.Counters {
				if c.Index <= g.NumCounters {
					counters[c.Index] = c.Label
				}
			}
		}
		for slot := 1; slot <= g.NumCounters; slot++ {
			v, _ := p.Counter(g.Type, slot)
			label := ""
			if counters != nil {
				label = counters[slot]
			}
			if d.json {
				line, _ := json.Marshal(map[string]any{"object": hv.StatsObjectType(object).String(), "group": name,
					"version": fmt.Sprintf("%d.%d", g.Major, g.Minor), "slot": slot, "counter": label, "value": strconv.FormatUint(v, 10)})
				d.w.Write(line)
				d.w.WriteByte('\n')
				continue
			}
			fmt.Fprintf(d.w, "%-24s %3d  %-40s %d\n", name, slot, label, v)
		}
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
