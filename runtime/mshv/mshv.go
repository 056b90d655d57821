// Package mshv is a hvcall.Backend for Linux's mshv driver, the root
// partition's hypercall pass-through that the mshv accelerators of QEMU and
// OpenVMM use: the MSHV_ROOT_HVCALL ioctl on /dev/mshv or on a partition's
// file descriptor, with struct mshv_root_hvcall as in the kernel's
// include/uapi/linux/mshv.h. For a partition fd the kernel fills in the
// partition id of the input.
//
// The driver builds the hypercall input value and loops over rep
// continuations itself; the backend turns the runtime's request into the
// driver's argument and the driver's answer back into an output value. The
// driver takes parameters in memory only, and the backend says so
// (Conventions is hvcall.MemoryOnly): a Caller never sends it a fast call.
// An ioctl that fails without a hypervisor status is an error carrying the
// errno (errors.Is(err, syscall.EPERM) works), never a status made up for
// it.
package mshv

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/hvgen/hvgen/internal/mshvioctl"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// rootHvcall is struct mshv_root_hvcall.
type rootHvcall = mshvioctl.Args

// The ioctl request numbers, built as Linux's _IOWR does on x86-64 and arm64:
// direction (read|write = 3) in bits 30-31, argument size in bits 16-29,
// type in bits 8-15, number in bits 0-7.
const (
	ioctlType    = 0xB8 // MSHV_IOCTL
	rootHvcallNr = 0x07
	// MSHV_ROOT_HVCALL = _IOWR(MSHV_IOCTL, 0x07, struct mshv_root_hvcall)
	RootHvcall = 3<<30 | uint32(unsafe.Sizeof(rootHvcall{}))<<16 | ioctlType<<8 | rootHvcallNr
)

// DevicePath is the driver's device.
const DevicePath = "/dev/mshv"

// ErrNoDevice is returned by Open when the driver is not there: the machine
// is not the root partition of a Microsoft hypervisor with the mshv driver.
var ErrNoDevice = errors.New("mshv: " + DevicePath + " is absent: this is not a Linux root partition with the mshv driver loaded")

// ErrFastCall is returned for a fast call, which the driver cannot carry:
// it passes parameters in memory only. An hvcall.Caller never makes one
// (the backend declares hvcall.MemoryOnly); another caller of Hypercall
// may.
var ErrFastCall = errors.New("mshv: the driver passes parameters in memory only, not in registers")

// encode builds the driver's argument for one request. The driver restarts
// rep calls itself, so a request that starts past rep 0 (a continuation the
// driver would never return for) is sent as the remaining reps only, and the
// reps completed are counted from the list start again by decode.
func encode(ctl hvcall.Control, in, out *hvcall.Page, sizes hvcall.Sizes) (rootHvcall, int, error) {
	if ctl.Fast || in == nil {
		return rootHvcall{}, 0, ErrFastCall
	}
	if ctl.VariableHeaderLen != 0 || ctl.Nested {
		return rootHvcall{}, 0, fmt.Errorf("mshv: the driver has no field for a variable header or a nested call")
	}
	a := rootHvcall{Code: ctl.Code, Reps: uint16(ctl.RepCount)}
	inPtr := unsafe.Pointer(in)
	inLen := sizes.InLen()
	skip := 0
	if ctl.RepStart > 0 {
		if sizes.InElem == 0 {
			return rootHvcall{}, 0, fmt.Errorf("mshv: cannot restart a rep call without knowing its element size")
		}
		// Move the header up against the remaining elements, in the page itself.
		skip = ctl.RepStart
		hdr := sizes.InHeader
		base := (hdr + 7) &^ 7
		copy(in[base+skip*sizes.InElem-hdr:], in[:hdr])
		inPtr = unsafe.Add(inPtr, base+skip*sizes.InElem-hdr)
		inLen -= skip * sizes.InElem
		a.Reps -= uint16(skip)
	}
	if inLen > hvcall.PageSize || sizes.OutLen() > hvcall.PageSize {
		return rootHvcall{}, 0, hvcall.ErrInputTooLarge
	}
	a.InSz, a.InPtr = uint16(inLen), uint64(uintptr(inPtr))
	if out != nil && sizes.OutLen() > 0 {
		a.OutSz, a.OutPtr = uint16(sizes.OutLen()), uint64(uintptr(unsafe.Pointer(out)))
	}
	return a, skip, nil
}
