//go:build amd64

package main

import (
	"bytes"
	"encoding/binary"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/internal/mshvioctl"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
	"github.com/hvgen/hvgen/runtime/mshv"
)

// cpuDevice stands in for the kernel's driver and the processor under it:
// it checks each request number (the fd kind must accept it: ENOTTY
// otherwise) and each argument as the real path's VMM must make it (sizes,
// flags, alignment, MBZ fields, the order of the calls), and runs the
// guest's x86 code out of the mapped guest memory with decode: a MOV
// changes its registers, an OUT stops the VP with an I/O port intercept
// (RIP at the OUT, as hardware reports it), HLT with a halt message. RIP
// moves past an intercepted OUT only when the VMM sets it.
type cpuDevice struct {
	t *testing.T

	mu    sync.Mutex
	next  int
	kinds map[int]abi.FdSet
	open  map[int]bool
	log   []string

	mem         []byte // guest memory, from MSHV_SET_GUEST_MEMORY
	gpa         uint64
	cs          linux70.X64SegmentRegister
	rip, rflags uint64
	rax, rdx    uint64
	regsSet     bool
}

func newCPU(t *testing.T) *cpuDevice {
	// CS as a VP comes out of reset: a real-mode code segment at the top
	// of the 4 GiB space (what the VMM must change before RIP 0x1000 means
	// guest physical 0x1000).
	return &cpuDevice{t: t, next: 3, kinds: map[int]abi.FdSet{}, open: map[int]bool{},
		cs: linux70.X64SegmentRegister{Base: 0xffff0000, Limit: 0xffff, Selector: 0xf000, Attributes: 0x9b}, rip: 0xfff0}
}

func (d *cpuDevice) fd(kind abi.FdSet) int {
	d.next++
	d.kinds[d.next], d.open[d.next] = kind, true
	return d.next
}

