package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/bits"
	"os"
	"strconv"
	"strings"
	"time"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/stats"
)

// runDump decodes an event-log recording or a statistics page dump (the
// formats runtime/sim writes) to text or JSON lines. A recording is read as
// a stream, one buffer at a time, so its size does not matter.
func runDump(args []string, stdout, stderr io.Writer) error {
	_, err := runDumpCounted(args, stdout, stderr)
	return err
}

// runDumpCounted is runDump that also returns how many entries it wrote or
// counted, for benchmarks.
func runDumpCounted(args []string, stdout, stderr io.Writer) (entries int64, err error) {
	fs := newFlags("dump", "dump [-json] [-summary] [-type list] [-since d] [-until d] [-stop] [-allow-truncated] [-o file] file|-", stderr)
	asJSON := fs.Bool("json", false, "write JSON lines instead of text (64-bit values as strings, see README)")
	types := fs.String("type", "", "only these entry types (comma-separated HV_TR_* names or numbers)")
	since := fs.Duration("since", 0, "only entries at or after this time since the hypervisor started")
	until := fs.Duration("until", 0, "only entries before this time since the hypervisor started (0: no limit)")
	stop := fs.Bool("stop", false, "stop at the first corrupt buffer instead of skipping it")
	allowTrunc := fs.Bool("allow-truncated", false, "exit 0 when the recording ends inside a chunk (the truncation is still reported)")
	summary := fs.Bool("summary", false, "write only how many entries of each type there are (after -type, -since, -until)")
	out := fs.String("o", "-", "write to this `file` (- for standard output); a file is replaced only when the run succeeds")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, err
		}
		return 0, exitError(2)
	}
	if fs.NArg() != 1 {
		return 0, usageError{"want one dump file (- for standard input)"}
	}
	want, err := entryFilter(*types)
	if err != nil {
		return 0, usageError{err.Error()}
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
	d := newDecoder(w, *asJSON, want, *since, *until, stderr)
	if *summary {
		d.counts = make([]int64, 1<<16)
	}
	mode := eventlog.Skip
	if *stop {
		mode = eventlog.Stop
	}
	if isTerminal(stderr) && size > 64<<20 {
		d.progress = &progressLine{w: stderr, size: size}
	}
	rr := newRecordingReader(in, 1<<20)
	head, _ := rr.r.Peek(8)
	if string(head) == sim.StatsDumpMagic {
		data, err := io.ReadAll(io.LimitReader(rr.r, 16+stats.PageSize+1))
		if err == nil {
			err = d.statsPage(data)
		}
		if err != nil {
			return d.entries, fmt.Errorf("%s: %w", name, err)
		}
	} else if err := d.recording(rr, mode, *allowTrunc); err != nil {
		d.flush() // what was decoded before the problem
		var se *streamError
		if errors.As(err, &se) {
			return d.entries, fmt.Errorf("%s: %w", name, err)
		}
		return 0, err
	}
	if err := d.flush(); err != nil {
		return 0, err
	}
	if d.corrupt > 0 {
		return d.entries, exitError(1)
	}
	if outFile != nil {
		return d.entries, outFile.Commit()
	}
	return d.entries, nil
}

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

func entryFilter(list string) (map[uint16]bool, error) {
	if list == "" {
		return nil, nil
	}
	want := map[uint16]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, e := range hv.EventEntries {
			if e.Name == name {
				want[e.ID], found = true, true
			}
		}
		if !found {
			n, err := strconv.ParseUint(name, 0, 16)
			if err != nil {
				return nil, fmt.Errorf("-type: %q is neither an entry type name nor a number", name)
			}
			want[uint16(n)] = true
		}
	}
	return want, nil
}

type decoder struct {
	w            *bufio.Writer
	json         bool
	want         []bool // by entry type; nil: every type
	since, until time.Duration
	stderr       io.Writer
	names        [256]*entryName // by entry type, made on first use (every documented type is below 256)
	otherNames   map[uint16]*entryName
	corrupt      int
	entries      int64         // entries written (or counted)
	counts       []int64       // with -summary: entries by type
	out          []byte        // lines not yet handed to w
	progress     *progressLine // nil: none
	bufPrefix    []byte        // what goes before the entry's offset, for the current buffer
	lpPrefix     []byte        // what goes between the offset and the time
	lost         uint64        // EventsLost of the buffers read
}

