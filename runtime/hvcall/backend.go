package hvcall

// FastBlock is the register block of the fast calling conventions: on x64 the
// input parameters in RDX and R8, then XMM0-XMM5 for the XMM fast form, 112
// bytes in that order; an XMM fast call's output follows the input, starting
// at the next 16-byte boundary.
type FastBlock [112]byte

// Backend issues one hypercall. control is the hypercall input value. A
// memory-based call passes the caller's input and output pages and a nil
// block; a fast call passes nil pages and the register block, whose output
// part the backend fills. sizes tells how much of the pages is in use, for
// backends that copy parameters rather than pass pages (the Linux driver).
// The result is the hypercall output value.
type Backend interface {
	Hypercall(control uint64, in, out *Page, regs *FastBlock, sizes Sizes) (result uint64)
}

// Sizes describes the parameters of one call: the input header and the
// input and output rep elements, all in bytes, and the rep elements in this
// call (the rep count, whatever the start index).
type Sizes struct {
	InHeader, InElem, OutHeader, OutElem, Reps int
}

// InLen is the bytes of input the call carries.
func (s Sizes) InLen() int {
	if s.Reps == 0 || s.InElem == 0 {
		return s.InHeader
	}
	return alignUp(s.InHeader, 8) + s.Reps*s.InElem
}

// OutLen is the bytes of output the call may write.
func (s Sizes) OutLen() int {
	if s.Reps == 0 || s.OutElem == 0 {
		return s.OutHeader
	}
	return alignUp(s.OutHeader, 8) + s.Reps*s.OutElem
}

// ErrorBackend is a Backend that can fail without a hypervisor status: the
// request never reached the hypervisor (a driver's ioctl failed, or the
// driver cannot express it). A Caller whose backend has HypercallErr uses it
// and returns the error, wrapped with the call's name, so errors.Is reaches
// the backend's own error (a syscall.Errno, say). result is meaningful only
// when err is nil.
type ErrorBackend interface {
	Backend
	HypercallErr(control uint64, in, out *Page, regs *FastBlock, sizes Sizes) (result uint64, err error)
}
