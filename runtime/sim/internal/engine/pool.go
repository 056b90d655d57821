package engine

import (
	"encoding/binary"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// The memory model is as small as the modelled calls need: each partition
// owns some RAM pages (GPA page numbers) it may deposit into a memory pool,
// from which the hypervisor takes pages for the partition's objects, and
// overlay pages (event-log buffers, statistics pages) the hypervisor put in
// its GPA space.

// memoryPools is the calls that move pages in and out of pools.
type memoryPools struct{ h *Hypervisor }

// GiveRAM makes n fresh GPA pages the partition's own RAM and returns their
// page numbers, for it to deposit.
func (p *Partition) GiveRAM(n int) []uint64 {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	out := make([]uint64, 0, n)
	for range n {
		gpa := p.h.guest.fresh()
		p.ram[gpa] = true
		out = append(out, gpa)
	}
	return out
}

// RAM returns the partition's own RAM pages (GiveRAM and withdrawn pages)
// not deposited, in no particular order.
func (p *Partition) RAM() []uint64 {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	out := make([]uint64, 0, len(p.ram))
	for g := range p.ram {
		out = append(out, g)
	}
	return out
}

// PoolPages returns the free pages of the partition's memory pool.
func (p *Partition) PoolPages() int {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	return p.pool
}

// PoolBalance returns the partition's pool: pages free and pages the
// hypervisor uses for the partition's objects.
func (p *Partition) PoolBalance() (available, inUse int) {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	return p.pool, p.held - p.pool
}

// PrivilegeAccessMemoryPool is the AccessMemoryPool bit of
// HV_PARTITION_PRIVILEGE_MASK (bit 34, counted as for PrivilegeAccessStats).
const PrivilegeAccessMemoryPool uint64 = 1 << 34

// depositMemory is HvDepositMemory: header PartitionId, rep elements GPA page
// numbers (wdk-2013/HvDepositMemory.txt).
func (m *memoryPools) depositMemory(r *request) hv.Status {
	h := m.h
	pid := hv.PartitionID(binary.LittleEndian.Uint64(r.in))
	target := h.partitions[pid]
	switch {
	case r.p.privileges&PrivilegeAccessMemoryPool == 0:
		return hv.StatusAccessDenied
	case target == nil:
		return hv.StatusInvalidPartitionID
	case !(target.parent == r.p.id || r.p.isRoot() && target == r.p):
		return hv.StatusAccessDenied
	case !target.active && target.phase != phaseUninitialized:
		return hv.StatusInvalidPartitionState
	}
	end := h.repEnd(r)
	for i := r.start; i < end; i++ {
		if 8+8*i+8 > len(r.in) {
			r.done = i
			return hv.StatusInvalidParameter
		}
		gpa := binary.LittleEndian.Uint64(r.in[8+8*i:])
		switch {
		case r.p.gpa[gpa] != nil:
			r.done = i
			return hv.StatusObjectInUse // an overlay (event-log buffer, stats page) is there
		case !r.p.ram[gpa], h.guest.shared[gpa] > 0, r.p.rights(gpa) != fullAccess:
			r.done = i
			return hv.StatusOperationDenied // not the caller's page, deposited already, or another partition's too
		}
		delete(r.p.ram, gpa)
		delete(r.p.access, gpa)
		delete(h.guest.frames, gpa)
		target.pool++
		target.held++
		target.frames.push(gpa)
	}
	h.stats.syncLevels(target)
	r.done = end
	return hv.StatusSuccess
}

// poolTarget runs the checks HvCallWithdrawMemory and HvCallGetMemoryBalance
// share (wdk-2013/HvWithdrawMemory.txt, HvGetMemoryBalance.txt): the
// AccessMemoryPool privilege, the partition, the caller its parent or the
// root naming itself, then the proximity domain (the sim has one, 0).
func (m *memoryPools) poolTarget(r *request, id hv.PartitionID, pd hv.ProximityDomainInfo) (*Partition, hv.Status) {
	t := m.h.partitions[id]
	switch {
	case !r.p.priv().AccessMemoryPool():
		return nil, hv.StatusAccessDenied
	case t == nil:
		return nil, hv.StatusInvalidPartitionID
	case !(t.parent == r.p.id || r.p.isRoot() && t == r.p):
		return nil, hv.StatusAccessDenied
	case pd.Flags&hv.ProximityDomainFlagsReservedMask != 0, pd.Flags.ProximityInfoValid() && pd.ID != 0:
		return nil, hv.StatusInvalidParameter
	}
	return t, hv.StatusSuccess
}

func (m *memoryPools) withdrawMemory(r *request) hv.Status {
	h := m.h
	in := input[hv.WithdrawMemoryInput](r)
	t, st := m.poolTarget(r, in.PartitionID, in.ProximityDomainInfo)
	if t == nil {
		return st
	}
	defer h.stats.syncLevels(t)
	end := h.repEnd(r)
	for i := r.start; i < end; i++ {
		if t.pool == 0 {
			r.done = i
			return hv.StatusNoResources
		}
		gpa, ok := t.frames.pop()
		if !ok {
			gpa = h.guest.fresh() // a page of the root's initial pool has no number yet
		}
		t.pool--
		t.held--
		r.p.ram[gpa] = true // zeroed (no frame) and with full access
		binary.LittleEndian.PutUint64(r.out[8*i:], gpa)
	}
	r.done = end
	return hv.StatusSuccess
}

func (m *memoryPools) getMemoryBalance(r *request) hv.Status {
	in := input[hv.GetMemoryBalanceInput](r)
	t, st := m.poolTarget(r, in.PartitionID, in.ProximityDomainInfo)
	if t == nil {
		return st
	}
	out := (*hv.GetMemoryBalanceOutput)(outPtr(r))
	out.PagesAvailable, out.PagesInUse = uint64(t.pool), uint64(t.held-t.pool)
	return hv.StatusSuccess
}

// outPtr is the output page of a memory-based call.
func outPtr(r *request) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(r.out)) }

// pageStack holds page numbers in chunks, so that a pool of any size grows
// without copying what it holds.
type pageStack struct{ chunks [][]uint64 }

const pageChunk = 512

func (s *pageStack) push(g uint64) {
	if n := len(s.chunks); n == 0 || len(s.chunks[n-1]) == pageChunk {
		s.chunks = append(s.chunks, make([]uint64, 0, pageChunk))
	}
	last := &s.chunks[len(s.chunks)-1]
	*last = append(*last, g)
}

func (s *pageStack) pop() (uint64, bool) {
	n := len(s.chunks)
	if n == 0 {
		return 0, false
	}
	last := s.chunks[n-1]
	g := last[len(last)-1]
	if len(last) == 1 {
		s.chunks = s.chunks[:n-1]
	} else {
		s.chunks[n-1] = last[:len(last)-1]
	}
	return g, true
}
