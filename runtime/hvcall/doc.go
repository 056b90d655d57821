// Package hvcall issues hypercalls: it encodes the hypercall input value,
// places parameters in the caller's input page or in registers, splits rep
// lists into as many calls as the page holds, continues a rep call the
// hypervisor returned from early, and turns result codes into errors.
//
// The package knows no ABI version. A generated package supplies an Encoding
// (built from its own input/output value accessors) and descriptors
// (runtime/abi.Hypercall) and wraps each hypercall in a typed method; a
// Backend issues the raw call (the simulated hypervisor in runtime/sim, the
// Linux mshv driver in runtime/mshv) and says which register conventions it
// can carry (Backend.Conventions): the Caller passes a call in registers
// only where the descriptor, the parameters and the backend allow it, so a
// memory-only backend never sees a fast call. A backend's own failure (a
// driver's ioctl) is its error, wrapped with the call's name; a hypervisor
// status is an *Error.
//
// A Caller owns one input and one output page and is not safe for concurrent
// use: give each goroutine or virtual processor its own. The zero Caller has
// no backend: its calls return ErrNoBackend.
package hvcall
