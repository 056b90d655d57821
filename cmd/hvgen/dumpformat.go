package main

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/bits"
	"slices"
	"time"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/runtime/recording"
)

// formatter turns the entries of a buffer into text or JSON lines (or, with
// counts, only counts them). Each decoding goroutine has its own.
//
// A line is written into spare capacity of the output, which entry makes
// sure is there first: fixed parts are copied 32 bytes at a time from
// fragments prepared per type and per buffer (padded to 32 bytes), numbers
// are written in place. That keeps the per-entry work free of calls into
// strconv and of memmove for short copies; TestFormatterMatchesFmt checks
// the lines against ones made with fmt.
type formatter struct {
	json         bool
	want         []bool // by entry type; nil: every type (shared, read only)
	since, until time.Duration
	counts       []int64         // with -summary: entries by type
	entries      int64           // entries written (or counted)
	lost         uint64          // EventsLost of the buffers read
	names        [256]*entryName // by entry type, made on first use (every documented type is below 256)
	otherNames   map[uint16]*entryName
	buf          eventlog.Buffer // the buffer being read, reused (Reset allocates nothing)
	bufPrefix    []byte          // what goes before an entry's offset, for the current buffer (padded)
	lpPrefix     []byte          // what goes between the offset and the time (padded)
}

// entryName is what is written for every entry of one type, prepared once.
// The byte fragments are padded (see pad).
type entryName struct {
	quoted     string   // the name as a JSON string
	text       []byte   // the name padded to its column
	textParams [][]byte // " Name=0x" per parameter
	jsonType   []byte   // `","type":"NAME","id":N,"context":` (the quote ends time_ns)
	jsonParams [][]byte // `,"params":{"Name":"0x`, then `","Name":"0x`
	payload    int      // bytes the parameters take
	room       int      // the most bytes a line of this type writes, raw payloads aside
}

// pad returns a copy of s whose capacity is a multiple of 32, so that put
// may copy whole 32-byte blocks from it.
func pad(s []byte) []byte {
	p := make([]byte, len(s), (len(s)+31)&^31)
	copy(p, s)
	return p
}