func newDecoder(w *bufio.Writer, asJSON bool, want map[uint16]bool, since, until time.Duration, stderr io.Writer) *decoder {
	d := &decoder{w: w, out: make([]byte, 0, outFlushAt+4096), json: asJSON, since: since, until: until, stderr: stderr}
	if want != nil {
		d.want = make([]bool, 1<<16)
		for id := range want {
			d.want[id] = true
		}
	}
	return d
}

// entryName is what is written for every entry of one type, prepared once.
type entryName struct {
	quoted     string   // the name as a JSON string
	text       []byte   // the name padded to its column
	textParams [][]byte // " Name=0x" per parameter
	jsonType   []byte   // `,"type":"NAME","id":N,"context":`
	jsonParams [][]byte // `,"params":{"Name":"0x`, then `","Name":"0x`
	payload    int      // bytes the parameters take
}

func (d *decoder) name(id uint16) *entryName {
	if id < 256 && d.names[id] != nil {
		return d.names[id]
	}
	if n := d.otherNames[id]; n != nil {
		return n
	}
	name, params := fmt.Sprintf("type %#x", id), []string(nil)
	for i := range hv.EventEntries {
		if e := &hv.EventEntries[i]; e.ID == id {
			name, params = e.Name, e.Params
		}
	}
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	n := &entryName{quoted: q(name), text: fmt.Appendf(nil, "%-32s", name), payload: 8 * len(params),
		jsonType: fmt.Appendf(nil, `,"type":%s,"id":%d,"context":`, q(name), id)}
	for i, p := range params {
		n.textParams = append(n.textParams, []byte(" "+p+"=0x"))
		sep := `","`
		if i == 0 {
			sep = `,"params":{"`
		}
		n.jsonParams = append(n.jsonParams, []byte(sep+q(p)[1:]+`:"0x`))
	}
	if id < 256 {
		d.names[id] = n
	} else {
		if d.otherNames == nil {
			d.otherNames = map[uint16]*entryName{}
		}
		d.otherNames[id] = n
	}
	return n
}

// recording decodes every chunk of a recording. A corrupt buffer or chunk
// payload is reported and skipped (or ends the run with Stop); a truncated
// stream is reported after every complete buffer is decoded; anything else
// that is not a chunk is an error naming its offset.
func (d *decoder) recording(rr *recordingReader, mode eventlog.OnCorrupt, allowTrunc bool) error {
	defer d.progress.end()
	var seq uint64
	var se *streamError // outside the loop: errors.As makes it escape
	for {
		c, err := rr.next()
		switch {
		case err == io.EOF:
			d.progress.update(rr.off)
			d.progress.end()
			if rr.off == 0 {
				fmt.Fprintln(d.stderr, "hvgen dump: the input is empty: a recording with no buffers")
			}
			if d.lost > 0 {
				fmt.Fprintf(d.stderr, "hvgen dump: the buffers report %d events lost\n", d.lost)
			}
			if d.counts != nil {
				return d.writeSummary(rr.chunks)
			}
			return nil
		case errors.As(err, &se) && se.kind == badPayload:
			seq = c.hdr.Sequence // its header is sound: the chunk is not missing, it is damaged
			if d.report(err, mode) {
				return exitError(1)
			}
			continue
		case errors.As(err, &se) && se.kind == truncated:
			if err := d.flush(); err != nil {
				return err
			}
			d.progress.end()
			if !allowTrunc {
				return fmt.Errorf("truncated recording: %w (the %d complete buffers before it were decoded)", err, rr.chunks)
			}
			fmt.Fprintf(d.stderr, "hvgen dump: truncated recording: %v (the %d complete buffers before it were decoded)\n", err, rr.chunks)
			return nil
		case err != nil:
			return err
		}
		if c.hdr.Sequence != 0 && c.hdr.Sequence != seq+1 {
			d.progress.end()
			fmt.Fprintf(d.stderr, "hvgen dump: byte %d: chunk %d follows chunk %d of the recording: chunks are missing\n", c.off, c.hdr.Sequence, seq)
		}
		seq = c.hdr.Sequence
		if err := d.buffer(c); err != nil {
			var ce *eventlog.CorruptError
			if !errors.As(err, &ce) {
				return err // writing failed
			}
			if d.report(fmt.Errorf("byte %d: %w", c.off, err), mode) {
				return exitError(1)
			}
		}
		if rr.chunks%256 == 0 {
			d.progress.update(rr.off)
		}
	}
}

