package mshv

import (
	"sync"
	"syscall"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/internal/mshvioctl"
	"github.com/hvgen/hvgen/runtime/abi"
)

// request is one ioctl of include/uapi/linux/mshv.h: its name, its request
// number and the kind of file descriptor the runtime issues it on. The
// numbers are generated/linux70's, computed from the registry; the tests
// compute them again from the registry and from the sizes of the argument
// types, and compare.
type request struct {
	name string
	req  uint32
	fd   abi.FdSet
}

var (
	reqCreatePartition = request{"MSHV_CREATE_PARTITION", linux70.IoctlMshvCreatePartition, abi.FdSystem}
	reqInitialize      = request{"MSHV_INITIALIZE_PARTITION", linux70.IoctlMshvInitializePartition, abi.FdPartition}
	reqCreateVP        = request{"MSHV_CREATE_VP", linux70.IoctlMshvCreateVP, abi.FdPartition}
	reqSetGuestMemory  = request{"MSHV_SET_GUEST_MEMORY", linux70.IoctlMshvSetGuestMemory, abi.FdPartition}
	reqIrqfd           = request{"MSHV_IRQFD", linux70.IoctlMshvIrqfd, abi.FdPartition}
	reqIoeventfd       = request{"MSHV_IOEVENTFD", linux70.IoctlMshvIoeventfd, abi.FdPartition}
	reqSetMSIRouting   = request{"MSHV_SET_MSI_ROUTING", linux70.IoctlMshvSetMSIRouting, abi.FdPartition}
	reqGPAAccessBitmap = request{"MSHV_GET_GPAP_ACCESS_BITMAP", linux70.IoctlMshvGetGpapAccessBitmap, abi.FdPartition}
	reqRootHvcall      = request{"MSHV_ROOT_HVCALL", linux70.IoctlMshvRootHvcall, abi.FdSystem | abi.FdPartition | abi.FdVP}
	reqRunVP           = request{"MSHV_RUN_VP", linux70.IoctlMshvRunVP, abi.FdVP}
	reqGetVPState      = request{"MSHV_GET_VP_STATE", linux70.IoctlMshvGetVPState, abi.FdVP}
	reqSetVPState      = request{"MSHV_SET_VP_STATE", linux70.IoctlMshvSetVPState, abi.FdVP}

	// requests is every request, in the header's order.
	requests = []*request{&reqCreatePartition, &reqInitialize, &reqCreateVP, &reqSetGuestMemory, &reqIrqfd, &reqIoeventfd,
		&reqSetMSIRouting, &reqGPAAccessBitmap, &reqRootHvcall, &reqRunVP, &reqGetVPState, &reqSetVPState}
)

// handle is one file descriptor the device handed out. A request holds it
// for the duration of the ioctl; close marks it closed at once (later
// requests fail with ErrClosed) and closes the descriptor when the last
// request in flight returns, so that a VP's Run on one goroutine and its
// partition's Close on another never see the number reused for another
// file.
type handle struct {
	dev  mshvioctl.Device
	kind abi.FdSet

	mu     sync.Mutex
	fd     int
	refs   int
	closed bool
}

func newHandle(dev mshvioctl.Device, fd int, kind abi.FdSet) *handle {
	return &handle{dev: dev, fd: fd, kind: kind}
}

// acquire returns the descriptor for one request; ok is false once the
// handle is closed.
func (h *handle) acquire() (fd int, ok bool) {
	if h == nil {
		return -1, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return -1, false
	}
	h.refs++
	return h.fd, true
}

func (h *handle) release() {
	h.mu.Lock()
	h.refs--
	last := h.closed && h.refs == 0
	h.mu.Unlock()
	if last {
		h.dev.Close(h.fd) // nobody is left to tell: the descriptor was closed for the user already
	}
}

// check returns the error of a request on a closed handle, nil while it is
// open: for a request the runtime checks before making it.
func (h *handle) check(op string) error {
	if h == nil {
		return &Error{Op: op, Err: ErrClosed}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return &Error{Op: op, Fd: h.kind, Err: ErrClosed}
	}
	return nil
}

// close closes the handle; a second close is an error wrapping ErrClosed.
func (h *handle) close(op string) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return &Error{Op: op, Fd: h.kind, Err: ErrClosed}
	}
	h.closed = true
	now := h.refs == 0
	h.mu.Unlock()
	if now {
		if err := h.dev.Close(h.fd); err != nil {
			return &Error{Op: op, Fd: h.kind, Err: err}
		}
	}
	return nil
}

// ioctl issues r on the handle's descriptor; the error names r and wraps
// the errno, or ErrClosed.
func (h *handle) ioctl(r *request, arg unsafe.Pointer) (int, error) {
	fd, ok := h.acquire()
	if !ok {
		return 0, &Error{Op: r.name, Fd: h.kind, Err: ErrClosed}
	}
	n, errno := h.dev.Ioctl(fd, r.req, arg)
	h.release()
	if errno != 0 {
		return n, &Error{Op: r.name, Fd: h.kind, Err: errno}
	}
	return n, nil
}

// ioctlRetry is ioctl that issues r again while the driver answers EINTR:
// the driver gives up a wait that a signal interrupts (Go's runtime sends
// signals to preempt goroutines) with nothing for the caller
// (drivers/hv/mshv_root_main.c:393 and :866 @ d4eb7b2da66c).
func (h *handle) ioctlRetry(r *request, arg unsafe.Pointer) (int, error) {
	fd, ok := h.acquire()
	if !ok {
		return 0, &Error{Op: r.name, Fd: h.kind, Err: ErrClosed}
	}
	defer h.release()
	for {
		n, errno := h.dev.Ioctl(fd, r.req, arg)
		switch errno {
		case 0:
			return n, nil
		case syscall.EINTR:
			continue
		}
		return n, &Error{Op: r.name, Fd: h.kind, Err: errno}
	}
}

// number returns the descriptor, or -1 once the handle is closed.
func (h *handle) number() int {
	if h == nil {
		return -1
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return -1
	}
	return h.fd
}

// Fd returns the file descriptor of /dev/mshv (rust-vmm's AsRawFd), or -1
// once the System is closed.
func (s *System) Fd() int {
	if s == nil {
		return -1
	}
	return s.h.number()
}

// Fd returns the partition's file descriptor, or -1 once it is closed: for
// poll, or for a driver of this module to know the partition by (the
// simulated driver loads a scripted guest onto a VP by its descriptor).
func (p *Partition) Fd() int {
	if p == nil {
		return -1
	}
	return p.h.number()
}

// Fd returns the VP's file descriptor, or -1 once it is closed.
func (v *VP) Fd() int {
	if v == nil {
		return -1
	}
	return v.h.number()
}
