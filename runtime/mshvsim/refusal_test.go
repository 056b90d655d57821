//go:build amd64

package mshvsim

import (
	"os"
	"syscall"
	"testing"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/hvcall"
	"github.com/hvgen/hvgen/runtime/mshv"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/sim/linux70sim"
)

// rig is a simulated driver driven with raw ioctls, as a program that
// bypasses runtime/mshv's own checks would: /dev/mshv, an initialized
// partition with 16 KiB mapped at guest page 1, and VP 0.
type rig struct {
	t             *testing.T
	d             *Driver
	dev           device
	sys, pt, vpFd int
	mem           []byte
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, d: New(linux70sim.New(sim.Config{}))}
	r.dev = device{r.d}
	var err error
	if r.sys, err = r.dev.Open(mshv.DevicePath); err != nil {
		t.Fatal(err)
	}
	r.pt = r.must(r.sys, linux70.IoctlMshvCreatePartition, unsafe.Pointer(&linux70.MshvCreatePartition{}))
	r.must(r.pt, linux70.IoctlMshvInitializePartition, nil)
	if r.mem, err = mshv.NewMemory(0x4000); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mshv.FreeMemory(r.mem) })
	r.must(r.pt, linux70.IoctlMshvSetGuestMemory, unsafe.Pointer(r.region(1, r.mem, 0)))
	r.vpFd = r.must(r.pt, linux70.IoctlMshvCreateVP, unsafe.Pointer(&linux70.MshvCreateVP{}))
	return r
}

func (r *rig) must(fd int, req uint32, arg unsafe.Pointer) int {
	r.t.Helper()
	n, e := r.dev.Ioctl(fd, req, arg)
	if e != 0 {
		r.t.Fatalf("ioctl %#x on fd %d: %v", req, fd, e)
	}
	return n
}

func (r *rig) region(gfn uint64, mem []byte, flags uint8) *linux70.MshvUserMemRegion {
	return &linux70.MshvUserMemRegion{Size: uint64(len(mem)), GuestPfn: gfn,
		UserspaceAddr: uint64(uintptr(unsafe.Pointer(&mem[0]))), Flags: flags}
}

// hvcall builds a pass-through argument for code with an 8-byte input
// (and an output page when out).
func hvcallArg(code linux70.CallCode, out bool) *linux70.MshvRootHvcall {
	in, o := hvcall.NewPagePair()
	a := &linux70.MshvRootHvcall{Code: uint16(code), InSz: 16, InPtr: uint64(uintptr(unsafe.Pointer(in)))}
	if out {
		a.OutSz, a.OutPtr = 16, uint64(uintptr(unsafe.Pointer(o)))
	}
	return a
}

