//go:build amd64

package mshvsim

import (
	"sync"
	"syscall"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/internal/mshvioctl"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
	"github.com/hvgen/hvgen/runtime/mshv"
	"github.com/hvgen/hvgen/runtime/sim/linux70sim"
)

// The citations below are lines of drivers/hv/mshv_root_main.c @
// d4eb7b2da66c unless they name another file.

// partition is the driver's struct mshv_partition.
type partition struct {
	d   *Driver
	id  uint64 // pt_id
	sim *linux70sim.Partition

	mu          sync.Mutex // pt_mutex: the partition's ioctls, one at a time
	c           *linux70.Client
	hc          hvPages // the pass-through's pages
	initialized bool
	vps         [mshv.MaxVPs]*vp
	irqfds      []linux70.MshvUserIrqfd
	ioeventfds  []linux70.MshvUserIoeventfd
	routes      []linux70.MshvUserIrqEntry
	access      map[uint64]uint8 // GPA page -> hv_gpa_page_access_state bits (accessed 1, dirty 2)

	refMu sync.Mutex
	refs  int // pt_ref_count: the partition fd and each VP fd

	regionMu sync.RWMutex // pt_mem_regions_lock
	regions  []*region
}

// region is a struct mshv_mem_region: guest memory the VMM mapped, and the
// root's pages the driver gave the hypervisor for it (the kernel pins the
// user pages and passes their frame numbers; the sim's frames are pages of
// its root's RAM).
type region struct {
	gfn, pages uint64
	uaddr      uint64
	flags      uint8
	mem        []byte
}

// hvPages are the input and output pages of a pass-through call.
type hvPages struct{ in, out *hvcall.Page }

// createPartition is mshv_ioctl_create_partition (:1966-2036).
func (d *Driver) createPartition(arg *linux70.MshvCreatePartition) (int, syscall.Errno) {
	// mshv_ioctl_process_pt_flags :1882-1884: flags beyond the header's and
	// an isolation type past MSHV_PT_ISOLATION_COUNT. The header the
	// registry imported (include/uapi/linux/mshv.h @ 3ab7ae8e07f8) has
	// three flag bits; the driver at d4eb7b2da66c takes three more with a
	// longer argument (mshv_create_partition_v2), which the registry lacks.
	if arg.PtFlags&^(1<<linux70.MshvPtBitCount-1) != 0 || arg.PtIsolation >= linux70.MshvPtIsolationCount {
		return 0, syscall.EINVAL
	}
	// :1940-1952: the driver makes only EXO partitions with an intercept
	// message page, and adds what the flags ask for.
	flags := uint64(linux70.PartitionCreationFlagExoPartition | linux70.PartitionCreationFlagInterceptMessagePageEnabled)
	if arg.PtFlags&(1<<linux70.MshvPtBitLapic) != 0 {
		flags |= linux70.PartitionCreationFlagLapicEnabled
	}
	if arg.PtFlags&(1<<linux70.MshvPtBitX2apic) != 0 {
		flags |= linux70.PartitionCreationFlagX2apicCapable
	}
	if arg.PtFlags&(1<<linux70.MshvPtBitGPASuperPages) != 0 {
		flags |= linux70.PartitionCreationFlagGPASuperPagesEnabled
	}
	d.sysMu.Lock()
	defer d.sysMu.Unlock()
	// :2008 hv_call_create_partition (mshv_root_hv_call.c @ 19c515c27cee):
	// HV_COMPATIBILITY_21_H2, and on HV_STATUS_INSUFFICIENT_MEMORY one page
	// deposited into the root's own pool and the call again.
	in := linux70.CreatePartitionInput{Flags: flags, CompatibilityVersion: linux70.Compatibility21H2}
	var out linux70.CreatePartitionOutput
	if e := d.depositing(d.client, d.root.ID(), linux70.CallCreatePartition, func() error {
		return d.client.CreatePartition(&in, &out)
	}); e != 0 {
		return 0, e
	}
	p := &partition{d: d, id: out.PartitionID, sim: d.h.Partition(out.PartitionID), refs: 1,
		c: linux70.NewClient(d.root.Backend()), access: map[uint64]uint8{}}
	p.hc.in, p.hc.out = hvcall.NewPagePair()
	return d.newFile(&file{kind: abi.FdPartition, p: p}), 0
}

