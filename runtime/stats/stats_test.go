package stats_test

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"
	"unsafe"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	"github.com/hvgen/hvgen/generated/linux70"
	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/stats"
)

func vpPage(t *testing.T) (*wdk2013sim.Hypervisor, []byte) {
	t.Helper()
	h := wdk2013sim.New(sim.Config{})
	child := h.CreateChild(h.Root(), wdk2013sim.PrivilegeAccessStats, 8, 1)
	in := &hv.MapStatsPageInput{StatsType: hv.StatsObjectVP, TargetGPAPage: 0x7000}
	in.ObjectIdentity.VP().PartitionID = child.ID()
	if err := hv.NewClient(h.Root().Backend()).MapStatsPage(in); err != nil {
		t.Fatal(err)
	}
	return h, h.Root().Memory(0x7000)
}

func TestSimPage(t *testing.T) {
	h, page := vpPage(t)
	p, err := stats.Parse(page, hv.StatsObjectVP, hv.StatsGroups[:])
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Groups) != 2 || p.Groups[0].Desc == nil || p.Groups[0].Desc.Name != "HV_STATISTICS_TYPE_VPA" || p.Groups[1].NumCounters != 63 {
		t.Fatalf("groups %+v", p.Groups)
	}
	// The generated group-id constants are the reader's group type.
	if p.Groups[0].Type != hv.StatisticsGroupVpaID || p.Groups[1].Type != hv.StatisticsGroupVpvID {
		t.Fatalf("group types %d, %d", p.Groups[0].Type, p.Groups[1].Type)
	}
	before := p.Snapshot(time.Unix(100, 0))
	h.Advance(5_000_000) // half a second of reference time
	after := p.Snapshot(time.Unix(101, 0))
	rate, ok := after.Rate(before, hv.StatisticsGroupVpaID, hv.StatisticsTypeVpaTotalRunTime)
	if !ok || rate != 5_000_000 {
		t.Errorf("total run time rate %v %v", rate, ok)
	}
	if _, ok := p.Counter(hv.StatisticsGroupVpaID, 3); ok {
		t.Error("slot 3 of a two-counter group read as present")
	}
	if _, ok := p.Counter(hv.StatisticsGroupVpiID, 1); ok {
		t.Error("a group the page does not carry read as present")
	}
}

func page(groups ...[4]uint16) []byte {
	mem := make([]uint64, 512)
	b := unsafe.Slice((*byte)(unsafe.Pointer(&mem[0])), 4096)
	off := 0
	for _, g := range groups {
		binary.LittleEndian.PutUint16(b[off:], g[0])
		binary.LittleEndian.PutUint16(b[off+2:], g[1]) // minor
		binary.LittleEndian.PutUint16(b[off+4:], g[2]) // major
		binary.LittleEndian.PutUint16(b[off+6:], g[3])
		off += 8 + int(g[3])
	}
	return b
}

func TestCorruptPages(t *testing.T) {
	obj := hv.StatsObjectVP
	for _, tc := range []struct {
		name   string
		page   []byte
		offset int
		reason string
	}{
		{"length not multiple of 8", page([4]uint16{2, 0, 1, 12}), 0, "not a multiple of 8"},
		{"group past the page", page([4]uint16{2, 0, 1, 8}, [4]uint16{3, 0, 1, 4096}), 16, "runs past the page"},
		{"duplicate group", page([4]uint16{3, 0, 1, 8}, [4]uint16{3, 0, 1, 8}), 16, "appears twice"},
		{"no end of list", func() []byte {
			b := page()
			for i := 0; i < 4096; i += 8 {
				binary.LittleEndian.PutUint16(b[i:], uint16(100+i/8)) // distinct empty groups
				binary.LittleEndian.PutUint16(b[i+4:], 1)
			}
			return b
		}(), 4096, "no end-of-list"},
		{"short page", make([]byte, 4), 0, "4 bytes, shorter than a group header"},
	} {
		_, err := stats.Parse(tc.page, obj, hv.StatsGroups[:])
		var ce *stats.CorruptError
		if !errors.As(err, &ce) || ce.Offset != tc.offset || !contains(ce.Reason, tc.reason) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := stats.Parse(page([4]uint16{2, 0, 2, 16}), obj, hv.StatsGroups[:]); !errors.Is(err, stats.ErrIncompatible) {
		t.Errorf("major 2: %v", err)
	}
	if p, err := stats.Parse(page([4]uint16{2, 5, 1, 16}), obj, hv.StatsGroups[:]); err != nil || len(p.Groups) != 1 {
		t.Errorf("a newer minor version must be accepted: %v", err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func FuzzParse(f *testing.F) {
	f.Add(page([4]uint16{2, 0, 1, 16}, [4]uint16{3, 0, 1, 8})[:64])
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, false) })
}

// FuzzParseFlat is FuzzParse with the linux-7.0 descriptors, which lay a VP
// page out flat.
func FuzzParseFlat(f *testing.F) {
	f.Add(make([]byte, 4096))
	f.Add(make([]byte, 100))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, data, true) })
}

