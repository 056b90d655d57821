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

// DumpMagic starts an event-log dump file, DumpHeaderSize is its header size.
const (
	DumpMagic      = "HVGENEL1"
	DumpHeaderSize = 40
)

// WriteDump saves every buffer of a group: the magic "HVGENEL1", then
// little-endian uint32s: format version (1), HV_EVENTLOG_TYPE, buffer size in
// bytes, number of buffers, HV_EVENTLOG_ENTRY_TIME_BASIS, zero; then the TSC
// frequency as a uint64 (40 bytes in all); then the buffers in index order,
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
	size, basis := 0, uint32(0)
	if g != nil {
		size, basis = g.pages*hvPageSize, uint32(g.timeBasis)
	}
	h.mu.Unlock()
	hdr := make([]byte, 0, DumpHeaderSize)
	hdr = append(hdr, DumpMagic...)
	for _, v := range []uint32{1, uint32(t), uint32(size), uint32(len(bufs)), basis, 0} {
		hdr = binary.LittleEndian.AppendUint32(hdr, v)
	}
	hdr = binary.LittleEndian.AppendUint64(hdr, h.cfg.TimeBasisTSCHz)
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

// StatsDumpMagic starts a statistics page dump: the magic, a uint32 format
// version (1), the HV_STATS_OBJECT_TYPE, then the 4096-byte page.
const StatsDumpMagic = "HVGENST1"

// WriteStatsDump saves what a partition sees at a mapped statistics page.
func (p *Partition) WriteStatsDump(w io.Writer, object hv.StatsObjectType, gpaPage uint64) error {
	page := p.Memory(gpaPage)
	if len(page) != hvPageSize {
		return fmt.Errorf("sim: no statistics page at GPA page %#x", gpaPage)
	}
	hdr := append([]byte(StatsDumpMagic), 1, 0, 0, 0)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(object))
	p.h.mu.Lock()
	defer p.h.mu.Unlock()
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	_, err := w.Write(page)
	return err
}

// FillBuffers writes n complete buffers of bufferSize bytes into an
// 8-byte-aligned memory block, with entries of the documented types in equal
// proportion, each with its documented parameters, as the hypervisor lays
// them out: for benchmarks and tests of readers.
func FillBuffers(mem []byte, n, bufferSize int, t hv.EventlogType, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for i := range n {
		buf := mem[i*bufferSize : (i+1)*bufferSize]
		h := (*hv.EventlogBufferHeader)(unsafe.Pointer(&buf[0]))
		h.BufferSize, h.BufferIndex, h.Type, h.BufferState = uint32(bufferSize), hv.EventlogBufferIndex(i), t, hv.EventLogBufferStateReady
		h.NextBufferIndex = hv.EventlogBufferIndexNone
		off := bufferHeaderSize
		for {
			d := hv.EventEntries[rng.IntN(len(hv.EventEntries))]
			size := 16 + int(d.PayloadSize)
			if off+size > bufferSize {
				break
			}
			e := (*hv.EventlogEntryHeader)(unsafe.Pointer(&buf[off]))
			e.Size, e.Type, e.TimeStamp, e.Context = uint16(size), d.ID, rng.Uint64(), rng.Uint32()
			for k := 16; k < size; k += 8 {
				binary.LittleEndian.PutUint64(buf[off+k:], rng.Uint64())
			}
			off += size
		}
		h.NextBufferOffset = uint32(off)
	}
}
