//go:build amd64

package mshvsim

import (
	"encoding/binary"
	"fmt"
	"sort"
	"syscall"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/mshv"
)

// OpKind is what an operation of a scripted guest does.
type OpKind uint8

// The operations a scripted guest performs, each as the x86 instruction
// named (64-bit encodings; a 2-byte port access takes the 0x66 prefix).
const (
	Out       OpKind = iota + 1 // OUT DX, AL/AX/EAX: writes Value's low Size bytes to Port
	In                          // IN AL/AX/EAX, DX: reads Size bytes from Port into RAX
	MMIORead                    // MOV AL/AX/EAX/RAX, [RBX]: reads Size bytes at guest physical Addr
	MMIOWrite                   // MOV [RBX], AL/AX/EAX/RAX: writes Value's low Size bytes at Addr
	CPUID                       // CPUID with EAX = Value (the leaf) and ECX = Index (the subleaf)
	RDMSR                       // RDMSR of MSR Index into EDX:EAX
	WRMSR                       // WRMSR of Value (EDX:EAX) to MSR Index
	HLT                         // HLT
)

var opNames = [...]string{Out: "OUT", In: "IN", MMIORead: "MMIO read", MMIOWrite: "MMIO write", CPUID: "CPUID",
	RDMSR: "RDMSR", WRMSR: "WRMSR", HLT: "HLT"}