// ioctl is mshv_partition_ioctl (:1579-1620), under pt_mutex.
func (p *partition) ioctl(req uint32, arg unsafe.Pointer) (int, syscall.Errno) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch req {
	case linux70.IoctlMshvInitializePartition:
		return 0, p.initialize()
	case linux70.IoctlMshvSetGuestMemory:
		return 0, p.setMemory((*linux70.MshvUserMemRegion)(arg))
	case linux70.IoctlMshvCreateVP:
		return p.createVP((*linux70.MshvCreateVP)(arg))
	case linux70.IoctlMshvIrqfd:
		return 0, p.irqfd((*linux70.MshvUserIrqfd)(arg))
	case linux70.IoctlMshvIoeventfd:
		return 0, p.ioeventfd((*linux70.MshvUserIoeventfd)(arg))
	case linux70.IoctlMshvSetMSIRouting:
		return 0, p.setMSIRouting((*linux70.MshvUserIrqTable)(arg))
	case linux70.IoctlMshvGetGpapAccessBitmap:
		return 0, p.accessBitmap((*linux70.MshvGpapAccessBitmap)(arg))
	case linux70.IoctlMshvRootHvcall:
		return 0, p.d.passthrough(p, &p.hc, p.c, abi.FdPartition, (*linux70.MshvRootHvcall)(arg))
	}
	return 0, syscall.ENOTTY // :1615
}

// initialize is mshv_partition_ioctl_initialize (:1551-1576): nothing when
// initialized; else hv_call_initialize_partition, which deposits
// HV_INIT_PARTITION_DEPOSIT_PAGES (208) first and one page at a time while
// the call finds the pool short (mshv_root_hv_call.c @ 19c515c27cee); on
// failure every page deposited is withdrawn (:1573).
//
// The kernel issues HVCALL_INITIALIZE_PARTITION as a fast call
// (hv_do_fast_hypercall8); the registry marks it not fast, as the TLFS
// documents it, so the simulated driver passes the same 8-byte input in
// memory.
func (p *partition) initialize() syscall.Errno {
	if p.initialized { // :1556
		return 0
	}
	const initDeposit = 208
	if e := p.d.deposit(p.c, p.id, initDeposit); e != 0 {
		return e
	}
	if e := p.d.depositing(p.c, p.id, linux70.CallInitializePartition, func() error {
		return p.c.InitializePartition(&linux70.InitializePartitionInput{PartitionID: p.id})
	}); e != 0 {
		p.d.withdrawAll(p.c, p.id) // :1573
		return e
	}
	p.initialized = true
	return 0
}

// setMemory is mshv_partition_ioctl_set_memory (:1391-1410).
func (p *partition) setMemory(m *linux70.MshvUserMemRegion) syscall.Errno {
	pageSize := uint64(pageSize())
	switch {
	// :1399-1404: no size, a size or address off a page boundary, flags
	// beyond MSHV_SET_MEM_FLAGS_MASK, reserved bytes set.
	case m.Size == 0, m.Size%pageSize != 0, m.UserspaceAddr%pageSize != 0,
		m.Flags&^(1<<linux70.MshvSetMemBitCount-1) != 0, m.Rsvd != [7]uint8{}:
		return syscall.EINVAL
	case m.Flags&(1<<linux70.MshvSetMemBitUnmap) != 0:
		return p.unmapMemory(m) // :1406-1407
	}
	return p.mapMemory(m)
}

