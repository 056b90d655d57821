package sim

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/recording"
)

// Stream logs events of the documented entry types (hv.EventEntries, each with
// as many parameters as it documents) at about perSecond events a second,
// spread over the logical processors, until ctx is done. It advances the
// reference time with the events and returns how many were logged and how
// many were not (logging off, or no free buffer).
func (h *Hypervisor) Stream(ctx context.Context, t hv.EventLogType, perSecond int, seed uint64) (logged, dropped int) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const batch = 64
	interval := time.Duration(float64(time.Second) * batch / float64(max(perSecond, 1)))
	tick := time.NewTicker(max(interval, time.Microsecond))
	defer tick.Stop()
	params := make([]uint64, 8)
	for {
		for range batch {
			e := hv.EventEntries[rng.IntN(len(hv.EventEntries))]
			n := len(e.Params)
			for i := range n {
				params[i] = rng.Uint64()
			}
			h.now.Add(uint64(1 + rng.IntN(100)))
			if h.Log(t, rng.IntN(h.cfg.LogicalProcessors), hv.EntryType(e.ID), rng.Uint32(), params[:n]...) {
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
	h         *Hypervisor
	t         hv.EventLogType
	rng       *rand.Rand
	perSecond uint64
	frac      uint64 // remainder of the reference-time steps, in 1/perSecond units
	start     uint64
	params    []uint64

	Logged, Dropped int // events Log recorded and did not (see Log)
}

// NewSource starts a source of perSecond events per simulated second.
func (h *Hypervisor) NewSource(t hv.EventLogType, perSecond int, seed uint64) *Source {
	n := 0
	for _, e := range hv.EventEntries {
		n = max(n, len(e.Params))
	}
	return &Source{h: h, t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		perSecond: uint64(max(perSecond, 1)), start: h.now.Load(), params: make([]uint64, n)}
}

// Next logs the next event and says whether it was recorded.
func (s *Source) Next() bool {
	const unitsPerSecond = 10_000_000 // reference time counts 100 ns
	s.frac += unitsPerSecond
	s.h.now.Add(s.frac / s.perSecond)
	s.frac %= s.perSecond
	e := &hv.EventEntries[s.rng.IntN(len(hv.EventEntries))]
	p := s.params[:len(e.Params)]
	for i := range p {
		p[i] = s.rng.Uint64()
	}
	ok := s.h.Log(s.t, s.rng.IntN(s.h.cfg.LogicalProcessors), hv.EntryType(e.ID), s.rng.Uint32(), p...)
	if ok {
		s.Logged++
	} else {
		s.Dropped++
	}
	return ok
}

// Elapsed is the simulated time since the source started.
func (s *Source) Elapsed() time.Duration {
	return time.Duration(s.h.now.Load()-s.start) * 100
}

// TSCFrequency is the TSC frequency the sim's TSC time basis counts at.
func (h *Hypervisor) TSCFrequency() uint64 { return h.cfg.TimeBasisTSCHz }

// WriteStatsDump saves what a partition sees at a mapped statistics page, as
// a statistics dump (recording.WriteStatsDump).
func (p *Partition) WriteStatsDump(w io.Writer, object hv.StatsObjectType, gpaPage uint64) error {
	page := p.Memory(gpaPage)
	if len(page) != hvPageSize {
		return fmt.Errorf("sim: no statistics page at GPA page %#x", gpaPage)
	}
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	return recording.WriteStatsDump(w, uint32(object), page)
}

// FillBuffers writes n complete buffers of bufferSize bytes into an
// 8-byte-aligned memory block, with entries of the documented types in equal
// proportion, each with its documented parameters, as the hypervisor lays
// them out: for benchmarks and tests of readers.
func FillBuffers(mem []byte, n, bufferSize int, t hv.EventLogType, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for i := range n {
		buf := mem[i*bufferSize : (i+1)*bufferSize]
		h := (*hv.EventLogBufferHeader)(unsafe.Pointer(&buf[0]))
		h.BufferSize, h.BufferIndex, h.Type, h.BufferState = uint32(bufferSize), hv.EventLogBufferIndex(i), t, hv.EventLogBufferStateReady
		h.NextBufferIndex = hv.EventLogBufferIndexNone
		off := bufferHeaderSize
		for {
			d := hv.EventEntries[rng.IntN(len(hv.EventEntries))]
			size := 16 + int(d.PayloadSize)
			if off+size > bufferSize {
				break
			}
			e := (*hv.EventLogEntryHeader)(unsafe.Pointer(&buf[off]))
			e.Size, e.Type, e.TimeStamp, e.Context = uint16(size), d.ID, rng.Uint64(), rng.Uint32()
			for k := 16; k < size; k += 8 {
				binary.LittleEndian.PutUint64(buf[off+k:], rng.Uint64())
			}
			off += size
		}
		h.NextBufferOffset = uint32(off)
	}
}
