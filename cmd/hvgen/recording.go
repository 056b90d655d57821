package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/eventlog"
	"github.com/hvgen/hvgen/runtime/sim"
)

// recordingReader reads an event-log recording chunk by chunk from a stream,
// with memory for one buffer: the chunks of format 2 (sim.Recorder), and the
// whole-group snapshots of format 1 (sim.WriteDump) that earlier hvgen
// versions wrote, each of which may be followed by more of either.
type recordingReader struct {
	r     *bufio.Reader
	off   int64 // stream offset of the next unread byte
	hdr   [sim.ChunkHeaderSize]byte
	words []uint64 // payload memory, 8-byte aligned as a mapped buffer is
	v1    struct { // the rest of a format-1 snapshot being read
		left int
		hdr  sim.ChunkHeader
	}
	chunks int // chunks read completely
}

// chunk is one buffer of a recording; mem is valid until the next call.
type chunk struct {
	off      int64 // stream offset of the chunk (its header, or for format 1 the buffer)
	hdr      sim.ChunkHeader
	mem      []byte
	checksum bool // a format-2 chunk: verify checks mem against hdr.Checksum
}

// verify checks a chunk's payload against the checksum in its header
// (format 1 has none): a mismatch is a badPayload *streamError. The reader
// leaves this to the decoder's workers, so that checksums are computed in
// parallel and not in the goroutine that reads the stream.
func (c chunk) verify() error {
	if !c.checksum {
		return nil
	}
	if err := c.hdr.Verify(c.mem); err != nil {
		return &streamError{c.off, badPayload, "chunk " + err.Error()}
	}
	return nil
}

// streamError is a problem with the recording's framing at a stream offset.
// A corrupt payload (bad checksum) spoils one chunk; truncation and
// anything else end the stream.
type streamError struct {
	off  int64
	kind streamErrorKind
	msg  string
}

type streamErrorKind int

const (
	badPayload streamErrorKind = iota // the chunk is skipped, the stream goes on
	truncated                         // the stream ends inside a chunk
	badFraming                        // not a chunk where one must start; nothing after it is read
)

func (e *streamError) Error() string { return fmt.Sprintf("byte %d: %s", e.off, e.msg) }

func newRecordingReader(r io.Reader, bufSize int) *recordingReader {
	return &recordingReader{r: bufio.NewReaderSize(r, bufSize)}
}

// next returns the next chunk, io.EOF at a clean end, or a *streamError.
// It checks a chunk's header, not its payload: see chunk.verify.
func (rr *recordingReader) next() (chunk, error) {
	for {
		if rr.v1.left > 0 {
			rr.v1.left--
			return rr.payload(rr.off, rr.v1.hdr, "format-1 buffer")
		}
		start := rr.off
		head, err := rr.r.Peek(8)
		switch {
		case len(head) == 0 && err == io.EOF:
			return chunk{}, io.EOF
		case len(head) < 8 && err == io.EOF:
			if strings.HasPrefix(sim.ChunkMagic, string(head)) || strings.HasPrefix(sim.DumpMagic, string(head)) {
				return chunk{}, &streamError{start, truncated, fmt.Sprintf("the stream ends %d bytes into a chunk header", len(head))}
			}
			return chunk{}, rr.garbage(start, head)
		case err != nil:
			return chunk{}, err
		}
		switch string(head) {
		case sim.ChunkMagic:
			if err := rr.read(rr.hdr[:], start, "chunk header"); err != nil {
				return chunk{}, err
			}
			h, err := sim.ParseChunkHeader(rr.hdr[:])
			if err != nil {
				return chunk{}, &streamError{start, badFraming, err.Error()}
			}
			c, err := rr.payload(start, h, "chunk")
			c.checksum = err == nil
			return c, err
		case sim.DumpMagic:
			if err := rr.readV1Header(start); err != nil {
				return chunk{}, err
			}
		default:
			return chunk{}, rr.garbage(start, head)
		}
	}
}

func (rr *recordingReader) garbage(off int64, head []byte) error {
	return &streamError{off, badFraming, fmt.Sprintf("%q is not the start of a chunk (trailing or damaged bytes; nothing after them is read)", head)}
}

// read fills p or reports how far it got.
func (rr *recordingReader) read(p []byte, start int64, what string) error {
	n, err := io.ReadFull(rr.r, p)
	rr.off += int64(n)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &streamError{start, truncated, fmt.Sprintf("the stream ends inside a %s: %d of %d bytes", what, n, len(p))}
	}
	return err
}

// payload reads the buffer a header announces into aligned memory.
func (rr *recordingReader) payload(start int64, h sim.ChunkHeader, what string) (chunk, error) {
	if len(rr.words)*8 < h.Length {
		rr.words = make([]uint64, h.Length/8)
	}
	mem := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(rr.words))), h.Length)
	if err := rr.read(mem, start, what); err != nil {
		var se *streamError
		if errors.As(err, &se) && what == "chunk" {
			se.msg = fmt.Sprintf("the stream ends inside a chunk: %d of its %d payload bytes", rr.off-start-sim.ChunkHeaderSize, h.Length)
		}
		return chunk{}, err
	}
	rr.chunks++
	return chunk{off: start, hdr: h, mem: mem}, nil
}

// readV1Header reads a format-1 header: the magic, uint32s version (1),
// type, buffer size, buffer count, time basis, zero, then the TSC Hz.
func (rr *recordingReader) readV1Header(start int64) error {
	var b [sim.DumpHeaderSize]byte
	if err := rr.read(b[:], start, "format-1 header"); err != nil {
		return err
	}
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
	if v := u32(8); v != 1 {
		return &streamError{start, badFraming, fmt.Sprintf("format-1 header with version %d", v)}
	}
	size := int(u32(16))
	if size < eventlog.HeaderSize || size%8 != 0 || size > sim.MaxChunkPayload {
		return &streamError{start, badFraming, fmt.Sprintf("format-1 header: buffer size %d, want a multiple of 8 from %d to %d", size, eventlog.HeaderSize, sim.MaxChunkPayload)}
	}
	rr.v1.left = int(u32(20))
	rr.v1.hdr = sim.ChunkHeader{Type: hv.EventlogType(u32(12)), TimeBasis: hv.EventlogEntryTimeBasis(u32(24)), Length: size,
		TSCHz: binary.LittleEndian.Uint64(b[32:])}
	return nil
}
