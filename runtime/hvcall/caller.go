package hvcall

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/hvgen/hvgen/runtime/abi"
)

// Caller issues hypercalls through a backend with its own parameter pages.
// It chooses each call's convention from what the descriptor allows, what
// the parameters need and what the backend carries (Backend.Conventions).
// The zero Caller has no backend: its calls return ErrNoBackend.
type Caller struct {
	backend Backend
	conv    Conventions // what the backend carries, asked once
	enc     *Encoding
	in, out *Page
	regs    FastBlock
}

// ErrNoBackend is returned by the calls of a Caller that has no backend or
// encoding: the zero Caller (or a generated Client's), or one made with a
// nil one.
var ErrNoBackend = errors.New("hvcall: the Caller has no backend or encoding (make it with NewCaller, or a generated NewClient)")

// NewCaller returns a caller with a fresh pair of page-aligned pages.
func NewCaller(b Backend, enc *Encoding) *Caller {
	p := newPages(2)
	c := &Caller{backend: b, enc: enc, in: p[0], out: p[1]}
	if b != nil {
		c.conv = b.Conventions()
	}
	return c
}

// ready returns ErrNoBackend, named for the call, when c cannot call.
func (c *Caller) ready(d *abi.Hypercall) error {
	if c == nil || c.backend == nil || c.enc == nil || c.in == nil {
		if d == nil {
			return ErrNoBackend
		}
		return fmt.Errorf("%s: %w", d.Name, ErrNoBackend)
	}
	if d == nil {
		return errors.New("hvcall: no hypercall descriptor")
	}
	return nil
}

// issue makes one hypercall through the backend and decodes the output
// value. err is the backend's own failure, wrapped with the call's name.
func (c *Caller) issue(d *abi.Hypercall, ctl Control, in, out *Page, regs *FastBlock, sizes Sizes) (status uint16, reps int, err error) {
	res, err := c.backend.Hypercall(c.enc.Input(ctl), in, out, regs, sizes)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", d.Name, err)
	}
	status, reps = c.enc.Output(res)
	return status, reps, nil
}

// checkBlocks rejects a fixed input or output block shorter than the
// descriptor's (a nil parameter pointer gives an empty block).
func checkBlocks(d *abi.Hypercall, in, out []byte) error {
	if len(in) < int(d.InputSize) {
		return fmt.Errorf("%s: %w: %d bytes, the input block is %d", d.Name, ErrShortInput, len(in), d.InputSize)
	}
	if len(out) < int(d.OutputSize) {
		return fmt.Errorf("%s: %w: %d bytes, the output block is %d", d.Name, ErrShortOutput, len(out), d.OutputSize)
	}
	return nil
}

// Call issues a simple hypercall. input is the parameter block and output
// receives the output block; either may be empty.
func (c *Caller) Call(d *abi.Hypercall, input, output []byte) error {
	return c.CallParts(d, input, nil, output, nil)
}

// CallParts issues a simple hypercall whose input and output blocks each have
// a fixed header and a variable tail (a trailing variable-length array). The
// tail follows the header directly (headers are multiples of 8 bytes). A
// header shorter than the descriptor's size is an error (ErrShortInput,
// ErrShortOutput), and no call is made.
func (c *Caller) CallParts(d *abi.Hypercall, in, inTail, out, outTail []byte) error {
	return c.callParts(d, in, inTail, out, outTail, 0)
}

// CallList is CallParts for a call whose output ends in a list that the
// hypervisor fills with as many elemSize-byte elements as it has, a count the
// call does not return (HvCallMapEventLogBuffer: one GPA page number per
// buffer page). The output page from the list on is filled with 0xFF bytes
// before the call, so elements of a longer outList that the hypervisor did not
// write come back as all 0xFF bytes; if the hypervisor wrote past outList,
// outList was too short and the call fails with ErrOutputListShort, which
// says how many elements came back at least (the call took effect, and
// outList holds the first ones). A returned element whose bytes are all 0xFF
// cannot be told from the fill; no GPA page number is. A list call always
// uses the memory convention.
func (c *Caller) CallList(d *abi.Hypercall, in, inTail, out, outList []byte, elemSize int) error {
	if err := c.ready(d); err != nil {
		return err
	}
	if elemSize < 1 {
		return fmt.Errorf("%s: hvcall: CallList with element size %d", d.Name, elemSize)
	}
	return c.callParts(d, in, inTail, out, outList, elemSize)
}

// fill is what CallList puts past the output list.
var fill = func() *Page {
	var p Page
	for i := range p {
		p[i] = 0xFF
	}
	return &p
}()

func (c *Caller) callParts(d *abi.Hypercall, in, inTail, out, outTail []byte, listElem int) error {
	if err := c.ready(d); err != nil {
		return err
	}
	if d.Rep {
		_, err := c.CallRep(d, in, nil, out, nil, 0)
		return err
	}
	if err := checkBlocks(d, in, out); err != nil {
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
	if listElem == 0 && c.fast(d, nIn, nOut) {
		ctl.Fast = true
		clear(c.regs[:])
		copy(c.regs[copy(c.regs[:], in):], inTail)
		status, _, err := c.issue(d, ctl, nil, nil, &c.regs, Sizes{InHeader: nIn, OutHeader: nOut})
		if err != nil {
			return err
		}
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
	if listElem > 0 {
		copy(c.out[len(out):], fill[:])
	}
	status, _, err := c.issue(d, ctl, c.in, c.out, nil, Sizes{InHeader: nIn, OutHeader: nOut})
	if err != nil {
		return err
	}
	if status != 0 {
		return &Error{Call: d.Name, Status: c.enc.Status(status), Rep: -1}
	}
	copy(outTail, c.out[copy(out, c.out[:]):])
	if listElem > 0 {
		if past := c.out[nOut:]; !bytes.Equal(past, fill[:len(past)]) {
			last := len(past) - 1
			for past[last] == 0xFF {
				last--
			}
			n := (len(outTail) + last + listElem) / listElem
			return fmt.Errorf("%s: %w: it returned at least %d elements of %d bytes, the list holds %d (the call took effect; the list has the first ones)",
				d.Name, ErrOutputListShort, n, listElem, len(outTail)/listElem)
		}
	}
	return nil
}

// fast reports whether a simple call goes in registers: the descriptor must
// allow it, the backend carry the form, and the parameters fit it: the
// plain form (input only, RDX and R8) or the XMM form (input, then output
// after a 16-byte boundary), which the encoding must define too.
func (c *Caller) fast(d *abi.Hypercall, nIn, nOut int) bool {
	if !d.Fast {
		return false
	}
	if c.conv&Fast != 0 && nOut == 0 && nIn <= c.enc.FastInputBytes {
		return true
	}
	return c.conv&XMMFast != 0 && c.enc.XMMInputBytes > 0 && nIn <= c.enc.XMMInputBytes &&
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
	if err := c.ready(d); err != nil {
		return 0, err
	}
	if !d.Rep {
		if n != 0 || len(inElems) != 0 || len(outElems) != 0 {
			return 0, fmt.Errorf("%s: %w", d.Name, ErrNotRep)
		}
		return 0, c.CallParts(d, header, nil, outHeader, nil)
	}
	if err := checkBlocks(d, header, outHeader); err != nil {
		return 0, err
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
			status, completed, err := c.issue(d, ctl, c.in, c.out, nil, sizes)
			if err != nil {
				return done + start, err
			}
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
