package sim

import (
	"encoding/binary"
	"math/rand/v2"
	"sort"
	"sync/atomic"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// FlatCounter is one counter of a flat statistics page. A flat page is the
// layout of the linux-7.0 hv_stats_page: one array of 64-bit counters where
// counter i is slot i, with no group headers. With Config.FlatStats the sim
// lays every page out that way; its hypercalls stay the 2013 ones.
type FlatCounter struct {
	Object uint32 // the HV_STATS_OBJECT_TYPE value whose pages have it
	Index  int    // its slot, 1 to 511
	Name   string
	Kind   FlatKind
}

// FlatKind says how a flat-page counter moves.
type FlatKind uint8

// How flat-page counters move. Every value is a function of the seed, the
// object and the reference time since the object was created, so two runs
// that advance time alike see the same numbers; except the counters
// statSources names, which show the sim's state (run time, hypercalls,
// intercepts, VPs, pages) whatever their kind.
const (
	FlatEvents FlatKind = iota // counts events: grows at 1 to 20000 per second
	FlatTime                   // counts 100 ns units: grows by 1/65536 to 1/1024 of the time passed
	FlatGauge                  // a level: a value below 1000, unless the sim knows the real one
	// FlatZero is a level the sim does not model and that a random value
	// would make implausible (pages mapped with large pages, device pages):
	// zero, unless the sim knows the real one.
	FlatZero
)

// statsPage is an object's statistics page: in the documented 2013 format,
// groups of 64-bit slots, each group's slot 0 its HV_STATISTICS_GROUP_HEADER,
// then an end-of-list header (all zero); or flat (see FlatCounter).
type statsPage struct {
	mem  []byte              // 8-byte aligned: counters are written atomically, as readers load them
	src  [numSources][]int32 // byte offsets of the counters that show the sim's state (see statSources)
	born uint64              // reference time at creation
	flat []flatSlot          // the flat-page counters that move on their own
}

type flatSlot struct {
	off  int
	kind FlatKind
	rate uint64
}

func (h *Hypervisor) newStatsPage(obj hv.StatsObjectType, partition hv.PartitionID, index uint32) *statsPage {
	words := make([]uint64, hvPageSize/8)
	p := &statsPage{mem: unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), hvPageSize), born: h.now.Load()}
	if h.cfg.FlatStats != nil {
		for _, c := range h.cfg.FlatStats {
			if c.Object != uint32(obj) || c.Index < 1 || c.Index >= hvPageSize/8 {
				continue
			}
			off := 8 * c.Index
			if src := sourceOf(obj, c.Name); src != srcNone {
				p.src[src] = append(p.src[src], int32(off))
				continue // the sim's state moves it
			}
			r := rand.NewPCG(h.cfg.Seed, uint64(obj)<<40^uint64(partition)<<24^uint64(index)<<12^uint64(c.Index)).Uint64()
			fs := flatSlot{off: off, kind: c.Kind}
			switch c.Kind {
			case FlatTime:
				fs.rate = 1 + r%64
			case FlatEvents:
				fs.rate = 1 + r%20000
			case FlatZero:
				continue
			default:
				fs.rate = r % 1000
				p.store(off, fs.rate)
			}
			p.flat = append(p.flat, fs)
		}
		return p
	}
	off := 0
	for i := range hv.StatsGroups {
		g := &hv.StatsGroups[i]
		if g.Object != uint32(obj) || !g.HasID {
			continue
		}
		n := 0
		for _, c := range g.Counters {
			n = max(n, c.Index)
		}
		h := (*hv.StatisticsGroupHeader)(unsafe.Pointer(&p.mem[off]))
		h.Type = hv.StatisticsGroupType(g.ID)
		h.Version = hv.StatisticsGroupVersion{Major: g.Major, Minor: g.Minor}
		h.Length = hv.StatisticsGroupLength(8 * n)
		for _, c := range g.Counters {
			if src := sourceOf(obj, c.Name); src != srcNone {
				p.src[src] = append(p.src[src], int32(off+8*c.Index))
			}
		}
		off += 8 * (n + 1)
	}
	return p // the rest of the page is zero: the end-of-list header
}

func (p *statsPage) word(off int) *uint64 { return (*uint64)(unsafe.Pointer(&p.mem[off])) }

func (p *statsPage) store(off int, v uint64) { atomic.StoreUint64(p.word(off), v) }

// put sets the counters that show src to v.
func (p *statsPage) put(src statSource, v uint64) {
	for _, off := range p.src[src] {
		p.store(int(off), v)
	}
}