// writeSummary writes the -summary table: entries by type, then the totals.
func (d *decoder) writeSummary(buffers int) error {
	for id, n := range d.counts {
		if n == 0 {
			continue
		}
		name := d.name(uint16(id))
		if d.json {
			fmt.Fprintf(d.w, "{\"type\":%s,\"id\":%d,\"entries\":%d}\n", name.quoted, id, n)
			continue
		}
		fmt.Fprintf(d.w, "%s %12d\n", name.text, n)
	}
	if d.json {
		_, err := fmt.Fprintf(d.w, "{\"total\":%d,\"buffers\":%d,\"lost\":\"%d\"}\n", d.entries, buffers, d.lost)
		return err
	}
	_, err := fmt.Fprintf(d.w, "%-32s %12d  (%d buffers, %d events lost)\n", "total", d.entries, buffers, d.lost)
	return err
}

// buffer decodes one buffer's entries. It is the one place that uses the
// eventlog reader API.
func (d *decoder) buffer(c chunk) error {
	idx := binary.LittleEndian.Uint32(c.mem[4:]) // the header's BufferIndex
	b, err := eventlog.NewBuffer(c.mem, idx, c.hdr.Type, c.hdr.Length)
	if err != nil {
		return err
	}
	if st := b.State(); st == hv.EventLogBufferStateStandby || st == hv.EventLogBufferStateFree {
		return nil // nothing to read (format-1 snapshots hold every buffer)
	}
	h := b.Header()
	d.lost += uint64(h.EventsLost)
	clock := eventlog.Clock{Basis: c.hdr.TimeBasis, TSCHz: c.hdr.TSCHz}
	d.setPrefixes(idx, h.LogicalProcessor)
	it := b.Entries()
	for {
		e, ok := it.Next()
		if !ok {
			break
		}
		if err := d.entry(e.Offset, e.Header, e.Payload, clock); err != nil {
			return err
		}
	}
	return it.Err()
}

// setPrefixes prepares the parts of a line that are the same for every
// entry of a buffer.
func (d *decoder) setPrefixes(buf uint32, lp uint8) {
	if d.json {
		d.bufPrefix = fmt.Appendf(d.bufPrefix[:0], `{"buffer":%d,"offset":`, buf)
		d.lpPrefix = fmt.Appendf(d.lpPrefix[:0], `,"lp":%d,"time_ns":"`, lp)
		return
	}
	d.bufPrefix = fmt.Appendf(d.bufPrefix[:0], "  buf %-3d +0x", buf)
	d.lpPrefix = fmt.Appendf(d.lpPrefix[:0], "  lp %-2d ", lp)
}

// report prints a corruption and says whether the walk stops.
func (d *decoder) report(err error, mode eventlog.OnCorrupt) bool {
	d.corrupt++
	d.flush()
	d.progress.end()
	fmt.Fprintln(d.stderr, "hvgen dump:", err)
	return mode == eventlog.Stop
}

