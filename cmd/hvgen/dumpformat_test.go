package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
)

// referenceLine is an entry's line made with fmt, the plain way: the fast
// formatter must write exactly this.
func referenceLine(asJSON bool, buf uint32, lp uint8, off int, hdr *eventlog.EntryHeader, payload []byte, t time.Duration) string {
	name, params := fmt.Sprintf("type %#x", hdr.Type), []string(nil)
	for _, e := range hv.EventEntries {
		if e.ID == uint16(hdr.Type) {
			name, params = e.Name, e.Params
		}
	}
	if len(payload) < 8*len(params) {
		params = nil
	}
	var b strings.Builder
	if asJSON {
		fmt.Fprintf(&b, `{"buffer":%d,"offset":%d,"lp":%d,"time_ns":"%d","type":%q,"id":%d,"context":%d`, buf, off, lp, int64(t), name, hdr.Type, hdr.Context)
		for i, p := range params {
			sep := `","`
			if i == 0 {
				sep = `,"params":{"`
			}
			fmt.Fprintf(&b, `%s%s":"0x%x`, sep, p, binary.LittleEndian.Uint64(payload[8*i:]))
		}
		switch {
		case len(params) > 0:
			b.WriteString(`"}`)
		case len(payload) > 0:
			fmt.Fprintf(&b, `,"raw":"%x"`, payload)
		}
		b.WriteString("}\n")
		return b.String()
	}
	secs := fmt.Sprintf("%d.%09ds", t/time.Second, t%time.Second)
	fmt.Fprintf(&b, "%16s  buf %-3d +0x%03x  lp %-2d %-32s", secs, buf, off, lp, name)
	for i, p := range params {
		fmt.Fprintf(&b, " %s=0x%x", p, binary.LittleEndian.Uint64(payload[8*i:]))
	}
	if len(params) == 0 && len(payload) > 0 {
		fmt.Fprintf(&b, " raw=%x", payload)
	}
	b.WriteString("\n")
	return b.String()
}

// The fast formatter writes what fmt writes, for documented and unknown
// types, short and raw payloads, and extreme numbers, line after line into
// the same output (so spare capacity from earlier lines is reused).
func TestFormatterMatchesFmt(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ids := []uint16{0, 0x7777, 0xffff}
	for _, e := range hv.EventEntries {
		ids = append(ids, e.ID)
	}
	u64 := func() uint64 {
		switch rng.IntN(4) {
		case 0:
			return rng.Uint64() >> rng.IntN(64)
		case 1:
			return math.MaxUint64
		case 2:
			return uint64(rng.IntN(17))
		}
		return rng.Uint64()
	}
	for _, asJSON := range []bool{false, true} {
		// No -since or -until: every entry has its line, TSC times past
		// 2^63 ns too (at the largest Duration).
		f := &formatter{json: asJSON}
		var out []byte
		var want strings.Builder
		var buf uint32
		var lp uint8
		for i := range 20000 {
			if i%100 == 0 {
				buf, lp = uint32(u64()), uint8(rng.Uint32())
				f.setPrefixes(buf, lp)
			}
			hdr := &eventlog.EntryHeader{Type: eventlog.EntryType(ids[rng.IntN(len(ids))]), Context: uint32(u64()), TimeStamp: u64()}
			payload := make([]byte, 8*rng.IntN(5))
			for k := range payload {
				payload[k] = byte(rng.Uint32())
			}
			if rng.IntN(3) == 0 {
				for k := 0; k < len(payload); k += 8 {
					binary.LittleEndian.PutUint64(payload[k:], u64())
				}
			}
			off := int(u64() % (1 << 22))
			clock := eventlog.Clock{Basis: eventlog.TimeReference}
			if rng.IntN(2) == 0 {
				clock = eventlog.Clock{Basis: eventlog.TimeTSC, TSCHz: 1 + u64()%4e9}
			}
			out = f.entry(out, off, hdr, payload, clock)
			want.WriteString(referenceLine(asJSON, buf, lp, off, hdr, payload, clock.Duration(hdr.TimeStamp)))
		}
		if got := string(out); got != want.String() {
			g, w := strings.Split(got, "\n"), strings.Split(want.String(), "\n")
			for i := range min(len(g), len(w)) {
				if g[i] != w[i] {
					t.Fatalf("json %v, line %d:\n got %q\nwant %q", asJSON, i, g[i], w[i])
				}
			}
			t.Fatalf("json %v: %d lines, want %d", asJSON, len(g), len(w))
		}
	}
}
