package mshv

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// want checks one request of the log: its name, fd kind and argument.
func want(t *testing.T, got []fakeCall, i int, name string, fd abi.FdSet, arg any) {
	t.Helper()
	if i >= len(got) {
		t.Errorf("request %d: none, want %s", i, name)
		return
	}
	c := got[i]
	if c.name != name || c.fd != fd {
		t.Errorf("request %d: %s on a %v fd, want %s on a %v fd", i, c.name, c.fd, name, fd)
		return
	}
	if arg == nil {
		return
	}
	var b []byte
	switch a := arg.(type) {
	case *linux70.MshvCreatePartition:
		b = hvcall.Bytes(a)
	case *linux70.MshvCreateVP:
		b = hvcall.Bytes(a)
	case *linux70.MshvUserMemRegion:
		b = hvcall.Bytes(a)
	case *linux70.MshvUserIrqfd:
		b = hvcall.Bytes(a)
	case *linux70.MshvUserIoeventfd:
		b = hvcall.Bytes(a)
	case *linux70.MshvGpapAccessBitmap:
		b = hvcall.Bytes(a)
	default:
		t.Fatalf("want: %T", arg)
	}
	if string(b) != string(c.arg) {
		t.Errorf("request %d (%s): argument\n% x\nwant\n% x", i, name, c.arg, b)
	}
}

func refused(t *testing.T, err error, errno syscall.Errno, reason string) {
	t.Helper()
	var e *Error
	if !errors.Is(err, errno) || !errors.As(err, &e) || !strings.Contains(e.Reason, reason) || !strings.Contains(e.Reason, "refused before the ioctl") {
		t.Errorf("err %v, want a refusal (%v) saying %q", err, errno, reason)
	}
}