// moveFlat sets the flat-page counters for the reference time now.
func (p *statsPage) moveFlat(now uint64) {
	elapsed := now - p.born
	for _, s := range p.flat {
		switch s.kind {
		case FlatTime:
			p.store(s.off, elapsed/65536*s.rate+elapsed%65536*s.rate/65536)
		case FlatEvents:
			p.store(s.off, elapsed/10_000_000*s.rate+elapsed%10_000_000*s.rate/10_000_000)
		}
	}
}

// tickStats brings every page up to the reference time: the flat-page
// counters that move with time, the run and wait times (moved by tickVPs)
// and the levels.
func (h *Hypervisor) tickStats() {
	now := h.now.Load()
	for _, p := range h.partitions {
		p.stats.moveFlat(now)
		h.syncLevels(p)
		for _, v := range p.vp {
			v.stats.moveFlat(now)
			run := v.runTime.Load()
			v.stats.put(srcVPRunTime, run)
			v.stats.put(srcVPHypervisorRunTime, run/10)
			if s := h.sched.vps[v]; s != nil {
				v.stats.put(srcVPWaitTime, s.wait)
			}
		}
	}
	for i, lp := range h.lpStats {
		lp.moveFlat(now)
		lp.put(srcLPGlobalTime, now)
		if i < len(h.sched.lps) {
			t := h.sched.lps[i]
			lp.put(srcLPRunTime, t.run)
			lp.put(srcLPHypervisorRunTime, t.hypervisor)
			lp.put(srcLPIdleTime, now-min(now, t.run))
		}
	}
	h.hvStats.moveFlat(now)
	h.syncLevels(nil)
}

// StatsObject names an object that has a statistics page.
type StatsObject struct {
	Type      hv.StatsObjectType
	Partition hv.PartitionID // for partition and VP objects
	Index     uint32         // LP or VP index
}

// StatsObjects appends to buf the objects that have statistics pages now:
// the hypervisor, each logical processor, then each active partition by id,
// each followed by its VPs.
func (h *Hypervisor) StatsObjects(buf []StatsObject) []StatsObject {
	h.mu.Lock()
	defer h.mu.Unlock()
	buf = append(buf, StatsObject{Type: hv.StatsObjectHypervisor})
	for i := range h.lpStats {
		buf = append(buf, StatsObject{Type: hv.StatsObjectLogicalProcessor, Index: uint32(i)})
	}
	ids := make([]hv.PartitionID, 0, len(h.partitions))
	for id, p := range h.partitions {
		if p.active {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		buf = append(buf, StatsObject{Type: hv.StatsObjectPartition, Partition: id})
		vps := h.partitions[id].vp
		for i := range hv.VPIndex(maxVPs) {
			if vps[i] != nil {
				buf = append(buf, StatsObject{Type: hv.StatsObjectVP, Partition: id, Index: uint32(i)})
			}
		}
	}
	return buf
}

// ReadStatsPage copies the statistics page of an object into dst (4096
// bytes), as the hypervisor shows it to whoever maps it, and reports
// whether the object exists. It reads any object's page, the root
// partition's included, without mapping it.
func (h *Hypervisor) ReadStatsPage(o StatsObject, dst []byte) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	var p *statsPage
	switch o.Type {
	case hv.StatsObjectHypervisor:
		p = h.hvStats
	case hv.StatsObjectLogicalProcessor:
		if int(o.Index) < len(h.lpStats) {
			p = h.lpStats[o.Index]
		}
	case hv.StatsObjectPartition, hv.StatsObjectVP:
		t := h.partitions[o.Partition]
		switch {
		case t == nil:
		case o.Type == hv.StatsObjectPartition:
			p = t.stats
		case o.Index < maxVPs && t.vp[hv.VPIndex(o.Index)] != nil:
			p = t.vp[hv.VPIndex(o.Index)].stats
		}
	}
	if p == nil || len(dst) < hvPageSize {
		return false
	}
	for off := 0; off < hvPageSize; off += 8 {
		binary.LittleEndian.PutUint64(dst[off:], atomic.LoadUint64(p.word(off)))
	}
	return true
}

// statsKey names a statistics object.
type statsKey struct {
	typ       hv.StatsObjectType
	partition hv.PartitionID
	index     uint32 // LP or VP index
}

