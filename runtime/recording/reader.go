package recording

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"iter"
	"strings"

	"github.com/hvgen/hvgen/runtime/eventlog"
)

// Reader reads a recording as a stream, with memory for one buffer: the
// chunks of format 2, the snapshots of format 1, and end records. It is not
// safe for concurrent use.
type Reader struct {
	r   *bufio.Reader
	own *bufio.Reader // the read-ahead buffer made for a reader that is not a *bufio.Reader, kept by Reset
	off int64         // stream offset of the next unread byte
	hdr [ChunkHeaderSize]byte
	err error // the error that ended the stream; ReadChunk returns it again

	// sequence numbers: next is what the next chunk must have when started
	// is set (a chunk of this recording was read)
	next    uint64
	started bool

	v1 struct { // the rest of a format-1 snapshot being read
		left, index int
		group       Group
		size        int
	}
	chunks int    // chunks read completely
	lost   uint64 // events lost the end records report
	ends   int    // end records read

	cur Chunk // the chunk Buffers reads into
	buf eventlog.Buffer
}

// readerBufferSize is the read-ahead of a Reader that makes its own
// bufio.Reader: large reads keep a big recording's decoding fast.
const readerBufferSize = 1 << 20

// NewReader returns a reader of the recording r holds. A *bufio.Reader is
// used as it is; any other reader gets a 1 MiB read-ahead buffer.
func NewReader(r io.Reader) *Reader {
	rd := new(Reader)
	rd.Reset(r)
	return rd
}

// Reset makes rd read the recording r holds, from its start, as NewReader
// does, but keeping rd's memory (its read-ahead buffer and the memory of
// one buffer): a program reading many recordings allocates once.
func (rd *Reader) Reset(r io.Reader) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		if rd.own == nil {
			rd.own = bufio.NewReaderSize(r, readerBufferSize)
		}
		rd.own.Reset(r)
		br = rd.own
	}
	*rd = Reader{r: br, own: rd.own, cur: Chunk{words: rd.cur.words}, buf: rd.buf}
}

// Offset is the number of bytes read from the stream so far.
func (r *Reader) Offset() int64 { return r.off }

// Chunks is the number of chunks (and format-1 buffers) read completely,
// whatever their payload checksums say.
func (r *Reader) Chunks() int { return r.chunks }

// UnreportedLost is the events lost that the end records read so far
// report (those no buffer header has; see Writer.AddUnreportedLost).
func (r *Reader) UnreportedLost() uint64 { return r.lost }

// EndRecords is the number of end records read so far: a recording that a
// Writer closed has one; one that was cut short or written by an earlier
// hvgen has none.
func (r *Reader) EndRecords() int { return r.ends }

// Chunk is the chunk of the buffer Buffers yielded last.
func (r *Reader) Chunk() *Chunk { return &r.cur }

// Buffers ranges over the buffers of the recording in order, each checked
// against its chunk's checksum and viewed as an eventlog.Buffer (valid until
// the next iteration; Chunk says where it came from). Damage is yielded as
// an *Error with a nil buffer: a chunk with a bad payload or a buffer header
// that does not fit is skipped and a gap in the sequence numbers reported,
// and the walk goes on; truncation, bytes that are not a chunk, a damaged
// chunk header and read errors end it.
func (r *Reader) Buffers() iter.Seq2[*eventlog.Buffer, error] {
	return func(yield func(*eventlog.Buffer, error) bool) {
		for {
			err := r.ReadChunk(&r.cur)
			switch {
			case err == io.EOF:
				return
			case errors.Is(err, ErrGap):
				if !yield(nil, err) {
					return
				}
				if r.cur.Payload == nil {
					continue
				}
			case err != nil:
				yield(nil, err)
				return
			}
			if err := r.cur.Verify(); err != nil {
				if !yield(nil, err) {
					return
				}
				continue
			}
			if err := r.cur.Buffer(&r.buf); err != nil {
				if !yield(nil, err) {
					return
				}
				continue
			}
			if !yield(&r.buf, nil) {
				return
			}
		}
	}
}

// ReadChunk reads the next chunk into c, reusing c's memory, and checks its
// header but not its payload (Chunk.Verify does, so that a reader may check
// chunks in parallel). It returns io.EOF at a clean end. An error wrapping
// ErrGap does not end the recording: chunks are missing before c, which is
// sound when c.Payload is not nil (a gap an end record reveals has no chunk
// with it). Any other error ends the recording, and ReadChunk returns it
// again after.
func (r *Reader) ReadChunk(c *Chunk) error {
	if r.err != nil {
		return r.err
	}
	err := r.readChunk(c)
	if err != nil && !errors.Is(err, ErrGap) {
		r.err = err
	}
	return err
}

