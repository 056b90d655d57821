//go:build amd64

package mshvsim

import (
	"os"
	"sync"
	"syscall"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/internal/mshvioctl"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
	"github.com/hvgen/hvgen/runtime/mshv"
	"github.com/hvgen/hvgen/runtime/sim/linux70sim"
)

// vp is the driver's struct mshv_vp, with the scripted guest the simulated
// hypervisor runs on it.
type vp struct {
	p     *partition
	index uint32
	sim   *linux70sim.VP

	mu      sync.Mutex // vp_mutex: the VP's ioctls, one at a time
	c       *linux70.Client
	hc      hvPages
	resume  [2]linux70.RegisterAssoc // HV_REGISTER_INTERCEPT_SUSPEND, HV_REGISTER_EXPLICIT_SUSPEND, cleared
	resumeI linux70.SetVPRegistersInput
	regPage []byte // the VP's register page (mmap offset MSHV_VP_MMAP_OFFSET_REGISTERS)
	msgPage []byte // its intercept message page
	state   [linux70.MshvVPStateCount][]byte
	run     runner // the scripted guest
}

func newVP(p *partition, index uint32) *vp {
	v := &vp{p: p, index: index, sim: p.sim.VP(index), c: linux70.NewClient(p.d.root.Backend()),
		regPage: page(), msgPage: page()}
	v.hc.in, v.hc.out = hvcall.NewPagePair()
	v.resume[0].Name = uint32(linux70.RegisterInterceptSuspend)
	v.resume[1].Name = uint32(linux70.RegisterExplicitSuspend)
	v.resumeI = linux70.SetVPRegistersInput{PartitionID: p.id, VPIndex: index}
	v.run.init(v)
	return v
}

// page returns a zeroed page of the Go heap on a page boundary (what the
// kernel's VP pages are mapped from).
func page() []byte { return mshvioctl.Aligned(pageSize(), pageSize()) }

func pageSize() int { return max(os.Getpagesize(), hvcall.PageSize) }

// ioctl is mshv_vp_ioctl (drivers/hv/mshv_root_main.c:860-889 @
// d4eb7b2da66c), under vp_mutex.
func (v *vp) ioctl(req uint32, arg unsafe.Pointer) (int, syscall.Errno) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch req {
	case linux70.IoctlMshvRunVP:
		return 0, v.runVP((*mshv.Message)(arg))
	case linux70.IoctlMshvGetVPState:
		return 0, v.getSetState((*linux70.MshvGetSetVPState)(arg), false)
	case linux70.IoctlMshvSetVPState:
		return 0, v.getSetState((*linux70.MshvGetSetVPState)(arg), true)
	case linux70.IoctlMshvRootHvcall:
		// :878-880: the partition's pass-through, not "partition locked":
		// an asynchronous call is refused here.
		return 0, v.p.d.passthrough(v.p, &v.hc, v.c, abi.FdVP, (*linux70.MshvRootHvcall)(arg))
	}
	return 0, syscall.ENOTTY // :863
}

// runVP is mshv_vp_ioctl_run_vp (:672-691) with the hypervisor's scheduler
// (mshv_run_vp_with_hyp_scheduler, :361-406): HVCALL_SET_VP_REGISTERS
// clears HV_REGISTER_INTERCEPT_SUSPEND and HV_REGISTER_EXPLICIT_SUSPEND, in
// that order, to let the VP go (:371-372); the VP runs until the hypervisor
// suspends it with a message in its intercept message page (here: the
// scripted guest's next intercept); the message is copied out (:686-688).
// GPA intercepts of movable regions, which the kernel handles itself
// (:663-670), do not arise: the simulated driver's regions are pinned.
func (v *vp) runVP(out *mshv.Message) syscall.Errno {
	v.p.d.traced(linux70.CallSetVPRegisters)
	if _, err := v.c.SetVPRegisters(&v.resumeI, v.resume[:]); err != nil {
		return errno(statusOf(err))
	}
	if e := v.run.step(); e != 0 {
		return e
	}
	*out = *(*mshv.Message)(unsafe.Pointer(&v.msgPage[0]))
	return 0
}

// getSetState is mshv_vp_ioctl_get_set_state (:750-857): EINVAL for an
// unknown kind, reserved bytes set, a size of zero or off a page boundary
// or a buffer off one (:764-767); the state's size is written back
// (:817-818) and a buffer short of it refused with EINVAL (:820-821). The
// size is a page for the LAPIC, SIMP and SIEFP states, the partition's
// HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE for XSAVE (read with
// HVCALL_GET_PARTITION_PROPERTY, :781-791), and hv_synthetic_timers_state's
// for the timers. The hypervisor keeps the state (HVCALL_GET_VP_STATE,
// HVCALL_SET_VP_STATE, which the sim does not model): the simulated driver
// keeps it itself, zero until set.
func (v *vp) getSetState(a *linux70.MshvGetSetVPState, set bool) syscall.Errno {
	ps := uint64(pageSize())
	if a.Type >= linux70.MshvVPStateCount || a.Rsvd != [3]uint8{} || a.BufSz == 0 ||
		uint64(a.BufSz)%ps != 0 || a.BufPtr%ps != 0 {
		return syscall.EINVAL
	}
	var size uint32
	switch a.Type {
	case linux70.MshvVPStateLapic, linux70.MshvVPStateSimp, linux70.MshvVPStateSiefp:
		size = hvcall.PageSize
	case linux70.MshvVPStateXsave:
		var out linux70.GetPartitionPropertyOutput
		v.p.d.traced(linux70.CallGetPartitionProperty)
		if err := v.c.GetPartitionProperty(&linux70.GetPartitionPropertyInput{PartitionID: v.p.id,
			PropertyCode: uint32(linux70.PartitionPropertyXsaveStates)}, &out); err != nil {
			return errno(statusOf(err))
		}
		v.p.d.traced(linux70.CallGetPartitionProperty)
		if err := v.c.GetPartitionProperty(&linux70.GetPartitionPropertyInput{PartitionID: v.p.id,
			PropertyCode: uint32(linux70.PartitionPropertyMaxXsaveDataSize)}, &out); err != nil {
			return errno(statusOf(err))
		}
		size = uint32(out.PropertyValue)
	case linux70.MshvVPStateSyntheticTimers:
		size = uint32(unsafe.Sizeof(linux70.SyntheticTimersState{}))
	}
	have := a.BufSz
	a.BufSz = size // :817-818: the size written back, then a short buffer refused
	if size > have {
		return syscall.EINVAL
	}
	buf := mshvioctl.Bytes(a.BufPtr, int(size))
	st := &v.state[a.Type]
	if len(*st) != int(size) {
		*st = make([]byte, size)
	}
	if set {
		copy(*st, buf)
	} else {
		copy(buf, *st)
	}
	return 0
}

// release is mshv_vp_release (:940-947): the VP fd drops its reference to
// the partition; the VP itself stays until the partition goes.
func (v *vp) release() { v.p.release() }
