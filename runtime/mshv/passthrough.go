package mshv

import (
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/internal/mshvioctl"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// rootHvcall is struct mshv_root_hvcall, the MSHV_ROOT_HVCALL argument.
type rootHvcall = linux70.MshvRootHvcall

// Backend is the driver's hypercall pass-through (MSHV_ROOT_HVCALL) on one
// file descriptor: /dev/mshv (System.Hypercalls), a partition's
// (Partition.Hypercalls) or a VP's (VP.Hypercalls). It is an hvcall.Backend
// for the generated linux70.Client:
//
//	c := linux70.NewClient(vp.Hypercalls())
//
// The driver builds the hypercall input value, writes the target partition
// id (the fd's partition; on /dev/mshv, the caller's own) over the first 8
// bytes of the input, and loops over rep continuations and memory deposits
// itself; the backend turns the runtime's request into the driver's
// argument and the driver's answer back into an output value. It carries
// parameters in memory only (Conventions is hvcall.MemoryOnly), so a
// Caller never sends it a fast call.
//
// Before any ioctl it refuses, with an *Error wrapping syscall.EINVAL (the
// driver's answer) that names the call and the kind of file descriptor,
// what the driver would refuse, as the generated descriptors state the
// driver's contract (abi.Hypercall.Passthrough and Async): a call the
// driver does not pass through from this kind of file descriptor, an
// asynchronous call anywhere but on a partition's, an input shorter than
// the 8-byte partition id or longer than a page, an output longer than a
// page. Unchecked returns a backend that leaves those checks to the driver.
//
// A Backend holds no state that a call changes: any number of goroutines,
// each with its own Caller or Client, may share it.
type Backend struct {
	h         *handle
	enc       *hvcall.Encoding
	unchecked bool
}

// Hypercalls returns the pass-through on /dev/mshv, where the driver passes
// only the calls it lets a VMM aim at its own partition.
func (s *System) Hypercalls() *Backend { return &Backend{h: s.h, enc: &linux70.Encoding} }

// Hypercalls returns the pass-through on the partition's file descriptor:
// the driver fills in the partition's id.
func (p *Partition) Hypercalls() *Backend { return &Backend{h: p.h, enc: &linux70.Encoding} }

// Hypercalls returns the pass-through on the VP's file descriptor: the
// driver fills in the id of the VP's partition (not the VP index: the
// caller sets that in the input).
func (v *VP) Hypercalls() *Backend { return &Backend{h: v.h, enc: &linux70.Encoding} }

// Unchecked returns a copy of b that passes every call to the driver,
// checking none against the linux-7.0 driver's lists: for a driver whose
// lists are longer (a downstream kernel's). The driver's own checks still
// apply.
func (b *Backend) Unchecked() *Backend {
	c := *b
	c.unchecked = true
	return &c
}

// Fd returns the kind of file descriptor the backend issues its calls on.
func (b *Backend) Fd() abi.FdSet {
	if b == nil || b.h == nil {
		return 0
	}
	return b.h.kind
}

// Conventions implements hvcall.Backend: the driver passes parameters in
// memory only.
func (b *Backend) Conventions() hvcall.Conventions { return hvcall.MemoryOnly }

// Hypercall implements hvcall.Backend. A request the driver cannot express
// (a fast call, a variable header), one it would refuse, or an ioctl that
// fails without a hypervisor status, is an error wrapping the errno
// (errors.Is(err, syscall.EINVAL) works); a hypervisor status comes back in
// the output value.
func (b *Backend) Hypercall(control uint64, in, out *hvcall.Page, regs *hvcall.FastBlock, sizes hvcall.Sizes) (uint64, error) {
	if b == nil || b.h == nil || b.enc == nil {
		return 0, ErrNotOpen
	}
	ctl := b.enc.Decode(control)
	if !b.unchecked {
		if err := admit(b.h.kind, ctl, sizes); err != nil {
			return 0, err
		}
	}
	a := args.Get().(*rootHvcall)
	defer args.Put(a)
	skip, err := encode(a, ctl, in, out, sizes)
	if err != nil {
		return 0, err
	}
	fd, ok := b.h.acquire()
	if !ok {
		return 0, &Error{Op: reqRootHvcall.name, Fd: b.h.kind, Err: ErrClosed}
	}
	_, errno := b.h.dev.Ioctl(fd, reqRootHvcall.req, unsafe.Pointer(a))
	b.h.release()
	runtime.KeepAlive(in)
	runtime.KeepAlive(out)
	if errno != 0 && a.Status == 0 {
		return 0, &Error{Op: reqRootHvcall.name, Fd: b.h.kind, Err: errno}
	}
	return b.enc.Result(a.Status, skip+int(a.Reps)), nil
}

// admit refuses what the driver refuses, in the order it checks
// (drivers/hv/mshv_root_main.c @ d4eb7b2da66c): the argument's sizes
// (:189-194), the call's place on the list for the file descriptor
// (:196; mshv_passthru_hvcalls at :114 on a partition or VP fd,
// mshv_self_passthru_hvcalls at :137 on /dev/mshv), an asynchronous call
// off a partition fd (:200-203). The lists are the registry's
// (spec/linux_mshv_driver.yaml), read through the generated descriptors.
func admit(fd abi.FdSet, ctl hvcall.Control, sizes hvcall.Sizes) error {
	d, known := linux70.LookupHypercall(linux70.CallCode(ctl.Code))
	inLen, outLen := sizes.InLen(), sizes.OutLen()
	if ctl.RepStart > 0 && sizes.InElem > 0 {
		inLen -= ctl.RepStart * sizes.InElem
	}
	einval := func(format string, args ...any) error {
		name := fmt.Sprintf("call code %#04x", ctl.Code) // named only on the way out: no allocation for a call admitted
		if known {
			name = d.Name
		}
		return refuse(reqRootHvcall.name, fd, syscall.EINVAL, name+": "+format, args...)
	}
	switch {
	case inLen < 8:
		return einval("an input of %d bytes: the driver needs at least the 8-byte partition id it writes", inLen)
	case inLen > hvcall.PageSize:
		return einval("an input of %d bytes: the driver takes at most a page", inLen)
	case outLen > hvcall.PageSize:
		return einval("an output of %d bytes: the driver takes at most a page", outLen)
	case !known:
		return einval("not a linux-7.0 hypercall, so on none of the driver's lists")
	case d.Passthrough == 0:
		return einval("the driver passes it through from no fd")
	case !d.Passthrough.Has(fd):
		return einval("the driver passes it through from %s fds only, not from a %s fd", d.Passthrough, fd)
	case d.Async && fd != abi.FdPartition:
		return einval("asynchronous: the driver completes it on a partition fd only, not on a %s fd", fd)
	}
	return nil
}

// args holds the arguments of requests in flight: one passed to the device
// (an interface) escapes, and a pool keeps the call free of allocations.
var args = sync.Pool{New: func() any { return new(rootHvcall) }}

// encode builds the driver's argument for one request in a. The driver restarts
// rep calls itself, so a request that starts past rep 0 (a continuation the
// driver would never return for) is sent as the remaining reps only, and the
// reps completed are counted from the list start again by the caller.
func encode(a *rootHvcall, ctl hvcall.Control, in, out *hvcall.Page, sizes hvcall.Sizes) (int, error) {
	if ctl.Fast || in == nil {
		return 0, ErrFastCall
	}
	if ctl.VariableHeaderLen != 0 || ctl.Nested {
		return 0, fmt.Errorf("mshv: the driver has no field for a variable header or a nested call")
	}
	*a = rootHvcall{Code: ctl.Code, Reps: uint16(ctl.RepCount)}
	inPtr := unsafe.Pointer(in)
	inLen := sizes.InLen()
	skip := 0
	if ctl.RepStart > 0 {
		if sizes.InElem == 0 {
			return 0, fmt.Errorf("mshv: cannot restart a rep call without knowing its element size")
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
		return 0, hvcall.ErrInputTooLarge
	}
	a.InSz, a.InPtr = uint16(inLen), uint64(uintptr(inPtr))
	if out != nil && sizes.OutLen() > 0 {
		a.OutSz, a.OutPtr = uint16(sizes.OutLen()), uint64(uintptr(unsafe.Pointer(out)))
	}
	return skip, nil
}

func init() {
	mshvioctl.With = func(enc *hvcall.Encoding, f mshvioctl.Func) hvcall.Backend {
		return &Backend{h: newHandle(funcDevice(f), 0, abi.FdSystem), enc: enc, unchecked: true}
	}
}

// funcDevice answers MSHV_ROOT_HVCALL with a function (mshvioctl.With).
type funcDevice mshvioctl.Func

func (f funcDevice) Open(string) (int, error) { return 0, nil }
func (f funcDevice) Ioctl(_ int, req uint32, arg unsafe.Pointer) (int, syscall.Errno) {
	if req != reqRootHvcall.req {
		return 0, syscall.ENOTTY
	}
	return 0, f(req, (*rootHvcall)(arg))
}
func (f funcDevice) Mmap(int, int64, int) ([]byte, error) { return nil, syscall.ENODEV }
func (f funcDevice) Unmap([]byte) error                   { return nil }
func (f funcDevice) Close(int) error                      { return nil }
