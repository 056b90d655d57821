// Package hvcall issues hypercalls: it encodes the hypercall input value,
// places parameters in the caller's input page or in registers, splits rep
// lists into as many calls as the page holds, continues a rep call the
// hypervisor returned from early, and turns result codes into errors.
//
// The package knows no ABI version. A generated package supplies an Encoding
// (built from its own input/output value accessors) and descriptors
// (runtime/abi.Hypercall) and wraps each hypercall in a typed method; a
// Backend issues the raw call (the simulated hypervisor in runtime/sim, the
// Linux mshv driver in runtime/mshv). A backend that can fail without a
// hypervisor status (a driver's ioctl) implements ErrorBackend, and the
// Caller returns its error.
//
// A Caller owns one input and one output page and is not safe for concurrent
// use: give each goroutine or virtual processor its own.
package hvcall
