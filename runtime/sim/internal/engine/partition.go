package engine

import (
	"fmt"
	"io"
	"strings"
	"sync"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/hvcall"
	"github.com/hvgen/hvgen/runtime/recording"
	"github.com/hvgen/hvgen/runtime/sim"
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

// maxDepth is how deep the partition hierarchy goes: the root and one level
// of children, the minimum every hypervisor supports (the sim's choice).
const maxDepth = 2

// Partition is a simulated partition. Its fields are guarded by the
// hypervisor's lock.
type Partition struct {
	h          *Hypervisor
	id, parent hv.PartitionID // parent 0 for the root
	privileges uint64         // HV_PARTITION_PRIVILEGE_MASK
	phase      phase
	active     bool
	depth      int
	creator    *Partition
	// What the creation call said beyond the 2013 layout (linux-7.0's
	// creation flags and isolation properties).
	creationFlags, isolation uint64
	props                    map[uint32]uint64 // partition properties by code

	// Memory pool (pool.go): pages free, pages held (free or in use), and
	// the page numbers deposited, for withdrawal.
	pool, held int
	frames     pageStack
	ram        map[uint64]bool // GPA pages of the partition's own RAM (the root's)
	access     map[uint64]hv.MapGPAFlags

	// GPA space (gpa.go): what the partition sees at a GPA page.
	gpa     map[uint64][]byte     // overlays: event-log buffers, statistics and SynIC pages
	gmap    map[uint64]gpaMapping // GPA page -> system page and access (children)
	regions map[uint64]int        // 2 MB GPA region -> mapped pages in it
	gpaMods uint64                // GPA pages mapped and unmapped

	vp         map[hv.VPIndex]*vp
	lowest     *vp // the VP with the lowest index, which runs the partition's calls
	intercepts map[interceptKey]uint32
	extInt     extIntState
	ports      map[hv.PortID]*port
	conns      map[hv.ConnectionID]*connection

	stats  *statsPage
	mapped map[statsKey]uint64 // stats pages this partition mapped: object -> GPA page
	calls  uint64              // hypercalls the partition issued

	facade     sync.Once
	facadeSelf any // what Handle made
}

func (h *Hypervisor) newPartition(parent hv.PartitionID, privileges uint64, pool, vps int) *Partition {
	p := &Partition{h: h, id: h.nextID, parent: parent, privileges: privileges, active: true, phase: phaseActive,
		pool: pool, held: pool, props: map[uint32]uint64{}, ram: map[uint64]bool{}, access: map[uint64]hv.MapGPAFlags{},
		gpa: map[uint64][]byte{}, gmap: map[uint64]gpaMapping{}, regions: map[uint64]int{},
		vp: map[hv.VPIndex]*vp{}, intercepts: map[interceptKey]uint32{},
		ports: map[hv.PortID]*port{}, conns: map[hv.ConnectionID]*connection{},
		mapped: map[statsKey]uint64{}, stats: h.stats.newPage(hv.StatsObjectPartition, h.nextID, 0)}
	h.nextID++
	h.partitions[p.id] = p
	if q := h.partitions[parent]; q != nil && parent != 0 {
		p.depth = q.depth + 1
	}
	p.resetProperties()
	for i := range hv.VPIndex(vps) {
		p.vp[i] = newVP(p, i)
	}
	p.vpsChanged()
	return p
}

// ID is the partition's id.
func (p *Partition) ID() uint64 { return uint64(p.id) }

// Parent is the id of the partition's parent, 0 for the root.
func (p *Partition) Parent() uint64 { return uint64(p.parent) }

// Handle returns what make returned the first time Handle was called on the
// partition: the facade keeps one typed handle per partition with it.
func (p *Partition) Handle(make func() any) any {
	p.facade.Do(func() { p.facadeSelf = make() })
	return p.facadeSelf
}

// Privileges returns the partition's HV_PARTITION_PRIVILEGE_MASK.
func (p *Partition) Privileges() uint64 {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	return p.privileges
}

// SetPrivileges replaces the partition's HV_PARTITION_PRIVILEGE_MASK.
func (p *Partition) SetPrivileges(mask uint64) {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	p.privileges = mask
}

// SetActive changes whether a partition is in the active state.
func (p *Partition) SetActive(active bool) {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	p.active = active
}

// CreationFlags returns the creation flags the partition was created with
// (linux-7.0's HV_PARTITION_CREATION_FLAG_*; 0 for the versions whose call
// has none).
func (p *Partition) CreationFlags() uint64 {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	return p.creationFlags
}

// IsolationProperties returns the isolation properties the partition was
// created with (linux-7.0's hv_partition_isolation_properties).
func (p *Partition) IsolationProperties() uint64 {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	return p.isolation
}

// Backend returns a backend that issues hypercalls as this partition.
func (p *Partition) Backend() hvcall.Backend { return backend{p} }

// Counters returns the partition's counters.
func (p *Partition) Counters() sim.PartitionCounters {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	return sim.PartitionCounters{Hypercalls: p.calls, VPs: len(p.vp), MappedPages: len(p.gmap), PoolAvailable: p.pool, PoolInUse: p.held - p.pool}
}

// WriteStatsDump saves what the partition sees at a mapped statistics page,
// as a statistics dump (recording.WriteStatsDump).
func (p *Partition) WriteStatsDump(w io.Writer, object uint32, gpaPage uint64) error {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	page := p.gpa[gpaPage]
	if len(page) != hvPageSize {
		return fmt.Errorf("sim: no statistics page at GPA page %#x", gpaPage)
	}
	return recording.WriteStatsDump(w, object, page)
}

func (p *Partition) isRoot() bool { return p.parent == 0 }

func (p *Partition) priv() hv.PartitionPrivilegeMask { return hv.PartitionPrivilegeMask(p.privileges) }

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

// lifecycle is the partition life cycle and the partition properties.
type lifecycle struct{ h *Hypervisor }

func (l *lifecycle) createPartition(r *request) hv.Status {
	h := l.h
	in := input[hv.CreatePartitionInput](r)
	switch {
	case !r.p.priv().CreatePartitions():
		return hv.StatusAccessDenied
	case in.Flags != 0, // every creation flag is reserved in the 2013 reference; a version with flags passes them in r.ext
		in.ProximityDomainInfo.Flags&hv.ProximityDomainFlagsReservedMask != 0:
		return hv.StatusInvalidParameter
	case r.p.depth+1 >= maxDepth:
		return hv.StatusPartitionTooDeep
	case r.p.pool < sim.PartitionPoolPages:
		return hv.StatusInsufficientMemory
	case h.counts[limitPartitions] >= h.cfg.Limit:
		return hv.StatusNoResources
	}
	r.p.pool -= sim.PartitionPoolPages
	c := h.newPartition(r.p.id, 0, 0, 0)
	c.active, c.phase, c.creator = false, phaseUninitialized, r.p
	c.creationFlags, c.isolation = r.ext.creationFlags, r.ext.isolation
	h.counts[limitPartitions]++
	out := (*hv.CreatePartitionOutput)(outPtr(r))
	out.NewPartitionID = c.id
	return hv.StatusSuccess
}

func (l *lifecycle) initializePartition(r *request) hv.Status {
	h := l.h
	in := input[hv.InitializePartitionInput](r)
	t, st := h.target(r, in.PartitionID, false)
	switch {
	case t == nil:
		return st
	case t.phase != phaseUninitialized:
		return hv.StatusInvalidPartitionState
	case t.pool < sim.InitializePoolPages:
		return hv.StatusInsufficientMemory
	case h.counts[limitActive] >= h.cfg.Limit:
		return hv.StatusNoResources
	}
	t.pool -= sim.InitializePoolPages
	t.phase, t.active = phaseActive, true
	h.counts[limitActive]++
	return hv.StatusSuccess
}

func (l *lifecycle) finalizePartition(r *request) hv.Status {
	in := input[hv.FinalizePartitionInput](r)
	t, st := l.h.target(r, in.PartitionID, false)
	switch {
	case t == nil:
		return st
	case l.hasChildren(t):
		return hv.StatusOperationDenied
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	l.teardown(t)
	return hv.StatusSuccess
}

func (l *lifecycle) hasChildren(t *Partition) bool {
	for _, c := range l.h.partitions {
		if c.parent == t.id {
			return true
		}
	}
	return false
}

// teardown releases everything a partition's objects hold, each page back
// to the pool it came from, and leaves the partition finalized.
func (l *lifecycle) teardown(t *Partition) {
	h := l.h
	for idx := range t.vp {
		h.procs.removeVP(t, idx)
	}
	for gpa := range t.gmap {
		h.guest.unmapPage(t, gpa)
	}
	for k := range t.intercepts {
		h.irq.removeIntercept(t, k)
	}
	for id := range t.ports {
		h.msg.removePort(t, id)
	}
	for id := range t.conns {
		h.msg.removeConnection(t, id)
	}
	// Ports elsewhere that only this partition could connect to stay; their
	// connections from it are gone with t.conns.
	if v := t.props[uint32(hv.PartitionPropertyVirtualTLBPageCount)]; v > 0 {
		t.pool += int(v)
	}
	t.resetProperties()
	if t.phase == phaseActive && t.creator != nil {
		t.pool += sim.InitializePoolPages
		h.counts[limitActive]--
	}
	t.phase, t.active = phaseFinalized, false
	h.stats.syncLevels(t)
}

func (l *lifecycle) deletePartition(r *request) hv.Status {
	h := l.h
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
	h.stats.dropMappings(t, 0, true)
	if t.creator != nil {
		t.creator.pool += sim.PartitionPoolPages
		h.counts[limitPartitions]--
	}
	delete(h.partitions, t.id)
	h.stats.syncLevels(nil)
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

func (p *Partition) resetProperties() {
	clear(p.props)
	for k, v := range propertyDefaults {
		p.props[uint32(k)] = v
	}
}

func (l *lifecycle) reserveTotal(except *Partition, extraVPs int) int {
	total := 0
	for _, p := range l.h.partitions {
		n := len(p.vp)
		if p == except {
			n += extraVPs
		}
		total += int(p.props[uint32(hv.PartitionPropertyCPUReserve)]) * n
	}
	return total
}

func (l *lifecycle) getPartitionProperty(r *request) hv.Status {
	in := input[hv.GetPartitionPropertyInput](r)
	t, st := l.h.target(r, in.PartitionID, r.p.isRoot()) // the parent, or the root naming itself
	switch {
	case t == nil:
		return st
	case !propertyKnown(uint32(in.PropertyCode)):
		return hv.StatusUnknownProperty
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	v := t.props[uint32(in.PropertyCode)]
	if in.PropertyCode == hv.PartitionPropertyPrivilegeFlags {
		v = t.privileges
	}
	(*hv.GetPartitionPropertyOutput)(outPtr(r)).PropertyValue = hv.PartitionProperty(v)
	return hv.StatusSuccess
}

// hypercallPrivileges are the HV_PARTITION_PRIVILEGE_MASK bits that grant
// hypercalls (32 to 47); the sim treats them as the static privileges a
// partition property cannot change, the access bits below as dynamic.
const hypercallPrivileges = 0xffff << 32

func (l *lifecycle) setPartitionProperty(r *request) hv.Status {
	h := l.h
	in := input[hv.SetPartitionPropertyInput](r)
	t, st := h.target(r, in.PartitionID, r.p.isRoot()) // the parent, or the root naming itself
	if t == nil {
		return st
	}
	code, v := in.PropertyCode, uint64(in.PropertyValue)
	if !propertyKnown(uint32(code)) {
		return hv.StatusUnknownProperty
	}
	key := uint32(code)
	switch code {
	case hv.PartitionPropertyPrivilegeFlags:
		if (v^t.privileges)&hypercallPrivileges != 0 {
			return hv.StatusPropertyValueOutOfRange
		}
	case hv.PartitionPropertyCPUReserve:
		old := t.props[key]
		t.props[key] = v
		over := l.reserveTotal(nil, 0) > cpuFull*h.cfg.LogicalProcessors
		t.props[key] = old
		if v > cpuFull || over {
			return hv.StatusPropertyValueOutOfRange
		}
	case hv.PartitionPropertyCPUCap:
		if v > cpuFull {
			return hv.StatusPropertyValueOutOfRange
		}
	case hv.PartitionPropertyDebugChannelID:
		for _, p := range h.partitions {
			if v != 0 && p != t && p.props[key] == v {
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
		old := int(t.props[key])
		if int(v) > old && !t.take(int(v)-old) {
			return hv.StatusInsufficientMemory
		}
		if int(v) < old {
			t.pool += old - int(v)
		}
	}
	if code == hv.PartitionPropertyPrivilegeFlags {
		t.privileges = v
		return hv.StatusSuccess
	}
	t.props[key] = v
	h.stats.syncLevels(t)
	return hv.StatusSuccess
}

func (l *lifecycle) getPartitionID(r *request) hv.Status {
	if !r.p.priv().AccessPartitionID() {
		return hv.StatusAccessDenied
	}
	(*hv.GetPartitionIDOutput)(outPtr(r)).PartitionID = r.p.id
	return hv.StatusSuccess
}

func (l *lifecycle) getNextChildPartition(r *request) hv.Status {
	h := l.h
	in := input[hv.GetNextChildPartitionInput](r)
	parent := h.partitions[in.ParentID]
	switch {
	case parent == nil:
		return hv.StatusInvalidPartitionID
	case parent != r.p:
		return hv.StatusAccessDenied
	}
	prev := h.partitions[in.PreviousChildID]
	if in.PreviousChildID != hv.PartitionIDInvalid && (prev == nil || prev.parent != parent.id) {
		return hv.StatusInvalidPartitionID
	}
	next := hv.PartitionIDInvalid
	for id, c := range h.partitions {
		if c.parent == parent.id && id > in.PreviousChildID && (next == hv.PartitionIDInvalid || id < next) {
			next = id
		}
	}
	(*hv.GetNextChildPartitionOutput)(outPtr(r)).NextChildID = next
	return hv.StatusSuccess
}
