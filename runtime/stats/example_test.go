package stats_test

import (
	"fmt"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	"github.com/hvgen/hvgen/generated/linux70"
	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/stats"
)

// A grouped page (the 2013 layout): objects and groups are named by the
// generated constants, the page's HV_STATS_OBJECT_TYPE, then a group's
// HV_STATISTICS_GROUP_*_ID and a counter's slot.
func ExamplePage_Counter() {
	h := wdk2013sim.New(sim.Config{})
	child := h.CreateChild(h.Root(), wdk2013sim.PrivilegeAccessStats, 8, 1)
	in := &hv.MapStatsPageInput{StatsType: hv.StatsObjectVP, TargetGPAPage: 0x7000}
	in.ObjectIdentity.VP().PartitionID = child.ID()
	if err := hv.NewClient(h.Root().Backend()).MapStatsPage(in); err != nil {
		fmt.Println(err)
		return
	}
	p, err := stats.Parse(h.Root().Memory(0x7000), hv.StatsObjectVP, hv.StatsGroups[:])
	if err != nil {
		fmt.Println(err)
		return
	}
	before, _ := p.Counter(hv.StatisticsGroupVpaID, hv.StatisticsTypeVpaTotalRunTime)
	h.Advance(1000)
	after, _ := p.Counter(hv.StatisticsGroupVpaID, hv.StatisticsTypeVpaTotalRunTime)
	vpv, _ := p.Counters(hv.StatisticsGroupVpvID)
	fmt.Println(p.Groups[0].Desc.Name, after-before, vpv.Len())
	// Output: HV_STATISTICS_TYPE_VPA 1000 63
}

// A flat page (the linux-7.0 layout, one array of counters): the version's
// descriptors say so, and the page is one group of type FlatGroup whose
// slots are the generated counter constants.
func ExamplePage_Counter_flat() {
	// A sim whose VP pages hold two linux-7.0 counters, flat.
	h := wdk2013sim.New(sim.Config{FlatStats: []sim.FlatCounter{
		{Object: uint32(hv.StatsObjectVP), Index: linux70.VPCountersVPTotalRunTime, Name: "VpTotalRunTime", Kind: sim.FlatTime},
		{Object: uint32(hv.StatsObjectVP), Index: linux70.VPCountersVPHypervisorRunTime, Name: "VpHypervisorRunTime", Kind: sim.FlatTime},
	}})
	child := h.CreateChild(h.Root(), wdk2013sim.PrivilegeAccessStats, 8, 1)
	in := &hv.MapStatsPageInput{StatsType: hv.StatsObjectVP, TargetGPAPage: 0x7000}
	in.ObjectIdentity.VP().PartitionID = child.ID()
	if err := hv.NewClient(h.Root().Backend()).MapStatsPage(in); err != nil {
		fmt.Println(err)
		return
	}
	p, err := stats.Parse(h.Root().Memory(0x7000), linux70.StatsObjectVP, linux70.StatsGroups[:])
	if err != nil {
		fmt.Println(err)
		return
	}
	h.Advance(10_000_000) // a second of reference time
	total, _ := p.Counter(stats.FlatGroup, linux70.VPCountersVPTotalRunTime)
	hyp, _ := p.Counter(stats.FlatGroup, linux70.VPCountersVPHypervisorRunTime)
	fmt.Println(p.Flat(), p.Groups[0].Desc.Name, total > 0, hyp <= total)
	// Output: true hv_vp_counters true true
}
