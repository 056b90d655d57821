package mshv

import (
	"github.com/hvgen/hvgen/generated/linux70"
)

// StandardRegisters are the x64 general-purpose registers, RIP and RFLAGS
// (rust-vmm's StandardRegisters).
type StandardRegisters struct {
	RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP uint64
	R8, R9, R10, R11, R12, R13, R14, R15   uint64
	RIP, RFLAGS                            uint64
}

// standardNames are the registers of StandardRegisters, in its order.
var standardNames = [...]linux70.RegisterName{
	linux70.X64RegisterRax, linux70.X64RegisterRbx, linux70.X64RegisterRcx, linux70.X64RegisterRdx,
	linux70.X64RegisterRsi, linux70.X64RegisterRdi, linux70.X64RegisterRsp, linux70.X64RegisterRbp,
	linux70.X64RegisterR8, linux70.X64RegisterR9, linux70.X64RegisterR10, linux70.X64RegisterR11,
	linux70.X64RegisterR12, linux70.X64RegisterR13, linux70.X64RegisterR14, linux70.X64RegisterR15,
	linux70.X64RegisterRIP, linux70.X64RegisterRflags,
}

// GetStandardRegisters reads the general-purpose registers, RIP and RFLAGS
// in one HVCALL_GET_VP_REGISTERS.
func (v *VP) GetStandardRegisters() (StandardRegisters, error) {
	var vals [len(standardNames)]linux70.RegisterValue
	if err := v.GetRegisters(standardNames[:], vals[:]); err != nil {
		return StandardRegisters{}, err
	}
	var r StandardRegisters
	for i, p := range r.ptrs() {
		*p = *vals[i].Reg64()
	}
	return r, nil
}

// SetStandardRegisters writes the general-purpose registers, RIP and RFLAGS
// in one HVCALL_SET_VP_REGISTERS.
func (v *VP) SetStandardRegisters(r StandardRegisters) error {
	var regs [len(standardNames)]linux70.RegisterAssoc
	for i, p := range r.ptrs() {
		regs[i] = Reg64(standardNames[i], *p)
	}
	return v.SetRegisters(regs[:])
}

// ptrs lists the fields in the order of standardNames.
func (r *StandardRegisters) ptrs() [len(standardNames)]*uint64 {
	return [...]*uint64{&r.RAX, &r.RBX, &r.RCX, &r.RDX, &r.RSI, &r.RDI, &r.RSP, &r.RBP,
		&r.R8, &r.R9, &r.R10, &r.R11, &r.R12, &r.R13, &r.R14, &r.R15, &r.RIP, &r.RFLAGS}
}

// AdvanceRIP moves the VP past the instruction an intercept stopped it at:
// RIP becomes the header's RIP plus the instruction's length. Without it,
// the VP runs the instruction again (and is intercepted again) on the next
// Run.
func (v *VP) AdvanceRIP(h *linux70.X64InterceptMessageHeader) error {
	return v.SetRegisters([]linux70.RegisterAssoc{Reg64(linux70.X64RegisterRIP, h.RIP+uint64(h.Bits4.InstructionLength()))})
}
