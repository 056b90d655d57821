package engine

import (
	"encoding/binary"
	"math/rand/v2"
	"sort"
	"sync/atomic"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
)

// PrivilegeAccessStats is the AccessStats bit of HV_PARTITION_PRIVILEGE_MASK,
// bit 40 (wdk-2013/HV_PARTITION_PRIVILEGE_MASK.txt, counting the members after
// the stray AsUINT64 line the page's C block starts with), which the
// statistics calls require.
const PrivilegeAccessStats uint64 = 1 << 40

// Statistics is the statistics pages: the hypervisor's, each logical
// processor's, and those of partitions and VPs (which they own).
type Statistics struct {
	h   *Hypervisor
	hv  *statsPage
	lps []*statsPage
}

func (s *Statistics) init() {
	s.hv = s.newPage(hv.StatsObjectHypervisor, 0, 0)
	for i := range s.h.cfg.LogicalProcessors {
		s.lps = append(s.lps, s.newPage(hv.StatsObjectLogicalProcessor, 0, uint32(i)))
	}
}

// Stats returns the hypervisor's statistics pages.
func (h *Hypervisor) Stats() *Statistics { return &h.stats }

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
	kind sim.FlatKind
	rate uint64
}

func (s *Statistics) newPage(obj hv.StatsObjectType, partition hv.PartitionID, index uint32) *statsPage {
	h := s.h
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
			case sim.FlatTime:
				fs.rate = 1 + r%64
			case sim.FlatEvents:
				fs.rate = 1 + r%20000
			case sim.FlatZero:
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
		case sim.FlatTime:
			p.store(s.off, elapsed/65536*s.rate+elapsed%65536*s.rate/65536)
		case sim.FlatEvents:
			p.store(s.off, elapsed/10_000_000*s.rate+elapsed%10_000_000*s.rate/10_000_000)
		}
	}
}

// tick brings every page up to the reference time: the flat-page
// counters that move with time, the run and wait times (moved by the
// scheduler's tick) and the levels.
func (s *Statistics) tick() {
	h := s.h
	now := h.now.Load()
	for _, p := range h.partitions {
		p.stats.moveFlat(now)
		s.syncLevels(p)
		for _, v := range p.vp {
			v.stats.moveFlat(now)
			run := v.runTime.Load()
			v.stats.put(srcVPRunTime, run)
			v.stats.put(srcVPHypervisorRunTime, run/10)
			if vs := h.sched.vps[v]; vs != nil {
				v.stats.put(srcVPWaitTime, vs.wait)
			}
		}
	}
	for i, lp := range s.lps {
		lp.moveFlat(now)
		lp.put(srcLPGlobalTime, now)
		if i < len(h.sched.lps) {
			t := h.sched.lps[i]
			lp.put(srcLPRunTime, t.run)
			lp.put(srcLPHypervisorRunTime, t.hypervisor)
			lp.put(srcLPIdleTime, now-min(now, t.run))
		}
	}
	s.hv.moveFlat(now)
	s.syncLevels(nil)
}

// StatsObject names an object that has a statistics page: its
// HV_STATS_OBJECT_TYPE, partition (partition and VP objects) and LP or VP
// index.
type StatsObject struct {
	Type      uint32
	Partition uint64
	Index     uint32
}

