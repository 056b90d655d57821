package sim

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

// cpuidPoolPages is what a CPUID intercept takes from the target's pool (the
// only kind the page says can run out of memory; the sim takes one page).
const cpuidPoolPages = 1

func (h *Hypervisor) installIntercept(r *request) hv.Status {
	in := input[hv.InstallInterceptInput](r)
	t, st := h.target(r, in.PartitionID, false)
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
			h.removeIntercept(t, k)
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

func (h *Hypervisor) removeIntercept(t *Partition, k interceptKey) {
	if k.typ == hv.InterceptTypeX64CPUID {
		t.pool += cpuidPoolPages
	}
	delete(t.intercepts, k)
}

// Intercept simulates a guest access on a VP of the partition: it reports
// whether an installed intercept of that type and parameter (I/O port, CPUID
// leaf, exception vector; 0 for MSRs) covers the access (an
// HV_INTERCEPT_ACCESS_MASK_* bit), and if so counts it on the VP.
func (p *Partition) Intercept(vpIndex uint32, typ hv.InterceptType, param uint64, access uint32) bool {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	v := p.vp[hv.VPIndex(vpIndex)]
	if v == nil || p.intercepts[interceptKey{typ, param}]&access == 0 {
		return false
	}
	v.intercepts.Add(1)
	src := interceptSource(typ, param)
	v.counts[src]++
	v.stats.put(src, v.counts[src])
	return true
}
