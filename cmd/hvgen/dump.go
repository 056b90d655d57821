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
	fs := newFlags("dump", "dump [-json] [-type list] [-since d] [-until d] [-stop] [-allow-truncated] [-o file] file|-", stderr)
	asJSON := fs.Bool("json", false, "write JSON lines instead of text (64-bit values as strings, see README)")
	types := fs.String("type", "", "only these entry types (comma-separated HV_TR_* names or numbers)")
	since := fs.Duration("since", 0, "only entries at or after this time since the hypervisor started")
	until := fs.Duration("until", 0, "only entries before this time since the hypervisor started (0: no limit)")
	stop := fs.Bool("stop", false, "stop at the first corrupt buffer instead of skipping it")
	allowTrunc := fs.Bool("allow-truncated", false, "exit 0 when the recording ends inside a chunk (the truncation is still reported)")
	out := fs.String("o", "-", "write to this `file` (- for standard output); a file is replaced only when the run succeeds")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return exitError(2)
	}
	if fs.NArg() != 1 {
		return usageError{"want one dump file (- for standard input)"}
	}
	want, err := entryFilter(*types)
	if err != nil {
		return usageError{err.Error()}
	}
	name := fs.Arg(0)
	var in io.Reader = os.Stdin
	var size int64 = -1
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
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
			return err
		}
		defer outFile.Discard()
		dst = outFile
	}
	w := bufio.NewWriterSize(dst, 256<<10)
	d := newDecoder(w, *asJSON, want, *since, *until, stderr)
	mode := eventlog.Skip
	if *stop {
		mode = eventlog.Stop
	}
	var progress func(int64)
	if isTerminal(stderr) && size > 64<<20 {
		progress = progressLine(stderr, size)
	}
	rr := newRecordingReader(in)
	head, _ := rr.r.Peek(8)
	if string(head) == sim.StatsDumpMagic {
		data, err := io.ReadAll(io.LimitReader(rr.r, 16+stats.PageSize+1))
		if err == nil {
			err = d.statsPage(data)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	} else if err := d.recording(rr, mode, *allowTrunc, progress); err != nil {
		w.Flush() // what was decoded before the problem
		var se *streamError
		if errors.As(err, &se) {
			return fmt.Errorf("%s: %w", name, err)
		}
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if d.corrupt > 0 {
		return exitError(1)
	}
	if outFile != nil {
		return outFile.Commit()
	}
	return nil
}

// progressLine returns a function that shows, at most a few times a second,
// how far into a file of that size the decoder is.
func progressLine(w io.Writer, size int64) func(int64) {
	var last time.Time
	return func(off int64) {
		if now := time.Now(); off == size || now.Sub(last) > 200*time.Millisecond {
			last = now
			fmt.Fprintf(w, "\rdecoded %d of %d MiB (%d%%)", off>>20, size>>20, off*100/max(size, 1))
			if off == size {
				fmt.Fprintln(w)
			}
		}
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
	names        []*entryName // by entry type, made on first use
	corrupt      int
	entries      int64  // entries written
	lost         uint64 // EventsLost of the buffers read
}

func newDecoder(w *bufio.Writer, asJSON bool, want map[uint16]bool, since, until time.Duration, stderr io.Writer) *decoder {
	d := &decoder{w: w, json: asJSON, since: since, until: until, stderr: stderr, names: make([]*entryName, 1<<16)}
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
	text       []byte   // the name padded to its column
	textParams [][]byte // " Name=0x" per parameter
	jsonType   []byte   // `,"type":"NAME","id":N,"context":`
	jsonParams [][]byte // `,"params":{"Name":"0x`, then `","Name":"0x`
	payload    int      // bytes the parameters take
}

func (d *decoder) name(id uint16) *entryName {
	if n := d.names[id]; n != nil {
		return n
	}
	name, params := fmt.Sprintf("type %#x", id), []string(nil)
	for i := range hv.EventEntries {
		if e := &hv.EventEntries[i]; e.ID == id {
			name, params = e.Name, e.Params
		}
	}
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	n := &entryName{text: fmt.Appendf(nil, "%-32s", name), payload: 8 * len(params),
		jsonType: fmt.Appendf(nil, `,"type":%s,"id":%d,"context":`, q(name), id)}
	for i, p := range params {
		n.textParams = append(n.textParams, []byte(" "+p+"=0x"))
		sep := `","`
		if i == 0 {
			sep = `,"params":{"`
		}
		n.jsonParams = append(n.jsonParams, []byte(sep+q(p)[1:]+`:"0x`))
	}
	d.names[id] = n
	return n
}

// recording decodes every chunk of a recording. A corrupt buffer or chunk
// payload is reported and skipped (or ends the run with Stop); a truncated
// stream is reported after every complete buffer is decoded; anything else
// that is not a chunk is an error naming its offset.
func (d *decoder) recording(rr *recordingReader, mode eventlog.OnCorrupt, allowTrunc bool, progress func(int64)) error {
	var seq uint64
	for {
		c, err := rr.next()
		var se *streamError
		switch {
		case err == io.EOF:
			if progress != nil {
				progress(rr.off)
			}
			if d.lost > 0 {
				fmt.Fprintf(d.stderr, "hvgen dump: the buffers report %d events lost\n", d.lost)
			}
			return nil
		case errors.As(err, &se) && se.kind == badPayload:
			if d.report(err, mode) {
				return exitError(1)
			}
			continue
		case errors.As(err, &se) && se.kind == truncated:
			if err := d.w.Flush(); err != nil {
				return err
			}
			if !allowTrunc {
				return fmt.Errorf("truncated recording: %w (the %d complete buffers before it were decoded)", err, rr.chunks)
			}
			fmt.Fprintf(d.stderr, "hvgen dump: truncated recording: %v (the %d complete buffers before it were decoded)\n", err, rr.chunks)
			return nil
		case err != nil:
			return err
		}
		if c.hdr.Sequence != 0 && c.hdr.Sequence != seq+1 {
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
		if progress != nil && rr.chunks%256 == 0 {
			progress(rr.off)
		}
	}
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
	it := b.Entries()
	for {
		e, ok := it.Next()
		if !ok {
			break
		}
		if err := d.entry(idx, h.LogicalProcessor, e.Offset, e.Header, e.Payload, clock); err != nil {
			return err
		}
	}
	return it.Err()
}

// report prints a corruption and says whether the walk stops.
func (d *decoder) report(err error, mode eventlog.OnCorrupt) bool {
	d.corrupt++
	d.w.Flush()
	fmt.Fprintln(d.stderr, "hvgen dump:", err)
	return mode == eventlog.Stop
}

// entry writes one entry as a text or JSON line, appending straight into
// the output buffer.
func (d *decoder) entry(buf uint32, lp uint8, off int, hdr *hv.EventlogEntryHeader, payload []byte, clock eventlog.Clock) error {
	id := hdr.Type
	if d.want != nil && !d.want[id] {
		return nil
	}
	t := clock.Duration(hdr.TimeStamp)
	if t < d.since || d.until > 0 && t >= d.until {
		return nil
	}
	n := d.name(id)
	params := len(n.textParams) > 0 && len(payload) >= n.payload
	b := d.w.AvailableBuffer()
	if d.json {
		b = append(b, `{"buffer":`...)
		b = strconv.AppendUint(b, uint64(buf), 10)
		b = append(b, `,"offset":`...)
		b = strconv.AppendUint(b, uint64(off), 10)
		b = append(b, `,"lp":`...)
		b = strconv.AppendUint(b, uint64(lp), 10)
		b = append(b, `,"time_ns":"`...)
		b = strconv.AppendInt(b, int64(t), 10)
		b = append(b, '"')
		b = append(b, n.jsonType...)
		b = strconv.AppendUint(b, uint64(hdr.Context), 10)
		if params {
			for i, p := range n.jsonParams {
				b = append(b, p...)
				b = strconv.AppendUint(b, binary.LittleEndian.Uint64(payload[8*i:]), 16)
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
		b = append(b, "  buf "...)
		b = appendPadded(b, strconv.AppendUint(b, uint64(buf), 10), 3)
		b = append(b, " +0x"...)
		b = appendHex3(b, off)
		b = append(b, "  lp "...)
		b = appendPadded(b, strconv.AppendUint(b, uint64(lp), 10), 2)
		b = append(b, ' ')
		b = append(b, n.text...)
		if params {
			for i, p := range n.textParams {
				b = append(b, p...)
				b = strconv.AppendUint(b, binary.LittleEndian.Uint64(payload[8*i:]), 16)
			}
		} else if len(payload) > 0 {
			b = append(b, " raw="...)
			b = hex.AppendEncode(b, payload)
		}
		b = append(b, '\n')
	}
	d.entries++
	_, err := d.w.Write(b)
	return err
}

// appendSeconds writes t as seconds with nine decimals, right-aligned in 16
// columns ("    12.000123400s").
func appendSeconds(b []byte, t time.Duration) []byte {
	start := len(b)
	b = strconv.AppendInt(b, int64(t/time.Second), 10)
	frac := int64(t % time.Second)
	b = append(b, '.')
	for div := int64(100_000_000); div > 0; div /= 10 {
		b = append(b, byte('0'+frac/div%10))
	}
	b = append(b, 's')
	if pad := 16 - (len(b) - start); pad > 0 {
		b = append(b, "                "[:pad]...)
		copy(b[start+pad:], b[start:len(b)-pad])
		copy(b[start:start+pad], "                ")
	}
	return b
}

// appendPadded pads what was appended at the end of b (grown from b) with
// spaces to width columns; withNum is b with the number appended.
func appendPadded(b, withNum []byte, width int) []byte {
	for n := len(withNum) - len(b); n < width; n++ {
		withNum = append(withNum, ' ')
	}
	return withNum
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
