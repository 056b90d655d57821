package engine

import (
	"encoding/binary"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// The calls a VP makes about itself or its processors. The backend issues
// calls as a partition; the sim runs them on the partition's lowest VP.

func (c *processors) getLogicalProcessorRunTime(r *request) hv.Status {
	h := c.h
	if !r.p.priv().CPUManagement() {
		return hv.StatusAccessDenied
	}
	out := (*hv.GetLogicalProcessorRunTimeOutput)(outPtr(r))
	// The times of logical processor 0, where the sim runs the caller, as
	// the scheduler counts them (sched.go) and its statistics page shows.
	out.GlobalTime = hv.Nano100Time(h.now.Load())
	out.LocalRunTime = hv.Nano100Time(h.sched.lp0Run)
	out.HypervisorTime = hv.Nano100Time(h.sched.lp0Hypervisor)
	return hv.StatusSuccess
}

// notifyLongSpinWait is a scheduling hint; the page gives it no failure.
func (c *processors) notifyLongSpinWait(*request) hv.Status { return hv.StatusSuccess }

func (c *processors) parkLogicalProcessors(r *request) hv.Status {
	in := input[hv.ParkLogicalProcessorsInput](r)
	if !r.p.priv().CPUManagement() {
		return hv.StatusAccessDenied
	}
	c.parked = uint64(in.ProcessorMask)
	return hv.StatusSuccess
}

// validCR3: the sim's CR3 values hold a page-table GPA inside its GPA space
// (bits 12 to 39) and the PCID/flag bits below; higher bits are reserved.
func validCR3(v uint64) bool { return v>>12 < maxGPAPage }

func (c *processors) switchVirtualAddressSpace(r *request) hv.Status {
	cr3 := binary.LittleEndian.Uint64(r.in)
	if !validCR3(cr3) {
		return hv.StatusInvalidParameter
	}
	if v := r.p.lowest; v != nil {
		var x hv.RegisterValue
		*x.Reg64() = cr3
		v.regs[hv.X64RegisterCr3] = x
	}
	return hv.StatusSuccess
}

// flushArgs checks the parameters both flush calls share (a flush has no
// visible effect in the sim: it keeps no TLB).
func flushArgs(in *hv.FlushVirtualAddressSpaceInput, allowed hv.FlushFlags) hv.Status {
	switch {
	case in.Flags&^allowed != 0,
		in.Flags&hv.FlushAllVirtualAddressSpaces == 0 && !validCR3(uint64(in.AddressSpace)),
		in.Flags&hv.FlushAllProcessors == 0 && in.ProcessorMask == 0:
		return hv.StatusInvalidParameter
	}
	return hv.StatusSuccess
}

func (c *processors) flushVirtualAddressSpace(r *request) hv.Status {
	return flushArgs(input[hv.FlushVirtualAddressSpaceInput](r),
		hv.FlushAllProcessors|hv.FlushAllVirtualAddressSpaces|hv.FlushNonGlobalMappingsOnly)
}

// flushVirtualAddressList: the list header has the layout of the space
// flush; HV_FLUSH_NON_GLOBAL_MAPPINGS_ONLY is not allowed with a list.
func (c *processors) flushVirtualAddressList(r *request) hv.Status {
	st := flushArgs(input[hv.FlushVirtualAddressSpaceInput](r), hv.FlushAllProcessors|hv.FlushAllVirtualAddressSpaces)
	if st == hv.StatusSuccess {
		r.done = c.h.repEnd(r)
	}
	return st
}
