//go:build linux

package mshv

import (
	"syscall"

	"github.com/hvgen/hvgen/runtime/hvcall"
)

// RootHvcallArgs is struct mshv_root_hvcall, the MSHV_ROOT_HVCALL argument:
// the driver reads the request from it and writes the status and reps
// completed back.
type RootHvcallArgs = rootHvcall

// Ioctl stands in for the driver: it gets the request number and the
// argument the backend built, and answers as the ioctl would.
type Ioctl func(req uint32, arg *RootHvcallArgs) syscall.Errno

// WithIoctl is a backend that sends its requests to ioctl instead of the
// device, for tests of what a program asks the driver.
func WithIoctl(enc *hvcall.Encoding, ioctl Ioctl) *Backend {
	return &Backend{enc: enc, ioctl: func(_ uintptr, a *rootHvcall) syscall.Errno { return ioctl(RootHvcall, a) }}
}
