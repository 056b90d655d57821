package sim

import (
	"encoding/binary"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// poolTarget runs the checks HvCallWithdrawMemory and HvCallGetMemoryBalance
// share (wdk-2013/HvWithdrawMemory.txt, HvGetMemoryBalance.txt): the
// AccessMemoryPool privilege, the partition, the caller its parent or the
// root naming itself, then the proximity domain (the sim has one, 0).
func (h *Hypervisor) poolTarget(r *request, id hv.PartitionID, pd hv.ProximityDomainInfo) (*Partition, hv.Status) {
	t := h.partitions[id]
	switch {
	case !r.p.priv().AccessMemoryPool():
		return nil, hv.StatusAccessDenied
	case t == nil:
		return nil, hv.StatusInvalidPartitionID
	case !(t.Parent == r.p.ID || r.p.isRoot() && t == r.p):
		return nil, hv.StatusAccessDenied
	case pd.Flags&hv.ProximityDomainFlagsReservedMask != 0, pd.Flags.ProximityInfoValid() && pd.ID != 0:
		return nil, hv.StatusInvalidParameter
	}
	return t, hv.StatusSuccess
}

func (h *Hypervisor) withdrawMemory(r *request) hv.Status {
	in := input[hv.WithdrawMemoryInput](r)
	t, st := h.poolTarget(r, in.PartitionID, in.ProximityDomainInfo)
	if t == nil {
		return st
	}
	defer h.syncLevels(t)
	end := h.repEnd(r)
	for i := r.start; i < end; i++ {
		if t.pool == 0 {
			r.done = i
			return hv.StatusNoResources
		}
		gpa, ok := t.frames.pop()
		if !ok {
			gpa = h.nextGPA // a page of the root's initial pool has no number yet
			h.nextGPA++
		}
		t.pool--
		t.held--
		r.p.ram[gpa] = true // zeroed (no frame) and with full access
		binary.LittleEndian.PutUint64(r.out[8*i:], gpa)
	}
	r.done = end
	return hv.StatusSuccess
}

func (h *Hypervisor) getMemoryBalance(r *request) hv.Status {
	in := input[hv.GetMemoryBalanceInput](r)
	t, st := h.poolTarget(r, in.PartitionID, in.ProximityDomainInfo)
	if t == nil {
		return st
	}
	out := (*hv.GetMemoryBalanceOutput)(outPtr(r))
	out.PagesAvailable, out.PagesInUse = uint64(t.pool), uint64(t.held-t.pool)
	return hv.StatusSuccess
}

// outPtr is the output page of a memory-based call.
func outPtr(r *request) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(r.out)) }

// PoolBalance returns the partition's pool: pages free and pages the
// hypervisor uses for the partition's objects.
func (p *Partition) PoolBalance() (available, inUse int) {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	return p.pool, p.held - p.pool
}

// Partition returns a partition by ID, or nil.
func (h *Hypervisor) Partition(id hv.PartitionID) *Partition {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.partitions[id]
}

// RAM returns the partition's own RAM pages (GiveRAM and withdrawn pages)
// not deposited, in no particular order.
func (p *Partition) RAM() []uint64 {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	var out []uint64
	for g := range p.ram {
		out = append(out, g)
	}
	return out
}

// SetPrivileges replaces the partition's HV_PARTITION_PRIVILEGE_MASK.
func (p *Partition) SetPrivileges(mask uint64) {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	p.Privileges = mask
}

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
