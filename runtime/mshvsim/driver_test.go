//go:build amd64

package mshvsim_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/mshv"
	"github.com/hvgen/hvgen/runtime/mshvsim"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/sim/linux70sim"
)

// vm is a partition on the simulated driver, initialized, with 16 KiB of
// memory at guest page 1.
type vm struct {
	t    testing.TB
	d    *mshvsim.Driver
	sys  *mshv.System
	part *mshv.Partition
	mem  []byte
}

func newVM(t testing.TB, cfg sim.Config) *vm {
	t.Helper()
	d := mshvsim.New(linux70sim.New(cfg))
	sys, err := d.Open()
	if err != nil {
		t.Fatal(err)
	}
	mem, err := mshv.NewMemory(0x4000)
	if err != nil {
		t.Fatal(err)
	}
	part, err := sys.CreatePartition(mshv.WithLAPIC())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		part.Close()
		sys.Close()
		mshv.FreeMemory(mem)
	})
	if err := part.Initialize(); err != nil {
		t.Fatal(err)
	}
	if err := part.MapMemory(1, mem, mshv.Writable|mshv.Executable); err != nil {
		t.Fatal(err)
	}
	return &vm{t: t, d: d, sys: sys, part: part, mem: mem}
}

// vp creates VP index running ops from RIP 0x1000.
func (m *vm) vp(index uint32, ops ...mshvsim.Op) *mshv.VP {
	m.t.Helper()
	vp, err := m.part.CreateVP(index)
	if err != nil {
		m.t.Fatal(err)
	}
	if err := m.d.Load(vp, mshvsim.Guest{Entry: 0x1000, Ops: ops}); err != nil {
		m.t.Fatal(err)
	}
	if err := vp.SetRegisters([]linux70.RegisterAssoc{mshv.Reg64(linux70.X64RegisterRIP, 0x1000)}); err != nil {
		m.t.Fatal(err)
	}
	return vp
}