// mapMemory is mshv_map_user_memory (:1291-1353) for a pinned region (the
// simulated driver's regions are all pinned: mshv_prepare_pinned_region,
// :1223): reject an overlapping region (EEXIST,
// mshv_partition_create_region :1179-1186), then map its pages with
// HVCALL_MAP_GPA_PAGES, readable and adjustable, writable and executable
// as the flags say (mshv_region_create, drivers/hv/mshv_regions.c), in
// batches of what a page of input holds, depositing
// HV_MAP_GPA_DEPOSIT_PAGES (256) when the call finds the pool short and
// unmapping what was mapped when it fails (hv_do_map_gpa_hcall,
// mshv_root_hv_call.c @ 19c515c27cee).
func (p *partition) mapMemory(m *linux70.MshvUserMemRegion) syscall.Errno {
	pages := m.Size / mshv.HVPageSize
	if m.GuestPfn+pages < m.GuestPfn {
		return syscall.EINVAL // the user range check of :1300-1302 covers no wrap of the guest range; the hypervisor refuses it
	}
	p.regionMu.RLock()
	for _, r := range p.regions {
		if !(m.GuestPfn+pages <= r.gfn || r.gfn+r.pages <= m.GuestPfn) {
			p.regionMu.RUnlock()
			return syscall.EEXIST
		}
	}
	p.regionMu.RUnlock()
	flags := uint32(linux70.MapGPAReadable | linux70.MapGPAAdjustable)
	if m.Flags&(1<<linux70.MshvSetMemBitWritable) != 0 {
		flags |= linux70.MapGPAWritable
	}
	if m.Flags&(1<<linux70.MshvSetMemBitExecutable) != 0 {
		flags |= linux70.MapGPAExecutable
	}
	frames := p.d.root.GiveRAM(int(pages))
	const batch = (hvcall.PageSize - int(unsafe.Sizeof(linux70.MapGPAPagesInput{}))) / 8 // HV_MAP_GPA_BATCH_SIZE
	done := 0
	for done < len(frames) {
		k := min(len(frames)-done, batch)
		p.d.traced(linux70.CallMapGPAPages)
		n, err := p.c.MapGPAPages(&linux70.MapGPAPagesInput{TargetPartitionID: p.id, TargetGPABase: m.GuestPfn + uint64(done), MapFlags: flags}, frames[done:done+k])
		done += n
		st := statusOf(err)
		if st == linux70.StatusSuccess {
			continue
		}
		e := errno(st)
		if st == linux70.StatusInsufficientMemory {
			const mapDeposit = 256 // HV_MAP_GPA_DEPOSIT_PAGES
			if e = p.d.deposit(p.c, p.id, mapDeposit); e == 0 {
				continue
			}
		}
		if done > 0 {
			p.unmapGPA(m.GuestPfn, uint64(done))
		}
		return e
	}
	r := &region{gfn: m.GuestPfn, pages: pages, uaddr: m.UserspaceAddr, flags: m.Flags,
		mem: mshvioctl.Bytes(m.UserspaceAddr, int(m.Size))}
	p.regionMu.Lock()
	p.regions = append(p.regions, r)
	p.regionMu.Unlock()
	return 0
}

// unmapMemory is mshv_unmap_user_memory (:1357-1388): ENOENT when no
// region holds the guest page (:1367-1370), EINVAL when the region is not
// the one described (:1374-1378); then the region goes and its pages are
// unmapped (HVCALL_UNMAP_GPA_PAGES in batches of HV_UMAP_GPA_PAGES, 512:
// hv_call_unmap_gpa_pages, mshv_root_hv_call.c @ 19c515c27cee).
func (p *partition) unmapMemory(m *linux70.MshvUserMemRegion) syscall.Errno {
	p.regionMu.Lock()
	i := -1
	for j, r := range p.regions {
		if m.GuestPfn >= r.gfn && m.GuestPfn < r.gfn+r.pages {
			i = j
			break
		}
	}
	if i < 0 {
		p.regionMu.Unlock()
		return syscall.ENOENT
	}
	r := p.regions[i]
	if r.uaddr != m.UserspaceAddr || r.gfn != m.GuestPfn || r.pages != m.Size/mshv.HVPageSize {
		p.regionMu.Unlock()
		return syscall.EINVAL
	}
	p.regions = append(p.regions[:i], p.regions[i+1:]...)
	p.regionMu.Unlock()
	p.unmapGPA(r.gfn, r.pages)
	return 0
}

