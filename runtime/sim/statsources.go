package sim

import (
	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// statSource is a value of the sim's own state that a statistics counter
// shows: the counters of that meaning move with the simulated work (calls,
// intercepts, deposits, VPs created) instead of at a seeded rate.
type statSource uint8

const (
	srcNone statSource = iota
	// hypervisor
	srcHvLPs
	srcHvPartitions
	srcHvVPs
	srcHvTotalPages // pages deposited into all pools together
	// logical processor
	srcLPGlobalTime // the reference time
	srcLPRunTime
	srcLPHypervisorRunTime
	srcLPIdleTime // time no VP ran (the sim's logical processors idle in C1)
	// partition
	srcPtVPs
	srcPtID
	srcPtDepositedPages // pages in the pool, free or in use
	srcPtGpaPages       // GPA pages its parent mapped into it
	srcPtGpaPages4K     // the same: the sim maps 4 KiB pages only
	srcPtTlbPages       // the virtual TLB pages the property took from the pool
	srcPtGpaModifications
	// virtual processor
	srcVPRunTime
	srcVPHypervisorRunTime
	srcVPWaitTime // time it wanted to run and its logical processor was busy
	srcVPHypercalls
	srcVPIoIntercepts
	srcVPMsrIntercepts
	srcVPCpuidIntercepts
	srcVPPageFaultIntercepts
	srcVPOtherIntercepts
	srcVPVirtualInterrupts
	numSources
)

// statSources maps counters to the state they show, by object type and by
// the counter's name in each version's registry: wdk-2013's groups
// (spec/stats.yaml) and linux-7.0's flat tables (spec/stats_linux.yaml). A
// counter not named here moves with time alone (flat pages) or stays zero
// (2013 groups). Names are matched exactly; an empty name: that version has
// no counter of that meaning.
var statSources = []struct {
	obj            hv.StatsObjectType
	src            statSource
	wdk2013, linux string
}{
	{hv.StatsObjectHypervisor, srcHvLPs, "LogicalProcessors", "HvLogicalProcessors"},
	{hv.StatsObjectHypervisor, srcHvPartitions, "Partitions", "HvPartitions"},
	{hv.StatsObjectHypervisor, srcHvVPs, "VirtualProcessors", "HvVirtualProcessors"},
	{hv.StatsObjectHypervisor, srcHvTotalPages, "TotalPages", "HvTotalPages"},

	{hv.StatsObjectLogicalProcessor, srcLPGlobalTime, "GlobalTime", "LpGlobalTime"},
	{hv.StatsObjectLogicalProcessor, srcLPRunTime, "TotalRunTime", "LpTotalRunTime"},
	{hv.StatsObjectLogicalProcessor, srcLPHypervisorRunTime, "HypervisorRunTime", "LpHypervisorRunTime"},
	{hv.StatsObjectLogicalProcessor, srcLPIdleTime, "", "LpC1RunTime"},

	{hv.StatsObjectPartition, srcPtVPs, "VirtualProcessors", "PtVirtualProcessors"},
	{hv.StatsObjectPartition, srcPtID, "", "PtPartitionId"},
	{hv.StatsObjectPartition, srcPtDepositedPages, "DepositedPages", "PtDepositedPages"},
	{hv.StatsObjectPartition, srcPtGpaPages, "GpaPages", "PtGpaPages"},
	{hv.StatsObjectPartition, srcPtGpaPages4K, "", "PtGpaPages4K"},
	{hv.StatsObjectPartition, srcPtTlbPages, "VirtualTlbPages", "PtTlbSize"},
	{hv.StatsObjectPartition, srcPtGpaModifications, "GpaSpaceModificationsPerSec", "PtGpaSpaceModifications"},

	{hv.StatsObjectVP, srcVPRunTime, "TotalRunTime", "VpTotalRunTime"},
	{hv.StatsObjectVP, srcVPHypervisorRunTime, "HypervisorRunTime", "VpHypervisorRunTime"},
	{hv.StatsObjectVP, srcVPWaitTime, "", "VpWaitingForCpuTime"},
	{hv.StatsObjectVP, srcVPHypercalls, "HypercallsPerSec", "VpHypercallsCount"},
	{hv.StatsObjectVP, srcVPIoIntercepts, "IoInstructionsPerSec", "VpIoInstructionsCount"},
	{hv.StatsObjectVP, srcVPMsrIntercepts, "MsrAccessesPerSec", "VpMsrAccessesCount"},
	{hv.StatsObjectVP, srcVPCpuidIntercepts, "CpuidInstructionsPerSec", "VpCpuidInstructionsCount"},
	{hv.StatsObjectVP, srcVPPageFaultIntercepts, "PageFaultInterceptsPerSec", "VpPageFaultInterceptsCount"},
	{hv.StatsObjectVP, srcVPOtherIntercepts, "OtherInterceptsPerSec", "VpOtherInterceptsCount"},
	{hv.StatsObjectVP, srcVPVirtualInterrupts, "VirtualInterruptsPerSec", "VpVirtualInterrupts"},
}

// sourceOf is the state a counter of that object type and name shows, or srcNone.
func sourceOf(obj hv.StatsObjectType, name string) statSource {
	for _, s := range statSources {
		if s.obj == obj && name != "" && (s.wdk2013 == name || s.linux == name) {
			return s.src
		}
	}
	return srcNone
}

// interceptSource is the VP counter an intercept of that type counts in
// (exception vector 14, the page fault, has its own).
func interceptSource(typ hv.InterceptType, param uint64) statSource {
	switch typ {
	case hv.InterceptTypeX64IOPort:
		return srcVPIoIntercepts
	case hv.InterceptTypeX64MSR:
		return srcVPMsrIntercepts
	case hv.InterceptTypeX64CPUID:
		return srcVPCpuidIntercepts
	case hv.InterceptTypeX64Exception:
		if param == 14 {
			return srcVPPageFaultIntercepts
		}
	}
	return srcVPOtherIntercepts
}

// syncLevels writes the levels the sim knows (VPs, pages, partitions) into
// the partition's page and the hypervisor's; the calls that change one call
// it, and Advance does for every partition.
func (h *Hypervisor) syncLevels(p *Partition) {
	if p != nil && p.stats != nil {
		s := p.stats
		s.put(srcPtVPs, uint64(len(p.vp)))
		s.put(srcPtID, uint64(p.ID))
		s.put(srcPtDepositedPages, uint64(p.held))
		s.put(srcPtGpaPages, uint64(len(p.gmap)))
		s.put(srcPtGpaPages4K, uint64(len(p.gmap)))
		s.put(srcPtTlbPages, p.props[hv.PartitionPropertyVirtualTLBPageCount])
	}
	vps, pages := 0, 0
	for _, q := range h.partitions {
		vps += len(q.vp)
		pages += q.held
	}
	h.hvStats.put(srcHvLPs, uint64(len(h.lpStats)))
	h.hvStats.put(srcHvPartitions, uint64(len(h.partitions)))
	h.hvStats.put(srcHvVPs, uint64(vps))
	h.hvStats.put(srcHvTotalPages, uint64(pages))
}