func (r *Reader) readChunk(c *Chunk) error {
	c.Payload = nil
	for {
		if r.v1.left > 0 {
			r.v1.left--
			r.v1.index++
			c.Format, c.Sequence, c.Group = 1, uint64(r.v1.index-1), r.v1.group
			return r.payload(c, r.off, r.v1.size, "a format-1 buffer")
		}
		start := r.off
		head, err := r.r.Peek(8)
		switch {
		case len(head) == 0 && err == io.EOF:
			return io.EOF
		case len(head) < 8 && err == io.EOF:
			for _, m := range []string{chunkMagic, endMagic, snapshotMagic} {
				if strings.HasPrefix(m, string(head)) {
					return errorAt(start, ErrTruncated, "the stream ends %d bytes into a chunk header", len(head))
				}
			}
			return garbage(start, head)
		case err != nil:
			return err
		}
		switch string(head) {
		case chunkMagic:
			if err := r.read(r.hdr[:], start, "a chunk header"); err != nil {
				return err
			}
			h, err := parseChunkHeader(r.hdr[:], start)
			if err != nil {
				return err
			}
			c.Format, c.Sequence, c.Group, c.checksum = 2, h.sequence, h.group, h.checksum
			if err := r.payload(c, start, h.length, "a chunk"); err != nil {
				return err
			}
			return r.sequence(c)
		case endMagic:
			if err := r.end(start); err != nil {
				return err
			}
		case snapshotMagic:
			if err := r.snapshot(start); err != nil {
				return err
			}
		default:
			return garbage(start, head)
		}
	}
}

// sequence checks a chunk's sequence number against the previous chunk's.
func (r *Reader) sequence(c *Chunk) error {
	want, started := r.next, r.started
	r.next, r.started = c.Sequence+1, true
	switch {
	case c.Sequence == 0, c.Sequence == want && started:
		return nil
	case !started:
		return errorAt(c.Offset, ErrGap, "chunk %d starts the recording: chunks 0 to %d are missing", c.Sequence, c.Sequence-1)
	default:
		return errorAt(c.Offset, ErrGap, "chunk %d follows chunk %d of the recording: chunks are missing", c.Sequence, want-1)
	}
}

// end reads an end record.
func (r *Reader) end(start int64) error {
	if err := r.read(r.hdr[:], start, "an end record"); err != nil {
		return err
	}
	if err := checkHeader(r.hdr[:], start, "end record"); err != nil {
		return err
	}
	le := binary.LittleEndian
	chunks, lost := le.Uint64(r.hdr[16:]), le.Uint64(r.hdr[24:])
	r.lost += lost
	r.ends++
	want := uint64(0)
	if r.started {
		want = r.next
	}
	r.next, r.started = 0, false // a recording appended after this one starts at 0
	if chunks != want {
		return errorAt(start, ErrGap, "the end record counts %d chunks, the recording ends after chunk %d: chunks are missing at its end", chunks, int64(want)-1)
	}
	return nil
}

func garbage(off int64, head []byte) error {
	return errorAt(off, ErrTrailing, "%q is not the start of a chunk (trailing or damaged bytes; nothing after them is read)", head)
}

// read fills p or reports how far it got.
func (r *Reader) read(p []byte, start int64, what string) error {
	n, err := io.ReadFull(r.r, p)
	r.off += int64(n)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errorAt(start, ErrTruncated, "the stream ends inside %s: %d of %d bytes", what, n, len(p))
	}
	return err
}

// payload reads a buffer of n bytes into c's aligned memory.
func (r *Reader) payload(c *Chunk, start int64, n int, what string) error {
	mem := c.payloadMemory(n)
	c.Offset = start
	if err := r.read(mem, start, what); err != nil {
		var e *Error
		if errors.As(err, &e) && what == "a chunk" {
			e.Detail = "the stream ends inside a chunk: " + itoa(r.off-start-ChunkHeaderSize) + " of its " + itoa(int64(n)) + " payload bytes"
		}
		return err
	}
	c.Payload = mem
	r.chunks++
	return nil
}

// snapshot reads a format-1 header: the magic, uint32s version (1), type,
// buffer size, buffer count, time basis, zero, then the TSC Hz.
func (r *Reader) snapshot(start int64) error {
	var b [snapshotSize]byte
	if err := r.read(b[:], start, "a format-1 header"); err != nil {
		return err
	}
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }
	if v := u32(8); v != 1 {
		return errorAt(start, ErrVersion, "format-1 header with version %d", v)
	}
	size := int(u32(16))
	if size < eventlog.HeaderSize || size%8 != 0 || size > MaxPayload {
		return errorAt(start, ErrFormat, "format-1 header: buffer size %d, want a multiple of 8 from %d to %d", size, eventlog.HeaderSize, MaxPayload)
	}
	r.v1.left, r.v1.index, r.v1.size = int(u32(20)), 0, size
	r.v1.group = Group{Type: eventlog.Type(u32(12)), TimeBasis: eventlog.TimeBasis(u32(24)), TSCHz: binary.LittleEndian.Uint64(b[32:])}
	return nil
}