func (p *partition) unmapGPA(gfn, pages uint64) {
	for done := uint64(0); done < pages; {
		k := min(pages-done, 512)
		p.d.traced(linux70.CallUnmapGPAPages)
		n, err := p.c.UnmapGPAPages(&linux70.UnmapGPAPagesInput{TargetPartitionID: p.id, TargetGPABase: gfn + done}, int(k))
		done += uint64(n)
		if err != nil {
			return // the kernel's region release does not report it either
		}
	}
}

// regionAt returns the mapped memory holding guest physical address gpa
// and the offset of gpa in it, or nil.
func (p *partition) regionAt(gpa uint64) ([]byte, uint64) {
	gfn := gpa / mshv.HVPageSize
	p.regionMu.RLock()
	defer p.regionMu.RUnlock()
	for _, r := range p.regions {
		if gfn >= r.gfn && gfn < r.gfn+r.pages {
			return r.mem, gpa - r.gfn*mshv.HVPageSize
		}
	}
	return nil, 0
}

// createVP is mshv_partition_ioctl_create_vp (:1024-1143): EINVAL for an
// index of MSHV_MAX_VPS or more (:1036-1037), EEXIST for one the partition
// has (:1039-1040), then HVCALL_CREATE_VP (:1042; hv_call_create_vp in
// drivers/hv/hv_proc.c deposits a page into the partition and calls again
// while the pool is short), and the VP's intercept message and register
// pages (:1047-1059). The hypervisor maps those with
// HVCALL_MAP_VP_STATE_PAGE, which the sim does not model: the simulated
// driver allocates them itself.
func (p *partition) createVP(arg *linux70.MshvCreateVP) (int, syscall.Errno) {
	if arg.VPIndex >= mshv.MaxVPs {
		return 0, syscall.EINVAL
	}
	if p.vps[arg.VPIndex] != nil {
		return 0, syscall.EEXIST
	}
	if e := p.d.depositing(p.c, p.id, linux70.CallCreateVP, func() error {
		return p.c.CreateVP(&linux70.CreateVP{PartitionID: p.id, VPIndex: arg.VPIndex})
	}); e != 0 {
		return 0, e
	}
	v := newVP(p, arg.VPIndex)
	p.refMu.Lock()
	p.refs++ // :1079 mshv_partition_get: the VP holds the partition
	p.refMu.Unlock()
	p.vps[arg.VPIndex] = v
	return p.d.newFile(&file{kind: abi.FdVP, p: p, v: v}), 0
}

// irqfd is mshv_set_unset_irqfd (drivers/hv/mshv_eventfd.c @
// db5302ae571b): EINVAL for unknown flags; a deassign drops the eventfd's
// assignments to the GSI; an assign refuses an eventfd assigned already
// (EBUSY) and a resample eventfd for a GSI whose route is not level
// triggered (EINVAL). The driver keeps them as state: the simulated driver
// does not watch the eventfds (no interrupt is asserted when one is
// signalled).
func (p *partition) irqfd(a *linux70.MshvUserIrqfd) syscall.Errno {
	if a.Flags&^(1<<linux70.MshvIrqfdBitCount-1) != 0 {
		return syscall.EINVAL
	}
	if a.Fd < 0 {
		return syscall.EBADF // fdget
	}
	if a.Flags&(1<<linux70.MshvIrqfdBitDeassign) != 0 {
		kept := p.irqfds[:0]
		for _, x := range p.irqfds {
			if x.Fd != a.Fd || x.Gsi != a.Gsi {
				kept = append(kept, x)
			}
		}
		p.irqfds = kept
		return 0
	}
	if a.Flags&(1<<linux70.MshvIrqfdBitResample) != 0 {
		if a.Resamplefd < 0 {
			return syscall.EBADF
		}
		level := false
		for _, r := range p.routes {
			if r.Gsi == a.Gsi {
				level = r.Data&(1<<15) != 0 // the MSI data's trigger mode bit (mshv_irq.c)
			}
		}
		if !level {
			return syscall.EINVAL
		}
	}
	for _, x := range p.irqfds {
		if x.Fd == a.Fd {
			return syscall.EBUSY
		}
	}
	p.irqfds = append(p.irqfds, *a)
	return 0
}

