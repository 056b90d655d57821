//go:build amd64 || arm64

package linux70sim

import (
	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// Registers reads the registers regs name into their Value fields, as the
// VP sees them, under one lock of the hypervisor: what a run loop built on
// this package reads at each step. It reports false when the VP does not
// exist or linux-7.0 has no register of a name (the registers before it are
// read).
func (v *VP) Registers(regs []linux70.RegisterAssoc) bool {
	return v.e.ReadRegisters(hvcall.SliceBytes(regs))
}

// SetRegisters writes regs as HvCallSetVpRegisters does (the same checks
// and effects), under one lock of the hypervisor. It reports false when the
// VP does not exist or the call would refuse a value (the registers before
// it are written).
func (v *VP) SetRegisters(regs []linux70.RegisterAssoc) bool {
	return v.e.WriteRegisters(hvcall.SliceBytes(regs))
}