func (d *cpuDevice) Open(path string) (int, error) {
	if path != mshv.DevicePath {
		d.t.Errorf("open %s", path)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log = append(d.log, "open")
	return d.fd(abi.FdSystem), nil
}

func (d *cpuDevice) Close(fd int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.open[fd] {
		d.t.Errorf("close of fd %d, not open", fd)
		return syscall.EBADF
	}
	d.open[fd] = false
	d.log = append(d.log, "close "+d.kinds[fd].String())
	return nil
}

func (d *cpuDevice) Mmap(int, int64, int) ([]byte, error) {
	d.t.Error("the VMM maps a VP page it does not use")
	return nil, syscall.EINVAL
}

func (d *cpuDevice) Unmap([]byte) error { return nil }

func (d *cpuDevice) Ioctl(fd int, req uint32, arg unsafe.Pointer) (int, syscall.Errno) {
	d.mu.Lock()
	defer d.mu.Unlock()
	kind := d.kinds[fd]
	if !d.open[fd] {
		d.t.Errorf("request %#x on fd %d, not open", req, fd)
		return 0, syscall.EBADF
	}
	x, ok := linux70.LookupIoctl(kind, req)
	if !ok {
		d.t.Errorf("request %#x on a %v fd: not one the driver takes there", req, kind)
		return 0, syscall.ENOTTY
	}
	if (x.ArgSize == 0) != (arg == nil) {
		d.t.Errorf("%s: argument %p for a %d-byte argument", x.Name, arg, x.ArgSize)
		return 0, syscall.EFAULT
	}
	name := x.Name
	var r int
	var errno syscall.Errno
	switch x.Name {
	case "MSHV_CREATE_PARTITION":
		a := (*linux70.MshvCreatePartition)(arg)
		if a.PtFlags != 1<<linux70.MshvPtBitLapic || a.PtIsolation != linux70.MshvPtIsolationNone {
			d.t.Errorf("%s: %+v, want a LAPIC and no isolation", name, *a)
		}
		r = d.fd(abi.FdPartition)
	case "MSHV_INITIALIZE_PARTITION":
	case "MSHV_SET_GUEST_MEMORY":
		a := (*linux70.MshvUserMemRegion)(arg)
		if a.Size != guestSize || a.GuestPfn != guestBase/4096 || a.UserspaceAddr%4096 != 0 ||
			a.Flags != 1<<linux70.MshvSetMemBitWritable|1<<linux70.MshvSetMemBitExecutable || a.Rsvd != [7]uint8{} {
			d.t.Errorf("%s: %+v", name, *a)
			return 0, syscall.EINVAL
		}
		d.mem, d.gpa = mshvioctl.Bytes(a.UserspaceAddr, int(a.Size)), a.GuestPfn*4096
	case "MSHV_CREATE_VP":
		if a := (*linux70.MshvCreateVP)(arg); a.VPIndex != 0 {
			d.t.Errorf("%s: VP %d", name, a.VPIndex)
		}
		r = d.fd(abi.FdVP)
	case "MSHV_ROOT_HVCALL":
		name, errno = d.hvcall(kind, (*linux70.MshvRootHvcall)(arg))
	case "MSHV_RUN_VP":
		if !d.regsSet || d.mem == nil {
			d.t.Error("MSHV_RUN_VP before the VMM set the registers and mapped memory")
		}
		d.run((*linux70.Message)(arg))
	default:
		d.t.Errorf("%s: a request the VMM does not need", name)
	}
	d.log = append(d.log, name+" on "+kind.String())
	return r, errno
}

// hvcall answers the register calls through MSHV_ROOT_HVCALL, after the
// driver's checks of the argument (drivers/hv/mshv_root_main.c:189-197 @
// d4eb7b2da66c).
func (d *cpuDevice) hvcall(kind abi.FdSet, a *linux70.MshvRootHvcall) (string, syscall.Errno) {
	if a.Status != 0 || a.InPtr == 0 || a.InSz < 8 || a.InSz > 4096 || a.Rsvd != [6]uint8{} || a.OutPtr != 0 && (a.OutSz == 0 || a.OutSz > 4096) {
		d.t.Errorf("MSHV_ROOT_HVCALL: an argument the driver refuses: %+v", *a)
		return "MSHV_ROOT_HVCALL", syscall.EINVAL
	}
	in := mshvioctl.Bytes(a.InPtr, int(a.InSz))
	if vp := binary.LittleEndian.Uint32(in[8:]); vp != 0 || kind != abi.FdVP {
		d.t.Errorf("register call for VP %d on a %v fd", vp, kind)
	}
	code := linux70.CallCode(a.Code)
	if int(a.InSz) != 16+int(a.Reps)*map[linux70.CallCode]int{linux70.CallGetVPRegisters: 4, linux70.CallSetVPRegisters: 32}[code] {
		d.t.Errorf("%v: %d bytes for %d reps", code, a.InSz, a.Reps)
	}
	switch code {
	case linux70.CallGetVPRegisters:
		out := mshvioctl.Bytes(a.OutPtr, int(a.OutSz))
		for i := range int(a.Reps) {
			if name := linux70.RegisterName(binary.LittleEndian.Uint32(in[16+4*i:])); name != linux70.X64RegisterCs {
				d.t.Errorf("the VMM reads %v", name)
			}
			copy(out[16*i:], hvcall.Bytes(&d.cs))
		}
	case linux70.CallSetVPRegisters:
		var names []string
		for i := range int(a.Reps) {
			e := in[16+32*i:]
			v := binary.LittleEndian.Uint64(e[16:])
			switch name := linux70.RegisterName(binary.LittleEndian.Uint32(e)); name {
			case linux70.X64RegisterCs:
				copy(hvcall.Bytes(&d.cs), e[16:32])
			case linux70.X64RegisterRIP:
				d.rip = v
			case linux70.X64RegisterRflags:
				d.rflags = v
			default:
				d.t.Errorf("the VMM sets %v", name)
			}
			names = append(names, map[linux70.RegisterName]string{linux70.X64RegisterCs: "CS", linux70.X64RegisterRIP: "RIP",
				linux70.X64RegisterRflags: "RFLAGS"}[linux70.RegisterName(binary.LittleEndian.Uint32(e))])
		}
		d.regsSet = true
		return "HVCALL_SET_VP_REGISTERS(" + strings.Join(names, ",") + ")", 0
	default:
		d.t.Errorf("the VMM makes %v", code)
		return code.String(), syscall.EINVAL
	}
	return code.String(), 0
}

// run executes the guest from RIP until it stops, and writes the message.
func (d *cpuDevice) run(m *linux70.Message) {
	*m = linux70.Message{}
	p := unsafe.Pointer(m.U.Payload())
	hdr := func(length int) *linux70.X64InterceptMessageHeader {
		h := (*linux70.X64InterceptMessageHeader)(p)
		h.RIP, h.Rflags, h.CsSegment = d.rip, d.rflags, d.cs
		h.Bits4.SetInstructionLength(uint8(length))
		return h
	}
	for steps := 0; steps < 100; steps++ {
		linear := d.cs.Base + d.rip // real mode
		if linear < d.gpa || linear >= d.gpa+uint64(len(d.mem)) {
			m.Header.MessageType = uint32(linux70.HvmsgUnmappedGPA)
			m.Header.PayloadSize = uint8(unsafe.Sizeof(linux70.X64MemoryInterceptMessage{}))
			mem := (*linux70.X64MemoryInterceptMessage)(p)
			hdr(0)
			mem.GuestPhysicalAddress = linear
			return
		}
		in, err := decode(d.mem[linear-d.gpa:])
		if err != nil {
			d.t.Errorf("the guest at %#x: %v", linear, err)
			return
		}
		switch in.op {
		case opMovDXImm16:
			d.rdx = d.rdx&^0xffff | uint64(in.imm)
		case opMovALImm8:
			d.rax = d.rax&^0xff | uint64(in.imm)
		case opOutDXAL:
			m.Header.MessageType = uint32(linux70.HvmsgX64IOPortIntercept)
			m.Header.PayloadSize = uint8(unsafe.Sizeof(linux70.X64IOPortInterceptMessage{}))
			io := (*linux70.X64IOPortInterceptMessage)(p)
			hdr(in.len).InterceptAccessType = 1 // write
			io.PortNumber = uint16(d.rdx)
			io.AccessInfo.SetAccessSize(1)
			io.InstructionByteCount = uint8(in.len)
			io.InstructionBytes[0] = in.op
			io.Rax = d.rax
			return
		case opHlt:
			d.rip += uint64(in.len)
			m.Header.MessageType = uint32(linux70.HvmsgX64Halt)
			m.Header.PayloadSize = uint8(unsafe.Sizeof(linux70.X64HaltMessage{}))
			hdr(in.len)
			return
		}
		d.rip += uint64(in.len)
	}
	d.t.Error("the guest ran 100 instructions without stopping")
}

// TestRealPath runs the real path's VMM (kernel's code and guest) against
// the fake driver and processor: the guest's bytes come out, and the
// requests are exactly those a VMM makes, in order.
func TestRealPath(t *testing.T) {
	d := newCPU(t)
	s, err := mshvioctl.NewSystem(d, mshv.DevicePath)
	if err != nil {
		t.Fatal(err)
	}
	sys := s.(*mshv.System)
	pl := platform{sys: sys, load: loadCode} // kernel's platform, on the fake
	var out bytes.Buffer
	if err := run(pl, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != message {
		t.Errorf("the VMM printed %q, want %q", out.String(), message)
	}
	if err := sys.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{"open", "MSHV_CREATE_PARTITION on system", "MSHV_INITIALIZE_PARTITION on partition",
		"MSHV_SET_GUEST_MEMORY on partition", "MSHV_CREATE_VP on partition",
		"HVCALL_GET_VP_REGISTERS on vp", "HVCALL_SET_VP_REGISTERS(CS,RIP,RFLAGS) on vp"}
	for range len(message) {
		want = append(want, "MSHV_RUN_VP on vp", "HVCALL_SET_VP_REGISTERS(RIP) on vp")
	}
	want = append(want, "MSHV_RUN_VP on vp", "close vp", "close partition", "close system")
	if got := strings.Join(d.log, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if d.cs.Base != 0 || d.cs.Selector != 0 || d.cs.Attributes != 0x9b || d.cs.Limit != 0xffff || d.rflags != 2 {
		t.Errorf("CS %+v, RFLAGS %#x", d.cs, d.rflags)
	}
}

// TestUnexpectedMessage: a message the VMM does not expect ends the run
// with an error naming it, not a hang.
func TestUnexpectedMessage(t *testing.T) {
	d := newCPU(t)
	s, _ := mshvioctl.NewSystem(d, mshv.DevicePath)
	pl := platform{sys: s.(*mshv.System), load: func(*mshv.Partition, []byte, *mshv.VP) (uint64, error) {
		return guestBase + guestSize, nil // past the memory: an unmapped GPA
	}}
	err := run(pl, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "unexpected message HVMSG_UNMAPPED_GPA") {
		t.Errorf("err = %v", err)
	}
}

// TestSimulatedPath runs the program's default path: the same VMM code on
// the simulated driver, whose guest is a script of the OUTs and the HLT.
func TestSimulatedPath(t *testing.T) {
	pl, err := simulated()
	if err != nil {
		t.Fatal(err)
	}
	defer pl.sys.Close()
	var out bytes.Buffer
	if err := run(pl, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != message {
		t.Errorf("the guest wrote %q, want %q", out.String(), message)
	}
}
