package sim

import (
	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// extIntState is the partition's ExtInt handshake: an asserted external
// interrupt the guest acknowledged must be cleared with
// HvCallClearVirtualInterrupt before the next one.
type extIntState struct {
	asserted, acknowledged bool
}

// vectored are the interrupt types that carry a vector.
func vectored(t hv.InterruptType) bool {
	switch t {
	case hv.X64InterruptTypeFixed, hv.X64InterruptTypeLowestPriority, hv.X64InterruptTypeExtInt, hv.X64InterruptTypeSipi:
		return true
	}
	return false
}

func (h *Hypervisor) assertVirtualInterrupt(r *request) hv.Status {
	in := input[hv.AssertVirtualInterruptInput](r)
	t, st := h.target(r, in.DestinationPartition, false)
	if t == nil {
		return st
	}
	typ := in.InterruptControl.InterruptType()
	ext := typ == hv.X64InterruptTypeExtInt
	// The sim's APIC IDs are the VP indexes, in physical destination mode.
	v := t.vp[hv.VPIndex(in.DestinationAddress)]
	if in.DestinationAddress > 0xffffffff {
		v = nil
	}
	vec := in.RequestedVector
	switch {
	case ext && in.DestinationAddress != 0, !ext && v == nil:
		return hv.StatusInvalidVPIndex
	case in.InterruptControl&hv.InterruptControlReservedMask != 0, !known(typ.String()), typ == hv.X64InterruptTypeMaximum,
		vec > 255 && vec != hv.InterruptVectorNone,
		vec != 0 && vec != hv.InterruptVectorNone && !vectored(typ):
		return hv.StatusInvalidParameter
	case ext && t.extInt.acknowledged:
		return hv.StatusAcknowledged
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	if ext {
		t.extInt.asserted = vec != hv.InterruptVectorNone
		if v = t.firstVP(); v == nil {
			return hv.StatusSuccess // no VP to take it yet: it stays asserted
		}
	}
	v.interrupts = append(v.interrupts, AssertedInterrupt{Type: typ, Vector: vec})
	v.counts[srcVPVirtualInterrupts]++
	v.stats.put(srcVPVirtualInterrupts, v.counts[srcVPVirtualInterrupts])
	return hv.StatusSuccess
}

func (h *Hypervisor) clearVirtualInterrupt(r *request) hv.Status {
	in := input[hv.ClearVirtualInterruptInput](r)
	t, st := h.target(r, in.DestinationPartition, false)
	switch {
	case t == nil:
		return st
	case !t.extInt.acknowledged:
		return hv.StatusNotAcknowledged
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	t.extInt = extIntState{}
	return hv.StatusSuccess
}

// AcknowledgeExtInt simulates the guest acknowledging the asserted external
// interrupt; it reports whether one was asserted.
func (p *Partition) AcknowledgeExtInt() bool {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	if !p.extInt.asserted {
		return false
	}
	p.extInt.acknowledged = true
	return true
}