func (k OpKind) String() string {
	if int(k) < len(opNames) && opNames[k] != "" {
		return opNames[k]
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// Op is one operation of a scripted guest. Which fields count depends on
// Kind; the others must be zero.
type Op struct {
	Kind  OpKind
	Port  uint16 // Out, In: the I/O port (the guest loads it into DX)
	Addr  uint64 // MMIORead, MMIOWrite: the guest physical address (the guest loads it into RBX)
	Size  uint8  // Out, In: 1, 2 or 4 bytes; MMIORead, MMIOWrite: 1, 2, 4 or 8
	Value uint64 // Out, MMIOWrite: the data (loaded into RAX); CPUID: the leaf; WRMSR: EDX:EAX
	Index uint32 // CPUID: the subleaf (ECX); RDMSR, WRMSR: the MSR number (ECX)
}

// Guest is a scripted guest: the operations a VP performs, as data. The
// simulator has no CPU, so a VP on the simulated driver runs a script
// instead of code: each operation stands for one x86 instruction, placed
// back to back from Entry (the RIP of the first), each as long as its
// instruction's encoding. When the VMM runs the VP, the operation at the
// VP's RIP raises the intercept message a real VP would raise for that
// instruction, with the registers it loaded and the ones it had, and
// leaves RIP where it is: the VMM emulates the instruction and moves RIP
// past it (mshv.VP.AdvanceRIP), or the next run raises the same intercept
// again, as hardware re-executes an instruction. An access to guest
// memory the VMM mapped does not intercept: it reads or writes that memory
// and the guest goes on; a write that an ioeventfd matches signals the
// eventfd instead. A RIP at no operation (past the last, say) stops the VP
// with an unrecoverable exception message.
//
// A Guest is not an emulator: nothing of guest memory is executed, and
// only the registers the operations name are read or written.
type Guest struct {
	Entry uint64 // the RIP of Ops[0]
	Ops   []Op
}

// Result is what a scripted guest got from an operation the VMM completed
// (moved RIP past), in the order they completed.
type Result struct {
	Op int // the index in Guest.Ops
	// Value is what the guest received: for In and MMIORead RAX (masked to
	// the access size), for RDMSR EDX:EAX, for CPUID EAX; 0 for the others.
	Value uint64
	// CPUID holds EAX, EBX, ECX and EDX as the VMM left them, for CPUID.
	CPUID [4]uint32
}

// check returns an error naming the first operation that is not valid.
func (g *Guest) check() error {
	for i, op := range g.Ops {
		var bad string
		switch op.Kind {
		case Out, In:
			if op.Size != 1 && op.Size != 2 && op.Size != 4 {
				bad = "a port access size other than 1, 2 or 4"
			} else if op.Addr != 0 || op.Index != 0 || op.Kind == In && op.Value != 0 {
				bad = "fields the operation does not use"
			}
		case MMIORead, MMIOWrite:
			if op.Size != 1 && op.Size != 2 && op.Size != 4 && op.Size != 8 {
				bad = "a memory access size other than 1, 2, 4 or 8"
			} else if op.Port != 0 || op.Index != 0 || op.Kind == MMIORead && op.Value != 0 {
				bad = "fields the operation does not use"
			}
		case CPUID, RDMSR, WRMSR, HLT:
			if op.Port != 0 || op.Addr != 0 || op.Size != 0 || (op.Kind == RDMSR || op.Kind == HLT) && op.Value != 0 || op.Kind == HLT && op.Index != 0 {
				bad = "fields the operation does not use"
			}
		default:
			bad = "an unknown kind"
		}
		if bad != "" {
			return fmt.Errorf("mshvsim: guest operation %d (%v): %s", i, op.Kind, bad)
		}
	}
	return nil
}

// The instruction bytes of the operations, by access size.
var (
	outCode   = [...][]byte{1: {0xee}, 2: {0x66, 0xef}, 4: {0xef}}
	inCode    = [...][]byte{1: {0xec}, 2: {0x66, 0xed}, 4: {0xed}}
	readCode  = [...][]byte{1: {0x8a, 0x03}, 2: {0x66, 0x8b, 0x03}, 4: {0x8b, 0x03}, 8: {0x48, 0x8b, 0x03}} // mov r, [rbx]
	writeCode = [...][]byte{1: {0x88, 0x03}, 2: {0x66, 0x89, 0x03}, 4: {0x89, 0x03}, 8: {0x48, 0x89, 0x03}} // mov [rbx], r
	cpuidCode = []byte{0x0f, 0xa2}
	rdmsrCode = []byte{0x0f, 0x32}
	wrmsrCode = []byte{0x0f, 0x30}
	hltCode   = []byte{0xf4}
)

// encoding returns the instruction bytes an operation stands for.
func (op *Op) encoding() []byte {
	switch op.Kind {
	case Out:
		return outCode[op.Size]
	case In:
		return inCode[op.Size]
	case MMIORead:
		return readCode[op.Size]
	case MMIOWrite:
		return writeCode[op.Size]
	case CPUID:
		return cpuidCode
	case RDMSR:
		return rdmsrCode
	case WRMSR:
		return wrmsrCode
	}
	return hltCode
}

// Load puts a scripted guest on vp, a VP of this driver: from its next Run
// the VP performs g's operations (the VMM points RIP at g.Entry, as it
// would at real code). Loading again starts the new script afresh.
func (d *Driver) Load(vp *mshv.VP, g Guest) error {
	if err := g.check(); err != nil {
		return err
	}
	v, err := d.vpOf(vp)
	if err != nil {
		return err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.run.load(g)
	return nil
}

// Results returns what the guest on vp got from the operations the VMM
// completed so far.
func (d *Driver) Results(vp *mshv.VP) ([]Result, error) {
	v, err := d.vpOf(vp)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]Result(nil), v.run.results...), nil
}

func (d *Driver) vpOf(vp *mshv.VP) (*vp, error) {
	f := d.lookup(vp.Fd())
	if f == nil || f.kind != abi.FdVP {
		return nil, fmt.Errorf("mshvsim: not an open VP of this driver: %w", mshv.ErrClosed)
	}
	return f.v, nil
}

// The registers a step reads, in runner.regs.
const (
	rRIP = iota
	rRFLAGS
	rCS
	rRAX
	rRBX
	rRCX
	rRDX
	nRegs
)

// The intercept access types (HV_INTERCEPT_ACCESS_READ, _WRITE, _EXECUTE).
const (
	accessRead  = 0
	accessWrite = 1
	accessExec  = 2
)

// runner runs a scripted guest on one VP: the hypervisor's side of
// MSHV_RUN_VP. Its fields are guarded by the VP's mutex.
type runner struct {
	v       *vp
	ops     []Op
	code    [][]byte
	addrs   []uint64 // the RIP of each operation
	pending int      // the operation intercepted last and not yet completed, or -1
	results []Result
	regs    [nRegs]linux70.RegisterAssoc
	set     [5]linux70.RegisterAssoc
}

func (r *runner) init(v *vp) {
	r.v, r.pending = v, -1
	for i, n := range [nRegs]linux70.RegisterName{linux70.X64RegisterRIP, linux70.X64RegisterRflags, linux70.X64RegisterCs,
		linux70.X64RegisterRax, linux70.X64RegisterRbx, linux70.X64RegisterRcx, linux70.X64RegisterRdx} {
		r.regs[i].Name = uint32(n)
	}
}

func (r *runner) load(g Guest) {
	r.ops = append(r.ops[:0], g.Ops...)
	r.code, r.addrs, r.results, r.pending = r.code[:0], r.addrs[:0], r.results[:0], -1 // Results hands out copies
	rip := g.Entry
	for i := range r.ops {
		c := r.ops[i].encoding()
		r.code = append(r.code, c)
		r.addrs = append(r.addrs, rip)
		rip += uint64(len(c))
	}
}

// find returns the operation at rip, or -1.
func (r *runner) find(rip uint64) int {
	if k := r.pending + 1; k > 0 && k < len(r.addrs) && r.addrs[k] == rip {
		return k
	}
	k := sort.Search(len(r.addrs), func(i int) bool { return r.addrs[i] >= rip })
	if k < len(r.addrs) && r.addrs[k] == rip {
		return k
	}
	return -1
}

func (r *runner) reg(i int) uint64 { return *r.regs[i].Value.Reg64() }

func mask(size uint8) uint64 {
	if size >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*size) - 1
}

