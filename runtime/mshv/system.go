package mshv

import (
	"errors"
	"fmt"
	"io/fs"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/internal/mshvioctl"
	"github.com/hvgen/hvgen/runtime/abi"
)

// System is the driver's system device, /dev/mshv (rust-vmm's Mshv). It
// creates partitions and passes the few hypercalls a VMM may aim at its own
// partition. Its methods may be called from any goroutine.
type System struct {
	h *handle
}

// Open opens the kernel driver's device, /dev/mshv. Without the driver the
// error is ErrNoDevice.
func Open() (*System, error) { return OpenPath(DevicePath) }

// OpenPath opens the kernel driver's device at path.
func OpenPath(path string) (*System, error) {
	return openSystem(kernelDevice, path)
}

func openSystem(dev mshvioctl.Device, path string) (*System, error) {
	if dev == nil {
		return nil, fmt.Errorf("%w (%s: the kernel's driver exists on Linux only)", ErrNoDevice, path)
	}
	fd, err := dev.Open(path)
	if errors.Is(err, fs.ErrNotExist) && path == DevicePath {
		return nil, ErrNoDevice
	}
	if err != nil {
		return nil, err
	}
	return &System{h: newHandle(dev, fd, abi.FdSystem)}, nil
}

func init() {
	mshvioctl.NewSystem = func(d mshvioctl.Device, path string) (any, error) {
		return openSystem(d, path)
	}
}

// Close closes the device. Partitions it created stay open until they are
// closed (the driver keeps a partition while any file descriptor of it is
// open).
func (s *System) Close() error {
	if s == nil || s.h == nil {
		return &Error{Op: "close", Fd: abi.FdSystem, Err: ErrClosed}
	}
	return s.h.close("close")
}

// PartitionOption is an option of CreatePartition.
type PartitionOption func(*partitionConfig)

type partitionConfig struct {
	flags, isolation uint64
	props            []property
}

type property struct {
	code  linux70.PartitionPropertyCode
	value uint64
}

// WithLAPIC gives the partition a local APIC (MSHV_PT_BIT_LAPIC).
func WithLAPIC() PartitionOption {
	return func(c *partitionConfig) { c.flags |= 1 << linux70.MshvPtBitLapic }
}

// WithX2APIC makes the partition x2APIC-capable (MSHV_PT_BIT_X2APIC).
func WithX2APIC() PartitionOption {
	return func(c *partitionConfig) { c.flags |= 1 << linux70.MshvPtBitX2apic }
}

// WithGPASuperPages lets the hypervisor map guest memory with large pages
// (MSHV_PT_BIT_GPA_SUPER_PAGES).
func WithGPASuperPages() PartitionOption {
	return func(c *partitionConfig) { c.flags |= 1 << linux70.MshvPtBitGPASuperPages }
}

// WithIsolation sets the isolation type (MSHV_PT_ISOLATION_*; the header
// defines only MSHV_PT_ISOLATION_NONE, the default).
func WithIsolation(kind uint64) PartitionOption {
	return func(c *partitionConfig) { c.isolation = kind }
}

// WithProperty sets an "early" partition property: one the hypervisor
// accepts only before the partition is initialized. CreatePartition sets
// it through the partition's pass-through (HVCALL_SET_PARTITION_PROPERTY)
// right after creating the partition; options apply in order.
func WithProperty(code linux70.PartitionPropertyCode, value uint64) PartitionOption {
	return func(c *partitionConfig) { c.props = append(c.props, property{code, value}) }
}

// CreatePartition creates a partition (MSHV_CREATE_PARTITION), not yet
// initialized in the hypervisor, and sets its early properties. Initialize
// it once its early properties are set.
func (s *System) CreatePartition(opts ...PartitionOption) (*Partition, error) {
	var c partitionConfig
	for _, o := range opts {
		o(&c)
	}
	arg := linux70.MshvCreatePartition{PtFlags: c.flags, PtIsolation: c.isolation}
	fd, err := s.h.ioctl(&reqCreatePartition, unsafe.Pointer(&arg))
	if err != nil {
		return nil, err
	}
	p := newPartition(s.h.dev, fd)
	for _, pr := range c.props {
		if err := p.SetProperty(pr.code, pr.value); err != nil {
			p.Close()
			return nil, fmt.Errorf("early property %v: %w", pr.code, err)
		}
	}
	return p, nil
}
