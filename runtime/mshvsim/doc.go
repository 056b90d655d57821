// Package mshvsim is a simulated Linux mshv driver: the /dev/mshv device of
// runtime/mshv over a simulated Microsoft hypervisor (runtime/sim/linux70sim)
// instead of the kernel's driver and a real one, so that a VMM written
// against runtime/mshv runs, unchanged, in a test or on any amd64 machine.
//
//	d := mshvsim.New(linux70sim.New(sim.Config{}))
//	sys, err := d.Open() // a *mshv.System, as mshv.Open gives on a root partition
//	...
//	vp, err := part.CreateVP(0)
//	err = d.Load(vp, mshvsim.Guest{Entry: 0x1000, Ops: ops}) // what the VP runs
//
// # What the driver does
//
// Each ioctl does what drivers/hv/mshv_root_main.c @ d4eb7b2da66c does with
// it: the same argument checks in the same order, answered with the same
// errnos (each case cites the line it follows), and the same hypercalls, in
// the same order, to the simulated hypervisor, as the driver's helpers in
// mshv_root_hv_call.c @ 19c515c27cee issue them, the memory deposits
// included: a call that finds a pool short (HV_STATUS_INSUFFICIENT_MEMORY)
// gets pages deposited (HVCALL_DEPOSIT_MEMORY, pages of the sim's root RAM)
// and is issued again. Trace shows the calls as they go; Deposited counts
// the pages.
//
//	MSHV_CREATE_PARTITION        HVCALL_CREATE_PARTITION (EXO, intercept message page, and the flags asked for);
//	                             short: deposit 1 page into the root, again
//	MSHV_INITIALIZE_PARTITION    deposit 208 pages, HVCALL_INITIALIZE_PARTITION; short: 1 page, again;
//	                             failed: HVCALL_WITHDRAW_MEMORY of everything
//	MSHV_SET_GUEST_MEMORY        map: HVCALL_MAP_GPA_PAGES, readable, adjustable, writable and executable as asked,
//	                             up to 509 pages a call; short: deposit 256 pages, again; failed: unmap what was mapped
//	                             unmap: HVCALL_UNMAP_GPA_PAGES, up to 512 pages a call
//	MSHV_CREATE_VP               HVCALL_CREATE_VP; short: 1 page, again
//	MSHV_RUN_VP                  HVCALL_SET_VP_REGISTERS (clear the intercept and explicit suspend registers),
//	                             the VP runs to its next intercept, the message is copied out
//	MSHV_GET/SET_VP_STATE        XSAVE: HVCALL_GET_PARTITION_PROPERTY of the XSAVE states and their size
//	MSHV_ROOT_HVCALL             the call itself, on the driver's lists for the fd (from the registry);
//	                             short: 1 page into the fd's partition, again; rep calls go on where they stopped
//	closing the last fd          HVCALL_FINALIZE_PARTITION (if initialized), HVCALL_WITHDRAW_MEMORY of
//	of a partition               everything, HVCALL_DELETE_PARTITION
//	MSHV_IRQFD, MSHV_IOEVENTFD,  driver state only, with the checks of mshv_eventfd.c and mshv_irq.c
//	MSHV_SET_MSI_ROUTING
//
// Refusals come back as the kernel's errnos: a call off the fd's list, an
// asynchronous call off a partition fd, a status or reserved bytes set,
// sizes over a page (EINVAL); memory off a page boundary or overlapping a
// region (EINVAL, EEXIST); an unknown region (ENOENT); a request on a closed
// descriptor (EBADF); a request the fd does not take (ENOTTY). A hypervisor
// status becomes an errno as hv_result_to_errno does it (EINVAL, ENOMEM or
// EIO).
//
// # What the driver models itself
//
// Where the sim has no call for what the hypervisor does, the driver layer
// models it and no hypercall is issued: the VP's intercept message and
// register pages (HVCALL_MAP_VP_STATE_PAGE; the register page stays zero),
// the VP state of MSHV_GET_VP_STATE and MSHV_SET_VP_STATE (HVCALL_GET_VP_STATE
// and HVCALL_SET_VP_STATE: kept per VP, zero until set), the accessed and
// dirty bits of MSHV_GET_GPAP_ACCESS_BITMAP (HVCALL_GET_GPA_PAGES_ACCESS_STATES:
// set by the scripted guest's accesses to mapped memory), the ioeventfd
// doorbells (a scripted guest's write that matches signals the eventfd) and
// the VP statistics pages the kernel maps at MSHV_CREATE_VP (not mapped).
// HVCALL_INSTALL_INTERCEPT passes through to the sim, which answers
// HV_STATUS_INVALID_HYPERCALL_CODE (EINVAL): the registry has no parameter
// block for it. The kernel issues HVCALL_INITIALIZE_PARTITION,
// HVCALL_FINALIZE_PARTITION and HVCALL_DELETE_PARTITION as fast calls; the
// registry marks them not fast, as the TLFS documents them, and the driver
// passes the same input in memory. The sim resolves no HV_PARTITION_ID_SELF:
// on /dev/mshv the pass-through names the root partition instead. Guest
// memory regions are all pinned (no movable regions, no GPA intercepts for
// the driver to handle), partitions are not encrypted (no GHCB page), and
// the flags the driver at d4eb7b2da66c takes beyond the registry's
// include/uapi/linux/mshv.h (nested virtualization, SMT, processor
// features) are refused with EINVAL. Signalled irqfds assert no interrupt.
// A run follows the kernel's path for the hypervisor's scheduler
// (HVCALL_SET_VP_REGISTERS to resume the VP), not the root scheduler's
// HVCALL_DISPATCH_VP, which the sim does not model.
//
// # The scripted guest
//
// The simulator has no CPU. A VP runs a scripted guest (Guest): a list of
// operations given as data (port I/O, an MMIO read or write, CPUID, RDMSR,
// WRMSR, HLT), each standing for one instruction at its place after
// Guest.Entry. Running the VP raises the intercept message a real VP would
// raise for the operation at its RIP (instruction length and bytes, RIP,
// RFLAGS, CS, and the registers the instruction uses) and leaves RIP there:
// a VMM that does not move RIP past it sees the same intercept again, as
// hardware re-executes the instruction. What the VMM leaves in the registers
// is what the guest receives (RAX for an IN or MMIO read, EDX:EAX for RDMSR,
// EAX to EDX for CPUID): Results lists it. It is a script, not an
// emulator: no guest code is executed.
package mshvsim