// fuzzParse parses any bytes as a VP page: an error, or groups whose
// counters read the same through Counter and through Counters, each slot
// inside the group and nothing outside it.
func fuzzParse(t *testing.T, data []byte, flat bool) {
	mem := make([]uint64, (len(data)+7)/8+1)
	b := unsafe.Slice((*byte)(unsafe.Pointer(&mem[0])), len(data))
	copy(b, data)
	var p *stats.Page
	var err error
	if flat {
		p, err = stats.Parse(b, linux70.StatsObjectVP, linux70.StatsGroups[:])
	} else {
		p, err = stats.Parse(b, hv.StatsObjectVP, hv.StatsGroups[:])
	}
	if err != nil {
		return
	}
	if p.Flat() != flat {
		t.Fatalf("flat %v, want %v", p.Flat(), flat)
	}
	for _, g := range p.Groups {
		c, ok := p.Counters(g.Type)
		if !ok || c.Len() != g.NumCounters {
			t.Fatalf("group %d: Counters gives %d counters, ok %v; the page %d", g.Type, c.Len(), ok, g.NumCounters)
		}
		for s := 0; s <= g.NumCounters+1; s++ {
			v, ok := p.Counter(g.Type, s)
			w, ok2 := c.Load(s)
			if ok != (s >= 1 && s <= g.NumCounters) || ok2 != ok || v != w {
				t.Fatalf("group %d slot %d: Counter %d %v, Load %d %v", g.Type, s, v, ok, w, ok2)
			}
		}
	}
}

// TestObjectSelectsDescriptors: the same group type means different groups
// on different objects' pages; the object given to Parse picks the
// descriptor.
func TestObjectSelectsDescriptors(t *testing.T) {
	b := page([4]uint16{uint16(hv.StatisticsGroupHvaID), 0, 1, 40})
	for _, tc := range []struct {
		object hv.StatsObjectType
		name   string
	}{
		{hv.StatsObjectHypervisor, "HV_STATISTICS_TYPE_HCA"},
		{hv.StatsObjectLogicalProcessor, "HV_STATISTICS_TYPE_LPA"},
		{hv.StatsObjectVP, "HV_STATISTICS_TYPE_VPA"},
	} {
		p, err := stats.Parse(b, tc.object, hv.StatsGroups[:])
		if err != nil {
			t.Fatalf("%v: %v", tc.object, err)
		}
		if g := p.Groups[0]; g.Desc == nil || g.Desc.Name != tc.name || g.Desc.ID != g.Type {
			t.Errorf("%v: group %+v, want %s", tc.object, g, tc.name)
		}
	}
}

// TestCounterAllocations: reading counters allocates nothing.
func TestCounterAllocations(t *testing.T) {
	_, mem := vpPage(t)
	p, err := stats.Parse(mem, hv.StatsObjectVP, hv.StatsGroups[:])
	if err != nil {
		t.Fatal(err)
	}
	snap := p.Snapshot(time.Unix(1, 0))
	var s uint64
	if n := testing.AllocsPerRun(100, func() {
		for slot := 1; slot <= 64; slot++ {
			v, _ := p.Counter(hv.StatisticsGroupVpvID, slot)
			w, _ := snap.Counter(hv.StatisticsGroupVpaID, slot)
			s += v + w
		}
		c, _ := p.Counters(hv.StatisticsGroupVpvID)
		for slot := range c.Len() + 2 {
			v, _ := c.Load(slot)
			s += v
		}
	}); n != 0 {
		t.Errorf("%v allocations per 128 counter reads", n)
	}
}

