//go:build amd64

package mshvsim_test

import (
	"testing"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/mshv"
	"github.com/hvgen/hvgen/runtime/mshvsim"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/sim/linux70sim"
)

func TestSmoke(t *testing.T) {
	d := mshvsim.New(linux70sim.New(sim.Config{}))
	var calls []linux70.CallCode
	d.Trace(func(c linux70.CallCode) { calls = append(calls, c) })
	sys, err := d.Open()
	if err != nil {
		t.Fatal(err)
	}
	mem, _ := mshv.NewMemory(0x4000)
	part, err := sys.CreatePartition(mshv.WithLAPIC())
	if err != nil {
		t.Fatal(err)
	}
	if err := part.Initialize(); err != nil {
		t.Fatal(err)
	}
	if err := part.MapMemory(1, mem, mshv.Writable|mshv.Executable); err != nil {
		t.Fatal(err)
	}
	vp, err := part.CreateVP(0)
	if err != nil {
		t.Fatal(err)
	}
	ops := []mshvsim.Op{{Kind: mshvsim.Out, Port: 0x3f8, Size: 1, Value: 'H'}, {Kind: mshvsim.HLT}}
	if err := d.Load(vp, mshvsim.Guest{Entry: 0x1000, Ops: ops}); err != nil {
		t.Fatal(err)
	}
	if err := vp.SetRegisters([]linux70.RegisterAssoc{mshv.Reg64(linux70.X64RegisterRIP, 0x1000)}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		m, err := vp.Run()
		if err != nil {
			t.Fatal(err)
		}
		t.Log(m)
		if io, ok := m.IOPort(); ok {
			t.Logf("port %#x rax %#x len %d", io.PortNumber, io.Rax, io.Header.Bits4.InstructionLength())
			if err := vp.AdvanceRIP(&io.Header); err != nil {
				t.Fatal(err)
			}
		}
		if m.Kind() == mshv.KindHalt {
			break
		}
	}
	part.Close()
	t.Log(calls)
}
