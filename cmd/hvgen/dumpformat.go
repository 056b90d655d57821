package main

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/bits"
	"strconv"
	"time"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
)

// formatter turns the entries of a buffer into text or JSON lines (or, with
// counts, only counts them). Each decoding goroutine has its own.
type formatter struct {
	json         bool
	want         []bool // by entry type; nil: every type (shared, read only)
	since, until time.Duration
	counts       []int64         // with -summary: entries by type
	entries      int64           // entries written (or counted)
	lost         uint64          // EventsLost of the buffers read
	names        [256]*entryName // by entry type, made on first use (every documented type is below 256)
	otherNames   map[uint16]*entryName
	bufPrefix    []byte // what goes before an entry's offset, for the current buffer
	lpPrefix     []byte // what goes between the offset and the time
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

func (f *formatter) name(id uint16) *entryName {
	if id < 256 && f.names[id] != nil {
		return f.names[id]
	}
	if n := f.otherNames[id]; n != nil {
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
		f.names[id] = n
	} else {
		if f.otherNames == nil {
			f.otherNames = map[uint16]*entryName{}
		}
		f.otherNames[id] = n
	}
	return n
}

// buffer appends the lines of one buffer's entries to out; the error is
// the *eventlog.CorruptError that ended them, if any. It is the one place
// that uses the eventlog reader API.
func (f *formatter) buffer(c chunk, out []byte) ([]byte, error) {
	idx := binary.LittleEndian.Uint32(c.mem[4:]) // the header's BufferIndex
	b, err := eventlog.NewBuffer(c.mem, idx, c.hdr.Type, c.hdr.Length)
	if err != nil {
		return out, err
	}
	if st := b.State(); st == hv.EventLogBufferStateStandby || st == hv.EventLogBufferStateFree {
		return out, nil // nothing to read (format-1 snapshots hold every buffer)
	}
	h := b.Header()
	f.lost += uint64(h.EventsLost)
	clock := eventlog.Clock{Basis: c.hdr.TimeBasis, TSCHz: c.hdr.TSCHz}
	f.setPrefixes(idx, h.LogicalProcessor)
	it := b.Entries()
	for {
		e, ok := it.Next()
		if !ok {
			break
		}
		out = f.entry(out, e.Offset, e.Header, e.Payload, clock)
	}
	return out, it.Err()
}

// setPrefixes prepares the parts of a line that are the same for every
// entry of a buffer.
func (f *formatter) setPrefixes(buf uint32, lp uint8) {
	if f.json {
		f.bufPrefix = fmt.Appendf(f.bufPrefix[:0], `{"buffer":%d,"offset":`, buf)
		f.lpPrefix = fmt.Appendf(f.lpPrefix[:0], `,"lp":%d,"time_ns":"`, lp)
		return
	}
	f.bufPrefix = fmt.Appendf(f.bufPrefix[:0], "  buf %-3d +0x", buf)
	f.lpPrefix = fmt.Appendf(f.lpPrefix[:0], "  lp %-2d ", lp)
}

// entry appends one entry as a text or JSON line.
func (f *formatter) entry(b []byte, off int, hdr *hv.EventlogEntryHeader, payload []byte, clock eventlog.Clock) []byte {
	id := hdr.Type
	if f.want != nil && !f.want[id] {
		return b
	}
	t := clock.Duration(hdr.TimeStamp)
	if t < f.since || f.until > 0 && t >= f.until {
		return b
	}
	f.entries++
	if f.counts != nil {
		f.counts[id]++
		return b
	}
	n := f.name(id)
	params := len(n.textParams) > 0 && len(payload) >= n.payload
	if f.json {
		b = append(b, f.bufPrefix...)
		b = strconv.AppendUint(b, uint64(off), 10)
		b = append(b, f.lpPrefix...)
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
		return append(b, "}\n"...)
	}
	b = appendSeconds(b, t)
	b = append(b, f.bufPrefix...)
	b = appendHex3(b, off)
	b = append(b, f.lpPrefix...)
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
	return append(b, '\n')
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
