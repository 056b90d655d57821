//go:build amd64 || arm64

package tlfssim_test

import (
	"errors"
	"fmt"

	"github.com/hvgen/hvgen/generated/tlfs"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/sim/tlfssim"
)

// The simulated hypervisor answers with the TLFS's codes and layouts: a
// call that moved answers HV_STATUS_INVALID_HYPERCALL_CODE at its old code,
// and a TLFS field the sim does not model (another VTL) must be zero.
func Example() {
	h := tlfssim.New(sim.Config{})
	child := h.CreateChild(h.Root(), 0, 8, 1)
	c := tlfs.NewClient(h.Root().Backend())

	in := tlfs.AssertVirtualInterruptInput{TargetPartition: child.ID(), RequestedVector: 0x30}
	fmt.Println("assert:", c.AssertVirtualInterrupt(&in), child.VP(0).Interrupts())
	in.TargetVTL = 1
	fmt.Println("VTL 1:", errors.Is(c.AssertVirtualInterrupt(&in), tlfs.StatusInvalidParameter))
	// Output:
	// assert: <nil> [{HvX64InterruptTypeFixed 48}]
	// VTL 1: true
}
