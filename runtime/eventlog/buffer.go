package eventlog

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"
)

// CorruptError is a buffer whose bytes break the format.
type CorruptError struct {
	Buffer uint32 // the buffer's index
	Offset int    // byte offset in the buffer (-1: the buffer as a whole)
	Reason string
}

func (e *CorruptError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("eventlog: buffer %d: %s", e.Buffer, e.Reason)
	}
	return fmt.Sprintf("eventlog: buffer %d at byte %#x: %s", e.Buffer, e.Offset, e.Reason)
}

// ErrNoBuffer is what the walks of a Buffer that views no buffer yield: the
// zero Buffer, or one whose last Reset failed.
var ErrNoBuffer = errors.New("eventlog: the Buffer views no buffer (make it with NewBuffer or Reset)")

// Buffer is one event-log buffer's memory: the header, then entries. The
// zero Buffer views no buffer: its walks yield ErrNoBuffer.
type Buffer struct {
	mem   []byte
	index uint32
	own   []uint64 // aligned memory for a copy of a misaligned buffer, kept across Resets
}

// NewBuffer checks a buffer's header against what the group says (its
// index, log type and size; a size of 0 takes the header's) and returns a
// view of it. Mapped buffers are page-aligned and are viewed in place, so
// Tail sees the hypervisor's writes; mem that is not 8-byte aligned (bytes
// read from a file at any offset) is copied to aligned memory first, so
// that the payload views of a generated package work on every entry.
func NewBuffer(mem []byte, index uint32, typ Type, size int) (*Buffer, error) {
	b := &Buffer{}
	if err := b.Reset(mem, index, typ, size); err != nil {
		return nil, err
	}
	return b, nil
}

// Reset makes b a view of another buffer, with the checks of NewBuffer, so
// that a reader going through many buffers can keep one Buffer value and
// allocate nothing per buffer (a misaligned buffer is copied into memory b
// keeps for the next one). After an error b views no buffer.
func (b *Buffer) Reset(mem []byte, index uint32, typ Type, size int) error {
	b.mem, b.index = mem, index
	if uintptr(unsafe.Pointer(unsafe.SliceData(mem)))%8 != 0 {
		if cap(b.own)*8 < len(mem) {
			b.own = make([]uint64, (len(mem)+7)/8)
		}
		b.mem = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b.own))), len(mem))
		copy(b.mem, mem)
	}
	if err := b.check(typ, size); err != nil {
		b.mem = nil
		return err
	}
	return nil
}

func (b *Buffer) check(typ Type, size int) error {
	bad := func(format string, args ...any) error {
		return &CorruptError{Buffer: b.index, Offset: -1, Reason: fmt.Sprintf(format, args...)}
	}
	if len(b.mem) < HeaderSize {
		return bad("%d bytes, shorter than the %d-byte header", len(b.mem), HeaderSize)
	}
	h := b.Header()
	switch {
	case size > 0 && (int(h.BufferSize) != size || len(b.mem) < size):
		return bad("BufferSize %d, the group's buffers are %d bytes (%d mapped)", h.BufferSize, size, len(b.mem))
	case int(h.BufferSize) > len(b.mem):
		return bad("BufferSize %d exceeds the %d bytes mapped", h.BufferSize, len(b.mem))
	case int(h.BufferSize) < HeaderSize:
		return bad("BufferSize %d, shorter than the %d-byte header", h.BufferSize, HeaderSize)
	case h.Type != typ:
		return bad("Type %d, the group's type is %d", h.Type, typ)
	case h.BufferIndex != b.index:
		return bad("BufferIndex %d in a slot for buffer %d", h.BufferIndex, b.index)
	}
	b.mem = b.mem[:h.BufferSize]
	if n := b.Next(); n < HeaderSize || n > len(b.mem) {
		if b.State() != StateFree {
			return bad("NextBufferOffset %#x outside [%#x, %#x]", n, HeaderSize, len(b.mem))
		}
	}
	return nil
}

// Index is the buffer's index.
func (b *Buffer) Index() uint32 { return b.index }

// Header returns the buffer header in place, or nil when b views no buffer.
// Fields the hypervisor changes while the buffer is in use are read with
// State and Next.
func (b *Buffer) Header() *Header {
	if b == nil || len(b.mem) < HeaderSize {
		return nil
	}
	return (*Header)(unsafe.Pointer(unsafe.SliceData(b.mem)))
}

// State loads BufferState atomically (StateStandby when b views no buffer).
func (b *Buffer) State() BufferState {
	h := b.Header()
	if h == nil {
		return StateStandby
	}
	return BufferState(atomic.LoadUint32((*uint32)(&h.BufferState)))
}

// Next loads NextBufferOffset atomically: every entry below it is complete
// (0 when b views no buffer).
func (b *Buffer) Next() int {
	h := b.Header()
	if h == nil {
		return 0
	}
	return int(atomic.LoadUint32(&h.NextBufferOffset))
}

// Bytes returns the buffer's memory (nil when b views no buffer).
func (b *Buffer) Bytes() []byte {
	if b == nil {
		return nil
	}
	return b.mem
}
