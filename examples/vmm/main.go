//go:build amd64

// Command vmm is a small VMM on Linux's mshv driver, through runtime/mshv:
// it creates a partition, maps guest memory, creates a VP, sets its
// registers, runs it and services its intercepts. The guest writes
// "Hello, mshv!" and a newline to COM1 (port 0x3f8) a byte at a time and
// halts; vmm prints what the guest wrote and exits 0.
//
//	go run ./examples/vmm                    on the simulated driver
//	go run ./examples/vmm -device /dev/mshv  on the kernel's driver (a Linux root partition)
//
// On the kernel's driver the guest is real x86 code in guest memory
// (guest.go). The VMM's code is the same on both: only where the System
// comes from and how the guest gets into the VM differ (a platform).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/mshv"
	"github.com/hvgen/hvgen/runtime/mshvsim"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/sim/linux70sim"
)

// The guest's memory: 16 KiB at guest physical address 0x1000 (page 1),
// the code at its start.
const (
	guestBase = 0x1000
	guestSize = 0x4000
	com1      = 0x3f8
	message   = "Hello, mshv!\n"
)

// platform is where the guest runs: the driver's System, and how the guest
// gets into the VM once its memory is mapped and its VP created.
type platform struct {
	sys *mshv.System
	// load puts the guest in place and returns the guest physical address
	// where it starts; run points the VP there.
	load func(p *mshv.Partition, mem []byte, vp *mshv.VP) (entry uint64, err error)
}

func main() {
	device := flag.String("device", "", "run on the kernel's mshv driver at `path` (e.g. "+mshv.DevicePath+"), the guest as x86 code in guest memory; default: the simulated driver")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: vmm [-device path]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	var pl platform
	var err error
	if *device != "" {
		pl, err = kernel(*device)
	} else {
		pl, err = simulated()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmm:", err)
		os.Exit(1)
	}
	defer pl.sys.Close()
	w := bufio.NewWriter(os.Stdout)
	err = run(pl, w)
	w.Flush()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmm:", err)
		os.Exit(1)
	}
}

// kernel is the kernel's driver at path, with the guest as x86 code.
func kernel(path string) (platform, error) {
	sys, err := mshv.OpenPath(path)
	if err != nil {
		return platform{}, err
	}
	return platform{sys: sys, load: loadCode}, nil
}

// loadCode copies the guest's x86 code to the start of guest memory.
func loadCode(_ *mshv.Partition, mem []byte, _ *mshv.VP) (uint64, error) {
	copy(mem, guestCode(message))
	return guestBase, nil
}

// simulated is the simulated driver (runtime/mshvsim) over a simulated
// hypervisor, with the guest as a scripted guest: the operations the x86
// code performs (an OUT of each byte to COM1, then HLT), at the same
// addresses.
func simulated() (platform, error) {
	d := mshvsim.New(linux70sim.New(sim.Config{}))
	sys, err := d.Open()
	if err != nil {
		return platform{}, err
	}
	load := func(_ *mshv.Partition, _ []byte, vp *mshv.VP) (uint64, error) {
		return guestBase, d.Load(vp, guestScript(guestBase, message))
	}
	return platform{sys: sys, load: load}, nil
}

// run creates the VM, runs the guest and writes what it sends to COM1 to
// out.
func run(pl platform, out io.Writer) error {
	mem, err := mshv.NewMemory(guestSize)
	if err != nil {
		return err
	}
	defer mshv.FreeMemory(mem) // after the partition is closed
	part, err := pl.sys.CreatePartition(mshv.WithLAPIC())
	if err != nil {
		return err
	}
	defer part.Close()
	if err := part.Initialize(); err != nil {
		return err
	}
	if err := part.MapMemory(guestBase/mshv.HVPageSize, mem, mshv.Writable|mshv.Executable); err != nil {
		return err
	}
	vp, err := part.CreateVP(0)
	if err != nil {
		return err
	}
	entry, err := pl.load(part, mem, vp)
	if err != nil {
		return err
	}
	if err := realMode(vp, entry); err != nil {
		return err
	}
	return serve(vp, out)
}

// realMode points the VP at entry in real mode with flat segments: CS as
// the VP came up (a real-mode code segment) with base and selector 0, RIP
// entry, RFLAGS with only its fixed bit.
func realMode(vp *mshv.VP, entry uint64) error {
	cs := make([]linux70.RegisterValue, 1)
	if err := vp.GetRegisters([]linux70.RegisterName{linux70.X64RegisterCs}, cs); err != nil {
		return err
	}
	seg := cs[0].Segment()
	seg.Base, seg.Selector = 0, 0
	csReg := linux70.RegisterAssoc{Name: uint32(linux70.X64RegisterCs), Value: cs[0]}
	return vp.SetRegisters([]linux70.RegisterAssoc{csReg, mshv.Reg64(linux70.X64RegisterRIP, entry), mshv.Reg64(linux70.X64RegisterRflags, 0x2)})
}

// serve runs the VP and services its intercepts until it halts: a one-byte
// OUT to COM1 goes to out, and the VP goes on past it; anything else is an
// error.
func serve(vp *mshv.VP, out io.Writer) error {
	for range 10 * len(message) {
		m, err := vp.Run()
		if err != nil {
			return err
		}
		switch m.Kind() {
		case mshv.KindIOPort:
			io, _ := m.IOPort()
			write := io.Header.InterceptAccessType == 1 // HV_INTERCEPT_ACCESS_WRITE
			if io.PortNumber != com1 || !write || io.AccessInfo.AccessSize() != 1 || io.AccessInfo.StringOp() {
				return fmt.Errorf("unexpected I/O: port %#x, write %v, size %d", io.PortNumber, write, io.AccessInfo.AccessSize())
			}
			if _, err := out.Write([]byte{byte(io.Rax)}); err != nil {
				return err
			}
			if err := vp.AdvanceRIP(&io.Header); err != nil {
				return err
			}
		case mshv.KindHalt:
			return nil
		default:
			if err := m.Check(); err != nil {
				return err
			}
			return fmt.Errorf("unexpected message %v: % x", m, m.Payload())
		}
	}
	return fmt.Errorf("the guest did not halt after %d messages", 10*len(message))
}
