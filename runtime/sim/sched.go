package sim

import (
	"math/bits"
	"slices"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
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

// sched is the scheduler's state.
type sched struct {
	vps  map[*vp]*vpSched
	lps  []lpSched
	gen  uint64
	want []uint64 // per VP of one tick, reused
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
func (h *Hypervisor) vpSchedOf(v *vp) *vpSched {
	if h.sched.vps == nil {
		h.sched.vps = map[*vp]*vpSched{}
	}
	s := h.sched.vps[v]
	if s == nil {
		now := h.now.Load()
		s = &vpSched{load: loadUnit, since: now}
		h.sched.vps[v] = s
	}
	return s
}

// SetLoad sets the share of a logical processor a VP of the partition wants
// to run, from 0 to 1 (the default); it reports whether the VP exists.
func (p *Partition) SetLoad(vpIndex uint32, share float64) bool {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	v := p.vp[hv.VPIndex(vpIndex)]
	if v == nil {
		return false
	}
	s := p.h.vpSchedOf(v)
	now := p.h.now.Load()
	s.base += mulDiv(now-s.since, s.load, loadUnit)
	s.since = now
	s.load = uint64(min(max(share, 0), 1) * loadUnit)
	return true
}

// tickVPs runs the VPs for d units of reference time (h.now is already the
// end of it).
func (h *Hypervisor) tickVPs(d uint64) {
	now := h.now.Load()
	nLP := len(h.lpStats)
	if len(h.sched.lps) != nLP {
		h.sched.lps = make([]lpSched, nLP)
	}
	if h.sched.vps == nil {
		h.sched.vps = map[*vp]*vpSched{}
	}
	h.sched.gen++
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
	want := h.sched.want[:0]
	lpWant := make([]uint64, nLP)
	for i, v := range order {
		s := h.sched.vps[v]
		if s == nil {
			// first seen at this tick: it existed through the tick
			s = &vpSched{load: loadUnit, since: now - d}
			h.sched.vps[v] = s
		}
		s.gen = h.sched.gen
		total := s.base + mulDiv(now-s.since, s.load, loadUnit)
		w := min(total-s.wanted, d)
		s.wanted = total
		want = append(want, w)
		lpWant[i%nLP] += w
	}
	h.sched.want = want
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
		s := h.sched.vps[v]
		s.wait += w - run
		before := v.runTime.Load()
		after := v.runTime.Add(run)
		h.sched.lps[lp].run += run
		h.sched.lps[lp].hypervisor += after/10 - before/10
	}
	for v, s := range h.sched.vps {
		if s.gen != h.sched.gen {
			delete(h.sched.vps, v) // the VP is gone
		}
	}
	if nLP > 0 {
		h.lpRun, h.lpHypervisor = h.sched.lps[0].run, h.sched.lps[0].hypervisor
	}
}

// mulDiv is a*b/c, rounded down, for a*b/c that fits in 64 bits.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// LPTimes are a logical processor's times, in 100 ns units.
type LPTimes struct {
	Run        uint64 // running VPs (their hypervisor time included)
	Hypervisor uint64 // in the hypervisor on the VPs' behalf
}

// LPTimes returns each logical processor's times.
func (h *Hypervisor) LPTimes() []LPTimes {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]LPTimes, len(h.lpStats))
	for i := range out {
		if i < len(h.sched.lps) {
			out[i] = LPTimes{Run: h.sched.lps[i].run, Hypervisor: h.sched.lps[i].hypervisor}
		}
	}
	return out
}

// WaitTime returns the time a VP of the partition wanted to run and found
// its logical processor busy, in 100 ns units, and whether the VP exists.
func (p *Partition) WaitTime(vpIndex uint32) (uint64, bool) {
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	v := p.vp[hv.VPIndex(vpIndex)]
	if v == nil {
		return 0, false
	}
	if s := p.h.sched.vps[v]; s != nil {
		return s.wait, true
	}
	return 0, true
}
