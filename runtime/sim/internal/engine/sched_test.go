package engine_test

import (
	"testing"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	"github.com/hvgen/hvgen/runtime/sim"
)

// TestScheduler: VPs run on logical processors. Across the machine the VPs'
// run time is the LPs' run time, which never exceeds the time that passed;
// an LP's hypervisor time is its VPs' (a tenth of each one's run time,
// rounded down); a VP that wants less than it could gets what it wants,
// and every VP either ran or waited for what it wanted.
func TestScheduler(t *testing.T) {
	h := wdk2013sim.New(sim.Config{LogicalProcessors: 3})
	var parts []*wdk2013sim.Partition
	for i := range 3 {
		p := h.CreateChild(h.Root(), 0, 64, 4)
		for vp := range hv.VPIndex(4) {
			p.VP(vp).SetLoad(0.1 + 0.2*float64((i+int(vp))%3))
		}
		parts = append(parts, p)
	}
	h.Root().VP(0).SetLoad(0.25)
	if parts[0].VP(9).SetLoad(1) {
		t.Error("SetLoad of a VP the partition does not have")
	}
	var now uint64
	check := func(step string) {
		t.Helper()
		var vpRun, vpHyp, lpRun, lpHyp uint64
		for _, p := range append([]*wdk2013sim.Partition{h.Root()}, parts...) {
			for _, v := range p.VPs() {
				c, _ := v.Counters()
				vpRun += c.RunTime
				vpHyp += c.RunTime / 10
			}
		}
		for i, lp := range h.LPTimes() {
			if lp.Run > now || lp.Hypervisor > lp.Run {
				t.Errorf("%s: LP %d ran %d and %d in the hypervisor in %d", step, i, lp.Run, lp.Hypervisor, now)
			}
			lpRun += lp.Run
			lpHyp += lp.Hypervisor
		}
		if vpRun != lpRun || vpHyp != lpHyp {
			t.Errorf("%s: VPs ran %d (%d in the hypervisor), LPs %d (%d)", step, vpRun, vpHyp, lpRun, lpHyp)
		}
	}
	for i, d := range []uint64{1, 7, 10_000, 3_333_333, 10_000_000, 1, 25_000_000} {
		h.Advance(d)
		now += d
		check("step " + string(rune('0'+i)))
	}
	// Each VP's home LP is its place in the order of all VPs (the root's
	// first, then the partitions' by id) modulo 3. On an LP whose VPs want
	// no more than all of it, each ran what it wanted and waited for
	// nothing; on one whose VPs want more, they used all of it, and waited
	// (here 2.25, 0.4 and 1.2 LPs' worth).
	type vpRef struct {
		p    *wdk2013sim.Partition
		vp   hv.VPIndex
		load float64
	}
	refs := []vpRef{{h.Root(), 0, 0.25}}
	for i, p := range parts {
		for vp := range hv.VPIndex(4) {
			refs = append(refs, vpRef{p, vp, 0.1 + 0.2*float64((i+int(vp))%3)})
		}
	}
	var want [3]float64
	for i, r := range refs {
		want[i%3] += r.load
	}
	busy := 0
	for lp := range 3 {
		var ran, waited uint64
		for i := lp; i < len(refs); i += 3 {
			r := refs[i]
			c, _ := r.p.VP(r.vp).Counters()
			w, _ := r.p.VP(r.vp).WaitTime()
			ran += c.RunTime
			waited += w
			if want[lp] <= 1 && (w != 0 || float64(c.RunTime) < r.load*float64(now)-8 || float64(c.RunTime) > r.load*float64(now)) {
				t.Errorf("LP %d has room (%.1f wanted): VP %d of partition %d ran %d of %d at load %.1f, waited %d", lp, want[lp], r.vp, r.p.ID(), c.RunTime, now, r.load, w)
			}
		}
		if want[lp] > 1 {
			busy++
			// within a unit of the time per tick, which a tick's shares may
			// lose to rounding
			if ran > now || ran < now-7 || waited == 0 {
				t.Errorf("LP %d is over-committed (%.1f wanted): its VPs ran %d of %d and waited %d", lp, want[lp], ran, now, waited)
			}
		}
	}
	if busy == 0 || busy == 3 {
		t.Errorf("%d of 3 LPs over-committed: the test wants both kinds (%v)", busy, want)
	}
}
