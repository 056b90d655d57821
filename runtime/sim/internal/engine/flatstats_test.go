package engine_test

import (
	"encoding/binary"
	"testing"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
)

var flatTable = []sim.FlatCounter{
	{Object: uint32(hv.StatsObjectHypervisor), Index: 2, Name: "HvPartitions", Kind: sim.FlatGauge},
	{Object: uint32(hv.StatsObjectVP), Index: 1, Name: "VpTotalRunTime", Kind: sim.FlatTime},
	{Object: uint32(hv.StatsObjectVP), Index: 7, Name: "VpHltInstructionsCount", Kind: sim.FlatEvents},
	{Object: uint32(hv.StatsObjectVP), Index: 5, Name: "VpIdealCpu", Kind: sim.FlatGauge},
}

// flatVP maps VP 0 of a new child of a machine with flat pages and returns the page.
func flatVP(t *testing.T, seed uint64) (*wdk2013sim.Hypervisor, *wdk2013sim.Partition, []byte) {
	t.Helper()
	h := wdk2013sim.New(sim.Config{FlatStats: flatTable, Seed: seed})
	child := h.CreateChild(h.Root(), wdk2013sim.PrivilegeAccessStats, 8, 2)
	in := &hv.MapStatsPageInput{StatsType: hv.StatsObjectVP, TargetGPAPage: 0x7000}
	in.ObjectIdentity.VP().PartitionID = child.ID()
	if err := hv.NewClient(h.Root().Backend()).MapStatsPage(in); err != nil {
		t.Fatal(err)
	}
	return h, child, h.Root().Memory(0x7000)
}

func slot(page []byte, i int) uint64 { return binary.LittleEndian.Uint64(page[8*i:]) }

func TestFlatStatsPages(t *testing.T) {
	h, _, page := flatVP(t, 1)
	if slot(page, 0) != 0 || slot(page, 1) != 0 {
		t.Fatalf("a new page has slot 0 %d and run time %d", slot(page, 0), slot(page, 1))
	}
	gauge := slot(page, 5)
	h.Advance(10_000_000) // one second
	run, calls := slot(page, 1), slot(page, 7)
	if run == 0 || run > 10_000_000 || calls == 0 || calls > 20000 || slot(page, 5) != gauge || gauge >= 1000 {
		t.Errorf("after 1 s: run time %d, hypercalls %d, gauge %d (was %d)", run, calls, slot(page, 5), gauge)
	}
	h.Advance(10_000_000)
	if r := slot(page, 1); r < 2*run || r > 2*run+1 || slot(page, 7) < 2*calls-1 {
		t.Errorf("after 2 s: run time %d (want %d), hypercalls %d (want about %d)", slot(page, 1), 2*run, slot(page, 7), 2*calls)
	}
	// The same seed and time give the same numbers; another seed other ones.
	h2, _, page2 := flatVP(t, 1)
	h3, _, page3 := flatVP(t, 2)
	h2.Advance(20_000_000)
	h3.Advance(20_000_000)
	if slot(page2, 1) != slot(page, 1) || slot(page2, 7) != slot(page, 7) {
		t.Errorf("seed 1 twice: %d/%d and %d/%d", slot(page, 1), slot(page, 7), slot(page2, 1), slot(page2, 7))
	}
	if slot(page3, 1) == slot(page, 1) && slot(page3, 7) == slot(page, 7) {
		t.Error("seeds 1 and 2 move the counters alike")
	}
}