// statsObject runs the checks both statistics calls share, in the order that
// reveals least to a caller without rights, and returns the object's page.
func (h *Hypervisor) statsObject(p *Partition, typ hv.StatsObjectType, id *hv.StatsObjectIdentity) (statsKey, *statsPage, *Partition, hv.Status) {
	key := statsKey{typ: typ}
	if p.Privileges&PrivilegeAccessStats == 0 {
		return key, nil, nil, hv.StatusAccessDenied
	}
	switch typ {
	case hv.StatsObjectHypervisor, hv.StatsObjectLogicalProcessor:
		if !p.isRoot() {
			return key, nil, nil, hv.StatusAccessDenied
		}
		if typ == hv.StatsObjectHypervisor {
			x := id.Hypervisor()
			if x.ReservedZ0|uint64(x.ReservedZ1)|uint64(x.ReservedZ2)|uint64(x.ReservedZ3)|uint64(x.ReservedZ4) != 0 {
				return key, nil, nil, hv.StatusInvalidParameter
			}
			return key, h.hvStats, nil, hv.StatusSuccess
		}
		x := id.LogicalProcessor()
		if uint64(x.ReservedZ0)|uint64(x.ReservedZ1)|uint64(x.ReservedZ2)|uint64(x.ReservedZ3)|uint64(x.ReservedZ4) != 0 ||
			int(x.LogicalProcessorIndex) >= len(h.lpStats) {
			return key, nil, nil, hv.StatusInvalidParameter
		}
		key.index = uint32(x.LogicalProcessorIndex)
		return key, h.lpStats[key.index], nil, hv.StatusSuccess
	case hv.StatsObjectPartition, hv.StatsObjectVP:
		// Partition and VP identities share PartitionId at 0 and the
		// reserved bytes at 14 and 15.
		pid := id.Partition().PartitionID
		target := h.partitions[pid]
		if target == nil {
			return key, nil, nil, hv.StatusInvalidPartitionID
		}
		if target.Parent != p.ID {
			return key, nil, nil, hv.StatusAccessDenied
		}
		key.partition = pid
		if typ == hv.StatsObjectPartition {
			x := id.Partition()
			if x.ReservedZ1 != 0 || x.ReservedZ3 != 0 || x.ReservedZ4 != 0 {
				return key, nil, nil, hv.StatusInvalidParameter
			}
			if !target.active {
				return key, nil, nil, hv.StatusInvalidPartitionState
			}
			return key, target.stats, target, hv.StatusSuccess
		}
		x := id.VP()
		if x.ReservedZ3 != 0 || x.ReservedZ4 != 0 {
			return key, nil, nil, hv.StatusInvalidParameter
		}
		v := target.vp[x.VPIndex]
		if v == nil {
			return key, nil, nil, hv.StatusInvalidVPIndex
		}
		if !target.active {
			return key, nil, nil, hv.StatusInvalidPartitionState
		}
		key.index = uint32(x.VPIndex)
		return key, v.stats, target, hv.StatusSuccess
	}
	return key, nil, nil, hv.StatusInvalidParameter
}

func (h *Hypervisor) mapStatsPage(r *request) hv.Status {
	in := input[hv.MapStatsPageInput](r)
	key, page, _, st := h.statsObject(r.p, in.StatsType, &in.ObjectIdentity)
	switch {
	case st != hv.StatusSuccess:
		return st
	case r.p.isMapped(key):
		return hv.StatusOperationDenied
	case r.p.pool < StatsPagePoolPages: // the overlay mapping's bookkeeping (the sim's choice: one page)
		return hv.StatusInsufficientMemory
	}
	r.p.pool -= StatsPagePoolPages
	gpa := uint64(in.TargetGPAPage)
	r.p.mapped[key] = gpa
	r.p.gpa[gpa] = page.mem
	return hv.StatusSuccess
}

func (h *Hypervisor) unmapStatsPage(r *request) hv.Status {
	in := input[hv.UnmapStatsPageInput](r)
	key, _, _, st := h.statsObject(r.p, in.StatsType, &in.ObjectIdentity)
	if st != hv.StatusSuccess {
		return st
	}
	gpa, ok := r.p.mapped[key]
	if !ok {
		return hv.StatusOperationDenied
	}
	delete(r.p.mapped, key)
	delete(r.p.gpa, gpa)
	r.p.pool += StatsPagePoolPages
	return hv.StatusSuccess
}

// dropStatsMappings unmaps the statistics pages of a partition's objects
// that are gone (its VP vpIndex, or with all every object of it) from the
// parent that mapped them (the only partition the calls let map them); each
// mapping's pool page goes back to the parent's pool.
func (h *Hypervisor) dropStatsMappings(t *Partition, vpIndex uint32, all bool) {
	parent := h.partitions[t.Parent]
	if parent == nil {
		return
	}
	for k, gpa := range parent.mapped {
		if k.partition == t.ID && (k.typ == hv.StatsObjectPartition || k.typ == hv.StatsObjectVP) &&
			(all || k.typ == hv.StatsObjectVP && k.index == vpIndex) {
			delete(parent.mapped, k)
			delete(parent.gpa, gpa)
			parent.pool += StatsPagePoolPages
		}
	}
}

func (p *Partition) isMapped(k statsKey) bool {
	_, ok := p.mapped[k]
	return ok
}
