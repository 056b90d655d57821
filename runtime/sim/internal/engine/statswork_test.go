package engine_test

import (
	"errors"
	"testing"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/stats"
)

// statsReader reads a counter by name from a mapped page of either layout.
type statsReader func(t *testing.T, page []byte, obj hv.StatsObjectType, name string) uint64

// groupedCounter reads a 2013 page through runtime/stats.
func groupedCounter(t *testing.T, page []byte, obj hv.StatsObjectType, name string) uint64 {
	t.Helper()
	p, err := stats.Parse(page, obj, hv.StatsGroups[:])
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range hv.StatsGroups {
		for _, c := range g.Counters {
			if g.Object == uint32(obj) && g.HasID && c.Name == name {
				v, ok := p.Counter(g.ID, int(c.Index))
				if !ok {
					t.Fatalf("%s: not on the page", name)
				}
				return v
			}
		}
	}
	t.Fatalf("no 2013 counter %s", name)
	return 0
}

// workTable is a flat layout with linux-7.0 names the sim takes from its
// state, at indexes of the test's choosing.
var workTable = []sim.FlatCounter{
	{Object: uint32(hv.StatsObjectHypervisor), Index: 2, Name: "HvPartitions", Kind: sim.FlatGauge},
	{Object: uint32(hv.StatsObjectHypervisor), Index: 3, Name: "HvTotalPages", Kind: sim.FlatGauge},
	{Object: uint32(hv.StatsObjectPartition), Index: 1, Name: "PtVirtualProcessors", Kind: sim.FlatGauge},
	{Object: uint32(hv.StatsObjectPartition), Index: 3, Name: "PtDepositedPages", Kind: sim.FlatGauge},
	{Object: uint32(hv.StatsObjectPartition), Index: 4, Name: "PtGpaPages", Kind: sim.FlatGauge},
	{Object: uint32(hv.StatsObjectVP), Index: 1, Name: "VpTotalRunTime", Kind: sim.FlatTime},
	{Object: uint32(hv.StatsObjectVP), Index: 4, Name: "VpHypercallsCount", Kind: sim.FlatEvents},
	{Object: uint32(hv.StatsObjectVP), Index: 9, Name: "VpCpuidInstructionsCount", Kind: sim.FlatEvents},
	{Object: uint32(hv.StatsObjectVP), Index: 10, Name: "VpHltInstructionsCount", Kind: sim.FlatEvents},
}

var flatNames = map[string]int{}

func init() {
	for _, c := range workTable {
		flatNames[c.Name] = c.Index
	}
}

// 2013 name -> linux-7.0 name, for the flat run of the test.
var linuxName = map[string]string{
	"Partitions": "HvPartitions", "TotalPages": "HvTotalPages", "VirtualProcessors": "PtVirtualProcessors",
	"DepositedPages": "PtDepositedPages", "GpaPages": "PtGpaPages", "TotalRunTime": "VpTotalRunTime",
	"HypercallsPerSec": "VpHypercallsCount", "CpuidInstructionsPerSec": "VpCpuidInstructionsCount",
}

func flatCounter(t *testing.T, page []byte, _ hv.StatsObjectType, name string) uint64 {
	t.Helper()
	i, ok := flatNames[linuxName[name]]
	if !ok {
		t.Fatalf("no flat counter for %s", name)
	}
	return slot(page, i)
}

