// Package wdk2013sim is the simulated hypervisor (runtime/sim) answering with
// the 2013 WDK reference's ABI: generated/wdk2013's call codes, hypercall
// input and output values, statuses and parameter blocks, and its types in
// this package's API (partitions are wdk2013.PartitionID, VPs
// wdk2013.VPIndex, GPA pages wdk2013.GPAPageNumber, privileges
// wdk2013.PartitionPrivilegeMask).
//
// New starts a Hypervisor with a root partition; Partition.Backend issues
// hypercalls as a partition, for wdk2013.NewClient. Beyond the calls, the
// simulated machine is driven and observed from Go: Hypervisor.CreateChild,
// Advance (time, run times, counters), EventLog (events, buffers-ready
// messages), Stats (statistics pages), and per partition its RAM (GiveRAM),
// pool, overlay memory and VPs (Partition.VP: counters, interrupts,
// intercepts, load, registers).
//
// Calls lists the calls modelled (49 of the reference's 56) and why the
// others are not. The event log is this version's alone: the other versions'
// registries have no event-log calls.
package wdk2013sim
