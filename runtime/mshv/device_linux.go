package mshv

import (
	"os"
	"syscall"
	"unsafe"

	"github.com/hvgen/hvgen/internal/mshvioctl"
)

// kernelDevice is the kernel's driver: system calls on its device.
var kernelDevice mshvioctl.Device = kernel{}

type kernel struct{}

func (kernel) Open(path string) (int, error) {
	fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return fd, nil
}

func (kernel) Ioctl(fd int, req uint32, arg unsafe.Pointer) (int, syscall.Errno) {
	// Syscall, not RawSyscall: MSHV_RUN_VP blocks while the guest runs,
	// and the Go scheduler must know.
	r, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg))
	return int(r), errno
}

func (kernel) Mmap(fd int, off int64, length int) ([]byte, error) {
	return syscall.Mmap(fd, off, length, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
}

// Unmap maps private zero pages over b: the driver's page is let go, and
// a pointer still into it reads zeros instead of faulting.
func (kernel) Unmap(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	_, _, errno := syscall.Syscall6(syscall.SYS_MMAP, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)),
		syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_FIXED, ^uintptr(0), 0)
	if errno != 0 {
		return errno
	}
	return nil
}

func (kernel) Close(fd int) error { return syscall.Close(fd) }

func allocMemory(n int) ([]byte, error) {
	return syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
}

func freeMemory(mem []byte) error { return syscall.Munmap(mem) }