// TestPartition walks a partition's life on the fake driver and checks each
// request number and argument, and what the runtime refuses itself.
func TestPartition(t *testing.T) {
	d := newFake(t)
	sys := d.open()
	p, err := sys.CreatePartition(WithLAPIC(), WithX2APIC(), WithProperty(linux70.PartitionPropertyUnimplementedMSRAction, 1))
	if err != nil {
		t.Fatal(err)
	}
	calls := d.calls()
	want(t, calls, 0, "MSHV_CREATE_PARTITION", abi.FdSystem, &linux70.MshvCreatePartition{PtFlags: 3})
	want(t, calls, 1, "MSHV_ROOT_HVCALL", abi.FdPartition, nil) // the early property
	if len(calls) != 2 || calls[1].code != uint16(linux70.CallSetPartitionProperty) {
		t.Fatalf("requests %+v", calls)
	}
	if v, err := p.GetProperty(linux70.PartitionPropertyUnimplementedMSRAction); v != 1 || err != nil {
		t.Errorf("GetProperty = %d, %v", v, err)
	}
	if err := p.Initialize(); err != nil {
		t.Fatal(err)
	}
	calls = d.calls()
	want(t, calls, 1, "MSHV_INITIALIZE_PARTITION", abi.FdPartition, nil)

	// Guest memory.
	mem, err := NewMemory(3 * pageSize)
	if err != nil {
		t.Fatal(err)
	}
	defer FreeMemory(mem)
	addr := uint64(uintptr(unsafe.Pointer(&mem[0])))
	if err := p.MapMemory(0x10, mem[:2*pageSize], Writable|Executable); err != nil {
		t.Fatal(err)
	}
	calls = d.calls()
	want(t, calls, 0, "MSHV_SET_GUEST_MEMORY", abi.FdPartition, &linux70.MshvUserMemRegion{Size: uint64(2 * pageSize), GuestPfn: 0x10, UserspaceAddr: addr, Flags: 3})
	gpp := uint64(pageSize / HVPageSize) // guest pages per host page
	for _, c := range []struct {
		gfn    uint64
		mem    []byte
		flags  MemoryFlags
		errno  syscall.Errno
		reason string
	}{
		{0x100, mem[1 : pageSize+1], 0, syscall.EINVAL, "is not page-aligned"},
		{0x100, mem[2*pageSize : 2*pageSize+100], 0, syscall.EINVAL, "not a multiple of the page size"},
		{0x100, nil, 0, syscall.EINVAL, "no memory"},
		{0x100, mem[2*pageSize:], 0x80, syscall.EINVAL, "unknown flags"},
		{0x10 + 2*gpp - 1, mem[2*pageSize:], 0, syscall.EEXIST, "overlap the mapped"},
		{0x100, mem[pageSize : 2*pageSize], 0, syscall.EINVAL, "overlaps memory mapped at guest page 0x10"},
		{^uint64(0), mem[2*pageSize:], 0, syscall.EINVAL, "past the end"},
	} {
		refused(t, p.MapMemory(c.gfn, c.mem, c.flags), c.errno, c.reason)
	}
	if n := len(d.calls()); n != 0 {
		t.Errorf("%d requests reached the driver for refused mappings", n)
	}
	refused(t, p.UnmapMemory(0x900, mem[2*pageSize:]), syscall.ENOENT, "no memory is mapped at guest page 0x900")
	refused(t, p.UnmapMemory(0x10, mem[:pageSize]), syscall.EINVAL, "is in the mapping of")
	if err := p.MapMemory(0x10+2*gpp, mem[2*pageSize:], 0); err != nil { // adjacent: no overlap
		t.Fatal(err)
	}
	if err := p.UnmapMemory(0x10, mem[:2*pageSize]); err != nil {
		t.Fatal(err)
	}
	calls = d.calls()
	want(t, calls, 1, "MSHV_SET_GUEST_MEMORY", abi.FdPartition, &linux70.MshvUserMemRegion{Size: uint64(2 * pageSize), GuestPfn: 0x10, UserspaceAddr: addr, Flags: 1 << 2})
	if err := p.MapMemory(0x10, mem[:pageSize], Writable); err != nil { // the range is free again
		t.Fatal(err)
	}
	d.calls()

	// Interrupts and events.
	if err := p.RegisterIRQFD(IRQFD{EventFD: 7, GSI: 5}); err != nil {
		t.Fatal(err)
	}
	if err := p.RegisterIRQFD(IRQFD{EventFD: 8, GSI: 6, Resample: true, ResampleFD: 9}); err != nil {
		t.Fatal(err)
	}
	if err := p.UnregisterIRQFD(IRQFD{EventFD: 7, GSI: 5}); err != nil {
		t.Fatal(err)
	}
	if err := p.RegisterIOEventFD(IOEventFD{EventFD: 10, Addr: 0xfee00000, Len: 4, Match: true, Data: 0x42}); err != nil {
		t.Fatal(err)
	}
	if err := p.RegisterIOEventFD(IOEventFD{EventFD: 11, Addr: 0x3f8, Len: 1, PIO: true}); err != nil {
		t.Fatal(err)
	}
	if err := p.UnregisterIOEventFD(IOEventFD{EventFD: 10, Addr: 0xfee00000, Len: 4, Match: true, Data: 0x42}); err != nil {
		t.Fatal(err)
	}
	calls = d.calls()
	want(t, calls, 0, "MSHV_IRQFD", abi.FdPartition, &linux70.MshvUserIrqfd{Fd: 7, Gsi: 5})
	want(t, calls, 1, "MSHV_IRQFD", abi.FdPartition, &linux70.MshvUserIrqfd{Fd: 8, Resamplefd: 9, Gsi: 6, Flags: 2})
	want(t, calls, 2, "MSHV_IRQFD", abi.FdPartition, &linux70.MshvUserIrqfd{Fd: 7, Gsi: 5, Flags: 1})
	want(t, calls, 3, "MSHV_IOEVENTFD", abi.FdPartition, &linux70.MshvUserIoeventfd{Datamatch: 0x42, Addr: 0xfee00000, Len: 4, Fd: 10, Flags: 1})
	want(t, calls, 4, "MSHV_IOEVENTFD", abi.FdPartition, &linux70.MshvUserIoeventfd{Addr: 0x3f8, Len: 1, Fd: 11, Flags: 2})
	want(t, calls, 5, "MSHV_IOEVENTFD", abi.FdPartition, &linux70.MshvUserIoeventfd{Datamatch: 0x42, Addr: 0xfee00000, Len: 4, Fd: 10, Flags: 5})

	// MSI routing: the table as the header lays it out.
	routes := []linux70.MshvUserIrqEntry{{Gsi: 5, AddressLo: 0xfee00000, Data: 0x31}, {Gsi: 6, AddressLo: 0xfee01000, Data: 0x32}}
	if err := p.SetMSIRouting(routes); err != nil {
		t.Fatal(err)
	}
	calls = d.calls()
	want(t, calls, 0, "MSHV_SET_MSI_ROUTING", abi.FdPartition, nil)
	got := calls[0].arg // the 8-byte header: the request's size
	if binary.LittleEndian.Uint32(got) != 2 || binary.LittleEndian.Uint32(got[4:]) != 0 {
		t.Errorf("routing table header % x", got)
	}
	refused(t, p.SetMSIRouting(make([]linux70.MshvUserIrqEntry, MaxGuestIRQs+1)), syscall.EINVAL, "at most 4096")
	if err := p.SetMSIRouting(nil); err != nil {
		t.Fatal(err)
	}
	d.calls()

	// Access bitmap.
	bitmap := make([]byte, 2)
	if err := p.GPAAccessBitmap(Dirty, AccessClear, 0x10, 9, bitmap); err != nil {
		t.Fatal(err)
	}
	calls = d.calls()
	want(t, calls, 0, "MSHV_GET_GPAP_ACCESS_BITMAP", abi.FdPartition, &linux70.MshvGpapAccessBitmap{AccessType: 1, AccessOp: 1, PageCount: 9, GpapBase: 0x10,
		BitmapPtr: uint64(uintptr(unsafe.Pointer(&bitmap[0])))})
	refused(t, p.GPAAccessBitmap(Dirty, AccessClear, 0x10, 17, bitmap), syscall.EINVAL, "a bitmap of 2 bytes for 17 pages")
	refused(t, p.GPAAccessBitmap(Dirty, AccessClear, 0x10, 0, bitmap), syscall.EINVAL, "no pages")
	refused(t, p.GPAAccessBitmap(2, AccessClear, 0x10, 1, bitmap), syscall.EINVAL, "access type 2")

	// VPs.
	vp, err := p.CreateVP(1)
	if err != nil {
		t.Fatal(err)
	}
	calls = d.calls()
	want(t, calls, 0, "MSHV_CREATE_VP", abi.FdPartition, &linux70.MshvCreateVP{VPIndex: 1})
	refused(t, func() error { _, err := p.CreateVP(1); return err }(), syscall.EEXIST, "VP 1 exists")
	refused(t, func() error { _, err := p.CreateVP(MaxVPs); return err }(), syscall.EINVAL, "VP index 256")
	m, err := vp.Run()
	if err != nil || m.Kind() != KindOther && m.Kind() != KindHalt || m.Type() != linux70.HvmsgX64Halt {
		t.Errorf("Run: %v, %v", m, err)
	}
	calls = d.calls()
	want(t, calls, 0, "MSHV_RUN_VP", abi.FdVP, nil)
	if len(calls[0].arg) != 256 {
		t.Errorf("MSHV_RUN_VP argument of %d bytes", len(calls[0].arg))
	}

	// Pages: mapped at MSHV_VP_MMAP_OFFSET_* times the page size, once.
	rp, err := vp.RegisterPage()
	if err != nil {
		t.Fatal(err)
	}
	if rp2, _ := vp.RegisterPage(); rp2 != rp {
		t.Error("the register page was mapped twice")
	}
	mp, err := vp.InterceptMessagePage()
	if err != nil {
		t.Fatal(err)
	}
	regPage, msgPage := d.page(vp, 0), d.page(vp, 1)
	if regPage == nil || msgPage == nil || unsafe.Pointer(rp) != unsafe.Pointer(&regPage[0]) || unsafe.Pointer(mp) != unsafe.Pointer(&msgPage[0]) {
		t.Fatalf("pages: register %p (fake %v), message %p (fake %v)", rp, regPage != nil, mp, msgPage != nil)
	}
	binary.LittleEndian.PutUint64(msgPage, uint64(linux70.HvmsgX64Halt)|40<<32)
	if mp.Type() != linux70.HvmsgX64Halt {
		t.Errorf("the intercept message page reads %v", mp.Type())
	}
	rp.Dirty = 5

	// State.
	d.state[uint8(StateXSAVE)] = make([]byte, 3*4096)
	d.state[uint8(StateXSAVE)][3*4096-1] = 0xaa
	buf := make([]byte, 4*4096)
	n, err := vp.GetState(StateXSAVE, buf)
	if err != nil || n != 3*4096 || buf[n-1] != 0xaa {
		t.Errorf("GetState(XSAVE) = %d, %v (last byte %#x)", n, err, buf[max(n, 1)-1])
	}
	calls = d.calls()
	if len(calls) != 2 || calls[0].name != "MSHV_GET_VP_STATE" || calls[1].name != "MSHV_GET_VP_STATE" {
		t.Errorf("XSAVE took %+v; want a first request with a page, a second with the size the driver wrote back", calls)
	}
	if n, err := vp.GetState(StateXSAVE, buf[:100]); n != 3*4096 || !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("GetState into a short buffer: %d, %v", n, err)
	}
	lapic := make([]byte, 1024)
	lapic[0] = 0x42
	if err := vp.SetState(StateLAPIC, lapic); err != nil {
		t.Fatal(err)
	}
	if st := d.state[uint8(StateLAPIC)]; len(st) != 4096 || st[0] != 0x42 || st[1024] != 0 {
		t.Errorf("SetState wrote %d bytes", len(st))
	}
	if err := vp.SetState(StateXSAVE, make([]byte, 100)); !errors.Is(err, syscall.EINVAL) || !strings.HasSuffix(err.Error(), "MSHV_VP_STATE_XSAVE is 12288 bytes, the data 100: invalid argument") {
		t.Errorf("SetState with too little data: %v", err) // the driver's refusal, with the size it wrote back
	}
	refused(t, func() error { _, err := vp.GetState(9, buf); return err }(), syscall.EINVAL, "unknown kind of state 9")
	d.calls()

	for k := StateLAPIC; k <= StateSyntheticTimers; k++ {
		data := make([]byte, 4096)
		data[7] = byte(k) + 1
		if k == StateXSAVE {
			data = make([]byte, 3*4096)
			data[3*4096-1] = 9
		}
		if err := vp.SetState(k, data); err != nil {
			t.Fatalf("SetState(%v): %v", k, err)
		}
		back := make([]byte, len(data))
		if n, err := vp.GetState(k, back); err != nil || n != len(data) || string(back) != string(data) {
			t.Errorf("%v: set and got back %d bytes, %v", k, n, err)
		}
	}
	d.calls()

	// Errors wrap the errno with the request's name and the fd kind.
	d.errno["MSHV_RUN_VP"] = syscall.EIO
	_, err = vp.Run()
	var e *Error
	if !errors.Is(err, syscall.EIO) || !errors.As(err, &e) || e.Op != "MSHV_RUN_VP" || e.Fd != abi.FdVP || e.Reason != "" ||
		err.Error() != "mshv: MSHV_RUN_VP on a vp fd: "+syscall.EIO.Error() {
		t.Errorf("Run with the driver failing: %v", err)
	}
	d.errno["MSHV_RUN_VP"] = 0
	d.calls()

	// Close: the partition closes its VPs; use after close is an error.
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for fd, f := range d.files {
		if f.kind != abi.FdSystem && !f.closed {
			t.Errorf("fd %d (%v) left open", fd, f.kind)
		}
	}
	if rp.Dirty != 0 || mp.Type() != linux70.HvmsgNone {
		t.Error("the pages of a closed VP still read the driver's")
	}
	for name, err := range map[string]error{
		"Run":        func() error { _, err := vp.Run(); return err }(),
		"Initialize": p.Initialize(),
		"MapMemory":  p.MapMemory(0x200, mem[2*pageSize:], 0),
		"CreateVP":   func() error { _, err := p.CreateVP(2); return err }(),
		"RegisterPage": func() error {
			_, err := vp.RegisterPage()
			return err
		}(),
		"GetRegisters": vp.GetRegisters([]linux70.RegisterName{linux70.RegisterVPIndex}, make([]linux70.RegisterValue, 1)),
		"GetState":     func() error { _, err := vp.GetState(StateLAPIC, buf); return err }(),
		"Close":        p.Close(),
		"VP.Close":     vp.Close(),
	} {
		if !errors.Is(err, ErrClosed) || !errors.Is(err, os.ErrClosed) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
	if c := d.calls(); len(c) != 0 {
		t.Errorf("requests reached the driver after Close: %+v", c)
	}
	if err := sys.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sys.CreatePartition(); !errors.Is(err, ErrClosed) {
		t.Errorf("CreatePartition on a closed System: %v", err)
	}
}