// TestStatsFollowWork: in both layouts, the counters of a partition made
// through the hypercalls move with what it does: VPs, deposited and GPA
// pages, hypercalls and intercepts on the VP that took them, run time; a VP
// index nobody created has no page; deleting the partition unmaps its pages
// and gives every page back.
func TestStatsFollowWork(t *testing.T) {
	for _, layout := range []struct {
		name string
		flat []sim.FlatCounter
		read statsReader
	}{{"wdk-2013", nil, groupedCounter}, {"flat", workTable, flatCounter}} {
		t.Run(layout.name, func(t *testing.T) {
			read := layout.read
			h := wdk2013sim.New(sim.Config{FlatStats: layout.flat, Seed: 3})
			root := hv.NewClient(h.Root().Backend())
			pool0, ram0 := h.Root().PoolPages(), len(h.Root().RAM())

			var created hv.CreatePartitionOutput
			must(t, root.CreatePartition(&hv.CreatePartitionInput{}, &created))
			id := created.NewPartitionID
			var pages []hv.GPAPageNumber
			for _, p := range h.Root().GiveRAM(16) {
				pages = append(pages, hv.GPAPageNumber(p))
			}
			ram0 += 16
			if _, err := root.DepositMemory(&hv.DepositMemoryInput{PartitionID: id}, pages); err != nil {
				t.Fatal(err)
			}
			must(t, root.InitializePartition(&hv.InitializePartitionInput{PartitionID: id}))
			for _, vp := range []hv.VPIndex{0, 2} { // a gap at 1
				must(t, root.CreateVP(&hv.CreateVPInput{PartitionID: id, VPIndex: vp}))
			}
			child := h.Partition(id)

			mapPage := func(typ hv.StatsObjectType, vp hv.VPIndex, gpa uint64) error {
				in := &hv.MapStatsPageInput{StatsType: typ, TargetGPAPage: hv.GPAPageNumber(gpa)}
				if typ == hv.StatsObjectVP {
					in.ObjectIdentity.VP().PartitionID, in.ObjectIdentity.VP().VPIndex = id, vp
				} else {
					in.ObjectIdentity.Partition().PartitionID = id
				}
				return root.MapStatsPage(in)
			}
			if err := mapPage(hv.StatsObjectVP, 1, 0x9001); !errors.Is(err, hv.StatusInvalidVPIndex) {
				t.Errorf("mapping the page of VP 1, never created: %v", err)
			}
			must(t, mapPage(hv.StatsObjectPartition, 0, 0x9000))
			must(t, mapPage(hv.StatsObjectVP, 0, 0x9010))
			must(t, mapPage(hv.StatsObjectVP, 2, 0x9012))
			var vps []uint32
			for _, o := range h.Stats().Objects(nil) {
				if o.Type == hv.StatsObjectVP && o.Partition == id {
					vps = append(vps, o.Index)
				}
			}
			if len(vps) != 2 || vps[0] != 0 || vps[1] != 2 {
				t.Errorf("VP objects of the child %v, want [0 2]", vps)
			}
			pt, vp0, vp2 := h.Root().Memory(0x9000), h.Root().Memory(0x9010), h.Root().Memory(0x9012)
			if got := read(t, pt, hv.StatsObjectPartition, "VirtualProcessors"); got != 2 {
				t.Errorf("partition page: %d VPs, want 2", got)
			}
			if got := read(t, pt, hv.StatsObjectPartition, "DepositedPages"); got != 16 {
				t.Errorf("partition page: %d deposited pages, want 16", got)
			}

			// Work: the child's hypercalls, GPA pages, CPUID intercepts.
			cc := hv.NewClient(child.Backend())
			var out hv.GetPartitionIDOutput
			for range 5 {
				_ = cc.GetPartitionID(&out) // counted, whatever its status
			}
			var ram []hv.GPAPageNumber
			for _, p := range h.Root().GiveRAM(3) {
				ram = append(ram, hv.GPAPageNumber(p))
			}
			ram0 += 3
			if _, err := root.MapGPAPages(&hv.MapGPAPagesInput{TargetPartitionID: id, TargetGPABase: 0x100,
				MapFlags: hv.MapGPAReadable | hv.MapGPAWritable}, ram); err != nil {
				t.Fatal(err)
			}
			ic := &hv.InstallInterceptInput{PartitionID: id, AccessType: uint32(hv.InterceptAccessMaskExecute), InterceptType: hv.InterceptTypeX64CPUID}
			*ic.InterceptParameter.AsUint64() = 1
			must(t, root.InstallIntercept(ic))
			for range 3 {
				if !child.VP(2).Intercept(hv.InterceptTypeX64CPUID, 1, hv.InterceptAccessMaskExecute) {
					t.Fatal("CPUID intercept not taken")
				}
			}
			if got := read(t, vp0, hv.StatsObjectVP, "HypercallsPerSec"); got != 5 {
				t.Errorf("VP 0: %d hypercalls, want 5", got)
			}
			if got := read(t, vp2, hv.StatsObjectVP, "HypercallsPerSec"); got != 0 {
				t.Errorf("VP 2: %d hypercalls, want 0 (the lowest VP runs the calls)", got)
			}
			if got := read(t, vp2, hv.StatsObjectVP, "CpuidInstructionsPerSec"); got != 3 {
				t.Errorf("VP 2: %d CPUID intercepts, want 3", got)
			}
			if got := read(t, pt, hv.StatsObjectPartition, "GpaPages"); got != 3 {
				t.Errorf("partition page: %d GPA pages, want 3", got)
			}
			h.Advance(1234)
			for i, p := range [][]byte{vp0, vp2} {
				if got := read(t, p, hv.StatsObjectVP, "TotalRunTime"); got != 1234 {
					t.Errorf("VP %d: run time %d, want 1234", 2*i, got)
				}
			}

			// Delete it all; every page comes back, the pages vanish.
			must(t, root.FinalizePartition(&hv.FinalizePartitionInput{PartitionID: id}))
			avail, _ := child.PoolBalance()
			if avail != 16 {
				t.Errorf("after finalize the child's pool has %d free pages, want 16", avail)
			}
			back := make([]hv.GPAPageNumber, 16)
			if n, err := root.WithdrawMemory(&hv.WithdrawMemoryInput{PartitionID: id}, back); err != nil || n != 16 {
				t.Fatalf("withdraw: %d, %v", n, err)
			}
			must(t, root.DeletePartition(&hv.DeletePartitionInput{PartitionID: id}))
			for _, gpa := range []hv.GPAPageNumber{0x9000, 0x9010, 0x9012} {
				if h.Root().Memory(gpa) != nil {
					t.Errorf("GPA page %#x still holds the deleted partition's statistics", gpa)
				}
			}
			if p, r := h.Root().PoolPages(), len(h.Root().RAM()); p != pool0 || r != ram0 {
				t.Errorf("root pool %d, RAM %d after the deletion; want %d and %d", p, r, pool0, ram0)
			}
			for _, o := range h.Stats().Objects(nil) {
				if o.Partition == id {
					t.Errorf("deleted partition still has %+v", o)
				}
			}
			if err := mapPage(hv.StatsObjectPartition, 0, 0x9000); !errors.Is(err, hv.StatusInvalidPartitionID) {
				t.Errorf("mapping a deleted partition's page: %v", err)
			}
		})
	}
}

