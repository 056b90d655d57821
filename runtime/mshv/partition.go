package mshv

import (
	"errors"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/internal/mshvioctl"
	"github.com/hvgen/hvgen/runtime/abi"
)

// Limits of the driver (drivers/hv/mshv_root.h @ bbfd55947560).
const (
	MaxVPs       = 256  // MSHV_MAX_VPS (:29): VP indexes are below it
	MaxGuestIRQs = 4096 // MSHV_MAX_GUEST_IRQS (:155): MSI routing entries and GSIs are below it
)

// Partition is a guest partition's file descriptor (rust-vmm's VmFd). Its
// methods may be called from any goroutine; the driver serializes them.
type Partition struct {
	h *handle

	mu      sync.Mutex
	regions []region            // mapped guest memory, to refuse overlaps before the driver does
	vps     []*VP               // open VPs, closed with the partition
	created [MaxVPs / 64]uint64 // VP indexes ever created: the driver keeps them until the partition goes
	client  *linux70.Client     // property calls through the partition's pass-through
}

func newPartition(dev mshvioctl.Device, fd int) *Partition {
	return &Partition{h: newHandle(dev, fd, abi.FdPartition)}
}

// Initialize initializes the partition in the hypervisor
// (MSHV_INITIALIZE_PARTITION); a second call does nothing. Early
// properties must be set before.
func (p *Partition) Initialize() error {
	_, err := p.h.ioctl(&reqInitialize, nil)
	return err
}

// Close closes the partition's VPs and then the partition. The driver
// tears the partition down when its last file descriptor closes. Closing
// twice is an error wrapping ErrClosed.
func (p *Partition) Close() error {
	p.mu.Lock()
	vps := p.vps
	p.vps, p.regions = nil, nil // the driver unmaps the memory with the partition
	p.mu.Unlock()
	var first error
	for _, v := range vps {
		if err := v.Close(); err != nil && !errors.Is(err, ErrClosed) && first == nil {
			first = err
		}
	}
	if err := p.h.close("close"); err != nil && first == nil {
		first = err
	}
	return first
}

// SetProperty sets a partition property (HVCALL_SET_PARTITION_PROPERTY
// through the partition's pass-through, which the driver completes
// asynchronously).
func (p *Partition) SetProperty(code linux70.PartitionPropertyCode, value uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.clientLocked().SetPartitionProperty(&linux70.SetPartitionPropertyInput{PropertyCode: uint32(code), PropertyValue: value})
}

// GetProperty reads a partition property (HVCALL_GET_PARTITION_PROPERTY).
func (p *Partition) GetProperty(code linux70.PartitionPropertyCode) (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out linux70.GetPartitionPropertyOutput
	err := p.clientLocked().GetPartitionProperty(&linux70.GetPartitionPropertyInput{PropertyCode: uint32(code)}, &out)
	return out.PropertyValue, err
}

func (p *Partition) clientLocked() *linux70.Client {
	if p.client == nil {
		p.client = linux70.NewClient(p.Hypercalls())
	}
	return p.client
}

// CreateVP creates VP index (MSHV_CREATE_VP). The driver refuses an index
// of MaxVPs or more with EINVAL and one it created before, even one whose
// VP was closed, with EEXIST (drivers/hv/mshv_root_main.c:1036-1040 @
// d4eb7b2da66c); the runtime refuses both before the ioctl.
func (p *Partition) CreateVP(index uint32) (*VP, error) {
	if err := p.h.check(reqCreateVP.name); err != nil {
		return nil, err
	}
	if index >= MaxVPs {
		return nil, refuse(reqCreateVP.name, abi.FdPartition, syscall.EINVAL, "VP index %d: the driver has room for %d VPs", index, MaxVPs)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.created[index/64]&(1<<(index%64)) != 0 {
		return nil, refuse(reqCreateVP.name, abi.FdPartition, syscall.EEXIST, "VP %d exists", index)
	}
	arg := linux70.MshvCreateVP{VPIndex: index}
	fd, err := p.h.ioctl(&reqCreateVP, unsafe.Pointer(&arg))
	if err != nil {
		return nil, err
	}
	p.created[index/64] |= 1 << (index % 64)
	v := &VP{p: p, index: index, h: newHandle(p.h.dev, fd, abi.FdVP)}
	p.vps = append(p.vps, v)
	return v, nil
}

// forget drops a closed VP from the partition's list.
func (p *Partition) forget(v *VP) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, w := range p.vps {
		if w == v {
			p.vps = append(p.vps[:i], p.vps[i+1:]...)
			return
		}
	}
}

