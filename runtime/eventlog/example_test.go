package eventlog_test

import (
	"fmt"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
)

// The fast way through a buffer: range over All, switch on the entry type,
// view the payload with the generated As... function.
func ExampleBuffer_All() {
	mem := build(3, 4096, 2, 0) // a hypercall entry with its two parameters, then one without
	buf, err := eventlog.NewBuffer(mem, 3, elt, 4096)
	if err != nil {
		fmt.Println(err)
		return
	}
	for e, err := range buf.All() {
		if err != nil {
			fmt.Println(err)
			return
		}
		switch hv.EntryType(e.Type()) {
		case hv.TrHcHypercall:
			if p := hv.AsTrHcHypercall(e.Payload); p != nil {
				fmt.Printf("%v at %#x: input %#x\n", hv.EntryType(e.Type()), e.Offset, p.InputValue)
				continue
			}
		}
		fmt.Printf("%v at %#x: %d payload bytes\n", hv.EntryType(e.Type()), e.Offset, len(e.Payload))
	}
	// Output:
	// HV_TR_HC_HYPERCALL at 0x48: input 0x1
	// HV_TR_HC_HYPERCALL at 0x68: 0 payload bytes
}