// merge is RAX after an access of size bytes loads v: the low bytes
// replaced, and for 4 bytes the upper half cleared, as x86-64 does.
func merge(rax, v uint64, size uint8) uint64 {
	if size >= 4 {
		return v & mask(size)
	}
	return rax&^mask(size) | v&mask(size)
}

// step runs the VP until its script raises an intercept, and leaves the
// message in the VP's intercept message page.
func (r *runner) step() syscall.Errno {
	v := r.v
	for range len(r.ops) + 2 {
		if !v.sim.Registers(r.regs[:]) {
			return syscall.EIO // the VP is gone from the hypervisor
		}
		rip := r.reg(rRIP)
		if k := r.pending; k >= 0 && rip == r.addrs[k]+uint64(len(r.code[k])) {
			r.complete(k)
			r.pending = -1
		}
		k := r.find(rip)
		if k < 0 {
			r.stop()
			return 0
		}
		op := &r.ops[k]
		loads := r.loads(op)
		if done, rax, setRAX := r.silent(op); done {
			n := len(loads)
			if setRAX {
				r.set[n] = mshv.Reg64(linux70.X64RegisterRax, rax)
				n++
			}
			r.set[n] = mshv.Reg64(linux70.X64RegisterRIP, rip+uint64(len(r.code[k])))
			if !v.sim.SetRegisters(r.set[:n+1]) {
				return syscall.EIO
			}
			r.readBack(r.set[:n])
			r.complete(k)
			continue
		}
		r.set[len(loads)] = mshv.Reg64(linux70.RegisterInterceptSuspend, 1) // the hypervisor suspends the VP with its message
		if !v.sim.SetRegisters(r.set[:len(loads)+1]) {
			return syscall.EIO
		}
		r.readBack(loads)
		r.pending = k
		r.intercept(k)
		return 0
	}
	r.stop()
	return 0
}

