// Package mshvioctl is the device layer under runtime/mshv: the Linux mshv
// driver as a file interface (open the system device, ioctl on a file
// descriptor, mmap a VP's pages, close), through which runtime/mshv makes
// every request. The kernel's driver is one Device (runtime/mshv's own, on
// Linux); a test's fake is another; a simulated driver is a third. Nothing
// outside this module can import the package, so none of this is part of
// runtime/mshv's API.
//
// # Plugging in a driver
//
// A driver of this module (the simulated driver over runtime/sim, say)
// implements Device and hands its users the same *mshv.System the kernel's
// driver gives, from a constructor of its own package:
//
//	func Open(h *linux70sim.Hypervisor) (*mshv.System, error) {
//		s, err := mshvioctl.NewSystem(&driver{h: h}, mshv.DevicePath)
//		if err != nil {
//			return nil, err
//		}
//		return s.(*mshv.System), nil
//	}
//
// runtime/mshv sets NewSystem when it is linked in. The System issues the
// ioctls of include/uapi/linux/mshv.h with the request numbers of
// generated/linux70 and the argument structs of that package
// (linux70.MshvCreatePartition, ...); the driver answers each as the kernel
// would: the ioctl's result (a new file descriptor for
// MSHV_CREATE_PARTITION and MSHV_CREATE_VP) or an errno.
package mshvioctl

import (
	"syscall"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// Device is a Linux mshv driver as runtime/mshv reaches it. Its methods
// may be called from many goroutines at once (a VP per goroutine), with
// the file descriptors it handed out.
type Device interface {
	// Open opens the system device at path (/dev/mshv for the kernel's
	// driver) and returns its file descriptor. An absent device is an
	// error for which errors.Is(err, fs.ErrNotExist) holds.
	Open(path string) (fd int, err error)
	// Ioctl issues request req on fd. arg points at the request's
	// argument, of the size the request number holds (nil for a request
	// without one); it and the memory its fields address (a hypercall's
	// input and output, a state buffer, a bitmap) stay valid for the call.
	// Guest memory a MSHV_SET_GUEST_MEMORY argument addresses stays valid
	// until it is unmapped or the partition is closed. Ioctl returns the
	// request's result (a new file descriptor for MSHV_CREATE_PARTITION
	// and MSHV_CREATE_VP, else 0) or the errno the driver answers.
	Ioctl(fd int, req uint32, arg unsafe.Pointer) (int, syscall.Errno)
	// Mmap maps length bytes of fd from byte offset off, shared, readable
	// and writable (a VP's register or intercept message page:
	// MSHV_VP_MMAP_OFFSET_* times the system page size).
	Mmap(fd int, off int64, length int) ([]byte, error)
	// Unmap gives back what Mmap returned. The range stays addressable
	// (the kernel's device maps fresh zero pages over it), so that a
	// pointer a user still holds into a closed VP's page reads zeros
	// instead of faulting.
	Unmap(b []byte) error
	// Close closes fd.
	Close(fd int) error
}

// NewSystem returns a *mshv.System (as any: this package cannot name the
// type) whose requests all go to d; path is what it passes to d.Open.
// runtime/mshv sets it when it is linked in.
var NewSystem func(d Device, path string) (any, error)

// Bytes is the n bytes at addr, an address of this process that an ioctl
// argument holds (mshv_user_mem_region.userspace_addr,
// mshv_root_hvcall.in_ptr, ...): how a driver written in Go reads and
// writes the memory an argument points to. The caller keeps the memory
// valid as the Device documentation says.
func Bytes(addr uint64, n int) []byte {
	if addr == 0 || n <= 0 {
		return nil
	}
	// Read the integer as a pointer without a uintptr-to-pointer
	// conversion: the address is of memory the runtime holds on to.
	p := *(**byte)(unsafe.Pointer(&addr))
	return unsafe.Slice(p, n)
}

// Args is struct mshv_root_hvcall, the MSHV_ROOT_HVCALL argument.
type Args = linux70.MshvRootHvcall

// Func answers MSHV_ROOT_HVCALL as the driver would: req is the request
// number, arg the argument the backend built.
type Func func(req uint32, arg *Args) syscall.Errno

// With returns a runtime/mshv pass-through backend, on a system file
// descriptor and checking nothing against the driver's lists (as
// mshv.Backend.Unchecked), whose MSHV_ROOT_HVCALL requests go to f instead
// of the device; enc decodes the hypercall input value. runtime/mshv sets
// it when it is linked in.
var With func(enc *hvcall.Encoding, f Func) hvcall.Backend

// Aligned returns n zeroed bytes of the Go heap starting on an align-byte
// boundary (align a power of two): the page-aligned memory the driver's
// state buffers and VP pages want, for the runtime and a simulated driver
// alike.
func Aligned(n, align int) []byte {
	b := make([]byte, n+align)
	off := (align - int(uintptr(unsafe.Pointer(&b[0]))%uintptr(align))) % align
	return b[off : off+n : off+n]
}