// TestRefusals: each refusal of the kernel's driver, made with a raw ioctl,
// gets the kernel's errno from the simulated driver. Each case names the
// line of drivers/hv/mshv_root_main.c @ d4eb7b2da66c (or the file) it
// follows.
func TestRefusals(t *testing.T) {
	r := newRig(t)
	ps := os.Getpagesize()
	state := func(typ uint8, size uint32, off uintptr, rsvd byte) unsafe.Pointer {
		buf := page()
		return unsafe.Pointer(&linux70.MshvGetSetVPState{Type: typ, Rsvd: [3]uint8{rsvd}, BufSz: size,
			BufPtr: uint64(uintptr(unsafe.Pointer(&buf[0])) + off)})
	}
	bitmap := make([]byte, 8)
	gpap := func(typ, op uint8, n uint64, rsvd byte, ptr bool) unsafe.Pointer {
		a := &linux70.MshvGpapAccessBitmap{AccessType: typ, AccessOp: op, PageCount: n, GpapBase: 1, Rsvd: [6]uint8{rsvd}}
		if ptr {
			a.BitmapPtr = uint64(uintptr(unsafe.Pointer(&bitmap[0])))
		}
		return unsafe.Pointer(a)
	}
	with := func(a *linux70.MshvRootHvcall, f func(*linux70.MshvRootHvcall)) unsafe.Pointer {
		f(a)
		return unsafe.Pointer(a)
	}
	other, _ := mshv.NewMemory(0x2000)
	defer mshv.FreeMemory(other)
	irqTable := make([]uint64, 1)
	*(*linux70.MshvUserIrqTable)(unsafe.Pointer(&irqTable[0])) = linux70.MshvUserIrqTable{Nr: mshv.MaxGuestIRQs + 1}
	irqTableRsvd := make([]uint64, 1)
	*(*linux70.MshvUserIrqTable)(unsafe.Pointer(&irqTableRsvd[0])) = linux70.MshvUserIrqTable{Rsvd: 1}

	cases := []struct {
		name string
		cite string
		fd   int
		req  uint32
		arg  unsafe.Pointer
		want syscall.Errno
	}{
		// MSHV_ROOT_HVCALL, mshv_ioctl_passthru_hvcall
		{"pass-through: a call on no list (HVCALL_CREATE_VP)", ":196-197", r.pt, linux70.IoctlMshvRootHvcall, unsafe.Pointer(hvcallArg(linux70.CallCreateVP, false)), syscall.EINVAL},
		{"pass-through: a call off /dev/mshv's list (HVCALL_SET_VP_REGISTERS)", ":196-197 (:137)", r.sys, linux70.IoctlMshvRootHvcall, unsafe.Pointer(hvcallArg(linux70.CallSetVPRegisters, false)), syscall.EINVAL},
		{"pass-through: an asynchronous call on a VP fd", ":199-203", r.vpFd, linux70.IoctlMshvRootHvcall, unsafe.Pointer(hvcallArg(linux70.CallSetPartitionProperty, false)), syscall.EINVAL},
		{"pass-through: an asynchronous call on /dev/mshv", ":196-203", r.sys, linux70.IoctlMshvRootHvcall, unsafe.Pointer(hvcallArg(linux70.CallSetPartitionProperty, false)), syscall.EINVAL},
		{"pass-through: a status set", ":189-191", r.pt, linux70.IoctlMshvRootHvcall, with(hvcallArg(linux70.CallGetPartitionProperty, true), func(a *linux70.MshvRootHvcall) { a.Status = 1 }), syscall.EINVAL},
		{"pass-through: reserved bytes set", ":189-191", r.pt, linux70.IoctlMshvRootHvcall, with(hvcallArg(linux70.CallGetPartitionProperty, true), func(a *linux70.MshvRootHvcall) { a.Rsvd[5] = 1 }), syscall.EINVAL},
		{"pass-through: no input", ":189-191", r.pt, linux70.IoctlMshvRootHvcall, with(hvcallArg(linux70.CallGetPartitionProperty, true), func(a *linux70.MshvRootHvcall) { a.InPtr = 0 }), syscall.EINVAL},
		{"pass-through: an input short of the partition id", ":189-191", r.pt, linux70.IoctlMshvRootHvcall, with(hvcallArg(linux70.CallGetPartitionProperty, true), func(a *linux70.MshvRootHvcall) { a.InSz = 7 }), syscall.EINVAL},
		{"pass-through: an input over a page", ":189-191", r.pt, linux70.IoctlMshvRootHvcall, with(hvcallArg(linux70.CallGetPartitionProperty, true), func(a *linux70.MshvRootHvcall) { a.InSz = hvcall.PageSize + 1 }), syscall.EINVAL},
		{"pass-through: an output over a page", ":193-194", r.pt, linux70.IoctlMshvRootHvcall, with(hvcallArg(linux70.CallGetPartitionProperty, true), func(a *linux70.MshvRootHvcall) { a.OutSz = hvcall.PageSize + 1 }), syscall.EINVAL},
		{"pass-through: an output of no size", ":193-194", r.pt, linux70.IoctlMshvRootHvcall, with(hvcallArg(linux70.CallGetPartitionProperty, true), func(a *linux70.MshvRootHvcall) { a.OutSz = 0 }), syscall.EINVAL},

		// MSHV_CREATE_PARTITION, mshv_ioctl_process_pt_flags
		{"partition: an unknown flag", ":1882-1884", r.sys, linux70.IoctlMshvCreatePartition, unsafe.Pointer(&linux70.MshvCreatePartition{PtFlags: 1 << 20}), syscall.EINVAL},
		{"partition: an unknown isolation", ":1882-1884", r.sys, linux70.IoctlMshvCreatePartition, unsafe.Pointer(&linux70.MshvCreatePartition{PtIsolation: linux70.MshvPtIsolationCount}), syscall.EINVAL},

		// MSHV_SET_GUEST_MEMORY, mshv_partition_ioctl_set_memory
		{"memory: no size", ":1399-1404", r.pt, linux70.IoctlMshvSetGuestMemory, unsafe.Pointer(&linux70.MshvUserMemRegion{GuestPfn: 0x100, UserspaceAddr: uint64(uintptr(unsafe.Pointer(&other[0])))}), syscall.EINVAL},
		{"memory: a size off a page boundary", ":1399-1404", r.pt, linux70.IoctlMshvSetGuestMemory, unsafe.Pointer(r.region(0x100, other[:ps+8], 0)), syscall.EINVAL},
		{"memory: an address off a page boundary", ":1399-1404", r.pt, linux70.IoctlMshvSetGuestMemory, unsafe.Pointer(r.region(0x100, other[8:8+ps], 0)), syscall.EINVAL},
		{"memory: an unknown flag", ":1399-1404", r.pt, linux70.IoctlMshvSetGuestMemory, unsafe.Pointer(r.region(0x100, other, 1<<5)), syscall.EINVAL},
		{"memory: reserved bytes set (MBZ)", ":1399-1404", r.pt, linux70.IoctlMshvSetGuestMemory, unsafe.Pointer(&linux70.MshvUserMemRegion{Size: uint64(ps), GuestPfn: 0x100, UserspaceAddr: uint64(uintptr(unsafe.Pointer(&other[0]))), Rsvd: [7]uint8{0, 0, 1}}), syscall.EINVAL},
		{"memory: guest pages overlapping a region", ":1179-1186", r.pt, linux70.IoctlMshvSetGuestMemory, unsafe.Pointer(r.region(4, other, 0)), syscall.EEXIST},
		{"memory: unmap of a page no region holds", ":1367-1370", r.pt, linux70.IoctlMshvSetGuestMemory, unsafe.Pointer(r.region(0x100, other, 1<<linux70.MshvSetMemBitUnmap)), syscall.ENOENT},
		{"memory: unmap of a region not as mapped", ":1374-1378", r.pt, linux70.IoctlMshvSetGuestMemory, unsafe.Pointer(r.region(1, r.mem[:0x2000], 1<<linux70.MshvSetMemBitUnmap)), syscall.EINVAL},

		// MSHV_CREATE_VP
		{"VP: an index of MSHV_MAX_VPS", ":1036-1037", r.pt, linux70.IoctlMshvCreateVP, unsafe.Pointer(&linux70.MshvCreateVP{VPIndex: mshv.MaxVPs}), syscall.EINVAL},
		{"VP: an index the partition has", ":1039-1040", r.pt, linux70.IoctlMshvCreateVP, unsafe.Pointer(&linux70.MshvCreateVP{}), syscall.EEXIST},

		// MSHV_GET_VP_STATE, mshv_vp_ioctl_get_set_state
		{"state: an unknown kind", ":764-767", r.vpFd, linux70.IoctlMshvGetVPState, state(linux70.MshvVPStateCount, uint32(ps), 0, 0), syscall.EINVAL},
		{"state: reserved bytes set (MBZ)", ":764-767", r.vpFd, linux70.IoctlMshvGetVPState, state(linux70.MshvVPStateLapic, uint32(ps), 0, 1), syscall.EINVAL},
		{"state: a buffer of no size", ":764-767", r.vpFd, linux70.IoctlMshvGetVPState, state(linux70.MshvVPStateLapic, 0, 0, 0), syscall.EINVAL},
		{"state: a buffer off a page boundary", ":764-767", r.vpFd, linux70.IoctlMshvSetVPState, state(linux70.MshvVPStateLapic, uint32(ps), 8, 0), syscall.EINVAL},

		// MSHV_GET_GPAP_ACCESS_BITMAP
		{"bitmap: an unknown access type", ":1451-1455", r.pt, linux70.IoctlMshvGetGpapAccessBitmap, gpap(linux70.MshvGpapAccessTypeCount, 0, 8, 0, true), syscall.EINVAL},
		{"bitmap: an unknown operation", ":1451-1455", r.pt, linux70.IoctlMshvGetGpapAccessBitmap, gpap(0, linux70.MshvGpapAccessOpCount, 8, 0, true), syscall.EINVAL},
		{"bitmap: reserved bytes set (MBZ)", ":1451-1455", r.pt, linux70.IoctlMshvGetGpapAccessBitmap, gpap(0, 0, 8, 1, true), syscall.EINVAL},
		{"bitmap: no pages", ":1451-1455", r.pt, linux70.IoctlMshvGetGpapAccessBitmap, gpap(0, 0, 0, 0, true), syscall.EINVAL},
		{"bitmap: no bitmap", ":1451-1455", r.pt, linux70.IoctlMshvGetGpapAccessBitmap, gpap(0, 0, 8, 0, false), syscall.EINVAL},

		// MSHV_SET_MSI_ROUTING
		{"routing: more than MSHV_MAX_GUEST_IRQS entries", ":1531-1533", r.pt, linux70.IoctlMshvSetMSIRouting, unsafe.Pointer(&irqTable[0]), syscall.EINVAL},
		{"routing: the reserved word set (MBZ)", ":1531-1533", r.pt, linux70.IoctlMshvSetMSIRouting, unsafe.Pointer(&irqTableRsvd[0]), syscall.EINVAL},

		// MSHV_IRQFD and MSHV_IOEVENTFD (drivers/hv/mshv_eventfd.c @ db5302ae571b)
		{"irqfd: an unknown flag", "mshv_set_unset_irqfd", r.pt, linux70.IoctlMshvIrqfd, unsafe.Pointer(&linux70.MshvUserIrqfd{Fd: 0, Flags: 1 << 7}), syscall.EINVAL},
		{"irqfd: resample on a GSI not level triggered", "mshv_irqfd_assign", r.pt, linux70.IoctlMshvIrqfd, unsafe.Pointer(&linux70.MshvUserIrqfd{Fd: 0, Gsi: 5, Flags: 1 << linux70.MshvIrqfdBitResample}), syscall.EINVAL},
		{"ioeventfd: reserved bytes set (MBZ)", "mshv_set_unset_ioeventfd", r.pt, linux70.IoctlMshvIoeventfd, unsafe.Pointer(&linux70.MshvUserIoeventfd{Addr: 0xd000, Fd: 0, Rsvd: [4]uint8{1}}), syscall.EINVAL},
		{"ioeventfd: an I/O port", "mshv_set_unset_ioeventfd", r.pt, linux70.IoctlMshvIoeventfd, unsafe.Pointer(&linux70.MshvUserIoeventfd{Addr: 0x3f8, Fd: 0, Flags: 1 << linux70.MshvIoeventfdBitPio}), syscall.EOPNOTSUPP},
		{"ioeventfd: a length of 3", "mshv_assign_ioeventfd", r.pt, linux70.IoctlMshvIoeventfd, unsafe.Pointer(&linux70.MshvUserIoeventfd{Addr: 0xd000, Len: 3, Fd: 0}), syscall.EINVAL},
		{"ioeventfd: a deassign that matches nothing", "mshv_deassign_ioeventfd", r.pt, linux70.IoctlMshvIoeventfd, unsafe.Pointer(&linux70.MshvUserIoeventfd{Addr: 0xd000, Fd: 0, Flags: 1 << linux70.MshvIoeventfdBitDeassign}), syscall.ENOENT},

		// requests a file does not take
		{"MSHV_RUN_VP on a partition fd", ":1615", r.pt, linux70.IoctlMshvRunVP, unsafe.Pointer(new(mshv.Message)), syscall.ENOTTY},
		{"MSHV_CREATE_VP on a VP fd", ":863", r.vpFd, linux70.IoctlMshvCreateVP, unsafe.Pointer(&linux70.MshvCreateVP{VPIndex: 1}), syscall.ENOTTY},
		{"MSHV_CREATE_VP on /dev/mshv", ":2052", r.sys, linux70.IoctlMshvCreateVP, unsafe.Pointer(&linux70.MshvCreateVP{VPIndex: 1}), syscall.ENOTTY},
	}
	for _, c := range cases {
		if _, got := r.dev.Ioctl(c.fd, c.req, c.arg); got != c.want {
			t.Errorf("%s (%s): errno %v, want %v", c.name, c.cite, got, c.want)
		}
	}
}