var sink uint64

// BenchmarkCounter reads every counter of a VP page by group type and slot,
// next to a plain load of the same words (the ceiling), in one run.
func BenchmarkCounter(b *testing.B) {
	h := wdk2013sim.New(sim.Config{})
	child := h.CreateChild(h.Root(), wdk2013sim.PrivilegeAccessStats, 8, 1)
	in := &hv.MapStatsPageInput{StatsType: hv.StatsObjectVP, TargetGPAPage: 0x7000}
	in.ObjectIdentity.VP().PartitionID = child.ID()
	if err := hv.NewClient(h.Root().Backend()).MapStatsPage(in); err != nil {
		b.Fatal(err)
	}
	mem := h.Root().Memory(0x7000)
	p, err := stats.Parse(mem, hv.StatsObjectVP, hv.StatsGroups[:])
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, g := range p.Groups {
		n += g.NumCounters
	}
	b.Run("counter", func(b *testing.B) {
		b.SetBytes(int64(8 * n))
		b.ReportAllocs()
		for b.Loop() {
			var s uint64
			for _, g := range p.Groups {
				for slot := 1; slot <= g.NumCounters; slot++ {
					v, _ := p.Counter(g.Type, slot)
					s += v
				}
			}
			sink += s
		}
	})
	b.Run("group", func(b *testing.B) {
		b.SetBytes(int64(8 * n))
		b.ReportAllocs()
		for b.Loop() {
			var s uint64
			for _, g := range p.Groups {
				c, _ := p.Counters(g.Type)
				for slot := 1; slot <= c.Len(); slot++ {
					v, _ := c.Load(slot)
					s += v
				}
			}
			sink += s
		}
	})
	b.Run("plain", func(b *testing.B) {
		words := unsafe.Slice((*uint64)(unsafe.Pointer(&mem[0])), len(mem)/8)
		b.SetBytes(int64(8 * n))
		b.ReportAllocs()
		for b.Loop() {
			var s uint64
			for _, g := range p.Groups {
				base := g.Offset / 8
				for slot := 1; slot <= g.NumCounters; slot++ {
					s += words[base+slot]
				}
			}
			sink += s
		}
	})
}

// flatVPPage maps a VP statistics page of a sim laid out flat with
// linux-7.0's VP counters, and returns the sim and the page.
func flatVPPage(t *testing.T) (*wdk2013sim.Hypervisor, []byte) {
	t.Helper()
	var flat []sim.FlatCounter
	for _, g := range linux70.StatsGroups {
		if g.Flat && g.Object == uint32(linux70.StatsObjectVP) {
			for _, c := range g.Counters {
				if c.Arch == "" || c.Arch == "x64" {
					flat = append(flat, sim.FlatCounter{Object: uint32(hv.StatsObjectVP), Index: c.Index, Name: c.Name, Kind: sim.FlatEvents})
				}
			}
		}
	}
	h := wdk2013sim.New(sim.Config{FlatStats: flat, Seed: 3})
	child := h.CreateChild(h.Root(), wdk2013sim.PrivilegeAccessStats, 8, 1)
	in := &hv.MapStatsPageInput{StatsType: hv.StatsObjectVP, TargetGPAPage: 0x7000}
	in.ObjectIdentity.VP().PartitionID = child.ID()
	if err := hv.NewClient(h.Root().Backend()).MapStatsPage(in); err != nil {
		t.Fatal(err)
	}
	return h, h.Root().Memory(0x7000)
}

