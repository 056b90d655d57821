package engine

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
)

// maxVPs is the sim's implementation maximum of VPs per partition: VP indexes
// run from 0 to maxVPs-1.
const maxVPs = 64

// vp is a virtual processor: its registers, SynIC pages and counters.
type vp struct {
	p     *Partition
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
	// Counters for the statistics pages and tests (see VPCounters).
	runTime, hypercalls, intercepts atomic.Uint64
	interrupts                      []Interrupt
	counts                          [numSources]uint64 // the event counts the VP page shows beyond the three above
	paid                            bool               // took sim.VPPoolPages from the pool

	handle     *VP // the engine's handle on it, made on first use
	handleOnce sync.Once
}

func newVP(p *Partition, i hv.VPIndex) *vp {
	return &vp{p: p, index: i, regs: map[hv.RegisterName]hv.RegisterValue{}, stats: p.h.stats.newPage(hv.StatsObjectVP, p.id, uint32(i))}
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
	p.h.stats.syncLevels(p)
}

// countCall counts a hypercall on the partition and on its lowest VP (the
// backend issues calls as the partition; the sim runs them on that VP).
func (p *Partition) countCall() {
	p.calls++
	if v := p.lowest; v != nil {
		v.stats.put(srcVPHypercalls, v.hypercalls.Add(1))
	}
}

// processors is the VPs and the calls about processors.
type processors struct {
	h      *Hypervisor
	parked uint64 // logical processors the root reported parked
}

func (c *processors) createVP(r *request) hv.Status {
	h := c.h
	in := input[hv.CreateVPInput](r)
	t, st := h.target(r, in.PartitionID, false)
	switch {
	case t == nil:
		return st
	case h.life.reserveTotal(t, 1) > cpuFull*h.cfg.LogicalProcessors:
		return hv.StatusOperationDenied
	case t.vp[in.VPIndex] != nil, in.VPIndex >= maxVPs:
		return hv.StatusInvalidVPIndex
	case in.Flags != 0, in.ProximityDomainInfo.Flags&hv.ProximityDomainFlagsReservedMask != 0:
		return hv.StatusInvalidParameter
	case !t.active:
		return hv.StatusInvalidPartitionState
	case t.pool < sim.VPPoolPages:
		return hv.StatusInsufficientMemory
	case h.counts[limitVPs] >= h.cfg.Limit:
		return hv.StatusNoResources
	}
	t.pool -= sim.VPPoolPages
	h.counts[limitVPs]++
	v := newVP(t, in.VPIndex)
	v.paid = true
	t.vp[in.VPIndex] = v
	t.vpsChanged()
	return hv.StatusSuccess
}

func (c *processors) deleteVP(r *request) hv.Status {
	in := input[hv.DeleteVPInput](r)
	t, st := c.h.target(r, in.PartitionID, false)
	switch {
	case t == nil:
		return st
	case t.vp[in.VPIndex] == nil:
		return hv.StatusInvalidVPIndex
	case !t.active:
		return hv.StatusInvalidPartitionState
	}
	c.removeVP(t, in.VPIndex)
	return hv.StatusSuccess
}

