//go:build amd64

package mshvsim_test

import (
	"fmt"
	"log"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/mshv"
	"github.com/hvgen/hvgen/runtime/mshvsim"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/sim/linux70sim"
)

// A VMM on the simulated driver: create a partition, map memory, create a
// VP, load a scripted guest (it writes "hi" to COM1, asks CPUID leaf 0 and
// halts), run it and service its intercepts. The VMM's code is what it
// would be on /dev/mshv.
func Example() {
	check := func(err error) {
		if err != nil {
			log.Fatal(err)
		}
	}
	d := mshvsim.New(linux70sim.New(sim.Config{}))
	sys, err := d.Open()
	check(err)
	defer sys.Close()
	mem, err := mshv.NewMemory(0x4000)
	check(err)
	defer mshv.FreeMemory(mem)
	part, err := sys.CreatePartition(mshv.WithLAPIC())
	check(err)
	defer part.Close()
	check(part.Initialize())
	check(part.MapMemory(0x1000/mshv.HVPageSize, mem, mshv.Writable|mshv.Executable))
	vp, err := part.CreateVP(0)
	check(err)

	check(d.Load(vp, mshvsim.Guest{Entry: 0x1000, Ops: []mshvsim.Op{
		{Kind: mshvsim.Out, Port: 0x3f8, Size: 1, Value: 'h'},
		{Kind: mshvsim.Out, Port: 0x3f8, Size: 1, Value: 'i'},
		{Kind: mshvsim.CPUID, Value: 0},
		{Kind: mshvsim.HLT},
	}}))
	check(vp.SetRegisters([]linux70.RegisterAssoc{mshv.Reg64(linux70.X64RegisterRIP, 0x1000)}))

	for {
		m, err := vp.Run()
		check(err)
		switch m.Kind() {
		case mshv.KindIOPort:
			io, _ := m.IOPort()
			fmt.Printf("OUT %#x: %q at RIP %#x\n", io.PortNumber, rune(io.Rax), io.Header.RIP)
			check(vp.AdvanceRIP(&io.Header))
		case mshv.KindCPUID:
			c, _ := m.CPUID()
			fmt.Printf("CPUID leaf %d\n", c.Rax)
			check(vp.SetRegisters([]linux70.RegisterAssoc{mshv.Reg64(linux70.X64RegisterRax, 1), // the highest leaf
				mshv.Reg64(linux70.X64RegisterRbx, 0x6e6d6f47)})) // and a vendor word
			check(vp.AdvanceRIP(&c.Header))
		case mshv.KindHalt:
			res, err := d.Results(vp)
			check(err)
			fmt.Printf("halt; the guest got EAX %d, EBX %#x from CPUID\n", res[2].CPUID[0], res[2].CPUID[1])
			return
		default:
			log.Fatalf("unexpected %v", m)
		}
	}
	// Output:
	// OUT 0x3f8: 'h' at RIP 0x1000
	// OUT 0x3f8: 'i' at RIP 0x1001
	// CPUID leaf 0
	// halt; the guest got EAX 1, EBX 0x6e6d6f47 from CPUID
}

// The generated linux70.Client over a VP's pass-through (MSHV_ROOT_HVCALL
// on the VP's fd): HVCALL_SET_VP_REGISTERS and HVCALL_GET_VP_REGISTERS, in
// the headers' layouts, through the simulated driver to the simulated
// hypervisor. The driver writes the partition id; the caller names the VP.
func Example_client() {
	check := func(err error) {
		if err != nil {
			log.Fatal(err)
		}
	}
	d := mshvsim.New(linux70sim.New(sim.Config{}))
	sys, err := d.Open()
	check(err)
	defer sys.Close()
	part, err := sys.CreatePartition()
	check(err)
	defer part.Close()
	check(part.Initialize())
	vp, err := part.CreateVP(0)
	check(err)

	c := linux70.NewClient(vp.Hypercalls())
	_, err = c.SetVPRegisters(&linux70.SetVPRegistersInput{VPIndex: vp.Index()}, []linux70.RegisterAssoc{
		mshv.Reg64(linux70.X64RegisterRIP, 0xfff0),
		mshv.Reg64(linux70.X64RegisterRax, 0x1234),
	})
	check(err)
	names := []uint32{uint32(linux70.X64RegisterRIP), uint32(linux70.X64RegisterRax)}
	values := make([]linux70.RegisterValue, len(names))
	n, err := c.GetVPRegisters(&linux70.GetVPRegistersInput{VPIndex: vp.Index()}, names, values)
	check(err)
	fmt.Printf("%d registers: RIP %#x, RAX %#x\n", n, *values[0].Reg64(), *values[1].Reg64())

	// A call the driver does not pass from a VP fd is refused before any
	// ioctl, as the kernel's driver would refuse it (EINVAL).
	err = c.CreateVP(&linux70.CreateVP{VPIndex: 1})
	fmt.Println(err != nil)
	// Output:
	// 2 registers: RIP 0xfff0, RAX 0x1234
	// true
}
