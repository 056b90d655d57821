//go:build amd64

package mshvsim

import (
	"errors"
	"io/fs"
	"os"
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

// Driver is a simulated mshv driver: the kernel driver's ioctls over a
// linux70sim hypervisor, whose root partition it runs in. Its methods may
// be called from any goroutine.
type Driver struct {
	h    *linux70sim.Hypervisor
	root *linux70sim.Partition

	mu     sync.RWMutex
	files  map[int]*file
	nextFd int

	sysMu  sync.Mutex      // serializes the calls made for /dev/mshv (MSHV_CREATE_PARTITION)
	client *linux70.Client // the root's calls for MSHV_CREATE_PARTITION
	sys    hvPages         // the pages of /dev/mshv's pass-through

	traceMu sync.Mutex
	trace   func(linux70.CallCode)

	depositMu sync.Mutex
	deposited int
}

// file is one open file descriptor of the driver.
type file struct {
	kind abi.FdSet
	p    *partition // partition and VP fds
	v    *vp        // VP fds
}

// New returns a simulated driver over h. The driver makes its hypercalls as
// h's root partition, as the kernel's driver makes them as the Linux root.
func New(h *linux70sim.Hypervisor) *Driver {
	root := h.Root()
	d := &Driver{h: h, root: root, files: map[int]*file{}, nextFd: 3,
		client: linux70.NewClient(root.Backend())}
	d.sys.in, d.sys.out = hvcall.NewPagePair()
	return d
}

// Hypervisor returns the simulated hypervisor under the driver.
func (d *Driver) Hypervisor() *linux70sim.Hypervisor { return d.h }

// Open opens the driver's /dev/mshv and returns the System a VMM uses: the
// same *mshv.System mshv.Open returns on the kernel's driver, so a VMM's
// code is the same on both.
func (d *Driver) Open() (*mshv.System, error) {
	s, err := mshvioctl.NewSystem(device{d}, mshv.DevicePath)
	if err != nil {
		return nil, err
	}
	return s.(*mshv.System), nil
}

// Trace makes the driver call f with each hypercall it issues to the
// simulated hypervisor, in order (nil: none). A test holds this against the
// kernel driver's sequence.
func (d *Driver) Trace(f func(linux70.CallCode)) {
	d.traceMu.Lock()
	d.trace = f
	d.traceMu.Unlock()
}

// Deposited returns the pages the driver has deposited into partitions'
// memory pools (HVCALL_DEPOSIT_MEMORY), the root's included.
func (d *Driver) Deposited() int {
	d.depositMu.Lock()
	defer d.depositMu.Unlock()
	return d.deposited
}

func (d *Driver) traced(code linux70.CallCode) {
	d.traceMu.Lock()
	f := d.trace
	d.traceMu.Unlock()
	if f != nil {
		f(code)
	}
}

// newFile hands out a file descriptor.
func (d *Driver) newFile(f *file) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	fd := d.nextFd
	d.nextFd++
	d.files[fd] = f
	return fd
}

// lookup returns the open file fd, or nil (EBADF).
func (d *Driver) lookup(fd int) *file {
	d.mu.RLock()
	f := d.files[fd]
	d.mu.RUnlock()
	return f
}

// device is the Driver as internal/mshvioctl.Device.
type device struct{ d *Driver }

