package hvcall

// FastBlock is the register block of the fast calling conventions: on x64 the
// input parameters in RDX and R8, then XMM0-XMM5 for the XMM fast form, 112
// bytes in that order; an XMM fast call's output follows the input, starting
// at the next 16-byte boundary.
type FastBlock [112]byte

// Backend issues hypercalls: the simulated hypervisor (runtime/sim), the
// Linux mshv driver (runtime/mshv), or a test's fake.
type Backend interface {
	// Hypercall issues one call. control is the hypercall input value. A
	// memory-based call passes the caller's input and output pages and a
	// nil block; a fast call passes nil pages and the register block,
	// whose output part the backend fills. sizes tells how much of the
	// pages is in use, for backends that copy parameters rather than pass
	// pages (the Linux driver). result is the hypercall output value,
	// holding the hypervisor's status. err is the backend's own failure,
	// the request never reaching the hypervisor or its answer lost (a
	// driver's ioctl failed): never a status made up for it; result is
	// meaningful only when err is nil.
	Hypercall(control uint64, in, out *Page, regs *FastBlock, sizes Sizes) (result uint64, err error)
	// Conventions says which register conventions the backend can carry,
	// beyond the memory convention every backend carries. A Caller uses no
	// other.
	Conventions() Conventions
}

// Conventions is a set of register calling conventions.
type Conventions uint8

// The register conventions. A backend that carries none passes every call
// in memory (the Linux mshv driver).
const (
	MemoryOnly Conventions = 0      // no register convention: every call in the parameter pages
	Fast       Conventions = 1 << 0 // the register form: input in RDX and R8, no output
	XMMFast    Conventions = 1 << 1 // the XMM form: input and output in the 112-byte block
)

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
