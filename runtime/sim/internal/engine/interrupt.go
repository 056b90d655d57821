package engine

import (
	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// interceptKey names one installed intercept: its type and parameter.
type interceptKey struct {
	typ   hv.InterceptType
	param uint64
}

// interceptAccess is the access each intercept type may be installed for
// (wdk-2013/HV_INTERCEPT_TYPE.txt: read and write for I/O ports and MSRs,
// execute for CPUID leaves and exceptions).
var interceptAccess = map[hv.InterceptType]uint32{
	hv.InterceptTypeX64IOPort:    uint32(hv.InterceptAccessMaskRead | hv.InterceptAccessMaskWrite),
	hv.InterceptTypeX64MSR:       uint32(hv.InterceptAccessMaskRead | hv.InterceptAccessMaskWrite),
	hv.InterceptTypeX64CPUID:     uint32(hv.InterceptAccessMaskExecute),
	hv.InterceptTypeX64Exception: uint32(hv.InterceptAccessMaskExecute),
}

// interrupts is intercepts and virtual interrupts.
type interrupts struct{ h *Hypervisor }

// cpuidPoolPages is what a CPUID intercept takes from the target's pool (the
// only kind the page says can run out of memory; the sim takes one page).
const cpuidPoolPages = 1

func (c *interrupts) installIntercept(r *request) hv.Status {
	in := input[hv.InstallInterceptInput](r)
	t, st := c.h.target(r, in.PartitionID, false)
	if t == nil {
		return st
	}
	allowed, ok := interceptAccess[in.InterceptType]
	param := *in.InterceptParameter.AsUint64()
	switch {
	case !ok, in.AccessType&^allowed != 0,
		in.InterceptType == hv.InterceptTypeX64IOPort && param > 0xffff,
		in.InterceptType == hv.InterceptTypeX64MSR && param != 0, // no MSR is named: all of them
		in.InterceptType == hv.InterceptTypeX64CPUID && param > 0xffffffff,
		in.InterceptType == hv.InterceptTypeX64Exception && param >= 32: // x64 exception vectors
		return hv.StatusInvalidParameter
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	k := interceptKey{in.InterceptType, param}
	_, had := t.intercepts[k]
	switch {
	case in.AccessType == 0:
		if had {
			c.removeIntercept(t, k)
		}
		return hv.StatusSuccess
	case !had && k.typ == hv.InterceptTypeX64CPUID:
		if !t.take(cpuidPoolPages) {
			return hv.StatusInsufficientMemory
		}
	}
	t.intercepts[k] = in.AccessType
	return hv.StatusSuccess
}

func (c *interrupts) removeIntercept(t *Partition, k interceptKey) {
	if k.typ == hv.InterceptTypeX64CPUID {
		t.pool += cpuidPoolPages
	}
	delete(t.intercepts, k)
}

// Intercept simulates a guest access on the VP: it reports whether an
// installed intercept of that HV_INTERCEPT_TYPE and parameter (I/O port,
// CPUID leaf, exception vector; 0 for MSRs) covers the access (an
// HV_INTERCEPT_ACCESS_MASK_* bit), and if so counts it on the VP.
func (x *VP) Intercept(typ uint32, param uint64, access uint32) bool {
	hit := false
	x.with(func(v *vp) {
		k := interceptKey{hv.InterceptType(typ), param}
		if x.p.intercepts[k]&access == 0 {
			return
		}
		hit = true
		v.intercepts.Add(1)
		src := interceptSource(k.typ, param)
		v.counts[src]++
		v.stats.put(src, v.counts[src])
	})
	return hit
}

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

func (c *interrupts) assertVirtualInterrupt(r *request) hv.Status {
	in := input[hv.AssertVirtualInterruptInput](r)
	t, st := c.h.target(r, in.DestinationPartition, false)
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
		if v = t.lowest; v == nil {
			return hv.StatusSuccess // no VP to take it yet: it stays asserted
		}
	}
	v.interrupts = append(v.interrupts, Interrupt{Type: uint32(typ), Vector: uint32(vec)})
	v.counts[srcVPVirtualInterrupts]++
	v.stats.put(srcVPVirtualInterrupts, v.counts[srcVPVirtualInterrupts])
	return hv.StatusSuccess
}

func (c *interrupts) clearVirtualInterrupt(r *request) hv.Status {
	in := input[hv.ClearVirtualInterruptInput](r)
	t, st := c.h.target(r, in.DestinationPartition, false)
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
