package hvcall

// FastBlock is the register block of the fast calling conventions: on x64 the
// input parameters in RDX and R8, then XMM0-XMM5 for the XMM fast form, 112
// bytes in that order; an XMM fast call's output follows the input, starting
// at the next 16-byte boundary.
type FastBlock [112]byte

// Backend issues one hypercall. control is the hypercall input value. A
// memory-based call passes the caller's input and output pages and a nil
// block; a fast call passes nil pages and the register block, whose output
// part the backend fills. The result is the hypercall output value.
type Backend interface {
	Hypercall(control uint64, in, out *Page, regs *FastBlock) (result uint64)
}

// BackendFunc adapts a function to Backend.
type BackendFunc func(control uint64, in, out *Page, regs *FastBlock) uint64

// Hypercall calls f.
func (f BackendFunc) Hypercall(control uint64, in, out *Page, regs *FastBlock) uint64 {
	return f(control, in, out, regs)
}
