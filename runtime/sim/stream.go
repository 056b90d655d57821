package sim

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
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

// Source logs events of the documented entry types (hv.EventEntries, each
// with as many parameters as it documents, on a random logical processor) in
// simulated time: each Next moves the reference time on by 1/perSecond of a
// second and logs one event there, so a run is as fast as the CPU allows and
// the same seed gives the same events.
type Source struct {
	h         *Hypervisor
	t         hv.EventlogType
	rng       *rand.Rand
	perSecond uint64
	frac      uint64 // remainder of the reference-time steps, in 1/perSecond units
	start     uint64
	params    []uint64

	Logged, Dropped int // events Log recorded and did not (see Log)
}

// NewSource starts a source of perSecond events per simulated second.
func (h *Hypervisor) NewSource(t hv.EventlogType, perSecond int, seed uint64) *Source {
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

// A recording (format 2) is what the root partition read from an event-log
// group: a sequence of chunks, each one buffer as the hypervisor handed it
// over, in the order they were read. A chunk describes itself, so recordings
// can be concatenated or appended to, and a reader needs memory for one
// buffer only. A chunk is a 48-byte header, all integers little-endian:
//
//	offset size
//	 0     8   magic "HVGENELC"
//	 8     2   format version: 2
//	10     2   reserved, zero
//	12     4   HV_EVENTLOG_TYPE of the group
//	16     4   HV_EVENTLOG_ENTRY_TIME_BASIS of the group
//	20     4   payload length n: the buffer size in bytes (a multiple of 8, at most 512 pages)
//	24     8   TSC frequency in Hz (for the TSC time basis)
//	32     8   sequence number of the chunk in its recording (0, 1, ...)
//	40     4   CRC-32C (Castagnoli) of the payload
//	44     4   CRC-32C of header bytes 0-43
//
// then the n-byte payload: HV_EVENTLOG_BUFFER_HEADER and the entries. The
// header checksum makes a chunk's length trustworthy before the payload is
// read; the payload checksum catches damage to the entries. Format 1 (magic
// "HVGENEL1", WriteDump) was a snapshot of a whole group in one header.
const (
	ChunkMagic      = "HVGENELC"
	ChunkVersion    = 2
	ChunkHeaderSize = 48
	MaxChunkPayload = maxBufferPages * hvPageSize
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ChunkHeader is a decoded chunk header.
type ChunkHeader struct {
	Type      hv.EventlogType
	TimeBasis hv.EventlogEntryTimeBasis
	Length    int // payload bytes
	TSCHz     uint64
	Sequence  uint64
	Checksum  uint32 // CRC-32C of the payload
}

// AppendChunkHeader appends the encoded header (the payload checksum must be set).
func AppendChunkHeader(b []byte, h ChunkHeader) []byte {
	start := len(b)
	b = append(b, ChunkMagic...)
	b = binary.LittleEndian.AppendUint16(b, ChunkVersion)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(h.Type))
	b = binary.LittleEndian.AppendUint32(b, uint32(h.TimeBasis))
	b = binary.LittleEndian.AppendUint32(b, uint32(h.Length))
	b = binary.LittleEndian.AppendUint64(b, h.TSCHz)
	b = binary.LittleEndian.AppendUint64(b, h.Sequence)
	b = binary.LittleEndian.AppendUint32(b, h.Checksum)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// ParseChunkHeader decodes a chunk header (ChunkHeaderSize bytes) and checks
// its magic, version, checksum and length; the payload is checked with
// ChunkHeader.Verify.
func ParseChunkHeader(b []byte) (ChunkHeader, error) {
	switch {
	case len(b) < ChunkHeaderSize:
		return ChunkHeader{}, fmt.Errorf("chunk header: %d bytes, want %d", len(b), ChunkHeaderSize)
	case string(b[:8]) != ChunkMagic:
		return ChunkHeader{}, fmt.Errorf("chunk header: magic %q, want %q", b[:8], ChunkMagic)
	}
	le := binary.LittleEndian
	if v := le.Uint16(b[8:]); v != ChunkVersion {
		return ChunkHeader{}, fmt.Errorf("chunk header: format version %d, this reader knows %d", v, ChunkVersion)
	}
	if sum, want := crc32.Checksum(b[:44], castagnoli), le.Uint32(b[44:]); sum != want {
		return ChunkHeader{}, fmt.Errorf("chunk header: checksum %#08x, the header says %#08x", sum, want)
	}
	h := ChunkHeader{Type: hv.EventlogType(le.Uint32(b[12:])), TimeBasis: hv.EventlogEntryTimeBasis(le.Uint32(b[16:])),
		Length: int(le.Uint32(b[20:])), TSCHz: le.Uint64(b[24:]), Sequence: le.Uint64(b[32:]), Checksum: le.Uint32(b[40:])}
	if h.Length < bufferHeaderSize || h.Length%8 != 0 || h.Length > MaxChunkPayload {
		return ChunkHeader{}, fmt.Errorf("chunk header: payload length %d, want a multiple of 8 from %d to %d", h.Length, bufferHeaderSize, MaxChunkPayload)
	}
	return h, nil
}

// Verify checks a payload against the header's checksum.
func (h ChunkHeader) Verify(payload []byte) error {
	if sum := crc32.Checksum(payload, castagnoli); sum != h.Checksum {
		return fmt.Errorf("payload checksum %#08x, the chunk header says %#08x", sum, h.Checksum)
	}
	return nil
}

// Recorder writes a recording: one chunk per buffer handed to WriteBuffer.
type Recorder struct {
	w   io.Writer
	hdr ChunkHeader
	buf []byte
}

// NewRecorder starts a recording of a group of type t with that time basis.
func NewRecorder(w io.Writer, t hv.EventlogType, basis hv.EventlogEntryTimeBasis, tscHz uint64) *Recorder {
	return &Recorder{w: w, hdr: ChunkHeader{Type: t, TimeBasis: basis, TSCHz: tscHz}, buf: make([]byte, 0, ChunkHeaderSize)}
}

// WriteBuffer writes one buffer's memory (header and entries) as a chunk.
func (r *Recorder) WriteBuffer(mem []byte) error {
	if len(mem) < bufferHeaderSize || len(mem)%8 != 0 || len(mem) > MaxChunkPayload {
		return fmt.Errorf("sim: a %d-byte buffer cannot be recorded", len(mem))
	}
	r.hdr.Length, r.hdr.Checksum = len(mem), crc32.Checksum(mem, castagnoli)
	r.buf = AppendChunkHeader(r.buf[:0], r.hdr)
	r.hdr.Sequence++
	if _, err := r.w.Write(r.buf); err != nil {
		return err
	}
	_, err := r.w.Write(mem)
	return err
}

// DumpMagic starts an event-log dump file of format 1, DumpHeaderSize is its
// header size.
const (
	DumpMagic      = "HVGENEL1"
	DumpHeaderSize = 40
)

// WriteDump saves every buffer of a group as it is now, in format 1 (a
// snapshot; a recording is made with Recorder): the magic "HVGENEL1", then
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
