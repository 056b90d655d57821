package sim

import (
	"sync"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// backend issues hypercalls as one partition.
type backend struct{ p *Partition }

// request is one decoded hypercall.
type request struct {
	p      *Partition
	in     []byte // the input block (page or registers)
	out    []byte // the output page; nil for a fast call
	fast   bool
	code   hv.CallCode
	simple bool
	count  int // rep count
	start  int // rep start index
	done   int // reps completed, set by rep handlers
	block  alignedBlock
}

// alignedBlock holds a copy of a misaligned register block.
type alignedBlock struct {
	_ [0]uint64
	hvcall.FastBlock
}

// handler executes one hypercall with the hypervisor lock held.
type handler func(h *Hypervisor, r *request) hv.Status

// The request is passed by pointer to a handler picked from a map, so it
// escapes; a pool keeps the simple path free of allocations.
var requests = sync.Pool{New: func() any { return new(request) }}

// handlers are the calls the sim implements, with whether they are fast-capable
// (from the generated descriptors).
var handlers = map[hv.CallCode]handler{
	hv.CallInitializeEventLogBufferGroup: (*Hypervisor).initializeGroup,
	hv.CallFinalizeEventLogBufferGroup:   (*Hypervisor).finalizeGroup,
	hv.CallCreateEventLogBuffer:          (*Hypervisor).createBuffer,
	hv.CallDeleteEventLogBuffer:          (*Hypervisor).deleteBuffer,
	hv.CallMapEventLogBuffer:             (*Hypervisor).mapBuffer,
	hv.CallUnmapEventLogBuffer:           (*Hypervisor).unmapBuffer,
	hv.CallSetEventLogGroupSources:       (*Hypervisor).setGroupSources,
	hv.CallReleaseEventLogBuffer:         (*Hypervisor).releaseBuffer,
	hv.CallFlushEventLogBuffer:           (*Hypervisor).flushBuffer,
	hv.CallMapStatsPage:                  (*Hypervisor).mapStatsPage,
	hv.CallUnmapStatsPage:                (*Hypervisor).unmapStatsPage,
	hv.CallDepositMemory:                 (*Hypervisor).depositMemory,
}

func (b backend) Hypercall(control uint64, in, out *hvcall.Page, regs *hvcall.FastBlock, _ hvcall.Sizes) uint64 {
	h := b.p.h
	ctl := hv.X64HypercallInput(control)
	status, done := h.dispatch(b.p, ctl, in, out, regs)
	var res hv.X64HypercallOutput
	res.SetCallStatus(status)
	res.SetElementsProcessed(uint16(done))
	return uint64(res)
}

func (h *Hypervisor) dispatch(p *Partition, ctl hv.X64HypercallInput, in, out *hvcall.Page, regs *hvcall.FastBlock) (hv.Status, int) {
	r := requests.Get().(*request)
	defer requests.Put(r)
	if st := h.decode(r, p, ctl, in, out, regs); st != hv.StatusSuccess {
		return st, 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	st := handlers[r.code](h, r)
	h.countHypercall(p)
	return st, r.done
}

// decode checks the hypercall input value and the parameter memory, as the
// hypervisor does before it looks at the call itself.
func (h *Hypervisor) decode(r *request, p *Partition, ctl hv.X64HypercallInput, in, out *hvcall.Page, regs *hvcall.FastBlock) hv.Status {
	code := ctl.CallCode()
	d, known := hv.LookupHypercall(code)
	if !known || handlers[code] == nil {
		return hv.StatusInvalidHypercallCode // never a silent success for calls the sim does not model
	}
	// The checks of the hypercall input value itself (Hypercall Input Values).
	count, start := int(ctl.CountOfElements()), int(ctl.RepStartIndex())
	switch {
	case ctl&hv.X64HypercallInputReservedMask != 0,
		!d.Rep && (count != 0 || start != 0),
		d.Rep && (count == 0 || start >= count),
		ctl.IsFast() && (!d.Fast || d.Rep):
		return hv.StatusInvalidHypercallInput
	}
	*r = request{p: p, fast: ctl.IsFast(), code: code, simple: !d.Rep, count: count, start: start}
	switch {
	case ctl.IsFast() && regs == nil, !ctl.IsFast() && (in == nil || out == nil):
		return hv.StatusInvalidParameter
	case ctl.IsFast():
		r.in = regs[:]
		if uintptr(unsafe.Pointer(regs))%8 != 0 {
			// Parameter structs are viewed in place: copy a misaligned
			// register block to aligned memory first.
			r.block.FastBlock = *regs
			r.in = r.block.FastBlock[:]
		}
	default:
		if uintptr(unsafe.Pointer(in))%hvcall.PageSize != 0 || uintptr(unsafe.Pointer(out))%hvcall.PageSize != 0 {
			return hv.StatusInvalidAlignment
		}
		r.in, r.out = in[:], out[:]
	}
	if len(r.in) < int(d.InputSize) {
		return hv.StatusInvalidParameter
	}
	return hv.StatusSuccess
}

// input views the input block as the call's input struct.
func input[T any](r *request) *T { return (*T)(unsafe.Pointer(unsafe.SliceData(r.in))) }
