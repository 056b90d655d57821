// Package mshvioctl holds the argument of the Linux mshv driver's
// MSHV_ROOT_HVCALL ioctl and lets tests inside this module stand in for the
// driver: runtime/mshv issues its ioctls through a Func, and With makes one
// of its backends whose requests go to a function instead of the device.
// Nothing outside the module can import it, so the hook is no part of
// runtime/mshv's API.
package mshvioctl

import (
	"structs"
	"syscall"

	"github.com/hvgen/hvgen/runtime/hvcall"
)

// Args is struct mshv_root_hvcall, the MSHV_ROOT_HVCALL argument
// (include/uapi/linux/mshv.h): the driver reads the request from it and
// writes the status and the reps completed back.
type Args struct {
	_      structs.HostLayout
	Code   uint16
	Reps   uint16 // in: rep count; out: reps completed
	InSz   uint16 // input size including rep data, at most a page
	OutSz  uint16 // output size, at most a page; zero when there is no output
	Status uint16 // in: must be zero; out: the HV_STATUS
	Rsvd   [6]uint8
	InPtr  uint64
	OutPtr uint64
}

// Func answers an ioctl as the driver would: req is the request number,
// arg the argument the backend built.
type Func func(req uint32, arg *Args) syscall.Errno

// With returns a runtime/mshv backend for the encoding whose requests go to
// f instead of the device. runtime/mshv sets it when it is linked in (on
// Linux); it is nil otherwise.
var With func(enc *hvcall.Encoding, f Func) hvcall.Backend