// TestVPsOnGoroutines: VPs of one partition run on goroutines of their own
// and read their registers between runs while the main goroutine maps
// memory; then the partition closes under them: each Run either succeeds
// or says ErrClosed, none crashes (run with -race).
func TestVPsOnGoroutines(t *testing.T) {
	d := newFake(t)
	var mu sync.Mutex
	runs := map[uint32]int{}
	d.run = func(f *fakeFile, m *Message) syscall.Errno {
		mu.Lock()
		runs[f.vp]++
		n := runs[f.vp]
		mu.Unlock()
		*m = Message{}
		m.Header.MessageType = uint32(linux70.HvmsgX64Halt)
		m.Header.PayloadSize = 40
		binary.LittleEndian.PutUint32(m.payload[:], f.vp) // the VP index
		binary.LittleEndian.PutUint64(m.payload[0x18:], uint64(n))
		return 0
	}
	p, err := d.open().CreatePartition()
	if err != nil {
		t.Fatal(err)
	}
	const nvp = 4
	var wg sync.WaitGroup
	errs := make(chan error, nvp)
	closed := make(chan struct{})
	for i := range uint32(nvp) {
		vp, err := p.CreateVP(i)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for k := 1; ; k++ {
				m, err := vp.Run()
				if err != nil {
					select {
					case <-closed:
						if !errors.Is(err, ErrClosed) {
							errs <- err
						}
					default:
						errs <- err
					}
					return
				}
				pl := m.Payload() // the intercept header: the VP index at 0, RIP at 0x18
				if len(pl) != 40 || binary.LittleEndian.Uint32(pl) != i || binary.LittleEndian.Uint64(pl[0x18:]) != uint64(k) {
					errs <- errors.New("a VP got another's message")
					return
				}
				_ = vp.GetRegisters([]linux70.RegisterName{linux70.RegisterVPIndex}, make([]linux70.RegisterValue, 1))
			}
		})
	}
	mem, _ := NewMemory(16 * pageSize)
	defer FreeMemory(mem)
	for i := range 16 {
		if err := p.MapMemory(uint64(i*pageSize/HVPageSize), mem[i*pageSize:(i+1)*pageSize], Writable); err != nil {
			t.Fatal(err)
		}
	}
	close(closed)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCloseDuringRun: a partition closes while one of its VPs is inside