// TestStateSizeWrittenBack: a buffer short of the state is refused with
// EINVAL after the state's size is written back (:817-821).
func TestStateSizeWrittenBack(t *testing.T) {
	r := newRig(t)
	buf := page()
	a := linux70.MshvGetSetVPState{Type: linux70.MshvVPStateLapic, BufSz: uint32(os.Getpagesize()), BufPtr: uint64(uintptr(unsafe.Pointer(&buf[0])))}
	if _, e := r.dev.Ioctl(r.vpFd, linux70.IoctlMshvGetVPState, unsafe.Pointer(&a)); e != 0 || a.BufSz != hvcall.PageSize {
		t.Fatalf("LAPIC state: %v, size %d", e, a.BufSz)
	}
	buf[0] = 0x5a
	a.BufSz = uint32(os.Getpagesize())
	r.must(r.vpFd, linux70.IoctlMshvSetVPState, unsafe.Pointer(&a))
	buf[0] = 0
	a.BufSz = uint32(os.Getpagesize())
	r.must(r.vpFd, linux70.IoctlMshvGetVPState, unsafe.Pointer(&a))
	if buf[0] != 0x5a {
		t.Errorf("the LAPIC state set did not come back: %#x", buf[0])
	}
	// XSAVE's size is the partition's property: make it two pages.
	c := linux70.NewClient(r.d.root.Backend())
	if err := c.SetPartitionProperty(&linux70.SetPartitionPropertyInput{PartitionID: r.d.lookup(r.pt).p.id,
		PropertyCode: uint32(linux70.PartitionPropertyMaxXsaveDataSize), PropertyValue: 2 * hvcall.PageSize}); err != nil {
		t.Fatal(err)
	}
	a = linux70.MshvGetSetVPState{Type: linux70.MshvVPStateXsave, BufSz: hvcall.PageSize, BufPtr: uint64(uintptr(unsafe.Pointer(&buf[0])))}
	if os.Getpagesize() > hvcall.PageSize {
		a.BufSz = uint32(os.Getpagesize()) // a page of this machine holds the state: no refusal to see
	}
	_, e := r.dev.Ioctl(r.vpFd, linux70.IoctlMshvGetVPState, unsafe.Pointer(&a))
	if a.BufSz != 2*hvcall.PageSize || os.Getpagesize() == hvcall.PageSize && e != syscall.EINVAL {
		t.Errorf("XSAVE state of two pages into one: %v, size %d written back; want EINVAL and %d", e, a.BufSz, 2*hvcall.PageSize)
	}
}