// TestStatsDeleteVP: deleting a VP unmaps its page and gives the mapping's
// pool page back; the partition's page counts one VP fewer.
func TestStatsDeleteVP(t *testing.T) {
	h := wdk2013sim.New(sim.Config{})
	child := h.CreateChild(h.Root(), wdk2013sim.PrivilegeAccessStats, 8, 2)
	root := hv.NewClient(h.Root().Backend())
	in := &hv.MapStatsPageInput{StatsType: hv.StatsObjectVP, TargetGPAPage: 0x7000}
	in.ObjectIdentity.VP().PartitionID, in.ObjectIdentity.VP().VPIndex = child.ID(), 1
	must(t, root.MapStatsPage(in))
	pin := &hv.MapStatsPageInput{StatsType: hv.StatsObjectPartition, TargetGPAPage: 0x7001}
	pin.ObjectIdentity.Partition().PartitionID = child.ID()
	must(t, root.MapStatsPage(pin))
	pool := h.Root().PoolPages()
	must(t, root.DeleteVP(&hv.DeleteVPInput{PartitionID: child.ID(), VPIndex: 1}))
	if h.Root().Memory(0x7000) != nil || h.Root().PoolPages() != pool+sim.StatsPagePoolPages {
		t.Errorf("after DeleteVP: page mapped %v, root pool %d (was %d)", h.Root().Memory(0x7000) != nil, h.Root().PoolPages(), pool)
	}
	if got := groupedCounter(t, h.Root().Memory(0x7001), hv.StatsObjectPartition, "VirtualProcessors"); got != 1 {
		t.Errorf("partition page: %d VPs, want 1", got)
	}
	if err := root.MapStatsPage(in); !errors.Is(err, hv.StatusInvalidVPIndex) {
		t.Errorf("mapping a deleted VP's page: %v", err)
	}
}