// MSHV_RUN_VP (the guest running): Close returns at once, the VP's file
// descriptor closes only when the Run returns (so its number is never
// reused under it), and the VP's next Run says ErrClosed.
func TestCloseDuringRun(t *testing.T) {
	d := newFake(t)
	entered, release := make(chan struct{}), make(chan struct{})
	d.run = func(f *fakeFile, m *Message) syscall.Errno {
		close(entered)
		<-release
		*m = Message{}
		m.Header.MessageType = uint32(linux70.HvmsgX64Halt)
		m.Header.PayloadSize = 40
		return 0
	}
	p, _ := d.open().CreatePartition()
	vp, _ := p.CreateVP(0)
	if _, err := vp.RegisterPage(); err != nil {
		t.Fatal(err)
	}
	ran := make(chan error)
	go func() {
		_, err := vp.Run()
		ran <- err
	}()
	<-entered
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	vpOpen := !d.files[vp.h.fd].closed
	partOpen := !d.files[p.h.fd].closed
	d.mu.Unlock()
	if !vpOpen || partOpen {
		t.Errorf("during the Run: VP fd open %v (want true), partition fd open %v (want false)", vpOpen, partOpen)
	}
	close(release)
	if err := <-ran; err != nil {
		t.Errorf("the Run in progress: %v", err)
	}
	d.mu.Lock()
	vpOpen = !d.files[vp.h.fd].closed
	d.mu.Unlock()
	if vpOpen {
		t.Error("the VP fd is still open after the Run returned")
	}
	if _, err := vp.Run(); !errors.Is(err, ErrClosed) {
		t.Errorf("Run after Close: %v", err)
	}
}

func TestOpenWithoutDevice(t *testing.T) {
	if _, err := os.Stat(DevicePath); err == nil {
		t.Log("this machine has " + DevicePath)
		return
	}
	if _, err := Open(); !errors.Is(err, ErrNoDevice) {
		t.Errorf("Open = %v, want ErrNoDevice", err)
	}
	if _, err := OpenPath("/nonexistent/mshv"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenPath = %v, want ErrNotExist", err)
	}
}
