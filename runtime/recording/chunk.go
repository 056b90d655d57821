package recording

import (
	"encoding/binary"
	"hash/crc32"
	"strconv"
	"unsafe"

	"github.com/hvgen/hvgen/runtime/eventlog"
)

// Sizes and limits of the format.
const (
	ChunkHeaderSize = 48         // a chunk header, and an end record
	MaxPayload      = 512 * 4096 // the largest buffer: 512 pages
)

const (
	chunkVersion    = 2          // the format version of chunks and end records
	snapshotSize    = 40         // a format-1 header
	chunkMagic      = "HVGENELC" // a chunk
	endMagic        = "HVGENELE" // an end record
	snapshotMagic   = "HVGENEL1" // a format-1 snapshot
	statsMagic      = "HVGENST1" // a statistics dump
	statsVersion    = 2          // the statistics dump format written
	statsHeaderSize = 24         // a format-2 statistics dump header
	statsV1Size     = 16         // a format-1 statistics dump header
	statsPageSize   = 4096       // the page a statistics dump holds
	headerSumStart  = ChunkHeaderSize - 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Group is what a chunk says about the group its buffer came from.
type Group struct {
	Type      eventlog.Type
	TimeBasis eventlog.TimeBasis
	TSCHz     uint64 // the TSC frequency, for the TSC time basis
}

// Clock converts the group's time stamps.
func (g Group) Clock() eventlog.Clock { return eventlog.Clock{Basis: g.TimeBasis, TSCHz: g.TSCHz} }

// Chunk is one buffer of a recording as read: where it was, what group it
// came from and its memory. ReadChunk reuses a Chunk's memory.
type Chunk struct {
	Offset   int64  // byte offset of the chunk (for format 1, of the buffer)
	Format   int    // 2, or 1 for a buffer of a format-1 snapshot
	Sequence uint64 // the chunk's sequence number; in format 1, the buffer's place in its snapshot
	Group    Group
	// Payload is the buffer (header and entries), 8-byte aligned; it is
	// valid until the Chunk is read into again.
	Payload []byte

	checksum uint32 // CRC-32C of the payload, format 2
	words    []uint64
}

// chunkHeader is a decoded chunk header.
type chunkHeader struct {
	group    Group
	length   int
	sequence uint64
	checksum uint32
}

func appendChunkHeader(b []byte, h chunkHeader) []byte {
	start := len(b)
	le := binary.LittleEndian
	b = append(b, chunkMagic...)
	b = le.AppendUint16(b, chunkVersion)
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, uint32(h.group.Type))
	b = le.AppendUint32(b, uint32(h.group.TimeBasis))
	b = le.AppendUint32(b, uint32(h.length))
	b = le.AppendUint64(b, h.group.TSCHz)
	b = le.AppendUint64(b, h.sequence)
	b = le.AppendUint32(b, h.checksum)
	return le.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

func appendEndRecord(b []byte, chunks, lost uint64) []byte {
	start := len(b)
	le := binary.LittleEndian
	b = append(b, endMagic...)
	b = le.AppendUint16(b, chunkVersion)
	b = append(b, make([]byte, 6)...)
	b = le.AppendUint64(b, chunks)
	b = le.AppendUint64(b, lost)
	b = append(b, make([]byte, 12)...)
	return le.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// checkHeader checks the version and checksum common to chunk headers and
// end records (ChunkHeaderSize bytes at off).
func checkHeader(b []byte, off int64, what string) error {
	le := binary.LittleEndian
	if v := le.Uint16(b[8:]); v != chunkVersion {
		return errorAt(off, ErrVersion, "%s of format version %d, this reader knows %d", what, v, chunkVersion)
	}
	if sum, want := crc32.Checksum(b[:headerSumStart], castagnoli), le.Uint32(b[headerSumStart:]); sum != want {
		return errorAt(off, ErrChecksum, "%s checksum %#08x, the header says %#08x (nothing after it can be trusted)", what, sum, want)
	}
	return nil
}

// parseChunkHeader decodes a chunk header at stream offset off.
func parseChunkHeader(b []byte, off int64) (chunkHeader, error) {
	if err := checkHeader(b, off, "chunk header"); err != nil {
		return chunkHeader{}, err
	}
	le := binary.LittleEndian
	h := chunkHeader{
		group:  Group{Type: eventlog.Type(le.Uint32(b[12:])), TimeBasis: eventlog.TimeBasis(le.Uint32(b[16:])), TSCHz: le.Uint64(b[24:])},
		length: int(le.Uint32(b[20:])), sequence: le.Uint64(b[32:]), checksum: le.Uint32(b[40:]),
	}
	if h.length < eventlog.HeaderSize || h.length%8 != 0 || h.length > MaxPayload {
		return chunkHeader{}, errorAt(off, ErrFormat, "chunk header: payload length %d, want a multiple of 8 from %d to %d", h.length, eventlog.HeaderSize, MaxPayload)
	}
	return h, nil
}

// Verify checks the payload against the checksum in the chunk header: an
// *Error wrapping ErrChecksum names the chunk. A format-1 buffer has no
// checksum. Verify is apart from reading so that a reader may check chunks
// in parallel.
func (c *Chunk) Verify() error {
	if c.Format == 1 {
		return nil
	}
	if sum := crc32.Checksum(c.Payload, castagnoli); sum != c.checksum {
		return errorAt(c.Offset, ErrChecksum, "chunk %d: payload checksum %#08x, the chunk header says %#08x", c.Sequence, sum, c.checksum)
	}
	return nil
}

// Buffer makes b a view of the chunk's buffer (eventlog.Buffer.Reset with
// the index from the buffer's header and the chunk's group): the error is
// the *eventlog.CorruptError of a header that does not fit, in an *Error.
func (c *Chunk) Buffer(b *eventlog.Buffer) error {
	var idx uint32
	if len(c.Payload) >= 8 {
		idx = binary.LittleEndian.Uint32(c.Payload[4:]) // the header's BufferIndex
	}
	if err := b.Reset(c.Payload, idx, c.Group.Type, len(c.Payload)); err != nil {
		return &Error{Offset: c.Offset, Err: err, Detail: c.name() + ": " + err.Error()}
	}
	return nil
}

// name is how messages refer to the chunk.
func (c *Chunk) name() string {
	if c.Format == 1 {
		return "format-1 buffer " + strconv.FormatUint(c.Sequence, 10)
	}
	return "chunk " + strconv.FormatUint(c.Sequence, 10)
}

// payloadMemory returns n bytes of c's aligned memory.
func (c *Chunk) payloadMemory(n int) []byte {
	if len(c.words)*8 < n {
		c.words = make([]uint64, (n+7)/8)
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(c.words))), n)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
