package sim

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// maxVPs is the sim's implementation maximum of VPs per partition: VP indexes
// run from 0 to maxVPs-1.
const maxVPs = 64

// vpPoolPages is what a VP's hypervisor structures take from its partition's
// pool (the sim's choice; the page says only that they come from it).
const vpPoolPages = 1

// vp is a virtual processor: its registers, SynIC pages and counters.
type vp struct {
	index hv.VPIndex
	regs  map[hv.RegisterName]hv.RegisterValue
	stats *statsPage
	// SynIC pages the VP's SIMP and SIEFP registers overlay on its
	// partition's GPA space; nil while disabled.
	sim, sief []byte
	simGPA    uint64
	siefGPA   uint64
	// pending are messages waiting for their SINT's slot in the SIM page.
	pending [16][]pendingMessage
	// Counters for the statistics exporter and tests (see VPCounters).
	runTime, hypercalls, intercepts atomic.Uint64
	interrupts                      []AssertedInterrupt
	counts                          [numSources]uint64 // the event counts the VP page shows beyond the three above
	paid                            bool               // took vpPoolPages from the pool
}

func newVP(i hv.VPIndex, s *statsPage) *vp {
	return &vp{index: i, regs: map[hv.RegisterName]hv.RegisterValue{}, stats: s}
}

// vpsChanged follows a VP created or deleted: the lowest VP, which runs the
// partition's calls, and the levels on the statistics pages.
func (p *Partition) vpsChanged() {
	p.lowest = nil
	for i := range hv.VPIndex(maxVPs) {
		if v := p.vp[i]; v != nil {
			p.lowest = v
			break
		}
	}
	p.h.syncLevels(p)
}

func (h *Hypervisor) createVP(r *request) hv.Status {
	in := input[hv.CreateVPInput](r)
	t, st := h.target(r, in.PartitionID, false)
	switch {
	case t == nil:
		return st
	case h.reserveTotal(t, 1) > cpuFull*len(h.lpStats):
		return hv.StatusOperationDenied
	case t.vp[in.VPIndex] != nil, in.VPIndex >= maxVPs:
		return hv.StatusInvalidVPIndex
	case in.Flags != 0, in.ProximityDomainInfo.Flags&hv.ProximityDomainFlagsReservedMask != 0:
		return hv.StatusInvalidParameter
	case !t.active:
		return hv.StatusInvalidPartitionState
	case t.pool < vpPoolPages:
		return hv.StatusInsufficientMemory
	case h.counts[limitVPs] >= h.cfg.Limit:
		return hv.StatusNoResources
	}
	t.pool -= vpPoolPages
	h.counts[limitVPs]++
	v := newVP(in.VPIndex, h.newStatsPage(hv.StatsObjectVP, t.ID, uint32(in.VPIndex)))
	v.paid = true
	t.vp[in.VPIndex] = v
	t.vpsChanged()
	return hv.StatusSuccess
}

