package hvcall

import (
	"fmt"

	"github.com/hvgen/hvgen/runtime/abi"
)

// Caller issues hypercalls through a backend with its own parameter pages.
type Caller struct {
	backend Backend
	enc     *Encoding
	in, out *Page
	regs    FastBlock

	// XMM enables the XMM fast convention, for partitions whose feature
	// discovery reports it; the encoding must define it too.
	XMM bool
	// NoFast forces the memory-based convention for every call.
	NoFast bool
}

// NewCaller returns a caller with a fresh pair of page-aligned pages.
func NewCaller(b Backend, enc *Encoding) *Caller {
	p := newPages(2)
	return &Caller{backend: b, enc: enc, in: p[0], out: p[1]}
}

// Call issues a simple hypercall. input is the parameter block and output
// receives the output block; either may be empty.
func (c *Caller) Call(d *abi.Hypercall, input, output []byte) error {
	return c.CallParts(d, input, nil, output, nil)
}

// CallParts issues a simple hypercall whose input and output blocks each have
// a fixed header and a variable tail (a trailing variable-length array). The
// tail follows the header directly (headers are multiples of 8 bytes).
func (c *Caller) CallParts(d *abi.Hypercall, in, inTail, out, outTail []byte) error {
	if d.Rep {
		_, err := c.CallRep(d, in, nil, out, nil, 0)
		return err
	}
	nIn, nOut := len(in)+len(inTail), len(out)+len(outTail)
	if nIn > PageSize {
		return fmt.Errorf("%s: %w (%d bytes)", d.Name, ErrInputTooLarge, nIn)
	}
	if nOut > PageSize {
		return fmt.Errorf("%s: %w (%d bytes)", d.Name, ErrOutputTooLarge, nOut)
	}
	ctl := Control{Code: d.Code}
	if d.VariableHeader && nIn > int(d.InputSize) {
		ctl.VariableHeaderLen = alignUp(nIn-int(d.InputSize), 8) / 8
		if ctl.VariableHeaderLen > c.enc.MaxVariableHeader {
			return fmt.Errorf("%s: %w", d.Name, ErrHeaderTooLarge)
		}
	}
	if c.fast(d, nIn, nOut) {
		ctl.Fast = true
		clear(c.regs[:])
		copy(c.regs[copy(c.regs[:], in):], inTail)
		status, _ := c.enc.Output(c.backend.Hypercall(c.enc.Input(ctl), nil, nil, &c.regs, Sizes{InHeader: nIn, OutHeader: nOut}))
		if status != 0 {
			return &Error{Call: d.Name, Status: c.enc.Status(status), Rep: -1}
		}
		o := alignUp(nIn, 16)
		copy(outTail, c.regs[o+copy(out, c.regs[o:]):])
		return nil
	}
	// The hypervisor reads whole 8-byte parameters: clear the bytes up to
	// the next boundary so none leaks from an earlier call.
	clear(c.in[nIn:min(alignUp(nIn, 8), PageSize)])
	copy(c.in[copy(c.in[:], in):], inTail)
	status, _ := c.enc.Output(c.backend.Hypercall(c.enc.Input(ctl), c.in, c.out, nil, Sizes{InHeader: nIn, OutHeader: nOut}))
	if status != 0 {
		return &Error{Call: d.Name, Status: c.enc.Status(status), Rep: -1}
	}
	copy(outTail, c.out[copy(out, c.out[:]):])
	return nil
}

// fast reports whether a simple call goes in registers: the descriptor must
// allow it and the parameters must fit, either the plain form (input only,
// RDX and R8) or the XMM form (input, then output after a 16-byte boundary).
func (c *Caller) fast(d *abi.Hypercall, nIn, nOut int) bool {
	if !d.Fast || c.NoFast {
		return false
	}
	if nOut == 0 && nIn <= c.enc.FastInputBytes {
		return true
	}
	return c.XMM && c.enc.XMMInputBytes > 0 && nIn <= c.enc.XMMInputBytes &&
		(nOut == 0 || alignUp(nIn, 16)+nOut <= c.enc.XMMOutputBytes)
}

// CallRep issues a rep hypercall over n elements: header is the fixed input
// header, inElems holds n input elements (or is empty), outHeader receives the
// fixed output header and outElems n output elements (or is empty). The list
// is split into as many calls as the pages and the input value's rep count
// allow, and a call the hypervisor returns from early is issued again from the
// first rep not completed. It returns the number of reps completed; on a
// failure the error is an *Error naming the rep that failed. With n == 0
// there is nothing to do and no call is made.
func (c *Caller) CallRep(d *abi.Hypercall, header, inElems, outHeader, outElems []byte, n int) (int, error) {
	if !d.Rep {
		if n != 0 || len(inElems) != 0 || len(outElems) != 0 {
			return 0, fmt.Errorf("%s: %w", d.Name, ErrNotRep)
		}
		return 0, c.CallParts(d, header, nil, outHeader, nil)
	}
	inSize, outSize := int(d.InputElemSize), int(d.OutputElemSize)
	if n < 0 || len(inElems) != n*inSize || len(outElems) != n*outSize {
		return 0, fmt.Errorf("%s: %w: %d elements, %d input bytes of %d-byte elements, %d output bytes of %d-byte elements",
			d.Name, ErrBadRepList, n, len(inElems), inSize, len(outElems), outSize)
	}
	inBase, outBase := alignUp(len(header), 8), alignUp(len(outHeader), 8)
	perCall := c.enc.MaxRepCount
	if inSize > 0 {
		perCall = min(perCall, (PageSize-inBase)/inSize)
	}
	if outSize > 0 {
		perCall = min(perCall, (PageSize-outBase)/outSize)
	}
	if perCall < 1 || inBase > PageSize {
		return 0, fmt.Errorf("%s: %w: header %d bytes, elements %d/%d bytes", d.Name, ErrInputTooLarge, len(header), inSize, outSize)
	}
	if outBase > PageSize {
		return 0, fmt.Errorf("%s: %w", d.Name, ErrOutputTooLarge)
	}
	done := 0
	for done < n {
		count := min(perCall, n-done)
		clear(c.in[len(header):inBase])
		copy(c.in[:], header)
		copy(c.in[inBase:], inElems[done*inSize:(done+count)*inSize])
		for start := 0; start < count; {
			ctl := Control{Code: d.Code, RepCount: count, RepStart: start}
			sizes := Sizes{InHeader: len(header), InElem: inSize, OutHeader: len(outHeader), OutElem: outSize, Reps: count}
			status, completed := c.enc.Output(c.backend.Hypercall(c.enc.Input(ctl), c.in, c.out, nil, sizes))
			completed = min(completed, count) // never trust the count beyond what was asked
			if completed > start {
				copy(outElems[(done+start)*outSize:(done+completed)*outSize], c.out[outBase+start*outSize:])
			}
			if status != 0 {
				return done + max(completed, start), &Error{Call: d.Name, Status: c.enc.Status(status),
					Rep: done + max(completed, start), Completed: done + max(completed, start), Reps: n}
			}
			if completed <= start {
				return done + start, fmt.Errorf("%s: %w (rep %d of %d)", d.Name, ErrNoProgress, done+start, n)
			}
			start = completed
		}
		if done == 0 {
			copy(outHeader, c.out[:])
		}
		done += count
	}
	return done, nil
}
