package sim

import (
	"context"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"time"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// Stream logs events of the documented entry types (hv.EventEntries, each with
// as many parameters as it documents) at about perSecond events a second,
// spread over the logical processors, until ctx is done. It advances the
// reference time with the events and returns how many were logged and how
// many were not (logging off, or no free buffer).
func (h *Hypervisor) Stream(ctx context.Context, t hv.EventlogType, perSecond int, seed uint64) (logged, dropped int) {
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

// DumpMagic starts an event-log dump file.
const DumpMagic = "HVGENEL1"

// WriteDump saves every buffer of a group: the magic, then four
// little-endian uint32s (format version 1, the HV_EVENTLOG_TYPE, the buffer
// size in bytes, the number of buffers), then the buffers in index order,
// each as the hypervisor holds it (header and entries).
func (h *Hypervisor) WriteDump(w io.Writer, t hv.EventlogType) error {
	h.mu.Lock()
	g := h.group(t)
	var bufs [][]byte
	if g != nil {
		for i := range g.maxBuffers {
			if b := g.buffers[hv.EventlogBufferIndex(i)]; b != nil {
				bufs = append(bufs, append([]byte(nil), b.mem...))
			}
		}
	}
	size := 0
	if g != nil {
		size = g.pages * hvPageSize
	}
	h.mu.Unlock()
	hdr := make([]byte, 0, 24)
	hdr = append(hdr, DumpMagic...)
	for _, v := range []uint32{1, uint32(t), uint32(size), uint32(len(bufs))} {
		hdr = binary.LittleEndian.AppendUint32(hdr, v)
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	for _, b := range bufs {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}
