package stats_test

import (
	"fmt"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/stats"
)

// Objects and groups are named by the generated constants: the page's
// HV_STATS_OBJECT_TYPE, then a group's HV_STATISTICS_GROUP_*_ID and a
// counter's slot.
func ExamplePage_Counter() {
	h := sim.New(sim.Config{})
	child := h.CreateChild(h.Root(), sim.PrivilegeAccessStats, 8, 1)
	in := &hv.MapStatsPageInput{StatsType: hv.StatsObjectVP, TargetGPAPage: 0x7000}
	in.ObjectIdentity.VP().PartitionID = child.ID
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
	vpv, _ := p.Group(hv.StatisticsGroupVpvID)
	fmt.Println(p.Groups[0].Desc.Name, after-before, vpv.Len())
	// Output: HV_STATISTICS_TYPE_VPA 1000 63
}