// ioeventfd is mshv_set_unset_ioeventfd (drivers/hv/mshv_eventfd.c @
// db5302ae571b): EINVAL for unknown flags or reserved bytes set, EOPNOTSUPP
// for an I/O port (not implemented in the driver), ENOENT for a deassign
// that matches nothing; an assign refuses a length other than 0, 1, 2, 4 or
// 8 and an address range that wraps (EINVAL) and one that collides with an
// assignment (EEXIST). The kernel registers a doorbell with the hypervisor
// for it; the simulated driver keeps the assignment and signals the eventfd
// itself when the scripted guest writes there.
func (p *partition) ioeventfd(a *linux70.MshvUserIoeventfd) syscall.Errno {
	switch {
	case a.Flags&^(1<<linux70.MshvIoeventfdBitCount-1) != 0, a.Rsvd != [4]uint8{}:
		return syscall.EINVAL
	case a.Flags&(1<<linux70.MshvIoeventfdBitPio) != 0:
		return syscall.EOPNOTSUPP
	case a.Fd < 0:
		return syscall.EBADF
	}
	match := a.Flags&(1<<linux70.MshvIoeventfdBitDatamatch) != 0
	if a.Flags&(1<<linux70.MshvIoeventfdBitDeassign) != 0 {
		for i, x := range p.ioeventfds {
			xm := x.Flags&(1<<linux70.MshvIoeventfdBitDatamatch) != 0
			if x.Fd == a.Fd && x.Addr == a.Addr && x.Len == a.Len && xm == match && (!match || x.Datamatch == a.Datamatch) {
				p.ioeventfds = append(p.ioeventfds[:i], p.ioeventfds[i+1:]...)
				return 0
			}
		}
		return syscall.ENOENT
	}
	switch a.Len {
	case 0, 1, 2, 4, 8:
	default:
		return syscall.EINVAL
	}
	if a.Addr+uint64(a.Len) < a.Addr {
		return syscall.EINVAL
	}
	for _, x := range p.ioeventfds {
		xm := x.Flags&(1<<linux70.MshvIoeventfdBitDatamatch) != 0
		if x.Addr == a.Addr && x.Len == a.Len && (!xm || !match || x.Datamatch == a.Datamatch) {
			return syscall.EEXIST
		}
	}
	p.ioeventfds = append(p.ioeventfds, *a)
	return 0
}

// ioeventfdFor returns the eventfd a guest write of size bytes of value to
// gpa signals, or -1.
func (p *partition) ioeventfdFor(gpa uint64, size uint8, value uint64) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, x := range p.ioeventfds {
		if x.Addr != gpa || x.Len != 0 && x.Len != uint32(size) {
			continue
		}
		if x.Flags&(1<<linux70.MshvIoeventfdBitDatamatch) != 0 && x.Datamatch != value {
			continue
		}
		return int(x.Fd)
	}
	return -1
}

// setMSIRouting is mshv_partition_ioctl_set_msi_routing (:1521-1548):
// EINVAL for more than MSHV_MAX_GUEST_IRQS entries or the reserved word set
// (:1531-1533); the table replaces the partition's (mshv_update_routing_table,
// drivers/hv/mshv_irq.c).
func (p *partition) setMSIRouting(t *linux70.MshvUserIrqTable) syscall.Errno {
	if t.Nr > mshv.MaxGuestIRQs || t.Rsvd != 0 {
		return syscall.EINVAL
	}
	p.routes = p.routes[:0]
	if t.Nr > 0 { // the entries follow the header; an empty table is the header alone
		p.routes = append(p.routes, unsafe.Slice((*linux70.MshvUserIrqEntry)(unsafe.Add(unsafe.Pointer(t), unsafe.Sizeof(*t))), t.Nr)...)
	}
	return 0
}

// The hv_gpa_page_access_state bits.
const (
	accessedBit = 1
	dirtyBit    = 2
)

