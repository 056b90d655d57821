package mshv

import (
	"os"
	"syscall"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/internal/mshvioctl"
	"github.com/hvgen/hvgen/runtime/abi"
)

// HVPageSize is the hypervisor's page size (MSHV_HV_PAGE_SIZE): guest page
// numbers count pages of this size.
const HVPageSize = linux70.MshvHvPageSize

// pageSize is the host's page size, which the driver aligns guest memory
// and state buffers to (its PAGE_ALIGNED checks).
var pageSize = os.Getpagesize()

// MemoryFlags are the access rights of mapped guest memory
// (MSHV_SET_MEM_BIT_*); it is always readable.
type MemoryFlags uint8

// The flags.
const (
	Writable   MemoryFlags = 1 << linux70.MshvSetMemBitWritable
	Executable MemoryFlags = 1 << linux70.MshvSetMemBitExecutable
)

// region is guest memory the partition mapped.
type region struct {
	gfn, pages uint64 // guest page number and count, in HVPageSize pages
	addr, size uintptr
	mem        []byte // held so that memory from the Go heap stays alive while mapped
}

// MapMemory maps mem, host memory of this process, into the guest at guest
// page number guestPFN (MSHV_SET_GUEST_MEMORY). mem must start on a page
// boundary and its length be a non-zero multiple of the page size: memory
// from NewMemory is. The partition holds on to mem until it is unmapped or
// the partition is closed; the guest sees writes to it and the VMM sees
// the guest's.
//
// The runtime refuses, before the ioctl and with the errno the driver
// would answer: empty, unaligned or odd-sized memory and unknown flags
// (EINVAL; drivers/hv/mshv_root_main.c:1399-1404 @ d4eb7b2da66c), a guest
// range that overlaps a mapped one (EEXIST; :1179-1186), and a guest range
// whose end overflows (EINVAL). It also refuses, with
// EINVAL, host memory that overlaps a mapped region's, which the header
// forbids (include/uapi/linux/mshv.h:92 @ 3ab7ae8e07f8) but the driver does
// not check.
func (p *Partition) MapMemory(guestPFN uint64, mem []byte, flags MemoryFlags) error {
	if err := p.h.check(reqSetGuestMemory.name); err != nil {
		return err
	}
	r, err := checkRegion(guestPFN, mem)
	if err != nil {
		return err
	}
	if flags&^(Writable|Executable) != 0 {
		return refuse(reqSetGuestMemory.name, abi.FdPartition, syscall.EINVAL, "unknown flags %#x", uint8(flags))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, o := range p.regions {
		if r.gfn < o.gfn+o.pages && o.gfn < r.gfn+r.pages {
			return refuse(reqSetGuestMemory.name, abi.FdPartition, syscall.EEXIST,
				"guest pages %#x-%#x overlap the mapped %#x-%#x", r.gfn, r.gfn+r.pages-1, o.gfn, o.gfn+o.pages-1)
		}
		if r.addr < o.addr+o.size && o.addr < r.addr+r.size {
			return refuse(reqSetGuestMemory.name, abi.FdPartition, syscall.EINVAL,
				"host memory %#x+%#x overlaps memory mapped at guest page %#x", r.addr, r.size, o.gfn)
		}
	}
	arg := linux70.MshvUserMemRegion{Size: uint64(r.size), GuestPfn: guestPFN, UserspaceAddr: uint64(r.addr), Flags: uint8(flags)}
	if _, err := p.h.ioctl(&reqSetGuestMemory, unsafe.Pointer(&arg)); err != nil {
		return err
	}
	p.regions = append(p.regions, r)
	return nil
}

// UnmapMemory unmaps memory MapMemory mapped (MSHV_SET_GUEST_MEMORY with
// MSHV_SET_MEM_BIT_UNMAP): guestPFN and mem must be the mapping's. The
// runtime refuses, before the ioctl, a guest page no mapping holds
// (ENOENT) and a mapping that differs (EINVAL), as the driver would
// (drivers/hv/mshv_root_main.c:1367-1378 @ d4eb7b2da66c).
func (p *Partition) UnmapMemory(guestPFN uint64, mem []byte) error {
	if err := p.h.check(reqSetGuestMemory.name); err != nil {
		return err
	}
	r, err := checkRegion(guestPFN, mem)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	i := -1
	for j, o := range p.regions {
		if guestPFN >= o.gfn && guestPFN < o.gfn+o.pages {
			i = j
		}
	}
	if i < 0 {
		return refuse(reqSetGuestMemory.name, abi.FdPartition, syscall.ENOENT, "no memory is mapped at guest page %#x", guestPFN)
	}
	if o := p.regions[i]; o.gfn != r.gfn || o.pages != r.pages || o.addr != r.addr {
		return refuse(reqSetGuestMemory.name, abi.FdPartition, syscall.EINVAL,
			"guest page %#x is in the mapping of %d pages at %#x from host %#x, not %d pages from host %#x", guestPFN, o.pages, o.gfn, o.addr, r.pages, r.addr)
	}
	arg := linux70.MshvUserMemRegion{Size: uint64(r.size), GuestPfn: guestPFN, UserspaceAddr: uint64(r.addr),
		Flags: 1 << linux70.MshvSetMemBitUnmap}
	if _, err := p.h.ioctl(&reqSetGuestMemory, unsafe.Pointer(&arg)); err != nil {
		return err
	}
	p.regions = append(p.regions[:i], p.regions[i+1:]...)
	return nil
}

// checkRegion refuses what the driver's MSHV_SET_GUEST_MEMORY argument
// checks refuse (drivers/hv/mshv_root_main.c:1399-1404 @ d4eb7b2da66c): no
// memory, memory or a size not page-aligned.
func checkRegion(guestPFN uint64, mem []byte) (region, error) {
	einval := func(format string, args ...any) (region, error) {
		return region{}, refuse(reqSetGuestMemory.name, abi.FdPartition, syscall.EINVAL, format, args...)
	}
	if len(mem) == 0 {
		return einval("no memory")
	}
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(mem)))
	switch {
	case addr%uintptr(pageSize) != 0:
		return einval("host memory at %#x is not page-aligned (%d-byte pages): allocate it with NewMemory", addr, pageSize)
	case len(mem)%pageSize != 0 || len(mem)%HVPageSize != 0:
		return einval("%d bytes of memory: not a multiple of the page size, %d", len(mem), max(pageSize, HVPageSize))
	}
	pages := uint64(len(mem)) / HVPageSize
	if guestPFN+pages < guestPFN {
		return einval("guest pages %#x+%#x run past the end of the address space", guestPFN, pages)
	}
	return region{gfn: guestPFN, pages: pages, addr: addr, size: uintptr(len(mem)), mem: mem}, nil
}

// NewMemory allocates size bytes of page-aligned memory for MapMemory,
// rounded up to whole pages: anonymous shared memory from mmap on Linux
// (as the driver expects of guest RAM), aligned memory from the Go heap
// elsewhere. Give it back with FreeMemory once it is unmapped.
func NewMemory(size int) ([]byte, error) {
	if size <= 0 {
		return nil, syscall.EINVAL
	}
	n := (size + pageSize - 1) / pageSize * pageSize
	return allocMemory(n)
}

// FreeMemory gives back memory from NewMemory. It must be unmapped from
// every partition first.
func FreeMemory(mem []byte) error { return freeMemory(mem) }

// alignedHeap returns n bytes of the Go heap starting on a page boundary.
func alignedHeap(n int) []byte { return mshvioctl.Aligned(n, pageSize) }
