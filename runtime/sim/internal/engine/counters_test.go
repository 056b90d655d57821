package engine_test

import (
	"testing"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// TestCountersMove: the hooks the statistics pages read move with the work:
// hypercalls counted on the partition and its lowest VP, run time with
// Advance, mapped pages and pool pages with the calls.
func TestCountersMove(t *testing.T) {
	w := newWorld(t)
	before := w.a.Counters()
	vp0, _ := w.a.VP(0).Counters()
	var out hv.GetPartitionIDOutput
	for range 5 {
		must(t, w.ac.GetPartitionID(&out))
	}
	w.mapRAM(t, w.a.ID(), 0x10, 3, 7)
	w.h.Advance(700)
	after := w.a.Counters()
	vp0after, _ := w.a.VP(0).Counters()
	vp1, _ := w.a.VP(1).Counters()
	if after.Hypercalls != before.Hypercalls+5 || vp0after.Hypercalls != vp0.Hypercalls+5 || vp1.Hypercalls != 0 {
		t.Errorf("hypercalls: partition %d -> %d, VP 0 %d -> %d, VP 1 %d", before.Hypercalls, after.Hypercalls, vp0.Hypercalls, vp0after.Hypercalls, vp1.Hypercalls)
	}
	if after.MappedPages != 3 || after.PoolInUse != before.PoolInUse+1 || after.VPs != 2 {
		t.Errorf("counters %+v (before %+v)", after, before)
	}
	// VP 0 wants all of its logical processor and shares it with others
	// (sched.go): what it did not run it waited.
	wait, _ := w.a.VP(0).WaitTime()
	if ran := vp0after.RunTime - vp0.RunTime; ran == 0 || ran+wait != 700 {
		t.Errorf("VP 0 run time %d -> %d, waited %d; want run and wait to make 700", vp0.RunTime, vp0after.RunTime, wait)
	}
	ps := w.h.Partitions()
	if len(ps) != 4 || ps[0] != w.rootPart || ps[1] != w.a {
		t.Errorf("partitions %v", ps)
	}
}