// TestClosedDescriptors: a request on a closed descriptor is EBADF (the
// kernel's file table); a VP fd keeps its partition (mshv_vp_release :940
// drops the reference the VP took at :1079), so a VP runs after its
// partition's fd is closed, and the partition is torn down with the last
// fd (destroy_partition :1724: finalize, withdraw, delete).
func TestClosedDescriptors(t *testing.T) {
	r := newRig(t)
	var calls []linux70.CallCode
	r.d.Trace(func(c linux70.CallCode) { calls = append(calls, c) })
	v := r.d.lookup(r.vpFd).v
	v.run.load(Guest{Ops: []Op{{Kind: HLT}}})
	id := r.d.lookup(r.pt).p.id
	if err := r.dev.Close(r.pt); err != nil {
		t.Fatal(err)
	}
	if _, e := r.dev.Ioctl(r.pt, linux70.IoctlMshvCreateVP, unsafe.Pointer(&linux70.MshvCreateVP{VPIndex: 1})); e != syscall.EBADF {
		t.Errorf("MSHV_CREATE_VP on a closed partition fd: %v, want EBADF", e)
	}
	var m mshv.Message
	if _, e := r.dev.Ioctl(r.vpFd, linux70.IoctlMshvRunVP, unsafe.Pointer(&m)); e != 0 || m.Kind() != mshv.KindHalt {
		t.Errorf("run with the partition fd closed: %v, %v; want the halt", e, &m)
	}
	if r.d.h.Partition(id) == nil {
		t.Fatal("the partition went while a VP fd was open")
	}
	if err := r.dev.Close(r.vpFd); err != nil {
		t.Fatal(err)
	}
	if _, e := r.dev.Ioctl(r.vpFd, linux70.IoctlMshvRunVP, unsafe.Pointer(&m)); e != syscall.EBADF {
		t.Errorf("MSHV_RUN_VP on a closed VP fd: %v, want EBADF", e)
	}
	if r.d.h.Partition(id) != nil {
		t.Error("the partition outlived its last fd")
	}
	want := []linux70.CallCode{linux70.CallSetVPRegisters, linux70.CallFinalizePartition, linux70.CallWithdrawMemory, linux70.CallDeletePartition}
	if len(calls) != len(want) {
		t.Fatalf("calls %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("call %d: %v, want %v", i, calls[i], want[i])
		}
	}
	if err := r.dev.Close(r.vpFd); err != syscall.EBADF {
		t.Errorf("closing twice: %v, want EBADF", err)
	}
}

