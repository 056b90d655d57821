package main

import (
	"bufio"
	"encoding/binary"
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

// runDump decodes an event-log buffer dump or a statistics page dump (the
// formats runtime/sim writes) to text or JSON lines.
func runDump(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("dump", "dump [-json] [-type list] [-since d] [-until d] [-stop] file", stderr)
	asJSON := fs.Bool("json", false, "write JSON lines instead of text")
	types := fs.String("type", "", "only these entry types (comma-separated HV_TR_* names or numbers)")
	since := fs.Duration("since", 0, "only entries at or after this time since the hypervisor started")
	until := fs.Duration("until", 0, "only entries before this time since the hypervisor started (0: no limit)")
	stop := fs.Bool("stop", false, "stop at the first corrupt buffer instead of skipping it")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return exitError(2)
	}
	if fs.NArg() != 1 {
		return usageError{"want one dump file"}
	}
	want, err := entryFilter(*types)
	if err != nil {
		return usageError{err.Error()}
	}
	data, closeFn, err := mapFile(fs.Arg(0))
	if err != nil {
		return err
	}
	defer closeFn()
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	d := &decoder{w: w, json: *asJSON, want: want, since: *since, until: *until, stderr: stderr}
	switch {
	case len(data) >= 8 && string(data[:8]) == sim.DumpMagic:
		mode := eventlog.Skip
		if *stop {
			mode = eventlog.Stop
		}
		return d.eventLog(data, mode, isTerminal(stderr) && len(data) > 64<<20)
	case len(data) >= 8 && string(data[:8]) == sim.StatsDumpMagic:
		return d.statsPage(data)
	}
	return fmt.Errorf("%s: not an hvgen event-log or statistics dump", fs.Arg(0))
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
	want         map[uint16]bool
	since, until time.Duration
	stderr       io.Writer
	corrupt      int
}

// entryJSON is one line of -json output for an event-log entry.
type entryJSON struct {
	Buffer  uint32            `json:"buffer"`
	Offset  int               `json:"offset"`
	LP      uint8             `json:"lp"`
	TimeNS  int64             `json:"time_ns"`
	Type    string            `json:"type"`
	ID      uint16            `json:"id"`
	Context uint32            `json:"context"`
	Params  map[string]uint64 `json:"params,omitempty"`
	Raw     string            `json:"raw,omitempty"` // payload in hex for an undocumented type
}

func (d *decoder) eventLog(data []byte, mode eventlog.OnCorrupt, progress bool) error {
	if len(data) < sim.DumpHeaderSize {
		return errors.New("dump: truncated header")
	}
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(data[off:]) }
	if v := u32(8); v != 1 {
		return fmt.Errorf("dump: format version %d, this hvgen reads 1", v)
	}
	typ, size, count := hv.EventlogType(u32(12)), int(u32(16)), int(u32(20))
	clock := eventlog.Clock{Basis: hv.EventlogEntryTimeBasis(u32(24)), TSCHz: binary.LittleEndian.Uint64(data[32:])}
	if size < eventlog.HeaderSize || size%8 != 0 || (len(data)-sim.DumpHeaderSize)/size < count {
		return fmt.Errorf("dump: %d buffers of %d bytes do not fit the %d bytes after the header", count, size, len(data)-sim.DumpHeaderSize)
	}
	names := map[uint16]*entryName{}
	for i := range hv.EventEntries {
		e := &hv.EventEntries[i]
		names[e.ID] = &entryName{name: e.Name, params: e.Params}
	}
	for i := range count {
		mem := data[sim.DumpHeaderSize+i*size : sim.DumpHeaderSize+(i+1)*size]
		idx := binary.LittleEndian.Uint32(mem[4:])
		b, err := eventlog.NewBuffer(mem, idx, typ, size)
		if err == nil && b.State() == hv.EventLogBufferStateStandby {
			continue // never used
		}
		if err != nil {
			if d.report(err, mode) {
				return err
			}
			continue
		}
		lp := b.Header().LogicalProcessor
		it := b.Entries()
		for {
			e, ok := it.Next()
			if !ok {
				break
			}
			if err := d.entry(b.Index(), lp, e, clock, names); err != nil {
				return err
			}
		}
		if it.Err() != nil && d.report(it.Err(), mode) {
			return it.Err()
		}
		if progress && i%64 == 0 {
			fmt.Fprintf(d.stderr, "\rdecoded %d/%d buffers", i+1, count)
		}
	}
	if progress {
		fmt.Fprintf(d.stderr, "\rdecoded %d/%d buffers\n", count, count)
	}
	if d.corrupt > 0 {
		return exitError(1)
	}
	return nil
}

type entryName struct {
	name   string
	params []string
}

// report prints a corruption and says whether the walk stops.
func (d *decoder) report(err error, mode eventlog.OnCorrupt) bool {
	d.corrupt++
	fmt.Fprintln(d.stderr, "hvgen dump:", err)
	return mode == eventlog.Stop
}

func (d *decoder) entry(buf uint32, lp uint8, e eventlog.Entry, clock eventlog.Clock, names map[uint16]*entryName) error {
	id := e.Header.Type
	if d.want != nil && !d.want[id] {
		return nil
	}
	t := clock.Duration(e.Header.TimeStamp)
	if t < d.since || d.until > 0 && t >= d.until {
		return nil
	}
	n := names[id]
	name := fmt.Sprintf("type %#x", id)
	if n != nil {
		name = n.name
	}
	if d.json {
		j := entryJSON{Buffer: buf, Offset: e.Offset, LP: lp, TimeNS: int64(t), Type: name, ID: id, Context: e.Header.Context}
		if n != nil && len(e.Payload) >= 8*len(n.params) {
			j.Params = map[string]uint64{}
			for i, p := range n.params {
				j.Params[p] = binary.LittleEndian.Uint64(e.Payload[8*i:])
			}
		} else if len(e.Payload) > 0 {
			j.Raw = fmt.Sprintf("%x", e.Payload)
		}
		line, err := json.Marshal(j)
		if err != nil {
			return err
		}
		d.w.Write(line)
		return d.w.WriteByte('\n')
	}
	fmt.Fprintf(d.w, "%14s  buf %-3d +%#05x  lp %-2d %-32s", t, buf, e.Offset, lp, name)
	if n != nil && len(e.Payload) >= 8*len(n.params) {
		for i, p := range n.params {
			fmt.Fprintf(d.w, " %s=%#x", p, binary.LittleEndian.Uint64(e.Payload[8*i:]))
		}
	} else if len(e.Payload) > 0 {
		fmt.Fprintf(d.w, " raw=%x", e.Payload)
	}
	return d.w.WriteByte('\n')
}

func (d *decoder) statsPage(data []byte) error {
	if len(data) != 16+stats.PageSize {
		return fmt.Errorf("dump: a statistics dump is %d bytes, this one %d", 16+stats.PageSize, len(data))
	}
	object := binary.LittleEndian.Uint32(data[12:])
	page := make([]uint64, stats.PageSize/8) // an aligned copy
	mem := unsafe.Slice((*byte)(unsafe.Pointer(&page[0])), stats.PageSize)
	copy(mem, data[16:])
	p, err := stats.Parse(mem, hv.StatsObjectType(object), hv.StatsGroups[:])
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
					"version": fmt.Sprintf("%d.%d", g.Major, g.Minor), "slot": slot, "counter": label, "value": v})
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