func (h *Hypervisor) deleteVP(r *request) hv.Status {
	in := input[hv.DeleteVPInput](r)
	t, st := h.target(r, in.PartitionID, false)
	switch {
	case t == nil:
		return st
	case t.vp[in.VPIndex] == nil:
		return hv.StatusInvalidVPIndex
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	h.removeVP(t, in.VPIndex)
	return hv.StatusSuccess
}

func (h *Hypervisor) removeVP(t *Partition, i hv.VPIndex) {
	v := t.vp[i]
	if v.paid {
		t.pool += vpPoolPages
		h.counts[limitVPs]--
	}
	v.setSynicPage(t, &v.sim, &v.simGPA, 0)
	v.setSynicPage(t, &v.sief, &v.siefGPA, 0)
	delete(t.vp, i)
	h.dropStatsMappings(t, uint32(i), false)
	t.vpsChanged()
}

// vpTarget runs the checks the register calls share: the partition exists,
// the caller is it or its parent, the VP exists, the partition is active.
func (h *Hypervisor) vpTarget(r *request, id hv.PartitionID, idx hv.VPIndex, self bool) (*Partition, *vp, hv.Status) {
	t, st := h.target(r, id, self)
	switch {
	case t == nil:
		return nil, nil, st
	case t.vp[idx] == nil:
		return nil, nil, hv.StatusInvalidVPIndex
	}
	return t, t.vp[idx], hv.StatusSuccess
}

// repEnd is where a rep call stops this time: the rep count, or earlier
// under SetRepBudget.
func (h *Hypervisor) repEnd(r *request) int {
	if h.repBudget > 0 {
		return min(r.count, r.start+h.repBudget)
	}
	return r.count
}

// Registers the sim treats as read-only: the pages call these VP index, run
// time, reference counter and SynIC version registers read-only.
var readOnlyRegisters = map[hv.RegisterName]bool{
	hv.X64RegisterVPIndex:      true,
	hv.X64RegisterVPRunTime:    true,
	hv.X64RegisterTimeRefCount: true,
	hv.X64RegisterSversion:     true,
}

// synicVersion is what HvX64RegisterSversion reads (version 1 of the SynIC).
const synicVersion = 1

func (h *Hypervisor) getVPRegisters(r *request) hv.Status {
	in := input[hv.GetVPRegistersInput](r)
	t, v, st := h.vpTarget(r, in.PartitionID, in.VPIndex, true)
	if v == nil {
		return st
	}
	if !t.active {
		return hv.StatusInvalidPartitionState
	}
	end := h.repEnd(r)
	for i := r.start; i < end; i++ {
		name := hv.RegisterName(binary.LittleEndian.Uint32(r.in[16+4*i:]))
		if !known(name.String()) {
			r.done = i
			return hv.StatusInvalidParameter
		}
		val := v.regs[name]
		switch name {
		case hv.X64RegisterVPIndex:
			*val.Reg64() = uint64(v.index)
		case hv.X64RegisterVPRunTime:
			*val.Reg64() = v.runTime.Load()
		case hv.X64RegisterTimeRefCount:
			*val.Reg64() = h.now.Load()
		case hv.X64RegisterSversion:
			*val.Reg64() = synicVersion
		}
		*(*hv.RegisterValue)(unsafe.Pointer(&r.out[16*i])) = val
	}
	r.done = end
	return hv.StatusSuccess
}

// registerReserved gives the reserved bits of the registers whose format the
// registry describes; a value with one of them set is invalid.
var registerReserved = map[hv.RegisterName]uint64{
	hv.X64RegisterScontrol: uint64(hv.SynicScontrolReservedMask),
	hv.X64RegisterSipp:     uint64(hv.SynicSimpReservedMask),
	hv.X64RegisterSifp:     uint64(hv.SynicSiefpReservedMask),
}

func reservedBits(name hv.RegisterName) uint64 {
	if name >= hv.X64RegisterSint0 && name <= hv.X64RegisterSint15 {
		return uint64(hv.SynicSINTReservedMask)
	}
	return registerReserved[name]
}

func (h *Hypervisor) setVPRegisters(r *request) hv.Status {
	in := input[hv.SetVPRegistersInput](r)
	t, v, st := h.vpTarget(r, in.PartitionID, in.VPIndex, true)
	if v == nil {
		return st
	}
	if !t.active {
		return hv.StatusInvalidPartitionState
	}
	end := h.repEnd(r)
	for i := r.start; i < end; i++ {
		e := (*hv.SetVPRegistersElementInput)(unsafe.Pointer(&r.in[16+32*i]))
		name, val := e.RegisterName, e.RegisterValue
		if !known(name.String()) || readOnlyRegisters[name] || *val.Reg64()&reservedBits(name) != 0 {
			r.done = i
			return hv.StatusInvalidParameter
		}
		v.regs[name] = val
		h.registerWritten(t, v, name)
	}
	r.done = end
	return hv.StatusSuccess
}

// registerWritten applies what the sim models of a register: the SynIC
// message and event flag pages appear at the GPA their registers name while
// enabled, and an end-of-message write delivers the next pending message.
func (h *Hypervisor) registerWritten(t *Partition, v *vp, name hv.RegisterName) {
	val := v.regs[name]
	x := *val.Reg64()
	switch name {
	case hv.X64RegisterSipp:
		v.setSynicPage(t, &v.sim, &v.simGPA, x)
	case hv.X64RegisterSifp:
		v.setSynicPage(t, &v.sief, &v.siefGPA, x)
	case hv.X64RegisterEom:
		for sint := range v.pending {
			h.deliverPending(v, sint)
		}
	}
}

// setSynicPage moves a SynIC page overlay to the page a SIMP or SIEFP value
// names (bit 0 enables, bits 12 and up give the GPA page), or removes it.
func (v *vp) setSynicPage(t *Partition, mem *[]byte, gpa *uint64, x uint64) {
	if *mem != nil {
		delete(t.gpa, *gpa)
	}
	if x&1 == 0 {
		*mem = nil
		return
	}
	if *mem == nil {
		*mem = make([]byte, hvPageSize)
	}
	*gpa = x >> 12
	t.gpa[*gpa] = *mem
}

// AssertedInterrupt is an interrupt HvCallAssertVirtualInterrupt delivered to a VP.
type AssertedInterrupt struct {
	Type   hv.InterruptType
	Vector hv.InterruptVector
}

// VPCounters are what the sim counted for a VP: its run time (100 ns
// units, moved by Advance), the hypercalls its partition issued through it
// and the intercepts it took (Intercept). They feed the VP statistics pages.
type VPCounters struct {
	RunTime, Hypercalls, Intercepts uint64
}

// VP reports whether a VP exists and its counters.
func (p *Partition) VP(index uint32) (VPCounters, bool) {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	v := p.vp[hv.VPIndex(index)]
	if v == nil {
		return VPCounters{}, false
	}
	return VPCounters{RunTime: v.runTime.Load(), Hypercalls: v.hypercalls.Load(), Intercepts: v.intercepts.Load()}, true
}

// VPIndexes lists the partition's VPs in index order.
func (p *Partition) VPIndexes() []uint32 {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	var out []uint32
	for i := range uint32(maxVPs) {
		if p.vp[hv.VPIndex(i)] != nil {
			out = append(out, i)
		}
	}
	return out
}

// Interrupts returns the interrupts asserted to a VP so far.
func (p *Partition) Interrupts(index uint32) []AssertedInterrupt {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	if v := p.vp[hv.VPIndex(index)]; v != nil {
		return append([]AssertedInterrupt(nil), v.interrupts...)
	}
	return nil
}

// countCall counts a hypercall on the partition and on its lowest VP (the
// backend issues calls as the partition; the sim runs them on that VP).
func (p *Partition) countCall() {
	p.calls++
	if v := p.firstVP(); v != nil {
		v.stats.put(srcVPHypercalls, v.hypercalls.Add(1))
	}
}

func (p *Partition) firstVP() *vp { return p.lowest }