// entry writes one entry as a text or JSON line, appending straight into
// the output buffer.
func (d *decoder) entry(off int, hdr *hv.EventlogEntryHeader, payload []byte, clock eventlog.Clock) error {
	id := hdr.Type
	if d.want != nil && !d.want[id] {
		return nil
	}
	t := clock.Duration(hdr.TimeStamp)
	if t < d.since || d.until > 0 && t >= d.until {
		return nil
	}
	if d.counts != nil {
		d.counts[id]++
		d.entries++
		return nil
	}
	n := d.name(id)
	params := len(n.textParams) > 0 && len(payload) >= n.payload
	b := d.out
	if d.json {
		b = append(b, d.bufPrefix...)
		b = strconv.AppendUint(b, uint64(off), 10)
		b = append(b, d.lpPrefix...)
		b = strconv.AppendInt(b, int64(t), 10)
		b = append(b, '"')
		b = append(b, n.jsonType...)
		b = strconv.AppendUint(b, uint64(hdr.Context), 10)
		if params {
			for i, p := range n.jsonParams {
				b = append(b, p...)
				b = appendHex(b, binary.LittleEndian.Uint64(payload[8*i:]))
			}
			b = append(b, `"}`...)
		} else if len(payload) > 0 {
			b = append(b, `,"raw":"`...)
			b = hex.AppendEncode(b, payload)
			b = append(b, '"')
		}
		b = append(b, "}\n"...)
	} else {
		b = appendSeconds(b, t)
		b = append(b, d.bufPrefix...)
		b = appendHex3(b, off)
		b = append(b, d.lpPrefix...)
		b = append(b, n.text...)
		if params {
			for i, p := range n.textParams {
				b = append(b, p...)
				b = appendHex(b, binary.LittleEndian.Uint64(payload[8*i:]))
			}
		} else if len(payload) > 0 {
			b = append(b, " raw="...)
			b = hex.AppendEncode(b, payload)
		}
		b = append(b, '\n')
	}
	d.entries++
	d.out = b
	if len(b) >= outFlushAt {
		return d.flushOut()
	}
	return nil
}

// outFlushAt is when the decoder hands its lines to the writer: in blocks
// larger than the bufio.Writer's buffer, which passes them straight through.
const outFlushAt = 256 << 10

func (d *decoder) flushOut() error {
	_, err := d.w.Write(d.out)
	d.out = d.out[:0]
	return err
}

// flush writes everything decoded so far.
func (d *decoder) flush() error {
	if err := d.flushOut(); err != nil {
		return err
	}
	return d.w.Flush()
}

// appendHex writes v in lower-case hex without leading zeros
// (strconv.AppendUint's output, faster).
func appendHex(b []byte, v uint64) []byte {
	const digits = "0123456789abcdef"
	n := max(1, (bits.Len64(v)+3)/4)
	b = append(b, "0000000000000000"[:n]...)
	for i := len(b) - 1; v != 0; i-- {
		b[i] = digits[v&15]
		v >>= 4
	}
	return b
}

// appendSeconds writes t as seconds with nine decimals, right-aligned in 16
// columns ("    12.000123400s").
func appendSeconds(b []byte, t time.Duration) []byte {
	sec, frac := int64(t/time.Second), uint64(t%time.Second)
	width := 12 // one digit, the point, nine decimals and the unit
	for v := sec; v >= 10; v /= 10 {
		width++
	}
	if width < 16 {
		b = append(b, "    "[:16-width]...)
	}
	b = strconv.AppendInt(b, sec, 10)
	point := len(b)
	b = strconv.AppendUint(b, frac+1_000_000_000, 10) // ten digits, the first a 1
	b[point] = '.'
	return append(b, 's')
}

// appendHex3 writes v in hex with at least three digits.
func appendHex3(b []byte, v int) []byte {
	switch {
	case v < 0x10:
		b = append(b, "00"...)
	case v < 0x100:
		b = append(b, '0')
	}
	return strconv.AppendUint(b, uint64(v), 16)
}

func (d *decoder) statsPage(data []byte) error {
	switch {
	case len(data) < 16+stats.PageSize:
		return fmt.Errorf("a statistics dump is %d bytes, this one %d", 16+stats.PageSize, len(data))
	case len(data) > 16+stats.PageSize:
		return fmt.Errorf("byte %d: trailing bytes after the statistics page", 16+stats.PageSize)
	}
	object := binary.LittleEndian.Uint32(data[12:])
	page := make([]uint64, stats.PageSize/8) // an aligned copy
	mem := unsafe.Slice((*byte)(unsafe.Pointer(&page[0])), stats.PageSize)
	copy(mem, data[16:])
	p, err := stats.Parse(mem, object, hv.StatsGroups[:])
	if err != nil {
		return err
	}
	for _, g := range p.Groups {
		name := fmt.Sprintf("group %d", g.Type)
		var counters []string
		if g.Desc != nil {
			name = g.Desc.Name
			counters = make([]string, g.Counters+1)
			for _, c := range g.Desc.Counters {
				if c.Index <= g.Counters {
					counters[c.Index] = c.Label
				}
			}
		}
		for slot := 1; slot <= g.Counters; slot++ {
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