// TestMmap: the VP's register and intercept message pages map at their
// offsets; the GHCB page is absent (ENODEV, :927-929), another offset
// EINVAL (:932), and a partition fd has no mmap.
func TestMmap(t *testing.T) {
	r := newRig(t)
	ps := int64(os.Getpagesize())
	for _, c := range []struct {
		fd   int
		off  int64
		want error
	}{
		{r.vpFd, linux70.MshvVPMmapOffsetRegisters * ps, nil},
		{r.vpFd, linux70.MshvVPMmapOffsetInterceptMessage * ps, nil},
		{r.vpFd, linux70.MshvVPMmapOffsetGhcb * ps, syscall.ENODEV},
		{r.vpFd, linux70.MshvVPMmapOffsetCount * ps, syscall.EINVAL},
		{r.pt, 0, syscall.ENODEV},
	} {
		b, err := r.dev.Mmap(c.fd, c.off, hvcall.PageSize)
		if err != c.want || err == nil && len(b) != hvcall.PageSize {
			t.Errorf("mmap fd %d offset %d: %d bytes, %v; want %v", c.fd, c.off, len(b), err, c.want)
		}
	}
}

// TestHypervisorStatus: a pass-through call the hypervisor fails comes back
// with the hypervisor's status in the argument (:261-262) and the errno
// hv_result_to_errno gives it (drivers/hv/hv_common.c, hv_status_infos):
// EIO for HV_STATUS_UNKNOWN_PROPERTY.
func TestHypervisorStatus(t *testing.T) {
	r := newRig(t)
	a := hvcallArg(linux70.CallGetPartitionProperty, true) // property code 0: no property
	if _, e := r.dev.Ioctl(r.pt, linux70.IoctlMshvRootHvcall, unsafe.Pointer(a)); e != syscall.EIO {
		t.Errorf("HVCALL_GET_PARTITION_PROPERTY of property 0: errno %v, want EIO", e)
	}
	if st := linux70.Status(a.Status); st != linux70.StatusUnknownProperty {
		t.Errorf("status written back %v, want %v", st, linux70.StatusUnknownProperty)
	}
}

