package engine

import (
	"math/bits"
	"slices"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
)

// The scheduler. Each VP wants a share of a logical processor, its load
// (all of one by default; SetLoad changes it); each VP has a home logical
// processor, the one at its place in the order of all VPs (partitions by
// id, VPs by index) modulo the number of logical processors; a logical
// processor runs what its VPs want, and when they want more than the time
// that passed, gives each a part proportional to what it wants, the rest
// being time the VP waited. So the VPs' run time across the machine never
// exceeds the logical processors' time, and a logical processor's run time
// is the run time of the VPs on it, its hypervisor run time their
// hypervisor run time (a tenth of each VP's run time, the sim's choice).

// loadUnit is the scale of a load: loadUnit is all of one logical processor.
const loadUnit = 1 << 32

// scheduler is the scheduler's state.
type scheduler struct {
	h    *Hypervisor
	vps  map[*vp]*vpSched
	lps  []lpSched
	gen  uint64
	want []uint64 // per VP of one tick, reused
	// The times of logical processor 0, where the sim runs the calls.
	lp0Run, lp0Hypervisor uint64
}

// vpSched is what the scheduler keeps for a VP: what it wants since base
// was reset, and the time it waited.
type vpSched struct {
	load   uint64 // loadUnit: all of a logical processor
	since  uint64 // reference time the load applies from
	base   uint64 // what the VP wanted up to since
	wanted uint64 // what it wanted up to the last tick
	wait   uint64 // time it wanted to run and could not
	gen    uint64 // the last tick that saw the VP
}

// lpSched is a logical processor's run time and the hypervisor's part of it.
type lpSched struct {
	run, hypervisor uint64
}

// vpSchedOf returns the scheduler's record of a VP, made on first use.
func (c *scheduler) vpSchedOf(v *vp) *vpSched {
	if c.vps == nil {
		c.vps = map[*vp]*vpSched{}
	}
	s := c.vps[v]
	if s == nil {
		now := c.h.now.Load()
		s = &vpSched{load: loadUnit, since: now}
		c.vps[v] = s
	}
	return s
}

// SetLoad sets the share of a logical processor the VP wants to run, from
// 0 to 1 (the default); it reports whether the VP exists.
func (x *VP) SetLoad(share float64) bool {
	return x.with(func(v *vp) {
		c := &x.p.h.sched
		s := c.vpSchedOf(v)
		now := x.p.h.now.Load()
		s.base += mulDiv(now-s.since, s.load, loadUnit)
		s.since = now
		s.load = uint64(min(max(share, 0), 1) * loadUnit)
	})
}

// WaitTime returns the time the VP wanted to run and found its logical
// processor busy, in 100 ns units, and whether the VP exists.
func (x *VP) WaitTime() (uint64, bool) {
	var w uint64
	ok := x.with(func(v *vp) {
		if s := x.p.h.sched.vps[v]; s != nil {
			w = s.wait
		}
	})
	return w, ok
}

// tick runs the VPs for d units of reference time (h.now is already the
// end of it).
func (c *scheduler) tick(d uint64) {
	h := c.h
	now := h.now.Load()
	nLP := h.cfg.LogicalProcessors
	if len(c.lps) != nLP {
		c.lps = make([]lpSched, nLP)
	}
	if c.vps == nil {
		c.vps = map[*vp]*vpSched{}
	}
	c.gen++
	ids := make([]hv.PartitionID, 0, len(h.partitions))
	for id := range h.partitions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var order []*vp
	for _, id := range ids {
		p := h.partitions[id]
		for i := range hv.VPIndex(maxVPs) {
			if v := p.vp[i]; v != nil {
				order = append(order, v)
			}
		}
	}
	// What each VP wants of this tick, and what each LP's VPs want together.
	want := c.want[:0]
	lpWant := make([]uint64, nLP)
	for i, v := range order {
		s := c.vps[v]
		if s == nil {
			// first seen at this tick: it existed through the tick
			s = &vpSched{load: loadUnit, since: now - d}
			c.vps[v] = s
		}
		s.gen = c.gen
		total := s.base + mulDiv(now-s.since, s.load, loadUnit)
		w := min(total-s.wanted, d)
		s.wanted = total
		want = append(want, w)
		lpWant[i%nLP] += w
	}
	c.want = want
	// An LP whose VPs want more than it has gives each a share proportional
	// to what it wants, rounded down; the units the rounding leaves go one
	// each to its first VPs, so that a busy LP runs all of the time.
	left := make([]uint64, nLP)
	for lp := range left {
		left[lp] = d
	}
	runs := make([]uint64, len(order))
	for i := range order {
		lp := i % nLP
		runs[i] = want[i]
		if lpWant[lp] > d {
			runs[i] = mulDiv(want[i], d, lpWant[lp])
		}
		left[lp] -= runs[i]
	}
	for i, v := range order {
		lp := i % nLP
		w, run := want[i], runs[i]
		if lpWant[lp] > d && left[lp] > 0 && run < w {
			run++
			left[lp]--
		}
		s := c.vps[v]
		s.wait += w - run
		before := v.runTime.Load()
		after := v.runTime.Add(run)
		c.lps[lp].run += run
		c.lps[lp].hypervisor += after/10 - before/10
	}
	for v, s := range c.vps {
		if s.gen != c.gen {
			delete(c.vps, v) // the VP is gone
		}
	}
	if nLP > 0 {
		c.lp0Run, c.lp0Hypervisor = c.lps[0].run, c.lps[0].hypervisor
	}
}

// mulDiv is a*b/c, rounded down, for a*b/c that fits in 64 bits.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// LPTimes returns each logical processor's times.
func (h *Hypervisor) LPTimes() []sim.LPTimes {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]sim.LPTimes, h.cfg.LogicalProcessors)
	for i := range out {
		if i < len(h.sched.lps) {
			out[i] = sim.LPTimes{Run: h.sched.lps[i].run, Hypervisor: h.sched.lps[i].hypervisor}
		}
	}
	return out
}