// accessBitmap is mshv_partition_ioctl_get_gpap_access_bitmap
// (:1437-1518): EINVAL for an unknown type or operation, reserved bytes
// set, no pages or no bitmap (:1451-1455); then the access states of the
// pages, one bit each of the type asked for, and the operation's clearing
// or setting of them (clearing accessed clears dirty, setting dirty sets
// accessed: :1467-1488). The hypervisor keeps these states
// (HVCALL_GET_GPA_PAGES_ACCESS_STATES, which the registry gives no
// parameter block): the simulated driver keeps them itself, set by the
// scripted guest's accesses to mapped memory.
func (p *partition) accessBitmap(a *linux70.MshvGpapAccessBitmap) syscall.Errno {
	if a.AccessType >= linux70.MshvGpapAccessTypeCount || a.AccessOp >= linux70.MshvGpapAccessOpCount ||
		a.Rsvd != [6]uint8{} || a.PageCount == 0 || a.BitmapPtr == 0 {
		return syscall.EINVAL
	}
	if a.PageCount > 1<<40 {
		return syscall.E2BIG // :1457-1458, the state buffer's size overflowing
	}
	mask := uint8(accessedBit)
	var clearBits, setBits uint8
	switch {
	case a.AccessType == linux70.MshvGpapAccessTypeAccessed && a.AccessOp == linux70.MshvGpapAccessOpClear:
		clearBits = accessedBit | dirtyBit
	case a.AccessType == linux70.MshvGpapAccessTypeAccessed && a.AccessOp == linux70.MshvGpapAccessOpSet:
		setBits = accessedBit
	case a.AccessType == linux70.MshvGpapAccessTypeDirty && a.AccessOp == linux70.MshvGpapAccessOpClear:
		mask, clearBits = dirtyBit, dirtyBit
	case a.AccessType == linux70.MshvGpapAccessTypeDirty && a.AccessOp == linux70.MshvGpapAccessOpSet:
		mask, setBits = dirtyBit, dirtyBit|accessedBit
	case a.AccessType == linux70.MshvGpapAccessTypeDirty:
		mask = dirtyBit
	}
	bitmap := mshvioctl.Bytes(a.BitmapPtr, int((a.PageCount+7)/8))
	clear(bitmap)
	p.regionMu.Lock()
	defer p.regionMu.Unlock()
	for i := uint64(0); i < a.PageCount; i++ {
		gfn := a.GpapBase + i
		s := p.access[gfn]
		if s&mask != 0 {
			bitmap[i/8] |= 1 << (i % 8)
		}
		if ns := s&^clearBits | setBits; ns != s {
			if ns == 0 {
				delete(p.access, gfn)
			} else {
				p.access[gfn] = ns
			}
		}
	}
	return 0
}

// touch records a guest access to a mapped page.
func (p *partition) touch(gpa uint64, write bool) {
	bits := uint8(accessedBit)
	if write {
		bits |= dirtyBit
	}
	p.regionMu.Lock()
	p.access[gpa/mshv.HVPageSize] |= bits
	p.regionMu.Unlock()
}

// release drops a reference (the partition fd's or a VP fd's,
// mshv_partition_put :1832) and tears the partition down with the last.
func (p *partition) release() {
	p.refMu.Lock()
	p.refs--
	last := p.refs == 0
	p.refMu.Unlock()
	if last {
		p.destroy()
	}
}

// destroy is destroy_partition (:1724-1807): an initialized partition is
// finalized (:1788), which the hypervisor's teardown of VPs and GPA
// mappings comes with; the regions go (:1795-1799), every page deposited is
// withdrawn and the partition deleted (:1802-1803). As for initialize, the
// kernel's fast HVCALL_FINALIZE_PARTITION and HVCALL_DELETE_PARTITION are
// passed in memory.
func (p *partition) destroy() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.initialized {
		p.d.traced(linux70.CallFinalizePartition)
		p.c.FinalizePartition(&linux70.FinalizePartitionInput{PartitionID: p.id})
		p.initialized = false
	}
	p.regionMu.Lock()
	p.regions = nil
	p.regionMu.Unlock()
	p.d.withdrawAll(p.c, p.id)
	p.d.traced(linux70.CallDeletePartition)
	p.c.DeletePartition(&linux70.DeletePartitionInput{PartitionID: p.id})
	p.irqfds, p.ioeventfds, p.routes = nil, nil, nil
}
