// Package mshv is a Go API over Linux's mshv driver, the /dev/mshv device
// through which a VMM on the root partition of the Microsoft hypervisor
// creates and runs guest partitions (what QEMU's and cloud-hypervisor's mshv
// accelerators use; rust-vmm's mshv-ioctls is the Rust equivalent). It
// covers every ioctl of include/uapi/linux/mshv.h, with one type per file
// descriptor in the order the driver hands them out:
//
//	System (Open: /dev/mshv)
//	  CreatePartition -> Partition (flags, isolation, early properties)
//	    Initialize, MapMemory / UnmapMemory, RegisterIRQFD, RegisterIOEventFD,
//	    SetMSIRouting, GPAAccessBitmap, SetProperty / GetProperty
//	    CreateVP -> VP
//	      Run (the intercept message), GetRegisters / SetRegisters,
//	      GetState / SetState (MSHV_VP_STATE_*), RegisterPage,
//	      InterceptMessagePage
//
// Each of System, Partition and VP also offers the driver's hypercall
// pass-through (MSHV_ROOT_HVCALL) as an hvcall.Backend (Hypercalls), which
// the generated linux70.Client uses unchanged: the backend carries
// parameters in memory only, and refuses, before any ioctl, what the driver
// would refuse on that kind of file descriptor (a call not on its lists,
// an asynchronous call off a partition fd, parameters over a page), reading
// the driver's contract from the generated descriptors
// (abi.Hypercall.Passthrough and Async).
//
// Run returns the message the hypervisor left for the VMM as a *Message:
// the header and, by message type, a typed view of the payload (IOPort,
// Memory, CPUID, MSR, Exception, Halt, UnrecoverableException, ... on x64),
// decoded in place without allocating. A type without a view is a raw
// payload, never a panic.
//
// Every failed request is an *Error naming the ioctl and the kind of file
// descriptor and wrapping the driver's errno (errors.Is(err,
// syscall.EINVAL) works). Where the runtime refuses a request itself,
// before the ioctl, because the driver would (an unaligned or overlapping
// memory region, a duplicate VP index), the error wraps the errno the
// driver would have answered and says why. Closing a Partition closes its
// VPs; a request on a closed System, Partition or VP is an error wrapping
// ErrClosed, never a crash. Each VP may run on a goroutine of its own.
//
// The types and argument structs are those of generated/linux70, the
// registry's linux-7.0 version (include/uapi/linux/mshv.h and the
// hypervisor headers); the request numbers are its constants, which the
// package's tests check against the registry.
//
// # Drivers
//
// Open reaches the kernel's driver. The same *System can come from another
// driver of this module, which implements the device interface of
// internal/mshvioctl (open, ioctl, mmap, close) and hands its users a
// *System from a constructor of its own (mshvioctl.NewSystem):
// runtime/mshvsim is the simulated driver (over the simulated hypervisor,
// its VPs running a scripted guest), and the tests of this package and of
// examples/vmm stand in for the kernel's driver that way too, with a fake
// device that checks each request number and argument.
package mshv