// TestFlatPage: a page the linux-7.0 descriptors lay out flat is one group
// of type FlatGroup over the whole page, its counters read in place by
// their generated slots, as the sim moves them.
func TestFlatPage(t *testing.T) {
	h, mem := flatVPPage(t)
	p, err := stats.Parse(mem, linux70.StatsObjectVP, linux70.StatsGroups[:])
	if err != nil {
		t.Fatal(err)
	}
	if !p.Flat() || len(p.Groups) != 1 {
		t.Fatalf("flat %v, groups %+v", p.Flat(), p.Groups)
	}
	g := p.Groups[0]
	if g.Type != stats.FlatGroup || g.Offset != 0 || g.NumCounters != 511 || g.Desc == nil || g.Desc.Name != "hv_vp_counters" {
		t.Fatalf("group %+v", g)
	}
	before, _ := p.Counter(stats.FlatGroup, linux70.VPCountersVPTotalRunTime)
	h.Advance(10_000_000)
	after, ok := p.Counter(stats.FlatGroup, linux70.VPCountersVPTotalRunTime)
	if word := binary.LittleEndian.Uint64(mem[8*linux70.VPCountersVPTotalRunTime:]); !ok || after == before || after != word {
		t.Errorf("VpTotalRunTime %d then %d (%v); the page's word says %d", before, after, ok, word)
	}
	c, ok := p.Counters(stats.FlatGroup)
	if v, _ := c.Load(linux70.VPCountersVPTotalRunTime); !ok || c.Len() != 511 || v != after {
		t.Errorf("Counters: %d counters, slot %d = %d", c.Len(), linux70.VPCountersVPTotalRunTime, v)
	}
	if _, ok := p.Counter(stats.FlatGroup, 512); ok {
		t.Error("slot 512 of a 4096-byte page read as present")
	}
	// The same page under the 2013 descriptors is walked as groups: its
	// counters are no group headers, so it is rejected or read otherwise,
	// never as the flat group.
	if q, err := stats.Parse(mem, hv.StatsObjectVP, hv.StatsGroups[:]); err == nil && q.Flat() {
		t.Error("the 2013 descriptors read the page flat")
	}
	// A flat page too short for the descriptor's counters is corrupt.
	if _, err := stats.Parse(mem[:64], linux70.StatsObjectVP, linux70.StatsGroups[:]); err == nil {
		t.Error("a 64-byte flat page was accepted")
	}
}

// TestZeroPage: the zero Page and a nil one have no groups: every read says
// the counter is missing, and nothing panics.
func TestZeroPage(t *testing.T) {
	for name, p := range map[string]*stats.Page{"zero": {}, "nil": nil} {
		if v, ok := p.Counter(hv.StatisticsGroupVpaID, 1); ok || v != 0 {
			t.Errorf("%s: Counter %d %v", name, v, ok)
		}
		if c, ok := p.Counters(stats.FlatGroup); ok || c.Len() != 0 {
			t.Errorf("%s: Counters %d %v", name, c.Len(), ok)
		}
		if p.Flat() {
			t.Errorf("%s: flat", name)
		}
		s := p.Snapshot(time.Unix(1, 0))
		if _, ok := s.Rate(s, hv.StatisticsGroupVpaID, 1); ok {
			t.Errorf("%s: a rate from a snapshot of nothing", name)
		}
	}
	var s stats.Snapshot
	if _, ok := s.Counter(hv.StatisticsGroupVpaID, 1); ok {
		t.Error("zero Snapshot has a counter")
	}
}

// TestMisalignedPage: page memory at an odd address (bytes read from a
// file at any offset) is copied and parsed.
func TestMisalignedPage(t *testing.T) {
	_, mem := vpPage(t)
	odd := make([]byte, len(mem)+1)[1:]
	copy(odd, mem)
	p, err := stats.Parse(odd, hv.StatsObjectVP, hv.StatsGroups[:])
	if err != nil || len(p.Groups) != 2 {
		t.Fatalf("%v", err)
	}
}

// TestDeprecatedNames: the names of the last release still work for one
// more: Page.Group is Page.Counters, Group.Counters is Group.NumCounters.
func TestDeprecatedNames(t *testing.T) {
	_, mem := vpPage(t)
	p, err := stats.Parse(mem, hv.StatsObjectVP, hv.StatsGroups[:])
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range p.Groups {
		old, ok := p.Group(g.Type)
		n := g.Counters
		c, _ := p.Counters(g.Type)
		a, _ := old.Load(1)
		b, _ := c.Load(1)
		if !ok || old.Len() != c.Len() || a != b || n != g.NumCounters {
			t.Errorf("group %d: Group %v, Counters field %d, NumCounters %d", g.Type, ok, n, g.NumCounters)
		}
	}
}
