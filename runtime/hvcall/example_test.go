package hvcall_test

import (
	"encoding/binary"
	"errors"
	"fmt"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// adder is a backend that answers one made-up hypercall, code 0x7f01: it
// adds the two 64-bit input parameters into the output. Like the Linux
// driver, it carries parameters in memory only.
type adder struct{}

func (adder) Conventions() hvcall.Conventions { return hvcall.MemoryOnly }

func (adder) Hypercall(control uint64, in, out *hvcall.Page, regs *hvcall.FastBlock, sizes hvcall.Sizes) (uint64, error) {
	if ctl := hv.Encoding.Decode(control); ctl.Code != 0x7f01 || ctl.Fast {
		return hv.Encoding.Result(uint16(hv.StatusInvalidHypercallCode), 0), nil
	}
	le := binary.LittleEndian
	le.PutUint64(out[:], le.Uint64(in[0:])+le.Uint64(in[8:]))
	return hv.Encoding.Result(uint16(hv.StatusSuccess), 0), nil
}

// A Caller over a backend of one's own, with a version's Encoding (here
// the generated wdk2013 one): the call is described by an abi.Hypercall,
// its parameters are bytes, and a failure is the version's status.
func ExampleCaller() {
	add := &abi.Hypercall{Name: "HvCallExampleAdd", Code: 0x7f01, Fast: true, InputSize: 16, OutputSize: 8}
	c := hvcall.NewCaller(adder{}, &hv.Encoding)
	in := binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 40), 2)
	out := make([]byte, 8)
	err := c.Call(add, in, out) // fast-capable, but the backend is memory-only: through the pages
	fmt.Println(binary.LittleEndian.Uint64(out), err)

	err = c.Call(&abi.Hypercall{Name: "HvCallExampleNone", Code: 0x7f02}, nil, nil)
	fmt.Println(err)
	fmt.Println(errors.Is(err, hv.StatusInvalidHypercallCode))
	// Output:
	// 42 <nil>
	// HvCallExampleNone: HV_STATUS_INVALID_HYPERCALL_CODE: the hypercall code is not known to the hypervisor
	// true
}
