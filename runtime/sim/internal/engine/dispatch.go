package engine

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
	call   *callEntry
	simple bool
	count  int // rep count
	start  int // rep start index
	done   int // reps completed, set by rep handlers
	block  alignedBlock
	conv   [16]uint64 // a version's input rewritten for the handler (callEntry.adapt)
	ext    extras     // what a version's input says beyond the 2013 layout
}

// extras carries what a version's input says that the 2013 layout the
// handlers read cannot (set by the version's adapt step).
type extras struct {
	// creationFlags and isolation are the HvCallCreatePartition creation
	// flags and isolation properties (linux-7.0's
	// HV_PARTITION_CREATION_FLAG_* and hv_partition_isolation_properties).
	creationFlags, isolation uint64
	// largePages makes each rep of a GPA map or unmap call a 2 MB page
	// (linux-7.0's HV_MAP_GPA_LARGE_PAGE, HV_UNMAP_GPA_LARGE_PAGE).
	largePages bool
	// noAccess maps GPA pages with no access and no page behind them (the
	// source list is not read: linux-7.0's HV_MAP_GPA_NO_ACCESS).
	noAccess bool
	// access replaces the map call's flags when accessSet (linux-7.0's
	// HV_MAP_GPA_* bits, translated).
	access    hv.MapGPAFlags
	accessSet bool
	// outputLocation has a statistics page mapped where the hypervisor
	// chooses, returned in the output (linux-7.0's HVCALL_MAP_STATS_PAGE);
	// statsArea is the area of the object's statistics the statistics
	// calls mean (linux-7.0's hv_stats_area_type).
	outputLocation bool
	statsArea      uint8
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

// Hypercall implements hvcall.Backend: every answer is the simulated
// hypervisor's status; the sim itself never fails.
func (b backend) Hypercall(control uint64, in, out *hvcall.Page, regs *hvcall.FastBlock, _ hvcall.Sizes) (uint64, error) {
	h := b.p.h
	status, done := h.dispatch(b.p, control, in, out, regs)
	return h.ver.enc.Result(uint16(status), done), nil
}

// Conventions implements hvcall.Backend: the memory convention and the
// register one (input in RDX and R8); the sim models no XMM fast calls.
func (backend) Conventions() hvcall.Conventions { return hvcall.Fast }

func (h *Hypervisor) dispatch(p *Partition, ctl uint64, in, out *hvcall.Page, regs *hvcall.FastBlock) (hv.Status, int) {
	r := requests.Get().(*request)
	defer requests.Put(r)
	if st := h.decode(r, p, ctl, in, out, regs); st != hv.StatusSuccess {
		return st, 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	st := r.call.h(h, r)
	p.countCall()
	return st, r.done
}

// decode checks the hypercall input value and the parameter memory, as the
// hypervisor does before it looks at the call itself.
func (h *Hypervisor) decode(r *request, p *Partition, raw uint64, in, out *hvcall.Page, regs *hvcall.FastBlock) hv.Status {
	ctl := h.ver.enc.Decode(raw)
	c := h.ver.call(ctl.Code)
	if c == nil {
		return hv.StatusInvalidHypercallCode // never a silent success for calls the sim does not model
	}
	d := c.d
	// The checks of the hypercall input value itself (Hypercall Input Values).
	count, start := ctl.RepCount, ctl.RepStart
	switch {
	case raw&h.ver.reserved != 0, ctl.Nested, ctl.VariableHeaderLen != 0,
		!d.Rep && (count != 0 || start != 0),
		d.Rep && (count == 0 || start >= count),
		ctl.Fast && (!d.Fast || d.Rep):
		return hv.StatusInvalidHypercallInput
	}
	// Field by field: zeroing the whole request (its blocks) would cost more
	// than the call. block and conv are written before they are read.
	r.p, r.in, r.out, r.fast, r.code, r.call = p, nil, nil, ctl.Fast, hv.CallCode(ctl.Code), c
	r.simple, r.count, r.start, r.done, r.ext = !d.Rep, count, start, 0, extras{}
	switch {
	case ctl.Fast && regs == nil, !ctl.Fast && (in == nil || out == nil):
		return hv.StatusInvalidParameter
	case ctl.Fast:
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
	// Rep elements past the end of the page (a count the page cannot hold).
	if d.Rep && (alignUp(int(d.InputSize))+count*int(d.InputElemSize) > len(r.in) ||
		alignUp(int(d.OutputSize))+count*int(d.OutputElemSize) > len(r.out)) {
		return hv.StatusInvalidParameter
	}
	if c.adapt != nil {
		return c.adapt(r) // the version's input, rewritten into the layout the handler reads
	}
	return hv.StatusSuccess
}

func alignUp(n int) int { return (n + 7) &^ 7 }

// input views the input block as the call's input struct.
func input[T any](r *request) *T { return (*T)(unsafe.Pointer(unsafe.SliceData(r.in))) }