func run(t testing.TB, vp *mshv.VP) *mshv.Message {
	t.Helper()
	m, err := vp.Run()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func advance(t testing.TB, vp *mshv.VP, m *mshv.Message) {
	t.Helper()
	h, ok := m.InterceptHeader()
	if !ok {
		t.Fatalf("%v has no intercept header", m)
	}
	if err := vp.AdvanceRIP(h); err != nil {
		t.Fatal(err)
	}
}

// TestIoctlHypercalls: the hypercalls each ioctl issues, in order, are the
// kernel driver's (see the package documentation for the sources).
func TestIoctlHypercalls(t *testing.T) {
	d := mshvsim.New(linux70sim.New(sim.Config{}))
	var calls []linux70.CallCode
	d.Trace(func(c linux70.CallCode) { calls = append(calls, c) })
	step := func(name string, want []linux70.CallCode, f func() error) {
		t.Helper()
		calls = nil
		if err := f(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(calls, want) {
			t.Errorf("%s issued %v, want %v", name, calls, want)
		}
	}
	sys, err := d.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	mem, _ := mshv.NewMemory(0x2000)
	defer mshv.FreeMemory(mem)
	var part *mshv.Partition
	var vp *mshv.VP
	step("MSHV_CREATE_PARTITION", []linux70.CallCode{linux70.CallCreatePartition}, func() (err error) {
		part, err = sys.CreatePartition()
		return err
	})
	step("MSHV_INITIALIZE_PARTITION", []linux70.CallCode{linux70.CallDepositMemory, linux70.CallInitializePartition}, part.Initialize)
	if d.Deposited() != 208 {
		t.Errorf("initialize deposited %d pages, want 208 (HV_INIT_PARTITION_DEPOSIT_PAGES)", d.Deposited())
	}
	step("MSHV_INITIALIZE_PARTITION again", nil, part.Initialize)
	step("MSHV_SET_GUEST_MEMORY", []linux70.CallCode{linux70.CallMapGPAPages}, func() error {
		return part.MapMemory(0x10, mem, mshv.Writable)
	})
	step("MSHV_CREATE_VP", []linux70.CallCode{linux70.CallCreateVP}, func() (err error) {
		vp, err = part.CreateVP(0)
		return err
	})
	step("MSHV_ROOT_HVCALL (set registers)", []linux70.CallCode{linux70.CallSetVPRegisters}, func() error {
		return vp.SetRegisters([]linux70.RegisterAssoc{mshv.Reg64(linux70.X64RegisterRIP, 0x1000)})
	})
	d.Load(vp, mshvsim.Guest{Entry: 0x1000, Ops: []mshvsim.Op{{Kind: mshvsim.HLT}}})
	step("MSHV_RUN_VP", []linux70.CallCode{linux70.CallSetVPRegisters}, func() error {
		_, err := vp.Run()
		return err
	})
	step("MSHV_GET_VP_STATE (XSAVE)", []linux70.CallCode{linux70.CallGetPartitionProperty, linux70.CallGetPartitionProperty}, func() error {
		_, err := vp.GetState(mshv.StateXSAVE, make([]byte, 4096))
		return err
	})
	step("MSHV_SET_GUEST_MEMORY (unmap)", []linux70.CallCode{linux70.CallUnmapGPAPages}, func() error {
		return part.UnmapMemory(0x10, mem)
	})
	step("close", []linux70.CallCode{linux70.CallFinalizePartition, linux70.CallWithdrawMemory, linux70.CallDeletePartition}, part.Close)
	if n := len(d.Hypervisor().Partitions()); n != 1 {
		t.Errorf("%d partitions left, want the root only", n)
	}
}

// TestDepositRetry: a call that finds a pool short gets a page deposited
// and is issued again, as the kernel's helpers do: creating a partition
// with the root's pool empty (one page into the root), and a pass-through
// call whose pool runs out (one page at a time into the partition, the
// loop of mshv_ioctl_passthru_hvcall).
func TestDepositRetry(t *testing.T) {
	d := mshvsim.New(linux70sim.New(sim.Config{RootPoolPages: 1}))
	var calls []linux70.CallCode
	d.Trace(func(c linux70.CallCode) { calls = append(calls, c) })
	sys, err := d.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	first, err := sys.CreatePartition()
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	calls = nil
	second, err := sys.CreatePartition()
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	want := []linux70.CallCode{linux70.CallCreatePartition, linux70.CallDepositMemory, linux70.CallCreatePartition}
	if !slices.Equal(calls, want) || d.Deposited() != 1 {
		t.Errorf("second partition: %v and %d pages deposited, want %v and 1", calls, d.Deposited(), want)
	}
	if err := second.Initialize(); err != nil {
		t.Fatal(err)
	}
	// The virtual TLB's pages come from the partition's pool (207 free
	// after initialize): 300 of them take 93 deposits of a page.
	const virtualTLBPageCount = 0x50000 // HvPartitionPropertyVirtualTlbPageCount
	before := d.Deposited()
	calls = nil
	if err := second.SetProperty(virtualTLBPageCount, 300); err != nil {
		t.Fatal(err)
	}
	if got := d.Deposited() - before; got != 300-207 {
		t.Errorf("the pass-through deposited %d pages, want %d", got, 300-207)
	}
	if n := len(calls); n != 2*(300-207)+1 || calls[0] != linux70.CallSetPartitionProperty || calls[1] != linux70.CallDepositMemory || calls[n-1] != linux70.CallSetPartitionProperty {
		t.Errorf("the pass-through issued %d calls (%v ...), want the call and a deposit %d times, then the call", n, calls[:min(n, 4)], 300-207)
	}
	if v, err := second.GetProperty(virtualTLBPageCount); err != nil || v != 300 {
		t.Errorf("the property reads %d, %v", v, err)
	}
}

// TestRIPNotAdvanced: a VMM that does not move RIP past an intercepted
// instruction gets the same intercept again, as hardware re-executes it;
// moving RIP gets the next.
func TestRIPNotAdvanced(t *testing.T) {
	m := newVM(t, sim.Config{})
	vp := m.vp(0, mshvsim.Op{Kind: mshvsim.Out, Port: 0x3f8, Size: 1, Value: 'a'}, mshvsim.Op{Kind: mshvsim.Out, Port: 0x3f8, Size: 1, Value: 'b'})
	first := *run(t, vp)
	for range 3 {
		again := run(t, vp)
		if *again != first {
			t.Fatalf("run without moving RIP: %v, want the same message as %v", again, &first)
		}
	}
	io, _ := first.IOPort()
	if io.Rax != 'a' || io.Header.RIP != 0x1000 || io.Header.Bits4.InstructionLength() != 1 {
		t.Errorf("first OUT: RAX %#x, RIP %#x, length %d", io.Rax, io.Header.RIP, io.Header.Bits4.InstructionLength())
	}
	advance(t, vp, &first)
	io, _ = run(t, vp).IOPort()
	if io.Rax != 'b' || io.Header.RIP != 0x1001 {
		t.Errorf("after AdvanceRIP: RAX %#x at RIP %#x, want 'b' at 0x1001", io.Rax, io.Header.RIP)
	}
}

// TestScriptedGuest: each operation raises the message a real VP would,
// with the registers at the time, and takes the VMM's answer: an IN gets
// RAX masked to its size, CPUID and RDMSR what the VMM set; accesses to
// mapped memory and writes an ioeventfd takes complete without the VMM;
// past the script the VP stops with an unrecoverable exception.
func TestScriptedGuest(t *testing.T) {
	m := newVM(t, sim.Config{})
	var pipe [2]int
	if err := syscall.Pipe(pipe[:]); err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(pipe[0])
	defer syscall.Close(pipe[1])
	if err := m.part.RegisterIOEventFD(mshv.IOEventFD{EventFD: pipe[1], Addr: 0xd0000, Len: 4, Match: true, Data: 7}); err != nil {
		t.Fatal(err)
	}
	binaryPut := func(off int, v uint32) {
		m.mem[off], m.mem[off+1], m.mem[off+2], m.mem[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	binaryPut(0x100, 0xcafef00d) // guest physical 0x1100
	ops := []mshvsim.Op{
		{Kind: mshvsim.In, Port: 0x60, Size: 2},
		{Kind: mshvsim.CPUID, Value: 0x40000000, Index: 1},
		{Kind: mshvsim.RDMSR, Index: 0x10},
		{Kind: mshvsim.WRMSR, Index: 0x11, Value: 0x1_0000_0002},
		{Kind: mshvsim.MMIORead, Addr: 0xfee00030, Size: 4},
		{Kind: mshvsim.MMIOWrite, Addr: 0xfee000b0, Size: 4, Value: 0x55},
		{Kind: mshvsim.MMIORead, Addr: 0x1100, Size: 4},                 // mapped: no intercept
		{Kind: mshvsim.MMIOWrite, Addr: 0x1200, Size: 2, Value: 0xbeef}, // mapped
		{Kind: mshvsim.MMIOWrite, Addr: 0xd0000, Size: 4, Value: 7},     // the ioeventfd
		{Kind: mshvsim.HLT},
	}
	vp := m.vp(0, ops...)
	set := func(regs ...linux70.RegisterAssoc) {
		if err := vp.SetRegisters(regs); err != nil {
			t.Fatal(err)
		}
	}

	msg := run(t, vp)
	io, ok := msg.IOPort()
	if !ok || io.PortNumber != 0x60 || io.AccessInfo.AccessSize() != 2 || io.Header.InterceptAccessType != 0 ||
		io.Header.Bits4.InstructionLength() != 2 || io.InstructionByteCount != 2 || io.InstructionBytes[0] != 0x66 {
		t.Fatalf("IN: %v %+v", msg, io)
	}
	set(mshv.Reg64(linux70.X64RegisterRax, 0x1234_5678_9abc))
	advance(t, vp, msg)

	msg = run(t, vp)
	c, ok := msg.CPUID()
	if !ok || c.Rax != 0x40000000 || c.Rcx != 1 || c.Header.RIP != 0x1002 || c.Header.Bits4.InstructionLength() != 2 {
		t.Fatalf("CPUID: %v %+v", msg, c)
	}
	set(mshv.Reg64(linux70.X64RegisterRax, 1), mshv.Reg64(linux70.X64RegisterRbx, 2), mshv.Reg64(linux70.X64RegisterRcx, 3), mshv.Reg64(linux70.X64RegisterRdx, 4))
	advance(t, vp, msg)

	msg = run(t, vp)
	msr, ok := msg.MSR()
	if !ok || msr.MSRNumber != 0x10 || msr.Header.InterceptAccessType != 0 {
		t.Fatalf("RDMSR: %v %+v", msg, msr)
	}
	set(mshv.Reg64(linux70.X64RegisterRax, 0xaaaa), mshv.Reg64(linux70.X64RegisterRdx, 0xbbbb))
	advance(t, vp, msg)

	msg = run(t, vp)
	msr, ok = msg.MSR()
	if !ok || msr.MSRNumber != 0x11 || msr.Header.InterceptAccessType != 1 || msr.Rax != 2 || msr.Rdx != 1 {
		t.Fatalf("WRMSR: %v %+v", msg, msr)
	}
	advance(t, vp, msg)

	msg = run(t, vp)
	mem, ok := msg.Memory()
	if !ok || msg.Type() != linux70.HvmsgUnmappedGPA || mem.GuestPhysicalAddress != 0xfee00030 || mem.Header.InterceptAccessType != 0 || mem.InstructionByteCount != 2 {
		t.Fatalf("MMIO read: %v %+v", msg, mem)
	}
	set(mshv.Reg64(linux70.X64RegisterRax, 0xffff_ffff_0000_0014))
	advance(t, vp, msg)

	msg = run(t, vp)
	mem, ok = msg.Memory()
	if !ok || mem.GuestPhysicalAddress != 0xfee000b0 || mem.Header.InterceptAccessType != 1 {
		t.Fatalf("MMIO write: %v %+v", msg, mem)
	}
	if regs, err := vp.GetStandardRegisters(); err != nil || regs.RAX != 0x55 || regs.RBX != 0xfee000b0 {
		t.Fatalf("MMIO write registers: RAX %#x RBX %#x, %v", regs.RAX, regs.RBX, err)
	}
	advance(t, vp, msg)

	msg = run(t, vp) // the mapped accesses and the ioeventfd write go by
	if msg.Kind() != mshv.KindHalt {
		t.Fatalf("after the silent operations: %v, want the halt", msg)
	}
	var sig [8]byte
	if n, err := syscall.Read(pipe[0], sig[:]); n != 8 || err != nil || sig[0] != 1 {
		t.Errorf("the ioeventfd got %d bytes % x, %v", n, sig[:n], err)
	}
	if m.mem[0x200] != 0xef || m.mem[0x201] != 0xbe {
		t.Errorf("the mapped write left % x", m.mem[0x200:0x202])
	}
	advance(t, vp, msg)
	msg = run(t, vp)
	if msg.Kind() != mshv.KindUnrecoverableException {
		t.Errorf("past the script: %v, want an unrecoverable exception", msg)
	}

	res, err := m.d.Results(vp)
	if err != nil {
		t.Fatal(err)
	}
	want := []mshvsim.Result{
		{Op: 0, Value: 0x9abc},
		{Op: 1, Value: 1, CPUID: [4]uint32{1, 2, 3, 4}},
		{Op: 2, Value: 0xbbbb_0000_aaaa},
		{Op: 3},
		{Op: 4, Value: 0x14},
		{Op: 5},
		{Op: 6, Value: 0xcafef00d},
		{Op: 7},
		{Op: 8},
		{Op: 9},
	}
	if !slices.Equal(res, want) {
		t.Errorf("results\n%+v\nwant\n%+v", res, want)
	}

	// The guest's accesses to mapped memory show in the access bitmap.
	bitmap := make([]byte, 1)
	if err := m.part.GPAAccessBitmap(mshv.Dirty, mshv.AccessClear, 1, 4, bitmap); err != nil || bitmap[0] != 0b0001 {
		t.Errorf("dirty bitmap %04b, %v; want page 1 (0x1200) dirty", bitmap[0], err)
	}
	if err := m.part.GPAAccessBitmap(mshv.Accessed, mshv.AccessNoop, 1, 4, bitmap); err != nil || bitmap[0] != 0b0001 {
		t.Errorf("accessed bitmap %04b, %v; want page 1", bitmap[0], err)
	}
	if err := m.part.GPAAccessBitmap(mshv.Dirty, mshv.AccessNoop, 1, 4, bitmap); err != nil || bitmap[0] != 0 {
		t.Errorf("dirty bitmap after clearing %04b, %v", bitmap[0], err)
	}
}

// TestLoadRefuses: a script with an operation that is not valid is refused,
// naming it; a VP that is not the driver's is an error.
func TestLoadRefuses(t *testing.T) {
	m := newVM(t, sim.Config{})
	vp := m.vp(0)
	for _, op := range []mshvsim.Op{{Kind: mshvsim.Out, Size: 3}, {Kind: mshvsim.MMIORead, Size: 16}, {Kind: mshvsim.HLT, Value: 1}, {Kind: 99}} {
		if err := m.d.Load(vp, mshvsim.Guest{Ops: []mshvsim.Op{{Kind: mshvsim.HLT}, op}}); err == nil {
			t.Errorf("Load of %+v: no error", op)
		}
	}
	vp.Close()
	if err := m.d.Load(vp, mshvsim.Guest{}); !errors.Is(err, mshv.ErrClosed) {
		t.Errorf("Load on a closed VP: %v", err)
	}
}

// TestRunClosed: through runtime/mshv, a VP of a closed partition is closed
// too: Run is an error wrapping mshv.ErrClosed, never a crash.
func TestRunClosed(t *testing.T) {
	m := newVM(t, sim.Config{})
	vp := m.vp(0, mshvsim.Op{Kind: mshvsim.HLT})
	run(t, vp)
	if err := m.part.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := vp.Run(); !errors.Is(err, mshv.ErrClosed) || !errors.Is(err, os.ErrClosed) {
		t.Errorf("Run on a closed partition's VP: %v", err)
	}
	if _, err := m.part.CreateVP(1); !errors.Is(err, mshv.ErrClosed) {
		t.Errorf("CreateVP on a closed partition: %v", err)
	}
}

// TestVPsOnGoroutines: VPs of one partition run on goroutines of their
// own, each its own script, while the partition maps and unmaps memory
// (run with -race).
func TestVPsOnGoroutines(t *testing.T) {
	m := newVM(t, sim.Config{})
	const vps, n = 4, 200
	var wg sync.WaitGroup
	errs := make(chan error, vps+1)
	for i := range uint32(vps) {
		ops := make([]mshvsim.Op, 0, n+1)
		for j := range n {
			ops = append(ops, mshvsim.Op{Kind: mshvsim.Out, Port: uint16(0x100 + i), Size: 4, Value: uint64(j)})
		}
		vp := m.vp(i, append(ops, mshvsim.Op{Kind: mshvsim.HLT})...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ; j++ {
				msg, err := vp.Run()
				if err != nil {
					errs <- err
					return
				}
				if msg.Kind() == mshv.KindHalt {
					if j != n {
						errs <- fmt.Errorf("VP %d halted after %d OUTs", i, j)
					}
					return
				}
				io, ok := msg.IOPort()
				if !ok || io.PortNumber != uint16(0x100+i) || io.Rax != uint64(j) || io.Header.VPIndex != i {
					errs <- fmt.Errorf("VP %d, OUT %d: %v port %#x RAX %d VP %d", i, j, msg, io.PortNumber, io.Rax, io.Header.VPIndex)
					return
				}
				if err := vp.AdvanceRIP(&io.Header); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		extra, _ := mshv.NewMemory(0x1000)
		defer mshv.FreeMemory(extra)
		for range 50 {
			if err := m.part.MapMemory(0x100, extra, mshv.Writable); err != nil {
				errs <- err
				return
			}
			if err := m.part.UnmapMemory(0x100, extra); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestEmptyMSIRouting: an empty routing table (SetMSIRouting(nil) removes
// every route) is the 8-byte header alone; the driver reads no entry past
// it (a pointer past the argument fails checkptr under -race).
func TestEmptyMSIRouting(t *testing.T) {
	m := newVM(t, sim.Config{})
	if err := m.part.SetMSIRouting([]linux70.MshvUserIrqEntry{{Gsi: 5, Data: 1 << 15}}); err != nil {
		t.Fatal(err)
	}
	if err := m.part.SetMSIRouting(nil); err != nil {
		t.Fatal(err)
	}
	// The level-triggered route of GSI 5 is gone: a resample irqfd on it
	// is refused.
	err := m.part.RegisterIRQFD(mshv.IRQFD{EventFD: 3, GSI: 5, Resample: true, ResampleFD: 4})
	if !errors.Is(err, syscall.EINVAL) {
		t.Errorf("resample irqfd on GSI 5 after an empty table: %v, want EINVAL", err)
	}
}