// loads fills r.set with the registers op loads before its instruction
// and returns them.
func (r *runner) loads(op *Op) []linux70.RegisterAssoc {
	s := r.set[:0]
	switch op.Kind {
	case Out:
		s = append(s, mshv.Reg64(linux70.X64RegisterRdx, uint64(op.Port)), mshv.Reg64(linux70.X64RegisterRax, merge(r.reg(rRAX), op.Value, op.Size)))
	case In:
		s = append(s, mshv.Reg64(linux70.X64RegisterRdx, uint64(op.Port)))
	case MMIORead:
		s = append(s, mshv.Reg64(linux70.X64RegisterRbx, op.Addr))
	case MMIOWrite:
		s = append(s, mshv.Reg64(linux70.X64RegisterRbx, op.Addr), mshv.Reg64(linux70.X64RegisterRax, merge(r.reg(rRAX), op.Value, op.Size)))
	case CPUID:
		s = append(s, mshv.Reg64(linux70.X64RegisterRax, op.Value&0xffffffff), mshv.Reg64(linux70.X64RegisterRcx, uint64(op.Index)))
	case RDMSR:
		s = append(s, mshv.Reg64(linux70.X64RegisterRcx, uint64(op.Index)))
	case WRMSR:
		s = append(s, mshv.Reg64(linux70.X64RegisterRcx, uint64(op.Index)), mshv.Reg64(linux70.X64RegisterRax, op.Value&0xffffffff),
			mshv.Reg64(linux70.X64RegisterRdx, op.Value>>32))
	}
	return s
}

// readBack updates r.regs with what the operation loaded.
func (r *runner) readBack(loads []linux70.RegisterAssoc) {
	for _, l := range loads {
		for i := range r.regs {
			if r.regs[i].Name == l.Name {
				r.regs[i].Value = l.Value
			}
		}
	}
}

// silent performs op if it completes without the VMM: an access to mapped
// guest memory, or a write an ioeventfd takes; it reports whether it did,
// and for a read the RAX it leaves.
func (r *runner) silent(op *Op) (done bool, rax uint64, setRAX bool) {
	p := r.v.p
	switch op.Kind {
	case MMIOWrite:
		val := op.Value & mask(op.Size)
		if fd := p.ioeventfdFor(op.Addr, op.Size, val); fd >= 0 {
			signal(fd)
			return true, 0, false
		}
		mem, off := p.regionAt(op.Addr)
		if mem == nil || off+uint64(op.Size) > uint64(len(mem)) {
			return false, 0, false
		}
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], val)
		copy(mem[off:off+uint64(op.Size)], b[:op.Size])
		p.touch(op.Addr, true)
		return true, 0, false
	case MMIORead:
		mem, off := p.regionAt(op.Addr)
		if mem == nil || off+uint64(op.Size) > uint64(len(mem)) {
			return false, 0, false
		}
		var b [8]byte
		copy(b[:op.Size], mem[off:])
		p.touch(op.Addr, false)
		return true, merge(r.reg(rRAX), binary.LittleEndian.Uint64(b[:]), op.Size), true
	}
	return false, 0, false
}

// complete records what the guest got from operation k.
func (r *runner) complete(k int) {
	op := &r.ops[k]
	res := Result{Op: k}
	rax := r.reg(rRAX)
	switch op.Kind {
	case In, MMIORead:
		res.Value = rax & mask(op.Size)
	case RDMSR:
		res.Value = r.reg(rRDX)<<32 | rax&0xffffffff
	case CPUID:
		res.Value = rax & 0xffffffff
		res.CPUID = [4]uint32{uint32(rax), uint32(r.reg(rRBX)), uint32(r.reg(rRCX)), uint32(r.reg(rRDX))}
	}
	r.results = append(r.results, res)
}

// header fills the part every x64 intercept message starts with.
func (r *runner) header(h *linux70.X64InterceptMessageHeader, length int, access uint8) {
	h.VPIndex = r.v.index
	h.Bits4.SetInstructionLength(uint8(length))
	h.InterceptAccessType = access
	h.CsSegment = *r.regs[rCS].Value.Segment()
	h.RIP = r.reg(rRIP)
	h.Rflags = r.reg(rRFLAGS)
}

