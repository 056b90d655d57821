package sim

import (
	"encoding/binary"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// statsPage is an object's statistics page in the documented format: groups
// of 64-bit slots, each group's slot 0 its HV_STATISTICS_GROUP_HEADER, then an
// end-of-list header (all zero).
type statsPage struct {
	mem  []byte
	slot map[string][]int // counter name -> byte offsets (a name may be in two groups)
}

func newStatsPage(obj hv.StatsObjectType) *statsPage {
	p := &statsPage{mem: make([]byte, hvPageSize), slot: map[string][]int{}}
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
			p.slot[c.Name] = append(p.slot[c.Name], off+8*c.Index)
		}
		off += 8 * (n + 1)
	}
	return p // the rest of the page is zero: the end-of-list header
}

// add adds v to the counters of that name on the page.
func (p *statsPage) add(name string, v uint64) {
	for _, off := range p.slot[name] {
		binary.LittleEndian.PutUint64(p.mem[off:], binary.LittleEndian.Uint64(p.mem[off:])+v)
	}
}

func (p *statsPage) set(name string, v uint64) {
	for _, off := range p.slot[name] {
		binary.LittleEndian.PutUint64(p.mem[off:], v)
	}
}

// tickStats moves the time-based counters by d (100 ns units).
func (h *Hypervisor) tickStats(d uint64) {
	vps := 0
	for _, p := range h.partitions {
		vps += len(p.vps)
		for _, vp := range p.vps {
			vp.add("TotalRunTime", d)
			vp.add("HypervisorRunTime", d/10)
		}
	}
	for _, lp := range h.lpStats {
		lp.set("GlobalTime", h.now.Load())
		lp.add("TotalRunTime", d)
		lp.add("HypervisorRunTime", d/10)
	}
	h.hvStats.set("LogicalProcessors", uint64(len(h.lpStats)))
	h.hvStats.set("Partitions", uint64(len(h.partitions)))
	h.hvStats.set("VirtualProcessors", uint64(vps))
}

// countHypercall counts a hypercall on the caller's first VP.
func (h *Hypervisor) countHypercall(p *Partition) {
	if len(p.vps) > 0 {
		p.vps[0].add("HypercallsPerSec", 1)
	}
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
		if int(x.VPIndex) >= len(target.vps) {
			return key, nil, nil, hv.StatusInvalidVPIndex
		}
		if !target.active {
			return key, nil, nil, hv.StatusInvalidPartitionState
		}
		key.index = uint32(x.VPIndex)
		return key, target.vps[key.index], target, hv.StatusSuccess
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
	case r.p.pool < 1: // the overlay mapping's bookkeeping (the sim's choice: one page)
		return hv.StatusInsufficientMemory
	}
	r.p.pool--
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
	r.p.pool++
	return hv.StatusSuccess
}

func (p *Partition) isMapped(k statsKey) bool {
	_, ok := p.mapped[k]
	return ok
}
