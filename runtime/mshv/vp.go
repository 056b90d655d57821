package mshv

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/abi"
)

// VP is a virtual processor's file descriptor (rust-vmm's VcpuFd). Run it
// on a goroutine of its own; its methods may be called from any goroutine
// and the runtime serializes them, as the driver does (one request per VP
// at a time), except Close, which never waits for a Run in progress.
type VP struct {
	p     *Partition
	index uint32
	h     *handle

	mu       sync.Mutex // serializes the requests below, as the driver does
	msg      Message    // MSHV_RUN_VP's buffer: the message Run returns
	client   *linux70.Client
	state    []byte // page-aligned buffer of GetState and SetState
	stateArg linux70.MshvGetSetVPState

	pageMu  sync.Mutex // not mu: Close takes it while a Run may hold mu
	regPage []byte     // mapped on first use
	msgPage []byte
}

// Index returns the VP's index in its partition.
func (v *VP) Index() uint32 { return v.index }

// Partition returns the VP's partition.
func (v *VP) Partition() *Partition { return v.p }

// Run runs the VP until the hypervisor has a message for the VMM
// (MSHV_RUN_VP) and returns it: a view of the VP's own buffer, valid until
// the next Run. An interception the VMM handled leaves the VP where it
// was: to go on past an intercepted instruction, advance RIP (on x64,
// AdvanceRIP). Run issues the ioctl again when a signal interrupts the
// driver's wait (EINTR; Go's runtime signals threads to preempt
// goroutines).
func (v *VP) Run() (*Message, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, err := v.h.ioctlRetry(&reqRunVP, unsafe.Pointer(&v.msg)); err != nil {
		return nil, err
	}
	return &v.msg, nil
}

// Close closes the VP (and unmaps its register and intercept message
// pages). The driver keeps the VP in the hypervisor until its partition
// goes: its index cannot be created again. Closing twice is an error
// wrapping ErrClosed.
func (v *VP) Close() error {
	err := v.h.close("close")
	if err != nil {
		return err
	}
	v.p.forget(v)
	v.pageMu.Lock()
	defer v.pageMu.Unlock()
	for _, pg := range []*[]byte{&v.regPage, &v.msgPage} {
		if *pg != nil {
			if e := v.h.dev.Unmap(*pg); e != nil && err == nil {
				err = &Error{Op: "munmap", Fd: abi.FdVP, Err: e}
			}
			// The slice stays: a view handed out earlier still points there.
		}
	}
	return err
}