// room is what put writes for s, at most.
func room(s []byte) int { return (len(s) + 31) &^ 31 }

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
	n := &entryName{quoted: q(name), text: pad(fmt.Appendf(nil, "%-32s", name)), payload: 8 * len(params),
		jsonType: pad(fmt.Appendf(nil, `","type":%s,"id":%d,"context":`, q(name), id))}
	for i, p := range params {
		n.textParams = append(n.textParams, pad([]byte(" "+p+"=0x")))
		sep := `","`
		if i == 0 {
			sep = `,"params":{"`
		}
		n.jsonParams = append(n.jsonParams, pad([]byte(sep+q(p)[1:]+`:"0x`)))
	}
	// Fragments, 16 bytes per parameter value, and 32 for each other
	// number, separator and the end of the line.
	n.room = room(n.text) + room(n.jsonType) + 16*len(params) + 32*8
	for i := range params {
		n.room += max(room(n.textParams[i]), room(n.jsonParams[i]))
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

// buffer appends the lines of one buffer's entries to out; the error says
// what ended them (the chunk named), if anything did. It is the one place
// that uses the eventlog reader API.
func (f *formatter) buffer(c *recording.Chunk, out []byte) ([]byte, error) {
	b := &f.buf
	if err := c.Buffer(b); err != nil {
		return out, err
	}
	if st := b.State(); st == eventlog.StateStandby || st == eventlog.StateFree {
		return out, nil // nothing to read (format-1 snapshots hold every buffer)
	}
	h := b.Header()
	idx := h.BufferIndex
	f.lost += uint64(h.EventsLost)
	clock := c.Group.Clock()
	corrupt := func(err error) error {
		return &recording.Error{Offset: c.Offset, Err: err, Detail: fmt.Sprintf("chunk %d: %v", c.Sequence, err)}
	}
	if f.counts != nil && f.want == nil && f.since == 0 && f.until == 0 {
		// -summary of every entry: no filter, and no time to convert
		// (Clock.Duration is never below zero).
		for e, err := range b.All() {
			if err != nil {
				return out, corrupt(err)
			}
			f.counts[e.Header.Type]++
			f.entries++
		}
		return out, nil
	}
	f.setPrefixes(idx, h.LogicalProcessor)
	for e, err := range b.All() {
		if err != nil {
			return out, corrupt(err)
		}
		out = f.entry(out, e.Offset, e.Header, e.Payload, clock)
	}
	return out, nil
}

// setPrefixes prepares the parts of a line that are the same for every
// entry of a buffer.
func (f *formatter) setPrefixes(buf uint32, lp uint8) {
	if f.json {
		f.bufPrefix = fmt.Appendf(f.bufPrefix[:0], `{"buffer":%d,"offset":`, buf)
		f.lpPrefix = fmt.Appendf(f.lpPrefix[:0], `,"lp":%d,"time_ns":"`, lp)
	} else {
		f.bufPrefix = fmt.Appendf(f.bufPrefix[:0], "  buf %-3d +0x", buf)
		f.lpPrefix = fmt.Appendf(f.lpPrefix[:0], "  lp %-2d ", lp)
	}
	f.bufPrefix = slices.Grow(f.bufPrefix, room(f.bufPrefix)-len(f.bufPrefix))
	f.lpPrefix = slices.Grow(f.lpPrefix, room(f.lpPrefix)-len(f.lpPrefix))
}

// entry appends one entry as a text or JSON line.
func (f *formatter) entry(b []byte, off int, hdr *eventlog.EntryHeader, payload []byte, clock eventlog.Clock) []byte {
	id := uint16(hdr.Type)
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
	n := f.names[uint8(id)] // the usual case, inline
	if id >= 256 || n == nil {
		n = f.name(id)
	}
	params := len(n.textParams) > 0 && len(payload) >= n.payload
	need := n.room + room(f.bufPrefix) + room(f.lpPrefix)
	if cap(b)-len(b) < need {
		b = slices.Grow(b, need)
	}
	// From here to the raw payload, p is the end of the line and b is
	// extended to its capacity, with need bytes free after p.
	p := len(b)
	b = b[:cap(b)]
	if f.json {
		p = put(b, p, f.bufPrefix)
		p = putUint(b, p, uint64(off))
		p = put(b, p, f.lpPrefix)
		p = putUint(b, p, uint64(t))
		p = put(b, p, n.jsonType)
		p = putUint(b, p, uint64(hdr.Context))
		if params {
			for i, frag := range n.jsonParams {
				p = put(b, p, frag)
				p = putHex(b, p, binary.LittleEndian.Uint64(payload[8*i:]), 1)
			}
			return append(b[:p], "\"}}\n"...)
		} else if len(payload) > 0 {
			b = append(b[:p], `,"raw":"`...)
			b = hex.AppendEncode(b, payload)
			return append(b, "\"}\n"...)
		}
		return append(b[:p], "}\n"...)
	}
	p = putSeconds(b, p, t) // Clock.Duration is never below zero
	p = put(b, p, f.bufPrefix)
	p = putHex(b, p, uint64(off), 3)
	p = put(b, p, f.lpPrefix)
	p = put(b, p, n.text)
	if params {
		for i, frag := range n.textParams {
			p = put(b, p, frag)
			p = putHex(b, p, binary.LittleEndian.Uint64(payload[8*i:]), 1)
		}
	} else if len(payload) > 0 {
		b = append(b[:p], " raw="...)
		b = hex.AppendEncode(b, payload)
		return append(b, '\n')
	}
	return append(b[:p], '\n')
}

// put copies a padded fragment to b[p:] in 32-byte blocks and returns the
// end of its bytes; b must have room(s) bytes from p.
func put(b []byte, p int, s []byte) int {
	le := binary.LittleEndian // four words: an inline copy, where an array assignment calls memmove
	for i := 0; i < len(s); i += 32 {
		d, w := b[p+i:p+i+32], s[i:i+32]
		le.PutUint64(d, le.Uint64(w))
		le.PutUint64(d[8:], le.Uint64(w[8:]))
		le.PutUint64(d[16:], le.Uint64(w[16:]))
		le.PutUint64(d[24:], le.Uint64(w[24:]))
	}
	return p + len(s)
}

// pow10 are the powers of ten that fit in 64 bits.
var pow10 = [20]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// putUint writes v in decimal (strconv.AppendUint's digits) at b[p:], which
// has room for 24 bytes, and returns the end. Below 10^16 it works eight
// digits at a time (digits8).
func putUint(b []byte, p int, v uint64) int {
	le := binary.LittleEndian
	if v < 1e8 {
		n := decimalLen(v)
		le.PutUint64(b[p:p+8], digits8(v)>>(8*(8-n)))
		return p + n
	}
	if v < 1e10 { // two digits, then eight (32-bit values are below 4.3e9)
		hi, lo := v/1e8, v%1e8
		if hi < 10 {
			b[p] = byte('0' + hi)
			le.PutUint64(b[p+1:p+9], digits8(lo))
			return p + 9
		}
		b[p], b[p+1] = byte('0'+hi/10), byte('0'+hi%10)
		le.PutUint64(b[p+2:p+10], digits8(lo))
		return p + 10
	}
	if v < 1e16 {
		hi, lo := v/1e8, v%1e8
		n := decimalLen(hi)
		le.PutUint64(b[p:p+8], digits8(hi)>>(8*(8-n)))
		le.PutUint64(b[p+n:p+n+8], digits8(lo))
		return p + n + 8
	}
	hi, lo := v/1e16, v%1e16 // hi below 1845: four digits at most
	n := decimalLen(hi)
	le.PutUint64(b[p:p+8], digits8(hi)>>(8*(8-n)))
	le.PutUint64(b[p+n:p+n+8], digits8(lo/1e8))
	le.PutUint64(b[p+n+8:p+n+16], digits8(lo%1e8))
	return p + n + 16
}

// decimalLen is how many decimal digits v has (1 for 0).
func decimalLen(v uint64) int {
	n := bits.Len64(v) * 1233 >> 12 // log10 from log2, too small by at most one
	if v >= pow10[n] {
		n++
	}
	return max(n, 1)
}

// digits8 is x (below 10^8) as eight decimal digits with leading zeros,
// the first in the lowest byte: the halves, quarters and digits are split
// in lanes of one word, dividing by 100 and by 10 with multiplications that
// are exact in that range.
func digits8(x uint64) uint64 {
	y := x/10000 | x%10000<<32                    // abcd, efgh in 32-bit lanes
	z := y * 10486 >> 20 & 0x0000007f0000007f     // ab, ef
	y = z | (y-z*100)<<16                         // ab, cd, ef, gh in 16-bit lanes
	z = y * 103 >> 10 & 0x000f000f000f000f        // a, c, e, g
	return (z | (y-z*10)<<8) + 0x3030303030303030 // a, b, c, ... h in bytes
}

// putHex writes v in lower-case hex without leading zeros, but at least
// digits digits (1 to 16), at b[p:], which has room for 16 bytes, and
// returns the end. The digits are made eight at a time in a word.
func putHex(b []byte, p int, v uint64, digits int) int {
	n := max(digits, (bits.Len64(v)+3)/4)
	s := v << (64 - 4*n) // the n digits at the top
	binary.BigEndian.PutUint64(b[p:p+8], hex8(uint32(s>>32)))
	if n > 8 {
		binary.BigEndian.PutUint64(b[p+8:p+16], hex8(uint32(s)))
	}
	return p + n
}

// hex8 is x as eight hex digits, the first in the top byte.
func hex8(x uint32) uint64 {
	v := uint64(x)
	v = (v | v<<16) & 0x0000ffff0000ffff
	v = (v | v<<8) & 0x00ff00ff00ff00ff
	v = (v | v<<4) & 0x0f0f0f0f0f0f0f0f // one nibble a byte
	letters := (v + 0x0606060606060606) >> 4 & 0x0101010101010101
	return v + 0x3030303030303030 + letters*('a'-'0'-10)
}

// putSeconds writes t (not below zero) as seconds with nine decimals,
// right-aligned in 16 columns ("    12.000123400s"), at b[p:], which has room
// for 32 bytes.
func putSeconds(b []byte, p int, t time.Duration) int {
	sec, frac := uint64(t/time.Second), uint64(t%time.Second)
	pad := 0 // to 16 columns: 4 spaces for one digit of seconds, none for five
	switch {
	case sec < 10:
		pad = 4
	case sec < 100:
		pad = 3
	case sec < 1000:
		pad = 2
	case sec < 10000:
		pad = 1
	}
	copy(b[p:p+4], "    ")
	p += pad
	p = putUint(b, p, sec)
	b[p] = '.'
	q := frac / 10
	binary.LittleEndian.PutUint64(b[p+1:p+9], digits8(q))
	b[p+9] = byte('0' + frac - 10*q)
	b[p+10] = 's'
	return p + 11
}
