package mshv

import (
	"bytes"
	"encoding/binary"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/internal/mshvioctl"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// fakeDriver stands in for the kernel's driver: it hands out file
// descriptors, answers only the requests the kind of descriptor accepts
// (ENOTTY otherwise, as the driver's ioctl functions do), records each
// request with a copy of its argument, checks the MSHV_ROOT_HVCALL
// argument as the driver does, and answers GET/SET_VP_REGISTERS and
// GET/SET_PARTITION_PROPERTY from register and property files of its own.
// Tests set errno to fail a request, run to answer MSHV_RUN_VP.
type fakeDriver struct {
	t *testing.T

	mu    sync.Mutex
	next  int
	files map[int]*fakeFile
	log   []fakeCall
	errno map[string]syscall.Errno
	regs  map[[2]uint64]linux70.RegisterValue // (partition id, VP<<32|name)
	props map[[2]uint64]uint64                // (partition id, property code)
	pages map[[2]int64][]byte                 // (fd, offset) -> a VP's mapped page
	state map[uint8][]byte                    // MSHV_VP_STATE_* -> the state GET returns

	run func(f *fakeFile, m *Message) syscall.Errno // answers MSHV_RUN_VP; nil: a halt message
}

type fakeFile struct {
	fd     int
	kind   abi.FdSet
	id     uint64 // the partition's id (partition and VP files)
	vp     uint32
	closed bool
}

type fakeCall struct {
	fd   abi.FdSet
	name string
	arg  []byte
	code uint16 // MSHV_ROOT_HVCALL: the call code
}

func newFake(t *testing.T) *fakeDriver {
	return &fakeDriver{t: t, next: 100, files: map[int]*fakeFile{}, errno: map[string]syscall.Errno{},
		regs: map[[2]uint64]linux70.RegisterValue{}, props: map[[2]uint64]uint64{}, pages: map[[2]int64][]byte{},
		state: map[uint8][]byte{}}
}

// open returns a System over the fake.
func (d *fakeDriver) open() *System {
	d.t.Helper()
	s, err := mshvioctl.NewSystem(d, DevicePath)
	if err != nil {
		d.t.Fatal(err)
	}
	return s.(*System)
}

func (d *fakeDriver) newFile(kind abi.FdSet, id uint64, vp uint32) int {
	fd := d.next
	d.next++
	d.files[fd] = &fakeFile{fd: fd, kind: kind, id: id, vp: vp}
	return fd
}

func (d *fakeDriver) Open(path string) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.newFile(abi.FdSystem, 0, 0), nil
}

func (d *fakeDriver) Close(fd int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	f := d.files[fd]
	if f == nil || f.closed {
		d.t.Errorf("close of fd %d, which is not open", fd)
		return syscall.EBADF
	}
	f.closed = true
	return nil
}

// calls returns the requests made so far and forgets them.
func (d *fakeDriver) calls() []fakeCall {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.log
	d.log = nil
	return c
}

func (d *fakeDriver) Ioctl(fd int, req uint32, arg unsafe.Pointer) (int, syscall.Errno) {
	d.mu.Lock()
	f := d.files[fd]
	if f == nil || f.closed {
		d.mu.Unlock()
		d.t.Errorf("request %#x on fd %d, which is not open", req, fd)
		return 0, syscall.EBADF
	}
	x, ok := linux70.LookupIoctl(f.kind, req)
	if !ok {
		d.mu.Unlock()
		return 0, syscall.ENOTTY
	}
	call := fakeCall{fd: f.kind, name: x.Name}
	if x.ArgSize > 0 {
		if arg == nil {
			d.t.Errorf("%s without an argument", x.Name)
			d.mu.Unlock()
			return 0, syscall.EFAULT
		}
		call.arg = bytes.Clone(unsafe.Slice((*byte)(arg), x.ArgSize))
	}
	if x.Name == "MSHV_ROOT_HVCALL" {
		call.code = (*rootHvcall)(arg).Code
	}
	d.log = append(d.log, call)
	if e := d.errno[x.Name]; e != 0 {
		d.mu.Unlock()
		return 0, e
	}
	switch x.Name {
	case "MSHV_CREATE_PARTITION":
		defer d.mu.Unlock()
		return d.newFile(abi.FdPartition, uint64(0x1000+d.next), 0), 0
	case "MSHV_CREATE_VP":
		defer d.mu.Unlock()
		return d.newFile(abi.FdVP, f.id, (*linux70.MshvCreateVP)(arg).VPIndex), 0
	case "MSHV_ROOT_HVCALL":
		defer d.mu.Unlock()
		return 0, d.hvcall(f, (*rootHvcall)(arg))
	case "MSHV_GET_VP_STATE", "MSHV_SET_VP_STATE":
		defer d.mu.Unlock()
		a := (*linux70.MshvGetSetVPState)(arg)
		if a.BufSz == 0 || a.BufSz%4096 != 0 || a.BufPtr%4096 != 0 || a.Rsvd != [3]uint8{} {
			d.t.Errorf("%s: buffer %#x of %d bytes (the driver wants whole aligned pages), rsvd %v", x.Name, a.BufPtr, a.BufSz, a.Rsvd)
			return 0, syscall.EINVAL
		}
		st := d.state[a.Type]
		need, have := max(uint32(len(st)), 4096), a.BufSz
		a.BufSz = need // written back before the size check, as the driver does
		if need > have {
			return 0, syscall.EINVAL
		}
		buf := mshvioctl.Bytes(a.BufPtr, int(need))
		if x.Name == "MSHV_GET_VP_STATE" {
			copy(buf, st)
		} else {
			d.state[a.Type] = bytes.Clone(buf)
		}
		return 0, 0
	case "MSHV_RUN_VP":
		d.mu.Unlock()
		m := (*Message)(arg)
		if d.run != nil {
			return 0, d.run(f, m)
		}
		*m = Message{}
		m.Header.MessageType = uint32(linux70.HvmsgX64Halt)
		m.Header.PayloadSize = 40 // hv_x64_halt_message
		return 0, 0
	}
	d.mu.Unlock()
	return 0, 0
}