// GetRegisters reads the named registers into values, which must be as
// long as names (HVCALL_GET_VP_REGISTERS through the VP's pass-through).
func (v *VP) GetRegisters(names []linux70.RegisterName, values []linux70.RegisterValue) error {
	if len(values) != len(names) {
		return fmt.Errorf("mshv: GetRegisters: %d names, %d values", len(names), len(values))
	}
	if len(names) == 0 {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	elems := unsafe.Slice((*uint32)(unsafe.Pointer(&names[0])), len(names))
	n, err := v.clientLocked().GetVPRegisters(&linux70.GetVPRegistersInput{VPIndex: v.index}, elems, values)
	if err == nil && n != len(names) {
		err = fmt.Errorf("mshv: HVCALL_GET_VP_REGISTERS: %d of %d registers read", n, len(names))
	}
	return err
}

// SetRegisters writes registers (HVCALL_SET_VP_REGISTERS through the VP's
// pass-through). Reg64 makes an element of a 64-bit value.
func (v *VP) SetRegisters(regs []linux70.RegisterAssoc) error {
	if len(regs) == 0 {
		return nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	n, err := v.clientLocked().SetVPRegisters(&linux70.SetVPRegistersInput{VPIndex: v.index}, regs)
	if err == nil && n != len(regs) {
		err = fmt.Errorf("mshv: HVCALL_SET_VP_REGISTERS: %d of %d registers written", n, len(regs))
	}
	return err
}

// Reg64 returns the element of SetRegisters that sets register name to a
// 64-bit value.
func Reg64(name linux70.RegisterName, value uint64) linux70.RegisterAssoc {
	a := linux70.RegisterAssoc{Name: uint32(name)}
	*a.Value.Reg64() = value
	return a
}

func (v *VP) clientLocked() *linux70.Client {
	if v.client == nil {
		v.client = linux70.NewClient(v.Hypercalls())
	}
	return v.client
}

// VPState is a kind of VP state MSHV_GET_VP_STATE and MSHV_SET_VP_STATE
// carry (MSHV_VP_STATE_*).
type VPState uint8

// The kinds of state.
const (
	StateLAPIC           VPState = linux70.MshvVPStateLapic           // the local interrupt controller (x64: linux70.LocalInterruptControllerState), a page
	StateXSAVE           VPState = linux70.MshvVPStateXsave           // XSAVE data in compacted form (x64), of the partition's size
	StateSIMP            VPState = linux70.MshvVPStateSimp            // the SynIC message page (linux70.MessagePage)
	StateSIEFP           VPState = linux70.MshvVPStateSiefp           // the SynIC event flags page (linux70.SynicEventFlagsPage), a page
	StateSyntheticTimers VPState = linux70.MshvVPStateSyntheticTimers // linux70.SyntheticTimersState
)

func (k VPState) String() string {
	switch k {
	case StateLAPIC:
		return "MSHV_VP_STATE_LAPIC"
	case StateXSAVE:
		return "MSHV_VP_STATE_XSAVE"
	case StateSIMP:
		return "MSHV_VP_STATE_SIMP"
	case StateSIEFP:
		return "MSHV_VP_STATE_SIEFP"
	case StateSyntheticTimers:
		return "MSHV_VP_STATE_SYNTHETIC_TIMERS"
	}
	return fmt.Sprintf("MSHV_VP_STATE(%d)", uint8(k))
}

// GetState reads one kind of the VP's state into buf and returns its size
// (MSHV_GET_VP_STATE). The driver wants a page-aligned buffer of whole
// pages; the runtime passes one of its own, larger when the driver says the
// state is (it writes the size back before refusing a short buffer with
// EINVAL: drivers/hv/mshv_root_main.c:817-821 @ d4eb7b2da66c), and copies
// the state into buf. A buf shorter than the state gets its first bytes
// and an error wrapping io.ErrShortBuffer. hvcall.Bytes views a generated
// struct as buf:
//
//	var lapic linux70.LocalInterruptControllerState
//	_, err := vp.GetState(mshv.StateLAPIC, hvcall.Bytes(&lapic))
func (v *VP) GetState(kind VPState, buf []byte) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	n, err := v.stateLocked(&reqGetVPState, kind, nil)
	if err != nil {
		return n, err
	}
	if copy(buf, v.state[:n]) < n {
		return n, &Error{Op: reqGetVPState.name, Fd: abi.FdVP, Reason: fmt.Sprintf("%v is %d bytes, the buffer %d", kind, n, len(buf)), Err: io.ErrShortBuffer}
	}
	return n, nil
}

// SetState writes one kind of the VP's state from data
// (MSHV_SET_VP_STATE), through a page-aligned buffer of the runtime's: the
// pages data fills, zero past data. The driver reads as many bytes as the
// kind of state has (a generated struct may be shorter than the page it
// is carried in: the rest is zero) and refuses, with EINVAL, pages too few
// for it; the error then says how many bytes the state has.
func (v *VP) SetState(kind VPState, data []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, err := v.stateLocked(&reqSetVPState, kind, data)
	return err
}

// stateLocked issues MSHV_GET_VP_STATE or MSHV_SET_VP_STATE through the
// VP's state buffer; data is what a set writes.
func (v *VP) stateLocked(r *request, kind VPState, data []byte) (int, error) {
	if kind >= linux70.MshvVPStateCount {
		// drivers/hv/mshv_root_main.c:764 @ d4eb7b2da66c
		return 0, refuse(r.name, abi.FdVP, syscall.EINVAL, "unknown kind of state %d", kind)
	}
	if err := v.h.check(r.name); err != nil {
		return 0, err
	}
	// A get offers the whole buffer (a page at first); a set, the pages
	// data fills, the rest of them zero.
	size := max(len(data), pageSize)
	if data == nil {
		size = max(size, len(v.state))
	}
	size = (size + pageSize - 1) / pageSize * pageSize
	for try := 0; ; try++ {
		if len(v.state) < size {
			v.state = alignedHeap(size)
		}
		buf := v.state[:size]
		if data != nil {
			clear(buf[copy(buf, data):])
		}
		v.stateArg = linux70.MshvGetSetVPState{Type: uint8(kind), BufSz: uint32(len(buf)),
			BufPtr: uint64(uintptr(unsafe.Pointer(&buf[0])))}
		_, err := v.h.ioctl(r, unsafe.Pointer(&v.stateArg))
		need := int(v.stateArg.BufSz) // the driver writes the state's size back
		switch {
		case err == nil:
			return min(need, len(buf)), nil
		case errors.Is(err, syscall.EINVAL) && need > len(buf) && data != nil:
			return need, &Error{Op: r.name, Fd: abi.FdVP, Reason: fmt.Sprintf("%v is %d bytes, the data %d", kind, need, len(data)), Err: err.(*Error).Err}
		case errors.Is(err, syscall.EINVAL) && need > len(buf) && try == 0:
			size = (need + pageSize - 1) / pageSize * pageSize // a bigger buffer, once
			continue
		}
		return 0, err
	}
}

// RegisterPage maps the VP's register page (mmap at
// MSHV_VP_MMAP_OFFSET_REGISTERS), which the hypervisor shares with the
// VMM: the registers as of the last intercept, and a fast way to change
// them (set the page's dirty bits). Mapped once; after Close the pointer
// reads zeros. The driver has no register page for an encrypted partition
// (ENODEV).
func (v *VP) RegisterPage() (*linux70.VPRegisterPage, error) {
	b, err := v.mapPage(&v.regPage, linux70.MshvVPMmapOffsetRegisters)
	if err != nil {
		return nil, err
	}
	return (*linux70.VPRegisterPage)(unsafe.Pointer(&b[0])), nil
}

// InterceptMessagePage maps the page where the hypervisor writes the VP's
// intercept message (mmap at MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE): the
// message Run copies out, in place. Read it between a Run's return and the
// next Run. Mapped once; after Close the pointer reads zeros.
func (v *VP) InterceptMessagePage() (*Message, error) {
	b, err := v.mapPage(&v.msgPage, linux70.MshvVPMmapOffsetInterceptMessage)
	if err != nil {
		return nil, err
	}
	return (*Message)(unsafe.Pointer(&b[0])), nil
}

// mapPage maps page number off of the VP's file (the offsets count system
// pages, include/uapi/linux/mshv.h:231-233 @ 3ab7ae8e07f8) into *slot on
// first use.
func (v *VP) mapPage(slot *[]byte, off int) ([]byte, error) {
	v.pageMu.Lock()
	defer v.pageMu.Unlock()
	fd, ok := v.h.acquire()
	if !ok {
		return nil, &Error{Op: "mmap", Fd: abi.FdVP, Err: ErrClosed}
	}
	defer v.h.release()
	if *slot != nil {
		return *slot, nil
	}
	length := max(pageSize, HVPageSize)
	b, err := v.h.dev.Mmap(fd, int64(off)*int64(pageSize), length)
	if err != nil {
		return nil, &Error{Op: "mmap", Fd: abi.FdVP, Err: err}
	}
	if len(b) < HVPageSize || uintptr(unsafe.Pointer(&b[0]))%8 != 0 {
		v.h.dev.Unmap(b)
		return nil, &Error{Op: "mmap", Fd: abi.FdVP, Reason: fmt.Sprintf("the device mapped %d bytes", len(b)), Err: syscall.EINVAL}
	}
	*slot = b
	return b, nil
}
