package sim

import (
	"encoding/binary"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// The memory model is as small as the modelled calls need: each partition
// owns some RAM pages (GPA page numbers) it may deposit into a memory pool,
// and overlay pages (event-log buffers, statistics pages) the hypervisor put
// in its GPA space.

// PrivilegeAccessMemoryPool is the AccessMemoryPool bit of
// HV_PARTITION_PRIVILEGE_MASK (bit 34, counted as for PrivilegeAccessStats).
const PrivilegeAccessMemoryPool uint64 = 1 << 34

// GiveRAM makes n fresh GPA pages the partition's own RAM and returns their
// page numbers, for it to deposit.
func (p *Partition) GiveRAM(n int) []uint64 {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	var out []uint64
	for range n {
		gpa := p.h.nextGPA
		p.h.nextGPA++
		p.ram[gpa] = true
		out = append(out, gpa)
	}
	return out
}

// SetRepBudget makes rep calls return success after at most this many reps
// each time (0: no limit), as the hypervisor may to bound its time in a call;
// the caller then continues from the first rep not done.
func (h *Hypervisor) SetRepBudget(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.repBudget = n
}

// depositMemory is HvDepositMemory: header PartitionId, rep elements GPA page
// numbers (wdk-2013/HvDepositMemory.txt).
func (h *Hypervisor) depositMemory(r *request) hv.Status {
	pid := hv.PartitionID(binary.LittleEndian.Uint64(r.in))
	target := h.partitions[pid]
	switch {
	case r.p.Privileges&PrivilegeAccessMemoryPool == 0:
		return hv.StatusAccessDenied
	case target == nil:
		return hv.StatusInvalidPartitionID
	case !(target.Parent == r.p.ID || r.p.isRoot() && target == r.p):
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
		case !r.p.ram[gpa], h.shared[gpa] > 0, r.p.rights(gpa) != fullAccess:
			r.done = i
			return hv.StatusOperationDenied // not the caller's page, deposited already, or another partition's too
		}
		delete(r.p.ram, gpa)
		delete(r.p.access, gpa)
		delete(h.frames, gpa)
		target.pool++
		target.held++
		target.frames.push(gpa)
	}
	h.syncLevels(target)
	r.done = end
	return hv.StatusSuccess
}

// EventLogPoolPages is how many pages of the root's memory pool an event-log
// group of that many buffers, each of that many pages, takes once every
// buffer is created and mapped: the group's bookkeeping, the buffers'
// pages, and each mapping's bookkeeping (the sim's choices above).
func EventLogPoolPages(buffers, pages int) int {
	return groupPoolPages + buffers*(pages+mapPoolPages)
}

// StatsPagePoolPages is what mapping one statistics page takes from the
// caller's pool (the sim's choice, see mapStatsPage).
const StatsPagePoolPages = 1