func (v device) Open(path string) (int, error) {
	if path != mshv.DevicePath {
		return -1, &os.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	return v.d.newFile(&file{kind: abi.FdSystem}), nil
}

// Ioctl dispatches a request as the kernel's ioctl functions do: by file
// kind (mshv_dev_ioctl :2038, mshv_partition_ioctl :1579, mshv_vp_ioctl
// :860 of drivers/hv/mshv_root_main.c @ d4eb7b2da66c), ENOTTY for a request
// the kind does not take (:2052, :1615, :863), EBADF for a closed or
// unknown descriptor (the kernel's file table).
func (v device) Ioctl(fd int, req uint32, arg unsafe.Pointer) (int, syscall.Errno) {
	d := v.d
	f := d.lookup(fd)
	if f == nil {
		return 0, syscall.EBADF
	}
	switch f.kind {
	case abi.FdSystem:
		switch req {
		case linux70.IoctlMshvCreatePartition:
			return d.createPartition((*linux70.MshvCreatePartition)(arg))
		case linux70.IoctlMshvRootHvcall:
			d.sysMu.Lock()
			defer d.sysMu.Unlock()
			return 0, d.passthrough(nil, &d.sys, d.client, abi.FdSystem, (*linux70.MshvRootHvcall)(arg))
		}
	case abi.FdPartition:
		return f.p.ioctl(req, arg)
	case abi.FdVP:
		return f.v.ioctl(req, arg)
	}
	return 0, syscall.ENOTTY
}

// Mmap maps a VP's register or intercept message page (mshv_vp_mmap,
// drivers/hv/mshv_root_main.c:914-937 @ d4eb7b2da66c): ENODEV for a page
// the VP does not have (the GHCB page of a partition that is not
// encrypted), EINVAL for another offset; a partition or system fd has no
// mmap (ENODEV).
func (v device) Mmap(fd int, off int64, length int) ([]byte, error) {
	f := v.d.lookup(fd)
	switch {
	case f == nil:
		return nil, syscall.EBADF
	case f.kind != abi.FdVP:
		return nil, syscall.ENODEV
	case off%int64(os.Getpagesize()) != 0 || length <= 0 || length > hvcall.PageSize:
		return nil, syscall.EINVAL
	}
	switch off / int64(os.Getpagesize()) {
	case linux70.MshvVPMmapOffsetRegisters:
		return f.v.regPage[:length:length], nil
	case linux70.MshvVPMmapOffsetInterceptMessage:
		return f.v.msgPage[:length:length], nil
	case linux70.MshvVPMmapOffsetGhcb:
		return nil, syscall.ENODEV
	}
	return nil, syscall.EINVAL
}

// Unmap gives back a VP page: the driver's page stays where it is (the VP
// lives until its partition goes), and reads zeros, as the kernel's device
// maps zero pages over an unmapped range.
func (v device) Unmap(b []byte) error {
	clear(b)
	return nil
}

// Close closes fd: a partition's (mshv_partition_release, :1839) or a VP's
// (mshv_vp_release, :940) drops a reference to the partition, which is torn
// down with the last one (destroy_partition, :1724).
func (v device) Close(fd int) error {
	d := v.d
	d.mu.Lock()
	f := d.files[fd]
	delete(d.files, fd)
	d.mu.Unlock()
	switch {
	case f == nil:
		return syscall.EBADF
	case f.kind == abi.FdPartition:
		f.p.release()
	case f.kind == abi.FdVP:
		f.v.release()
	}
	return nil
}

// statusOf returns the hypervisor status of a Client call's error.
func statusOf(err error) linux70.Status {
	if err == nil {
		return linux70.StatusSuccess
	}
	var st linux70.Status
	if errors.As(err, &st) {
		return st
	}
	return 0xffff // not a hypervisor status: the driver answers EIO
}

// errno converts a hypervisor status as hv_result_to_errno does
// (drivers/hv/hv_common.c @ 04df7ac39943, its table hv_status_infos, whose
// first entry for a status wins): EINVAL for the statuses that name a bad
// argument, ENOMEM for a short memory pool, EIO for every other failure.
func errno(st linux70.Status) syscall.Errno {
	switch st {
	case linux70.StatusSuccess:
		return 0
	case linux70.StatusInvalidHypercallCode, linux70.StatusInvalidHypercallInput, linux70.StatusInvalidParameter,
		linux70.StatusInvalidPartitionID, linux70.StatusInvalidVPIndex, linux70.StatusInvalidPortID,
		linux70.StatusInvalidConnectionID, linux70.StatusInvalidLPIndex, linux70.StatusInvalidRegisterValue:
		return syscall.EINVAL
	case linux70.StatusInsufficientMemory:
		return syscall.ENOMEM
	}
	return syscall.EIO
}

// depositBatch is how many page numbers one HVCALL_DEPOSIT_MEMORY carries:
// a page of input less the partition id.
const depositBatch = (hvcall.PageSize - 8) / 8

// deposit gives n fresh pages of the root's RAM to partition id's pool
// (hv_call_deposit_pages, drivers/hv/hv_proc.c), through c.
func (d *Driver) deposit(c *linux70.Client, id uint64, n int) syscall.Errno {
	pages := d.root.GiveRAM(n)
	for len(pages) > 0 {
		k := min(len(pages), depositBatch)
		d.traced(linux70.CallDepositMemory)
		if _, err := c.DepositMemory(&linux70.DepositMemory{PartitionID: id}, pages[:k]); err != nil {
			return errno(statusOf(err))
		}
		d.depositMu.Lock()
		d.deposited += k
		d.depositMu.Unlock()
		pages = pages[k:]
	}
	return 0
}

// depositing issues a call (call, traced as code) as the driver's hv_call_*
// helpers do: while the hypervisor finds the pool short
// (HV_STATUS_INSUFFICIENT_MEMORY), one page is deposited into partition id's
// pool through c and the call issued again. Another failure is its errno.
func (d *Driver) depositing(c *linux70.Client, id uint64, code linux70.CallCode, call func() error) syscall.Errno {
	for {
		d.traced(code)
		st := statusOf(call())
		switch {
		case st == linux70.StatusSuccess:
			return 0
		case st != linux70.StatusInsufficientMemory:
			return errno(st)
		}
		if e := d.deposit(c, id, 1); e != 0 {
			return e
		}
	}
}

// withdrawAll takes every page of partition id's pool back
// (hv_call_withdraw_memory with a count of U64_MAX,
// drivers/hv/mshv_root_hv_call.c @ 19c515c27cee): the hypervisor's
// HV_STATUS_NO_RESOURCES ends it, as success.
func (d *Driver) withdrawAll(c *linux70.Client, id uint64) syscall.Errno {
	var out [hvcall.PageSize / 8]uint64
	for {
		d.traced(linux70.CallWithdrawMemory)
		n, err := c.WithdrawMemory(&linux70.WithdrawMemoryInput{PartitionID: id}, out[:])
		st := statusOf(err)
		switch {
		case st == linux70.StatusNoResources:
			return 0
		case st != linux70.StatusSuccess:
			return errno(st)
		case n == 0:
			return 0
		}
	}
}