// IRQFD is an eventfd whose signal raises a guest interrupt (struct
// mshv_user_irqfd): the MSI route of GSI (SetMSIRouting) says which.
type IRQFD struct {
	EventFD int    // the eventfd the VMM (or a device) signals
	GSI     uint32 // the guest interrupt, below MaxGuestIRQs
	// Resample, with ResampleFD, makes a level-triggered interrupt: the
	// driver signals ResampleFD when the guest acknowledges it.
	Resample   bool
	ResampleFD int
}

// RegisterIRQFD assigns x (MSHV_IRQFD).
func (p *Partition) RegisterIRQFD(x IRQFD) error { return p.irqfd(x, false) }

// UnregisterIRQFD deassigns the eventfd and GSI of x (MSHV_IRQFD with
// MSHV_IRQFD_BIT_DEASSIGN).
func (p *Partition) UnregisterIRQFD(x IRQFD) error { return p.irqfd(x, true) }

func (p *Partition) irqfd(x IRQFD, deassign bool) error {
	arg := linux70.MshvUserIrqfd{Fd: int32(x.EventFD), Gsi: x.GSI}
	if x.Resample {
		arg.Resamplefd = int32(x.ResampleFD)
		arg.Flags |= 1 << linux70.MshvIrqfdBitResample
	}
	if deassign {
		arg.Flags |= 1 << linux70.MshvIrqfdBitDeassign
	}
	_, err := p.h.ioctl(&reqIrqfd, unsafe.Pointer(&arg))
	return err
}

// IOEventFD is an eventfd the driver signals when the guest writes to an
// address (struct mshv_user_ioeventfd).
type IOEventFD struct {
	EventFD int
	Addr    uint64 // a guest physical address, or with PIO a port
	Len     uint32 // the write's width: 1, 2, 4 or 8; 0 matches any
	// PIO makes Addr an I/O port (MSHV_IOEVENTFD_BIT_PIO). The driver at
	// d4eb7b2da66c answers EOPNOTSUPP (drivers/hv/mshv_eventfd.c,
	// mshv_set_unset_ioeventfd @ 0289a67cd70b).
	PIO bool
	// Match signals only writes of the value Data
	// (MSHV_IOEVENTFD_BIT_DATAMATCH); without it, any value.
	Match bool
	Data  uint64
}

// RegisterIOEventFD assigns x (MSHV_IOEVENTFD).
func (p *Partition) RegisterIOEventFD(x IOEventFD) error { return p.ioeventfd(x, false) }

// UnregisterIOEventFD deassigns x (MSHV_IOEVENTFD with
// MSHV_IOEVENTFD_BIT_DEASSIGN): the fields must match the assignment's.
func (p *Partition) UnregisterIOEventFD(x IOEventFD) error { return p.ioeventfd(x, true) }

func (p *Partition) ioeventfd(x IOEventFD, deassign bool) error {
	arg := linux70.MshvUserIoeventfd{Addr: x.Addr, Len: x.Len, Fd: int32(x.EventFD)}
	if x.Match {
		arg.Flags |= 1 << linux70.MshvIoeventfdBitDatamatch
		arg.Datamatch = x.Data
	}
	if x.PIO {
		arg.Flags |= 1 << linux70.MshvIoeventfdBitPio
	}
	if deassign {
		arg.Flags |= 1 << linux70.MshvIoeventfdBitDeassign
	}
	_, err := p.h.ioctl(&reqIoeventfd, unsafe.Pointer(&arg))
	return err
}

