// Package tlfssim is the simulated hypervisor (runtime/sim) answering with
// the current TLFS's ABI: generated/tlfs's call codes (a call that moved,
// as HvCallAssertVirtualInterrupt did from 0x0055 to 0x0094, answers
// HV_STATUS_INVALID_HYPERCALL_CODE at its old code), hypercall input and
// output values, statuses and parameter blocks, and its types in this
// package's API (tlfs.PartitionID, tlfs.VPIndex, tlfs.GPAPageNumber,
// tlfs.PartitionPrivilegeMask).
//
// It models what both references describe, in VTL 0: a TLFS field naming
// another VTL, and any field the sim does not model (creation properties,
// unmap flags, subnodes), must be zero, or the call fails with
// HV_STATUS_INVALID_PARAMETER before the call's own checks. Calls lists the
// calls modelled and why the others are not.
package tlfssim