// hvcall checks an MSHV_ROOT_HVCALL argument as the driver does
// (drivers/hv/mshv_root_main.c:189-194 @ d4eb7b2da66c) and answers it.
func (d *fakeDriver) hvcall(f *fakeFile, a *rootHvcall) syscall.Errno {
	if a.Status != 0 || a.InPtr == 0 || a.InSz < 8 || a.Rsvd != [6]uint8{} || a.InSz > 4096 ||
		(a.OutPtr != 0 && (a.OutSz == 0 || a.OutSz > 4096)) {
		d.t.Errorf("MSHV_ROOT_HVCALL argument the driver refuses: %+v", *a)
		return syscall.EINVAL
	}
	in := bytes.Clone(mshvioctl.Bytes(a.InPtr, int(a.InSz)))
	binary.LittleEndian.PutUint64(in, f.id) // the driver's partition id (0 stands for the caller's own)
	out := mshvioctl.Bytes(a.OutPtr, int(a.OutSz))
	switch linux70.CallCode(a.Code) {
	case linux70.CallGetVPRegisters:
		vp := uint64(binary.LittleEndian.Uint32(in[8:]))
		for i := 0; i < int(a.Reps); i++ {
			name := uint64(binary.LittleEndian.Uint32(in[16+4*i:]))
			v := d.regs[[2]uint64{f.id, vp<<32 | name}]
			copy(out[16*i:], hvcall.Bytes(&v))
		}
	case linux70.CallSetVPRegisters:
		vp := uint64(binary.LittleEndian.Uint32(in[8:]))
		for i := 0; i < int(a.Reps); i++ {
			e := in[16+32*i:]
			var v linux70.RegisterValue
			copy(hvcall.Bytes(&v), e[16:32])
			d.regs[[2]uint64{f.id, vp<<32 | uint64(binary.LittleEndian.Uint32(e))}] = v
		}
	case linux70.CallSetPartitionProperty:
		d.props[[2]uint64{f.id, uint64(binary.LittleEndian.Uint32(in[8:]))}] = binary.LittleEndian.Uint64(in[16:])
	case linux70.CallGetPartitionProperty:
		binary.LittleEndian.PutUint64(out, d.props[[2]uint64{f.id, uint64(binary.LittleEndian.Uint32(in[8:]))}])
	}
	a.Status = 0
	return 0
}

func (d *fakeDriver) Mmap(fd int, off int64, length int) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f := d.files[fd]
	if f == nil || f.closed || f.kind != abi.FdVP {
		return nil, syscall.EINVAL
	}
	if off%int64(pageSize) != 0 || off/int64(pageSize) >= linux70.MshvVPMmapOffsetCount {
		return nil, syscall.EINVAL
	}
	b := alignedHeap(length)
	d.pages[[2]int64{int64(fd), off}] = b
	return b, nil
}

func (d *fakeDriver) Unmap(b []byte) error {
	clear(b) // the kernel's device maps zero pages over it
	return nil
}

// page returns what the fake mapped for a VP file at an offset.
func (d *fakeDriver) page(v *VP, off int) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pages[[2]int64{int64(v.h.fd), int64(off) * int64(pageSize)}]
}
