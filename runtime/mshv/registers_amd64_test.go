package mshv

import (
	"testing"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/abi"
)

// TestRegisters: GetRegisters and SetRegisters go through the VP's
// pass-through with the VP's index; the driver fills in the partition.
func TestRegisters(t *testing.T) {
	d := newFake(t)
	p, _ := d.open().CreatePartition()
	vp, _ := p.CreateVP(3)
	d.calls()
	if err := vp.SetRegisters([]linux70.RegisterAssoc{Reg64(linux70.X64RegisterRIP, 0x1000), Reg64(linux70.X64RegisterRflags, 2)}); err != nil {
		t.Fatal(err)
	}
	vals := make([]linux70.RegisterValue, 2)
	if err := vp.GetRegisters([]linux70.RegisterName{linux70.X64RegisterRflags, linux70.X64RegisterRIP}, vals); err != nil {
		t.Fatal(err)
	}
	if *vals[0].Reg64() != 2 || *vals[1].Reg64() != 0x1000 {
		t.Errorf("read back %#x %#x", *vals[0].Reg64(), *vals[1].Reg64())
	}
	calls := d.calls()
	if len(calls) != 2 || calls[0].code != uint16(linux70.CallSetVPRegisters) || calls[1].code != uint16(linux70.CallGetVPRegisters) || calls[0].fd != abi.FdVP {
		t.Errorf("requests %+v", calls)
	}
	// The VP index is the caller's to set: the driver writes only the
	// partition id (drivers/hv/mshv_root_main.c:230 @ d4eb7b2da66c).
	if _, ok := d.regs[[2]uint64{uint64(p.h.fd) + 0x1000, 3<<32 | uint64(linux70.X64RegisterRIP)}]; !ok {
		t.Errorf("the register went elsewhere: %v", d.regs)
	}
	if err := vp.GetRegisters([]linux70.RegisterName{linux70.X64RegisterRIP}, nil); err == nil {
		t.Error("no error for a values slice of the wrong length")
	}
	regs, err := vp.GetStandardRegisters()
	if err != nil || regs.RIP != 0x1000 || regs.RFLAGS != 2 {
		t.Errorf("GetStandardRegisters: %+v, %v", regs, err)
	}
	regs.RAX, regs.R15 = 7, 9
	if err := vp.SetStandardRegisters(regs); err != nil {
		t.Fatal(err)
	}
	if back, err := vp.GetStandardRegisters(); err != nil || back != regs {
		t.Errorf("round trip: %+v, want %+v (%v)", back, regs, err)
	}
}