// message clears the VP's intercept message page and returns the message
// in it, typed t with a payload of size bytes.
func (r *runner) message(t linux70.MessageType, size uintptr) *mshv.Message {
	m := (*mshv.Message)(unsafe.Pointer(&r.v.msgPage[0]))
	*m = mshv.Message{}
	m.Header.MessageType, m.Header.PayloadSize = uint32(t), uint8(size)
	return m
}

// payload returns the message's payload as a *T.
func payload[T any](m *mshv.Message) *T {
	return (*T)(unsafe.Add(unsafe.Pointer(m), unsafe.Sizeof(m.Header)))
}

// stop leaves the message of a VP whose RIP is at no operation: an
// unrecoverable exception, which has only the intercept header.
func (r *runner) stop() {
	m := r.message(linux70.HvmsgUnrecoverableException, unsafe.Sizeof(linux70.X64UnrecoverableExceptionMessage{}))
	r.header(payload[linux70.X64InterceptMessageHeader](m), 0, accessExec)
}

// intercept leaves the message operation k raises.
func (r *runner) intercept(k int) {
	op, code := &r.ops[k], r.code[k]
	switch op.Kind {
	case Out, In:
		m := r.message(linux70.HvmsgX64IOPortIntercept, unsafe.Sizeof(linux70.X64IOPortInterceptMessage{}))
		io := payload[linux70.X64IOPortInterceptMessage](m)
		access := uint8(accessRead)
		if op.Kind == Out {
			access = accessWrite
		}
		r.header(&io.Header, len(code), access)
		io.PortNumber = op.Port
		io.AccessInfo.SetAccessSize(op.Size)
		io.InstructionByteCount = uint8(copy(io.InstructionBytes[:], code))
		io.Rax, io.Rcx = r.reg(rRAX), r.reg(rRCX)
	case MMIORead, MMIOWrite:
		m := r.message(linux70.HvmsgUnmappedGPA, unsafe.Sizeof(linux70.X64MemoryInterceptMessage{}))
		mem := payload[linux70.X64MemoryInterceptMessage](m)
		access := uint8(accessRead)
		if op.Kind == MMIOWrite {
			access = accessWrite
		}
		r.header(&mem.Header, len(code), access)
		mem.InstructionByteCount = uint8(copy(mem.InstructionBytes[:], code))
		mem.MemoryAccessInfo.SetGVAValid(true)
		mem.GuestVirtualAddress, mem.GuestPhysicalAddress = op.Addr, op.Addr
	case CPUID:
		m := r.message(linux70.HvmsgX64CPUIDIntercept, unsafe.Sizeof(linux70.X64CPUIDInterceptMessage{}))
		c := payload[linux70.X64CPUIDInterceptMessage](m)
		r.header(&c.Header, len(code), accessExec)
		c.Rax, c.Rbx, c.Rcx, c.Rdx = r.reg(rRAX), r.reg(rRBX), r.reg(rRCX), r.reg(rRDX)
	case RDMSR, WRMSR:
		m := r.message(linux70.HvmsgX64MSRIntercept, unsafe.Sizeof(linux70.X64MSRInterceptMessage{}))
		msr := payload[linux70.X64MSRInterceptMessage](m)
		access := uint8(accessRead)
		if op.Kind == WRMSR {
			access = accessWrite
		}
		r.header(&msr.Header, len(code), access)
		msr.MSRNumber = op.Index
		msr.Rax, msr.Rdx = r.reg(rRAX), r.reg(rRDX)
	case HLT:
		m := r.message(linux70.HvmsgX64Halt, unsafe.Sizeof(linux70.X64HaltMessage{}))
		r.header(payload[linux70.X64InterceptMessageHeader](m), len(code), accessExec)
	}
}
