package sim

import (
	"strings"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// The partition life cycle (wdk-2013/HvCreatePartition.txt and the pages of
// the calls below): created uninitialized, made active by initialize, torn
// down by finalize, removed by delete once its pool is empty. Memory the
// hypervisor takes for a partition's objects comes from a pool, and finalize
// and delete give all of it back, so that a parent that withdraws a deleted
// child's pages ends where it started.

// phase is where a partition is in its life cycle.
type phase uint8

const (
	phaseUninitialized phase = iota
	phaseActive
	phaseFinalized
)

// The sim's choices where the pages leave a number open.
const (
	// maxDepth is how deep the partition hierarchy goes: the root and one
	// level of children, the minimum every hypervisor supports.
	maxDepth = 2
	// partitionPoolPages is what creating a partition takes from the
	// creator's pool, initPoolPages what initializing it takes from its own.
	partitionPoolPages = 1
	initPoolPages      = 1
)

// hvExt is the hypervisor-wide state of the calls beyond event logs.
type hvExt struct {
	frames map[uint64][]byte // system page -> its contents (allocated on first write)
	shared map[uint64]int    // system page -> child GPA pages mapping it
	counts [nLimits]int      // objects counted against Config.Limit
	parked uint64            // logical processors the root reported parked
	// Run time of each logical processor and the hypervisor's part of it.
	lpRun, lpHypervisor uint64
}

// The objects counted against Config.Limit.
const (
	limitPartitions = iota
	limitActive
	limitVPs
	nLimits
)

func (h *Hypervisor) initExt() {
	h.frames = map[uint64][]byte{}
	h.shared = map[uint64]int{}
	h.counts[limitActive] = 1 // the root
}

// partExt is a partition's state beyond event logs and stats pages.
type partExt struct {
	phase      phase
	depth      int
	held       int       // pages in the pool, free (pool) or in use
	frames     pageStack // page numbers deposited into the pool, for withdrawal
	creator    *Partition
	props      map[hv.PartitionPropertyCode]uint64
	vp         map[hv.VPIndex]*vp
	lowest     *vp                   // the VP with the lowest index, which runs the partition's calls
	gmap       map[uint64]gpaMapping // GPA page -> system page and access (children)
	regions    map[uint64]int        // 2 MB GPA region -> mapped pages in it
	access     map[uint64]hv.MapGPAFlags
	intercepts map[interceptKey]uint32
	ports      map[hv.PortID]*port
	conns      map[hv.ConnectionID]*connection
	extInt     extIntState
	calls      uint64 // hypercalls the partition issued
	gpaMods    uint64 // GPA pages mapped and unmapped
}

func (p *Partition) initExt(vps int) {
	p.phase = phaseActive // the root and CreateChild partitions start active
	if parent := p.h.partitions[p.Parent]; parent != nil && p.Parent != 0 {
		p.depth = parent.depth + 1
	}
	p.held = p.pool
	p.props = map[hv.PartitionPropertyCode]uint64{}
	for k, v := range propertyDefaults {
		p.props[k] = v
	}
	p.vp = map[hv.VPIndex]*vp{}
	for i := range hv.VPIndex(vps) {
		p.vp[i] = newVP(i, p.h.newStatsPage(hv.StatsObjectVP, p.ID, uint32(i)))
	}
	p.vpsChanged()
	p.gmap = map[uint64]gpaMapping{}
	p.regions = map[uint64]int{}
	p.access = map[uint64]hv.MapGPAFlags{}
	p.intercepts = map[interceptKey]uint32{}
	p.ports = map[hv.PortID]*port{}
	p.conns = map[hv.ConnectionID]*connection{}
}

func (p *Partition) priv() hv.PartitionPrivilegeMask { return hv.PartitionPrivilegeMask(p.Privileges) }

// take takes n pages from the pool, or reports that it holds too few.
func (p *Partition) take(n int) bool {
	if p.pool < n {
		return false
	}
	p.pool -= n
	return true
}

// known reports whether an enum value has a name in the registry (the
// generated String falls back to TYPE(n) for the others).
func known(s string) bool { return !strings.HasSuffix(s, ")") }

// target looks up a partition the caller names and must be the parent of:
// INVALID_PARTITION_ID when there is none, ACCESS_DENIED when the caller is
// not its parent (and, with self, not the partition itself).
func (h *Hypervisor) target(r *request, id hv.PartitionID, self bool) (*Partition, hv.Status) {
	t := h.partitions[id]
	switch {
	case t == nil:
		return nil, hv.StatusInvalidPartitionID
	case t.Parent != r.p.ID && !(self && t == r.p):
		return nil, hv.StatusAccessDenied
	}
	return t, hv.StatusSuccess
}

func (h *Hypervisor) createPartition(r *request) hv.Status {
	in := input[hv.CreatePartitionInput](r)
	switch {
	case !r.p.priv().CreatePartitions():
		return hv.StatusAccessDenied
	case in.Flags != 0, // every creation flag is reserved in the 2013 reference
		in.ProximityDomainInfo.Flags&hv.ProximityDomainFlagsReservedMask != 0:
		return hv.StatusInvalidParameter
	case r.p.depth+1 >= maxDepth:
		return hv.StatusPartitionTooDeep
	case r.p.pool < partitionPoolPages:
		return hv.StatusInsufficientMemory
	case h.counts[limitPartitions] >= h.cfg.Limit:
		return hv.StatusNoResources
	}
	r.p.pool -= partitionPoolPages
	c := h.newPartition(r.p.ID, 0, 0, 0)
	c.active, c.phase, c.creator = false, phaseUninitialized, r.p
	h.counts[limitPartitions]++
	out := (*hv.CreatePartitionOutput)(outPtr(r))
	out.NewPartitionID = c.ID
	return hv.StatusSuccess
}

func (h *Hypervisor) initializePartition(r *request) hv.Status {
	in := input[hv.InitializePartitionInput](r)
	t, st := h.target(r, in.PartitionID, false)
	switch {
	case t == nil:
		return st
	case t.phase != phaseUninitialized:
		return hv.StatusInvalidPartitionState
	case t.pool < initPoolPages:
		return hv.StatusInsufficientMemory
	case h.counts[limitActive] >= h.cfg.Limit:
		return hv.StatusNoResources
	}
	t.pool -= initPoolPages
	t.phase, t.active = phaseActive, true
	h.counts[limitActive]++
	return hv.StatusSuccess
}

func (h *Hypervisor) finalizePartition(r *request) hv.Status {
	in := input[hv.FinalizePartitionInput](r)
	t, st := h.target(r, in.PartitionID, false)
	switch {
	case t == nil:
		return st
	case h.hasChildren(t):
		return hv.StatusOperationDenied
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	h.teardown(t)
	return hv.StatusSuccess
}

func (h *Hypervisor) hasChildren(t *Partition) bool {
	for _, c := range h.partitions {
		if c.Parent == t.ID {
			return true
		}
	}
	return false
}

// teardown releases everything a partition's objects hold, each page back
// to the pool it came from, and leaves the partition finalized.
func (h *Hypervisor) teardown(t *Partition) {
	for idx := range t.vp {
		h.removeVP(t, idx)
	}
	for gpa := range t.gmap {
		h.unmapPage(t, gpa)
	}
	for k := range t.intercepts {
		h.removeIntercept(t, k)
	}
	for id := range t.ports {
		h.removePort(t, id)
	}
	for id := range t.conns {
		h.removeConnection(t, id)
	}
	// Ports elsewhere that only this partition could connect to stay; their
	// connections from it are gone with t.conns.
	if v := t.props[hv.PartitionPropertyVirtualTLBPageCount]; v > 0 {
		t.pool += int(v)
	}
	clear(t.props)
	for k, v := range propertyDefaults {
		t.props[k] = v
	}
	if t.phase == phaseActive && t.creator != nil {
		t.pool += initPoolPages
		h.counts[limitActive]--
	}
	t.phase, t.active = phaseFinalized, false
	h.syncLevels(t)
}

func (h *Hypervisor) deletePartition(r *request) hv.Status {
	in := input[hv.DeletePartitionInput](r)
	t, st := h.target(r, in.PartitionID, false)
	switch {
	case t == nil:
		return st
	case t.held > 0:
		return hv.StatusOperationDenied
	case t.phase != phaseFinalized && t.phase != phaseUninitialized:
		return hv.StatusInvalidPartitionState
	}
	// Stats pages of the partition and its VPs that the parent mapped go
	// with it, and so does the pool page each mapping held.
	h.dropStatsMappings(t, 0, true)
	if t.creator != nil {
		t.creator.pool += partitionPoolPages
		h.counts[limitPartitions]--
	}
	delete(h.partitions, t.ID)
	h.syncLevels(nil)
	return hv.StatusSuccess
}

// CPU reserve and cap are per-VP fractions of a logical processor's time in
// which cpuFull is 100%: the sim's reading of the CpuCap default the property
// page gives (0x10000). The reserve of all VPs may total at most 100% of each
// logical processor.
const cpuFull = 0x10000

// propertyDefaults are the defaults HV_PARTITION_PROPERTY_CODE gives; every
// other property starts at 0.
var propertyDefaults = map[hv.PartitionPropertyCode]uint64{
	hv.PartitionPropertyCPUCap:    0x10000,
	hv.PartitionPropertyCPUWeight: 0x64,
}

func (h *Hypervisor) reserveTotal(except *Partition, extraVPs int) int {
	total := 0
	for _, p := range h.partitions {
		n := len(p.vp)
		if p == except {
			n += extraVPs
		}
		total += int(p.props[hv.PartitionPropertyCPUReserve]) * n
	}
	return total
}

func (h *Hypervisor) getPartitionProperty(r *request) hv.Status {
	in := input[hv.GetPartitionPropertyInput](r)
	t, st := h.target(r, in.PartitionID, r.p.isRoot()) // the parent, or the root naming itself
	switch {
	case t == nil:
		return st
	case !known(in.PropertyCode.String()):
		return hv.StatusUnknownProperty
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	v := t.props[in.PropertyCode]
	if in.PropertyCode == hv.PartitionPropertyPrivilegeFlags {
		v = t.Privileges
	}
	(*hv.GetPartitionPropertyOutput)(outPtr(r)).PropertyValue = hv.PartitionProperty(v)
	return hv.StatusSuccess
}

// hypercallPrivileges are the HV_PARTITION_PRIVILEGE_MASK bits that grant
// hypercalls (32 to 47); the sim treats them as the static privileges a
// partition property cannot change, the access bits below as dynamic.
const hypercallPrivileges = 0xffff << 32

func (h *Hypervisor) setPartitionProperty(r *request) hv.Status {
	in := input[hv.SetPartitionPropertyInput](r)
	t, st := h.target(r, in.PartitionID, r.p.isRoot()) // the parent, or the root naming itself
	if t == nil {
		return st
	}
	code, v := in.PropertyCode, uint64(in.PropertyValue)
	if !known(code.String()) {
		return hv.StatusUnknownProperty
	}
	switch code {
	case hv.PartitionPropertyPrivilegeFlags:
		if (v^t.Privileges)&hypercallPrivileges != 0 {
			return hv.StatusPropertyValueOutOfRange
		}
	case hv.PartitionPropertyCPUReserve:
		old := t.props[code]
		t.props[code] = v
		over := h.reserveTotal(nil, 0) > cpuFull*len(h.lpStats)
		t.props[code] = old
		if v > cpuFull || over {
			return hv.StatusPropertyValueOutOfRange
		}
	case hv.PartitionPropertyCPUCap:
		if v > cpuFull {
			return hv.StatusPropertyValueOutOfRange
		}
	case hv.PartitionPropertyDebugChannelID:
		for _, p := range h.partitions {
			if v != 0 && p != t && p.props[code] == v {
				return hv.StatusObjectInUse
			}
		}
	}
	switch {
	case code == hv.PartitionPropertyPrivilegeFlags && v&uint64(hv.PartitionPrivilegeMaskReservedMask) != 0,
		code == hv.PartitionPropertyProcessorVendor && !known(hv.ProcessorVendor(v).String()),
		code == hv.PartitionPropertyCPUWeight && (v == 0 || v > 10000): // the sim's weight range
		return hv.StatusInvalidParameter
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	// The virtual TLB pages come from the partition's pool.
	if code == hv.PartitionPropertyVirtualTLBPageCount {
		old := int(t.props[code])
		if int(v) > old && !t.take(int(v)-old) {
			return hv.StatusInsufficientMemory
		}
		if int(v) < old {
			t.pool += old - int(v)
		}
	}
	if code == hv.PartitionPropertyPrivilegeFlags {
		t.Privileges = v
		return hv.StatusSuccess
	}
	t.props[code] = v
	h.syncLevels(t)
	return hv.StatusSuccess
}

func (h *Hypervisor) getPartitionID(r *request) hv.Status {
	if !r.p.priv().AccessPartitionID() {
		return hv.StatusAccessDenied
	}
	(*hv.GetPartitionIDOutput)(outPtr(r)).PartitionID = r.p.ID
	return hv.StatusSuccess
}

func (h *Hypervisor) getNextChildPartition(r *request) hv.Status {
	in := input[hv.GetNextChildPartitionInput](r)
	parent := h.partitions[in.ParentID]
	switch {
	case parent == nil:
		return hv.StatusInvalidPartitionID
	case parent != r.p:
		return hv.StatusAccessDenied
	}
	prev := h.partitions[in.PreviousChildID]
	if in.PreviousChildID != hv.PartitionIDInvalid && (prev == nil || prev.Parent != parent.ID) {
		return hv.StatusInvalidPartitionID
	}
	next := hv.PartitionIDInvalid
	for id, c := range h.partitions {
		if c.Parent == parent.ID && id > in.PreviousChildID && (next == hv.PartitionIDInvalid || id < next) {
			next = id
		}
	}
	(*hv.GetNextChildPartitionOutput)(outPtr(r)).NextChildID = next
	return hv.StatusSuccess
}
