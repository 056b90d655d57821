//go:build amd64

package mshvsim_test

import (
	"testing"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/mshv"
	"github.com/hvgen/hvgen/runtime/mshvsim"
	"github.com/hvgen/hvgen/runtime/sim"
)

// BenchmarkRunRoundTrip is one VP round trip on the simulated driver, as a
// VMM's loop makes it: Run (MSHV_RUN_VP: the driver's
// HVCALL_SET_VP_REGISTERS, the scripted guest's OUT, the message copied
// out), a look at the I/O port view, AdvanceRIP (HVCALL_SET_VP_REGISTERS
// through the VP's pass-through). The script is 1024 OUTs, loaded again
// (and RIP reset) each 1024 round trips.
func BenchmarkRunRoundTrip(b *testing.B) {
	m := newVM(b, sim.Config{})
	const n = 1024
	ops := make([]mshvsim.Op, n)
	for i := range ops {
		ops[i] = mshvsim.Op{Kind: mshvsim.Out, Port: 0x3f8, Size: 1, Value: uint64(i & 0x7f)}
	}
	vp := m.vp(0, ops...)
	reset := []linux70.RegisterAssoc{mshv.Reg64(linux70.X64RegisterRIP, 0x1000)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i%n == n-1 {
			if err := m.d.Load(vp, mshvsim.Guest{Entry: 0x1000, Ops: ops}); err != nil {
				b.Fatal(err)
			}
			if err := vp.SetRegisters(reset); err != nil {
				b.Fatal(err)
			}
		}
		msg, err := vp.Run()
		if err != nil {
			b.Fatal(err)
		}
		io, ok := msg.IOPort()
		if !ok || io.PortNumber != 0x3f8 {
			b.Fatalf("%v", msg)
		}
		if err := vp.AdvanceRIP(&io.Header); err != nil {
			b.Fatal(err)
		}
	}
}