// TestEventfdState: the irqfd, ioeventfd and MSI routing state the driver
// keeps (drivers/hv/mshv_eventfd.c @ db5302ae571b, mshv_irq.c): an eventfd
// assigned twice is EBUSY until it is deassigned; a resample eventfd needs
// a level-triggered route for its GSI, which a new routing table replaces;
// an ioeventfd assigned twice at one address collides (EEXIST), and a range
// that wraps is EINVAL.
func TestEventfdState(t *testing.T) {
	r := newRig(t)
	ioctl := func(req uint32, arg unsafe.Pointer) syscall.Errno {
		_, e := r.dev.Ioctl(r.pt, req, arg)
		return e
	}
	routes := func(entries ...linux70.MshvUserIrqEntry) unsafe.Pointer {
		words := make([]uint64, 1+2*len(entries))
		*(*linux70.MshvUserIrqTable)(unsafe.Pointer(&words[0])) = linux70.MshvUserIrqTable{Nr: uint32(len(entries))}
		for i, e := range entries {
			*(*linux70.MshvUserIrqEntry)(unsafe.Pointer(&words[1+2*i])) = e
		}
		return unsafe.Pointer(&words[0])
	}
	irqfd := func(fd, resample int32, gsi uint32, flags uint32) unsafe.Pointer {
		return unsafe.Pointer(&linux70.MshvUserIrqfd{Fd: fd, Resamplefd: resample, Gsi: gsi, Flags: flags})
	}
	ioeventfd := func(addr uint64, flags uint32) unsafe.Pointer {
		return unsafe.Pointer(&linux70.MshvUserIoeventfd{Addr: addr, Len: 4, Fd: 5, Flags: flags})
	}
	const (
		resample = 1 << linux70.MshvIrqfdBitResample
		deassign = 1 << linux70.MshvIrqfdBitDeassign
		level    = 1 << 15 // the MSI data's trigger mode
	)
	for _, c := range []struct {
		name string
		req  uint32
		arg  unsafe.Pointer
		want syscall.Errno
	}{
		{"a level-triggered route for GSI 5", linux70.IoctlMshvSetMSIRouting, routes(linux70.MshvUserIrqEntry{Gsi: 5, Data: level}), 0},
		{"irqfd 3 on GSI 4", linux70.IoctlMshvIrqfd, irqfd(3, 0, 4, 0), 0},
		{"irqfd 3 again", linux70.IoctlMshvIrqfd, irqfd(3, 0, 6, 0), syscall.EBUSY},
		{"irqfd 3 deassigned", linux70.IoctlMshvIrqfd, irqfd(3, 0, 4, deassign), 0},
		{"irqfd 3 after its deassign", linux70.IoctlMshvIrqfd, irqfd(3, 0, 6, 0), 0},
		{"irqfd -1", linux70.IoctlMshvIrqfd, irqfd(-1, 0, 4, 0), syscall.EBADF},
		{"resample fd -1", linux70.IoctlMshvIrqfd, irqfd(7, -1, 5, resample), syscall.EBADF},
		{"resample on the level-triggered GSI 5", linux70.IoctlMshvIrqfd, irqfd(7, 8, 5, resample), 0},
		{"a table without GSI 5", linux70.IoctlMshvSetMSIRouting, routes(), 0},
		{"resample on GSI 5, routed no more", linux70.IoctlMshvIrqfd, irqfd(9, 8, 5, resample), syscall.EINVAL},
		{"ioeventfd at 0xd000", linux70.IoctlMshvIoeventfd, ioeventfd(0xd000, 0), 0},
		{"ioeventfd at 0xd000 again", linux70.IoctlMshvIoeventfd, ioeventfd(0xd000, 0), syscall.EEXIST},
		{"ioeventfd at 0xd000 deassigned", linux70.IoctlMshvIoeventfd, ioeventfd(0xd000, 1<<linux70.MshvIoeventfdBitDeassign), 0},
		{"ioeventfd at 0xd000 after its deassign", linux70.IoctlMshvIoeventfd, ioeventfd(0xd000, 0), 0},
		{"ioeventfd whose range wraps", linux70.IoctlMshvIoeventfd, ioeventfd(^uint64(0)-1, 0), syscall.EINVAL},
	} {
		if got := ioctl(c.req, c.arg); got != c.want {
			t.Errorf("%s: errno %v, want %v", c.name, got, c.want)
		}
	}
}