// SetMSIRouting replaces the partition's MSI routing table
// (MSHV_SET_MSI_ROUTING): each entry routes a GSI to the MSI address and
// data it holds. An empty table removes every route. The driver refuses
// more than MaxGuestIRQs entries with EINVAL
// (drivers/hv/mshv_root_main.c:1531 @ d4eb7b2da66c); so does the runtime,
// before the ioctl.
func (p *Partition) SetMSIRouting(entries []linux70.MshvUserIrqEntry) error {
	if err := p.h.check(reqSetMSIRouting.name); err != nil {
		return err
	}
	if len(entries) > MaxGuestIRQs {
		return refuse(reqSetMSIRouting.name, abi.FdPartition, syscall.EINVAL, "%d routing entries: the driver takes at most %d", len(entries), MaxGuestIRQs)
	}
	// struct mshv_user_irq_table: the count, a reserved word, then the
	// entries; built in 8-byte words so that a Go driver may view it.
	const hdr = unsafe.Sizeof(linux70.MshvUserIrqTable{})
	const ent = unsafe.Sizeof(linux70.MshvUserIrqEntry{})
	words := make([]uint64, (hdr+uintptr(len(entries))*ent+7)/8)
	tab := (*linux70.MshvUserIrqTable)(unsafe.Pointer(&words[0]))
	tab.Nr = uint32(len(entries))
	if len(entries) > 0 {
		copy(unsafe.Slice((*linux70.MshvUserIrqEntry)(unsafe.Add(unsafe.Pointer(&words[0]), hdr)), len(entries)), entries)
	}
	_, err := p.h.ioctl(&reqSetMSIRouting, unsafe.Pointer(&words[0]))
	return err
}

// AccessType says which bit MSHV_GET_GPAP_ACCESS_BITMAP reports per page.
type AccessType uint8

// The access types (MSHV_GPAP_ACCESS_TYPE_*).
const (
	Accessed AccessType = linux70.MshvGpapAccessTypeAccessed
	Dirty    AccessType = linux70.MshvGpapAccessTypeDirty
)

// AccessOp is what MSHV_GET_GPAP_ACCESS_BITMAP does to the bits after
// reading them.
type AccessOp uint8

// The operations (MSHV_GPAP_ACCESS_OP_*).
const (
	AccessNoop  AccessOp = linux70.MshvGpapAccessOpNoop
	AccessClear AccessOp = linux70.MshvGpapAccessOpClear
	AccessSet   AccessOp = linux70.MshvGpapAccessOpSet
)

// GPAAccessBitmap reads the accessed or dirty bit of count guest pages
// from page basePFN into bitmap, one bit per page from bit 0 of byte 0,
// then clears or sets them (MSHV_GET_GPAP_ACCESS_BITMAP). bitmap holds at
// least (count+7)/8 bytes. The driver refuses a zero count and out-of-range
// types and operations with EINVAL (drivers/hv/mshv_root_main.c:1451-1455
// @ d4eb7b2da66c); so does the runtime, and a bitmap too short for count,
// which the driver cannot see, before the ioctl.
func (p *Partition) GPAAccessBitmap(typ AccessType, op AccessOp, basePFN, count uint64, bitmap []byte) error {
	if err := p.h.check(reqGPAAccessBitmap.name); err != nil {
		return err
	}
	switch {
	case count == 0:
		return refuse(reqGPAAccessBitmap.name, abi.FdPartition, syscall.EINVAL, "no pages")
	case typ >= linux70.MshvGpapAccessTypeCount || op >= linux70.MshvGpapAccessOpCount:
		return refuse(reqGPAAccessBitmap.name, abi.FdPartition, syscall.EINVAL, "access type %d, operation %d", typ, op)
	case uint64(len(bitmap)) < (count+7)/8:
		return refuse(reqGPAAccessBitmap.name, abi.FdPartition, syscall.EINVAL, "a bitmap of %d bytes for %d pages", len(bitmap), count)
	}
	arg := linux70.MshvGpapAccessBitmap{AccessType: uint8(typ), AccessOp: uint8(op), PageCount: count, GpapBase: basePFN,
		BitmapPtr: uint64(uintptr(unsafe.Pointer(&bitmap[0])))}
	_, err := p.h.ioctl(&reqGPAAccessBitmap, unsafe.Pointer(&arg))
	runtime.KeepAlive(bitmap)
	return err
}
