package mshv

import (
	"errors"
	"fmt"
	"os"

	"github.com/hvgen/hvgen/runtime/abi"
)

// DevicePath is the kernel driver's device.
const DevicePath = "/dev/mshv"

// ErrNoDevice is returned by Open when the driver is not there: the machine
// is not a Linux root partition of the Microsoft hypervisor with the mshv
// driver loaded.
var ErrNoDevice = errors.New("mshv: " + DevicePath + " is absent: this is not a Linux root partition with the mshv driver loaded")

// ErrClosed is wrapped by the error of any request on a System, Partition
// or VP that was closed (a VP is closed with its partition).
// errors.Is(err, os.ErrClosed) holds too.
var ErrClosed = fmt.Errorf("mshv: use of a closed System, Partition or VP: %w", os.ErrClosed)

// ErrFastCall is returned by Backend.Hypercall for a fast call, which the
// driver cannot carry: it passes parameters in memory only. An
// hvcall.Caller never makes one (the backend declares hvcall.MemoryOnly);
// another caller of Hypercall may.
var ErrFastCall = errors.New("mshv: the driver passes parameters in memory only, not in registers")

// ErrNotOpen is returned by a Backend that no System, Partition or VP made
// (the zero Backend).
var ErrNotOpen = errors.New("mshv: the Backend is not open (get one from System.Hypercalls, Partition.Hypercalls or VP.Hypercalls)")

// Error is a request that failed: an ioctl (or mmap) on one of the
// driver's file descriptors, or one the runtime refused before making it
// because the driver would refuse it.
type Error struct {
	// Op is the request: the ioctl's name in include/uapi/linux/mshv.h
	// ("MSHV_SET_GUEST_MEMORY"), or "mmap".
	Op string
	// Fd is the kind of file descriptor: abi.FdSystem (/dev/mshv),
	// abi.FdPartition or abi.FdVP.
	Fd abi.FdSet
	// Reason is set when the runtime refused the request before the
	// ioctl: what is wrong with it.
	Reason string
	// Err is the driver's errno (a syscall.Errno; for a refusal, the one
	// the driver would have answered), ErrClosed, or io.ErrShortBuffer.
	Err error
}

func (e *Error) Error() string {
	s := "mshv: " + e.Op + " on a " + e.Fd.String() + " fd: "
	if e.Reason != "" {
		s += e.Reason + ": "
	}
	return s + e.Err.Error()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// refuse is the error for a request the runtime does not make.
func refuse(op string, fd abi.FdSet, errno error, format string, args ...any) error {
	return &Error{Op: op, Fd: fd, Reason: "refused before the ioctl: " + fmt.Sprintf(format, args...), Err: errno}
}
