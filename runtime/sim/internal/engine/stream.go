package engine

import (
	"context"
	"math/rand/v2"
	"time"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// Stream logs events of the documented entry types (hv.EventEntries, each with
// as many parameters as it documents) at about perSecond events a second,
// spread over the logical processors, until ctx is done. It advances the
// reference time with the events and returns how many were logged and how
// many were not (logging off, or no free buffer).
func (e *EventLog) Stream(ctx context.Context, typ uint32, perSecond int, seed uint64) (logged, dropped int) {
	h := e.h
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const batch = 64
	interval := time.Duration(float64(time.Second) * batch / float64(max(perSecond, 1)))
	tick := time.NewTicker(max(interval, time.Microsecond))
	defer tick.Stop()
	params := make([]uint64, 8)
	for {
		for range batch {
			d := hv.EventEntries[rng.IntN(len(hv.EventEntries))]
			n := len(d.Params)
			for i := range n {
				params[i] = rng.Uint64()
			}
			h.now.Add(uint64(1 + rng.IntN(100)))
			if e.Log(typ, rng.IntN(h.cfg.LogicalProcessors), d.ID, rng.Uint32(), params[:n]...) {
				logged++
			} else {
				dropped++
			}
		}
		select {
		case <-ctx.Done():
			return logged, dropped
		case <-tick.C:
		}
	}
}

// Source logs events of the documented entry types (hv.EventEntries, each
// with as many parameters as it documents, on a random logical processor) in
// simulated time: each Next moves the reference time on by 1/perSecond of a
// second and logs one event there, so a run is as fast as the CPU allows and
// the same seed gives the same events.
type Source struct {
	e         *EventLog
	t         uint32
	rng       *rand.Rand
	perSecond uint64
	frac      uint64 // remainder of the reference-time steps, in 1/perSecond units
	start     uint64
	params    []uint64

	Logged, Dropped int // events Log recorded and did not (see Log)
}

// NewSource starts a source of perSecond events per simulated second.
func (e *EventLog) NewSource(typ uint32, perSecond int, seed uint64) *Source {
	n := 0
	for _, d := range hv.EventEntries {
		n = max(n, len(d.Params))
	}
	h := e.h
	return &Source{e: e, t: typ, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		perSecond: uint64(max(perSecond, 1)), start: h.now.Load(), params: make([]uint64, n)}
}

// Next logs the next event and says whether it was recorded.
func (s *Source) Next() bool {
	const unitsPerSecond = 10_000_000 // reference time counts 100 ns
	s.frac += unitsPerSecond
	s.e.h.now.Add(s.frac / s.perSecond)
	s.frac %= s.perSecond
	d := &hv.EventEntries[s.rng.IntN(len(hv.EventEntries))]
	p := s.params[:len(d.Params)]
	for i := range p {
		p[i] = s.rng.Uint64()
	}
	ok := s.e.Log(s.t, s.rng.IntN(s.e.h.cfg.LogicalProcessors), d.ID, s.rng.Uint32(), p...)
	if ok {
		s.Logged++
	} else {
		s.Dropped++
	}
	return ok
}

// Elapsed is the simulated time since the source started.
func (s *Source) Elapsed() time.Duration {
	return time.Duration(s.e.h.now.Load()-s.start) * 100
}