// Objects appends to buf the objects that have statistics pages now:
// the hypervisor, each logical processor, then each active partition by id,
// each followed by its VPs.
func (s *Statistics) Objects(buf []StatsObject) []StatsObject {
	h := s.h
	h.mu.Lock()
	defer h.mu.Unlock()
	buf = append(buf, StatsObject{Type: uint32(hv.StatsObjectHypervisor)})
	for i := range s.lps {
		buf = append(buf, StatsObject{Type: uint32(hv.StatsObjectLogicalProcessor), Index: uint32(i)})
	}
	ids := make([]hv.PartitionID, 0, len(h.partitions))
	for id, p := range h.partitions {
		if p.active {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		buf = append(buf, StatsObject{Type: uint32(hv.StatsObjectPartition), Partition: uint64(id)})
		vps := h.partitions[id].vp
		for i := range hv.VPIndex(maxVPs) {
			if vps[i] != nil {
				buf = append(buf, StatsObject{Type: uint32(hv.StatsObjectVP), Partition: uint64(id), Index: uint32(i)})
			}
		}
	}
	return buf
}

// ReadPage copies the statistics page of an object into dst (4096
// bytes), as the hypervisor shows it to whoever maps it, and reports
// whether the object exists. It reads any object's page, the root
// partition's included, without mapping it.
func (s *Statistics) ReadPage(o StatsObject, dst []byte) bool {
	h := s.h
	h.mu.Lock()
	defer h.mu.Unlock()
	var p *statsPage
	switch hv.StatsObjectType(o.Type) {
	case hv.StatsObjectHypervisor:
		p = s.hv
	case hv.StatsObjectLogicalProcessor:
		if int(o.Index) < len(s.lps) {
			p = s.lps[o.Index]
		}
	case hv.StatsObjectPartition, hv.StatsObjectVP:
		t := h.partitions[hv.PartitionID(o.Partition)]
		switch {
		case t == nil:
		case hv.StatsObjectType(o.Type) == hv.StatsObjectPartition:
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
	area      uint8  // linux-7.0's hv_stats_area_type; 0 for the other versions
}

// object runs the checks both statistics calls share, in the order that
// reveals least to a caller without rights, and returns the object's page.
func (s *Statistics) object(r *request, typ hv.StatsObjectType, id *hv.StatsObjectIdentity) (statsKey, *statsPage, *Partition, hv.Status) {
	h, p := s.h, r.p
	key := statsKey{typ: typ, area: r.ext.statsArea}
	if p.privileges&PrivilegeAccessStats == 0 {
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
			return key, s.hv, nil, hv.StatusSuccess
		}
		x := id.LogicalProcessor()
		if uint64(x.ReservedZ0)|uint64(x.ReservedZ1)|uint64(x.ReservedZ2)|uint64(x.ReservedZ3)|uint64(x.ReservedZ4) != 0 ||
			int(x.LogicalProcessorIndex) >= len(s.lps) {
			return key, nil, nil, hv.StatusInvalidParameter
		}
		key.index = uint32(x.LogicalProcessorIndex)
		return key, s.lps[key.index], nil, hv.StatusSuccess
	case hv.StatsObjectPartition, hv.StatsObjectVP:
		// Partition and VP identities share PartitionId at 0 and the
		// reserved bytes at 14 and 15.
		pid := id.Partition().PartitionID
		target := h.partitions[pid]
		if target == nil {
			return key, nil, nil, hv.StatusInvalidPartitionID
		}
		if target.parent != p.id {
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

func (s *Statistics) mapStatsPage(r *request) hv.Status {
	in := input[hv.MapStatsPageInput](r)
	key, page, _, st := s.object(r, in.StatsType, &in.ObjectIdentity)
	switch {
	case st != hv.StatusSuccess:
		return st
	case r.p.isMapped(key):
		return hv.StatusOperationDenied
	case r.p.pool < sim.StatsPagePoolPages: // the overlay mapping's bookkeeping (the sim's choice: one page)
		return hv.StatusInsufficientMemory
	}
	r.p.pool -= sim.StatsPagePoolPages
	gpa := uint64(in.TargetGPAPage)
	if r.ext.outputLocation {
		// The hypervisor places the page (linux-7.0's HVCALL_MAP_STATS_PAGE)
		// and returns where.
		gpa = s.h.guest.fresh()
		binary.LittleEndian.PutUint64(r.out, gpa)
	}
	r.p.mapped[key] = gpa
	r.p.gpa[gpa] = page.mem
	return hv.StatusSuccess
}

func (s *Statistics) unmapStatsPage(r *request) hv.Status {
	in := input[hv.UnmapStatsPageInput](r)
	key, _, _, st := s.object(r, in.StatsType, &in.ObjectIdentity)
	if st != hv.StatusSuccess {
		return st
	}
	gpa, ok := r.p.mapped[key]
	if !ok {
		return hv.StatusOperationDenied
	}
	delete(r.p.mapped, key)
	delete(r.p.gpa, gpa)
	r.p.pool += sim.StatsPagePoolPages
	return hv.StatusSuccess
}

// dropMappings unmaps the statistics pages of a partition's objects
// that are gone (its VP vpIndex, or with all every object of it) from the
// parent that mapped them (the only partition the calls let map them); each
// mapping's pool page goes back to the parent's pool.
func (s *Statistics) dropMappings(t *Partition, vpIndex uint32, all bool) {
	parent := s.h.partitions[t.parent]
	if parent == nil {
		return
	}
	for k, gpa := range parent.mapped {
		if k.partition == t.id && (k.typ == hv.StatsObjectPartition || k.typ == hv.StatsObjectVP) &&
			(all || k.typ == hv.StatsObjectVP && k.index == vpIndex) {
			delete(parent.mapped, k)
			delete(parent.gpa, gpa)
			parent.pool += sim.StatsPagePoolPages
		}
	}
}

func (p *Partition) isMapped(k statsKey) bool {
	_, ok := p.mapped[k]
	return ok
}

// statSource is a value of the sim's own state that a statistics counter
// shows: the counters of that meaning move with the simulated work (calls,
// intercepts, deposits, VPs created) instead of at a seeded rate.
type statSource uint8

const (
	srcNone statSource = iota
	// hypervisor
	srcHvLPs
	srcHvPartitions
	srcHvVPs
	srcHvTotalPages // pages deposited into all pools together
	// logical processor
	srcLPGlobalTime // the reference time
	srcLPRunTime
	srcLPHypervisorRunTime
	srcLPIdleTime // time no VP ran (the sim's logical processors idle in C1)
	// partition
	srcPtVPs
	srcPtID
	srcPtDepositedPages // pages in the pool, free or in use
	srcPtGpaPages       // GPA pages its parent mapped into it
	srcPtGpaPages4K     // the same: the sim maps 4 KiB pages only
	srcPtTlbPages       // the virtual TLB pages the property took from the pool
	srcPtGpaModifications
	// virtual processor
	srcVPRunTime
	srcVPHypervisorRunTime
	srcVPWaitTime // time it wanted to run and its logical processor was busy
	srcVPHypercalls
	srcVPIoIntercepts
	srcVPMsrIntercepts
	srcVPCpuidIntercepts
	srcVPPageFaultIntercepts
	srcVPOtherIntercepts
	srcVPVirtualInterrupts
	numSources
)

// statSources maps counters to the state they show, by object type and by
// the counter's name in each version's registry: wdk-2013's groups
// (spec/stats.yaml) and linux-7.0's flat tables (spec/stats_linux.yaml). A
// counter not named here moves with time alone (flat pages) or stays zero
// (2013 groups). Names are matched exactly; an empty name: that version has
// no counter of that meaning.
var statSources = []struct {
	obj            hv.StatsObjectType
	src            statSource
	wdk2013, linux string
}{
	{hv.StatsObjectHypervisor, srcHvLPs, "LogicalProcessors", "HvLogicalProcessors"},
	{hv.StatsObjectHypervisor, srcHvPartitions, "Partitions", "HvPartitions"},
	{hv.StatsObjectHypervisor, srcHvVPs, "VirtualProcessors", "HvVirtualProcessors"},
	{hv.StatsObjectHypervisor, srcHvTotalPages, "TotalPages", "HvTotalPages"},

	{hv.StatsObjectLogicalProcessor, srcLPGlobalTime, "GlobalTime", "LpGlobalTime"},
	{hv.StatsObjectLogicalProcessor, srcLPRunTime, "TotalRunTime", "LpTotalRunTime"},
	{hv.StatsObjectLogicalProcessor, srcLPHypervisorRunTime, "HypervisorRunTime", "LpHypervisorRunTime"},
	{hv.StatsObjectLogicalProcessor, srcLPIdleTime, "", "LpC1RunTime"},

	{hv.StatsObjectPartition, srcPtVPs, "VirtualProcessors", "PtVirtualProcessors"},
	{hv.StatsObjectPartition, srcPtID, "", "PtPartitionId"},
	{hv.StatsObjectPartition, srcPtDepositedPages, "DepositedPages", "PtDepositedPages"},
	{hv.StatsObjectPartition, srcPtGpaPages, "GpaPages", "PtGpaPages"},
	{hv.StatsObjectPartition, srcPtGpaPages4K, "", "PtGpaPages4K"},
	{hv.StatsObjectPartition, srcPtTlbPages, "VirtualTlbPages", "PtTlbSize"},
	{hv.StatsObjectPartition, srcPtGpaModifications, "GpaSpaceModificationsPerSec", "PtGpaSpaceModifications"},

	{hv.StatsObjectVP, srcVPRunTime, "TotalRunTime", "VpTotalRunTime"},
	{hv.StatsObjectVP, srcVPHypervisorRunTime, "HypervisorRunTime", "VpHypervisorRunTime"},
	{hv.StatsObjectVP, srcVPWaitTime, "", "VpWaitingForCpuTime"},
	{hv.StatsObjectVP, srcVPHypercalls, "HypercallsPerSec", "VpHypercallsCount"},
	{hv.StatsObjectVP, srcVPIoIntercepts, "IoInstructionsPerSec", "VpIoInstructionsCount"},
	{hv.StatsObjectVP, srcVPMsrIntercepts, "MsrAccessesPerSec", "VpMsrAccessesCount"},
	{hv.StatsObjectVP, srcVPCpuidIntercepts, "CpuidInstructionsPerSec", "VpCpuidInstructionsCount"},
	{hv.StatsObjectVP, srcVPPageFaultIntercepts, "PageFaultInterceptsPerSec", "VpPageFaultInterceptsCount"},
	{hv.StatsObjectVP, srcVPOtherIntercepts, "OtherInterceptsPerSec", "VpOtherInterceptsCount"},
	{hv.StatsObjectVP, srcVPVirtualInterrupts, "VirtualInterruptsPerSec", "VpVirtualInterrupts"},
}

// sourceOf is the state a counter of that object type and name shows, or srcNone.
func sourceOf(obj hv.StatsObjectType, name string) statSource {
	for _, s := range statSources {
		if s.obj == obj && name != "" && (s.wdk2013 == name || s.linux == name) {
			return s.src
		}
	}
	return srcNone
}

// interceptSource is the VP counter an intercept of that type counts in
// (exception vector 14, the page fault, has its own).
func interceptSource(typ hv.InterceptType, param uint64) statSource {
	switch typ {
	case hv.InterceptTypeX64IOPort:
		return srcVPIoIntercepts
	case hv.InterceptTypeX64MSR:
		return srcVPMsrIntercepts
	case hv.InterceptTypeX64CPUID:
		return srcVPCpuidIntercepts
	case hv.InterceptTypeX64Exception:
		if param == 14 {
			return srcVPPageFaultIntercepts
		}
	}
	return srcVPOtherIntercepts
}

// syncLevels writes the levels the sim knows (VPs, pages, partitions) into
// the partition's page and the hypervisor's; the calls that change one call
// it, and Advance does for every partition.
func (s *Statistics) syncLevels(p *Partition) {
	h := s.h
	if p != nil && p.stats != nil {
		ps := p.stats
		ps.put(srcPtVPs, uint64(len(p.vp)))
		ps.put(srcPtID, uint64(p.id))
		ps.put(srcPtDepositedPages, uint64(p.held))
		ps.put(srcPtGpaPages, uint64(len(p.gmap)))
		ps.put(srcPtGpaPages4K, uint64(len(p.gmap)))
		ps.put(srcPtTlbPages, p.props[uint32(hv.PartitionPropertyVirtualTLBPageCount)])
	}
	vps, pages := 0, 0
	for _, q := range h.partitions {
		vps += len(q.vp)
		pages += q.held
	}
	s.hv.put(srcHvLPs, uint64(len(s.lps)))
	s.hv.put(srcHvPartitions, uint64(len(h.partitions)))
	s.hv.put(srcHvVPs, uint64(vps))
	s.hv.put(srcHvTotalPages, uint64(pages))
}