func (c *processors) removeVP(t *Partition, i hv.VPIndex) {
	v := t.vp[i]
	if v.paid {
		t.pool += sim.VPPoolPages
		c.h.counts[limitVPs]--
	}
	v.setSynicPage(&v.sim, &v.simGPA, 0)
	v.setSynicPage(&v.sief, &v.siefGPA, 0)
	delete(t.vp, i)
	c.h.stats.dropMappings(t, uint32(i), false)
	t.vpsChanged()
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

// register reads a register as the VP sees it.
func (v *vp) register(name hv.RegisterName) hv.RegisterValue {
	val := v.regs[name]
	switch name {
	case hv.X64RegisterVPIndex:
		*val.Reg64() = uint64(v.index)
	case hv.X64RegisterVPRunTime:
		*val.Reg64() = v.runTime.Load()
	case hv.X64RegisterTimeRefCount:
		*val.Reg64() = v.p.h.now.Load()
	case hv.X64RegisterSversion:
		*val.Reg64() = synicVersion
	}
	return val
}

func (c *processors) getVPRegisters(r *request) hv.Status {
	h := c.h
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
		if !registerKnown(uint32(name)) {
			r.done = i
			return hv.StatusInvalidParameter
		}
		*(*hv.RegisterValue)(unsafe.Pointer(&r.out[16*i])) = v.register(name)
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

// setRegister writes a register as a set call does, or reports that the
// value is invalid for it.
func (v *vp) setRegister(name hv.RegisterName, val hv.RegisterValue) bool {
	if !registerKnown(uint32(name)) || readOnlyRegisters[name] || *val.Reg64()&reservedBits(name) != 0 {
		return false
	}
	v.regs[name] = val
	v.registerWritten(name)
	return true
}

func (c *processors) setVPRegisters(r *request) hv.Status {
	h := c.h
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
		if !v.setRegister(e.RegisterName, e.RegisterValue) {
			r.done = i
			return hv.StatusInvalidParameter
		}
	}
	r.done = end
	return hv.StatusSuccess
}

// registerWritten applies what the sim models of a register: the SynIC
// message and event flag pages appear at the GPA their registers name while
// enabled, and an end-of-message write delivers the next pending message.
func (v *vp) registerWritten(name hv.RegisterName) {
	val := v.regs[name]
	x := *val.Reg64()
	switch name {
	case hv.X64RegisterSipp:
		v.setSynicPage(&v.sim, &v.simGPA, x)
	case hv.X64RegisterSifp:
		v.setSynicPage(&v.sief, &v.siefGPA, x)
	case hv.X64RegisterEom:
		for sint := range v.pending {
			v.p.h.msg.deliverPending(v, sint)
		}
	}
}

// setSynicPage moves a SynIC page overlay to the page a SIMP or SIEFP value
// names (bit 0 enables, bits 12 and up give the GPA page), or removes it.
func (v *vp) setSynicPage(mem *[]byte, gpa *uint64, x uint64) {
	t := v.p
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

// Interrupt is an interrupt HvCallAssertVirtualInterrupt delivered to a VP:
// its HV_INTERRUPT_TYPE and vector.
type Interrupt struct {
	Type, Vector uint32
}

// VP is a handle on a VP of a partition. A handle Partition.VP made for a
// VP that existed refers to that VP, and its methods report false (or
// nothing) once it is gone, even if another VP takes its index; one made
// for an index without a VP refers to whatever VP has the index when a
// method is called.
type VP struct {
	p     *Partition
	index hv.VPIndex
	v     *vp // the VP it was made for, or nil

	facade     sync.Once
	facadeSelf any
	slotsMu    sync.Mutex
	slots      map[any]any
}

// VP returns the handle on the partition's VP of that index. A VP that
// exists keeps one handle while it lives; for an index without a VP it is a
// fresh handle each time.
func (p *Partition) VP(index uint32) *VP {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	v := p.vp[hv.VPIndex(index)]
	if v == nil {
		return &VP{p: p, index: hv.VPIndex(index)}
	}
	v.handleOnce.Do(func() { v.handle = &VP{p: p, index: v.index, v: v} })
	return v.handle
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

// Index is the VP's index.
func (x *VP) Index() uint32 { return uint32(x.index) }

// Partition is the VP's partition.
func (x *VP) Partition() *Partition { return x.p }

// Handle returns what make returned the first time Handle was called on
// this handle: the facade keeps one typed handle per VP with it.
func (x *VP) Handle(make func() any) any {
	x.facade.Do(func() { x.facadeSelf = make() })
	return x.facadeSelf
}

// Attach returns the value the handle keeps under key, made by make the
// first time: state of a facade's own for the VP (a run loop's, say), which
// lives as long as the handle, that is as long as the VP.
func (x *VP) Attach(key any, make func() any) any {
	x.slotsMu.Lock()
	defer x.slotsMu.Unlock()
	if v, ok := x.slots[key]; ok {
		return v
	}
	if x.slots == nil {
		x.slots = map[any]any{}
	}
	v := make()
	x.slots[key] = v
	return v
}

// with runs f on the VP with the hypervisor's lock held, and reports
// whether the VP exists.
func (x *VP) with(f func(v *vp)) bool {
	x.p.h.mu.Lock()
	defer x.p.h.mu.Unlock()
	v := x.p.vp[x.index]
	if v == nil || x.v != nil && v != x.v || x.p.h.partitions[x.p.id] != x.p {
		return false
	}
	f(v)
	return true
}

// Exists reports whether the partition has a VP of that index.
func (x *VP) Exists() bool { return x.with(func(*vp) {}) }

// Counters returns what the sim counted for the VP, and whether it exists.
func (x *VP) Counters() (sim.VPCounters, bool) {
	var c sim.VPCounters
	ok := x.with(func(v *vp) {
		c = sim.VPCounters{RunTime: v.runTime.Load(), Hypercalls: v.hypercalls.Load(), Intercepts: v.intercepts.Load()}
	})
	return c, ok
}

// Interrupts returns the interrupts asserted to the VP so far.
func (x *VP) Interrupts() []Interrupt {
	var out []Interrupt
	x.with(func(v *vp) { out = append(out, v.interrupts...) })
	return out
}

// Register reads one register (by HV_REGISTER_NAME) as the VP sees it, as
// its 16 bytes; false when the VP or the name does not exist.
func (x *VP) Register(name uint32) ([16]byte, bool) {
	var out [16]byte
	ok := false
	x.with(func(v *vp) {
		if ok = registerKnown(name); ok {
			val := v.register(hv.RegisterName(name))
			out = *(*[16]byte)(unsafe.Pointer(&val))
		}
	})
	return out, ok
}

// SetRegister writes one register as HvCallSetVpRegisters does (the same
// checks and effects: SynIC pages appear, end-of-message delivers); false
// when the VP does not exist or the call would refuse the value.
func (x *VP) SetRegister(name uint32, value [16]byte) bool {
	ok := false
	x.with(func(v *vp) { ok = v.setRegister(hv.RegisterName(name), *(*hv.RegisterValue)(unsafe.Pointer(&value))) })
	return ok
}

// assocSize is the size of an hv_register_assoc element (every version's:
// the 4-byte name at 0, the 16-byte value at 16).
const assocSize = 32

// ReadRegisters reads registers given as hv_register_assoc elements (elems
// holds them back to back) into their values, under one lock: false when
// the VP does not exist or a name is unknown (the values before it are
// read).
func (x *VP) ReadRegisters(elems []byte) bool {
	ok := false
	x.with(func(v *vp) {
		for i := 0; i+assocSize <= len(elems); i += assocSize {
			name := binary.LittleEndian.Uint32(elems[i:])
			if !registerKnown(name) {
				return
			}
			val := v.register(hv.RegisterName(name))
			copy(elems[i+16:i+assocSize], (*[16]byte)(unsafe.Pointer(&val))[:])
		}
		ok = true
	})
	return ok
}

// WriteRegisters writes registers given as hv_register_assoc elements as
// HvCallSetVpRegisters does (the same checks and effects), under one lock:
// false when the VP does not exist or the call would refuse a value (the
// elements before it are written).
func (x *VP) WriteRegisters(elems []byte) bool {
	ok := false
	x.with(func(v *vp) {
		for i := 0; i+assocSize <= len(elems); i += assocSize {
			name := binary.LittleEndian.Uint32(elems[i:])
			if !v.setRegister(hv.RegisterName(name), *(*hv.RegisterValue)(unsafe.Pointer(&elems[i+16]))) {
				return
			}
		}
		ok = true
	})
	return ok
}
