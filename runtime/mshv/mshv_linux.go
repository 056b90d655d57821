//go:build linux

package mshv

import (
	"errors"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"github.com/hvgen/hvgen/runtime/hvcall"
)

// Backend issues hypercalls through the driver.
type Backend struct {
	f     *os.File
	enc   *hvcall.Encoding
	ioctl Ioctl // nil: the real system call on f
	// Err is the last failure that is not a hypervisor status (the ioctl
	// itself failed, or the request could not be expressed); such calls
	// return HV_STATUS_INVALID_PARAMETER to the runtime.
	Err error
}

// Open opens /dev/mshv. The encoding is the ABI version's (a generated
// package's Encoding).
func Open(enc *hvcall.Encoding) (*Backend, error) {
	f, err := os.OpenFile(DevicePath, os.O_RDWR|syscall.O_CLOEXEC, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoDevice
	}
	if err != nil {
		return nil, err
	}
	return &Backend{f: f, enc: enc}, nil
}

// FromFile uses a partition file descriptor the driver returned.
func FromFile(f *os.File, enc *hvcall.Encoding) *Backend { return &Backend{f: f, enc: enc} }

// Close closes the device.
func (b *Backend) Close() error {
	if b.f == nil {
		return nil
	}
	return b.f.Close()
}

// statusInvalidParameter is HV_STATUS_INVALID_PARAMETER, the same in every
// version of the reference.
const statusInvalidParameter = 0x0005

// Hypercall implements hvcall.Backend.
func (b *Backend) Hypercall(control uint64, in, out *hvcall.Page, regs *hvcall.FastBlock, sizes hvcall.Sizes) uint64 {
	ctl := b.enc.Decode(control)
	a, skip, err := encode(ctl, in, out, sizes)
	if err != nil {
		b.Err = err
		return b.enc.Result(statusInvalidParameter, 0)
	}
	var errno syscall.Errno
	if b.ioctl != nil {
		errno = b.ioctl(RootHvcall, &a)
	} else {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, b.f.Fd(), uintptr(RootHvcall), uintptr(unsafe.Pointer(&a)))
	}
	runtime.KeepAlive(in)
	runtime.KeepAlive(out)
	if errno != 0 && a.Status == 0 {
		b.Err = errno
		return b.enc.Result(statusInvalidParameter, 0)
	}
	return b.enc.Result(a.Status, skip+int(a.Reps))
}

var _ hvcall.Backend = (*Backend)(nil)
