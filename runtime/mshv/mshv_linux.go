//go:build linux

package mshv

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"github.com/hvgen/hvgen/runtime/hvcall"
)

// Backend issues hypercalls through the driver. It holds no state that a
// call changes, so any number of goroutines (each with its own
// hvcall.Caller) may share it.
type Backend struct {
	f   *os.File
	enc *hvcall.Encoding
	// ioctl issues MSHV_ROOT_HVCALL; the module's tests replace it
	// (mshvioctl.With).
	ioctl func(fd uintptr, arg *rootHvcall) syscall.Errno
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
	return FromFile(f, enc), nil
}

// FromFile uses a partition file descriptor the driver returned.
func FromFile(f *os.File, enc *hvcall.Encoding) *Backend {
	return &Backend{f: f, enc: enc, ioctl: rootHvcallIoctl}
}

// ErrNotOpen is returned by a Backend that Open or FromFile did not make
// (the zero Backend).
var ErrNotOpen = errors.New("mshv: the Backend is not open (make it with Open or FromFile)")

// Close closes the device.
func (b *Backend) Close() error {
	if b.f == nil {
		return nil
	}
	return b.f.Close()
}

func rootHvcallIoctl(fd uintptr, a *rootHvcall) syscall.Errno {
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(RootHvcall), uintptr(unsafe.Pointer(a)))
	return errno
}

// Hypercall implements hvcall.Backend: a request the driver cannot express
// (a fast call, a variable header), or an ioctl that fails without a
// hypervisor status, is an error (the errno wrapped: errors.Is(err,
// syscall.EPERM) works); a hypervisor status comes back in the output
// value.
func (b *Backend) Hypercall(control uint64, in, out *hvcall.Page, regs *hvcall.FastBlock, sizes hvcall.Sizes) (uint64, error) {
	if b == nil || b.enc == nil || b.ioctl == nil {
		return 0, ErrNotOpen
	}
	ctl := b.enc.Decode(control)
	a, skip, err := encode(ctl, in, out, sizes)
	if err != nil {
		return 0, err
	}
	var fd uintptr
	if b.f != nil {
		fd = b.f.Fd()
	}
	errno := b.ioctl(fd, &a)
	runtime.KeepAlive(in)
	runtime.KeepAlive(out)
	if errno != 0 && a.Status == 0 {
		return 0, fmt.Errorf("mshv: MSHV_ROOT_HVCALL: %w", errno)
	}
	return b.enc.Result(a.Status, skip+int(a.Reps)), nil
}

// Conventions implements hvcall.Backend: the driver passes parameters in
// memory only.
func (b *Backend) Conventions() hvcall.Conventions { return hvcall.MemoryOnly }

var _ hvcall.Backend = (*Backend)(nil)
