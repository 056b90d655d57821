package recording

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/hvgen/hvgen/runtime/eventlog"
)

// Writer writes a recording: one chunk per buffer handed to WriteBuffer,
// numbered from 0, and an end record at Close.
type Writer struct {
	w      io.Writer
	seq    uint64 // the next chunk's sequence number
	lost   uint64
	hdr    []byte
	closed bool
}

// NewWriter starts a recording on w. Writes go straight to w: wrap it in a
// bufio.Writer for many small buffers.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, hdr: make([]byte, 0, ChunkHeaderSize)}
}

// WriteBuffer writes one buffer's memory (header and entries, as the
// hypervisor handed it over) as a chunk of group g.
func (w *Writer) WriteBuffer(g Group, mem []byte) error {
	switch {
	case w.closed:
		return errors.New("recording: WriteBuffer after Close")
	case len(mem) < eventlog.HeaderSize || len(mem)%8 != 0 || len(mem) > MaxPayload:
		return fmt.Errorf("recording: a %d-byte buffer cannot be recorded (want a multiple of 8 from %d to %d)", len(mem), eventlog.HeaderSize, MaxPayload)
	}
	w.hdr = appendChunkHeader(w.hdr[:0], chunkHeader{group: g, length: len(mem), sequence: w.seq, checksum: crc32.Checksum(mem, castagnoli)})
	w.seq++
	if _, err := w.w.Write(w.hdr); err != nil {
		return err
	}
	_, err := w.w.Write(mem)
	return err
}

// AddUnreportedLost counts n events lost that no buffer header reports, for
// the end record. A buffer's EventsLost counts the events lost before the
// hypervisor took it; events lost after a logical processor's last buffer
// are reported by no buffer, and only the writer's side knows them.
func (w *Writer) AddUnreportedLost(n uint64) { w.lost += n }

// Close ends the recording with the end record (the number of chunks and
// the events lost that AddUnreportedLost counted). It does not close the
// underlying writer; a second Close does nothing.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	_, err := w.w.Write(appendEndRecord(w.hdr[:0], w.seq, w.lost))
	return err
}
