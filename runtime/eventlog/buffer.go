package eventlog

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// Sizes of the fixed structures (from the generated layouts).
const (
	HeaderSize      = int(unsafe.Sizeof(hv.EventlogBufferHeader{}))
	EntryHeaderSize = int(unsafe.Sizeof(hv.EventlogEntryHeader{}))
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

// Buffer is one event-log buffer's memory: the header, then entries.
type Buffer struct {
	mem   []byte
	index uint32
}

// NewBuffer checks a buffer's header against what the group says (its index,
// log type and size) and returns a view of it. mem must be 8-byte aligned, as
// mapped buffers are.
func NewBuffer(mem []byte, index uint32, typ hv.EventlogType, size int) (*Buffer, error) {
	b := &Buffer{mem: mem, index: index}
	if err := b.check(typ, size); err != nil {
		return nil, err
	}
	return b, nil
}

// Reset makes b a view of another buffer, with the checks of NewBuffer, so
// that a reader going through many buffers can keep one Buffer value and
// allocate nothing per buffer. After an error b views no buffer (its
// methods must not be called until a Reset succeeds).
func (b *Buffer) Reset(mem []byte, index uint32, typ hv.EventlogType, size int) error {
	*b = Buffer{mem: mem, index: index}
	if err := b.check(typ, size); err != nil {
		*b = Buffer{index: index}
		return err
	}
	return nil
}

func (b *Buffer) check(typ hv.EventlogType, size int) error {
	bad := func(format string, args ...any) error {
		return &CorruptError{Buffer: b.index, Offset: -1, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case len(b.mem) < HeaderSize:
		return bad("%d bytes, shorter than the %d-byte header", len(b.mem), HeaderSize)
	case uintptr(unsafe.Pointer(unsafe.SliceData(b.mem)))%8 != 0:
		return bad("memory not 8-byte aligned")
	}
	h := b.Header()
	switch {
	case size > 0 && (int(h.BufferSize) != size || len(b.mem) < size):
		return bad("BufferSize %d, the group's buffers are %d bytes (%d mapped)", h.BufferSize, size, len(b.mem))
	case int(h.BufferSize) > len(b.mem):
		return bad("BufferSize %d exceeds the %d bytes mapped", h.BufferSize, len(b.mem))
	case h.Type != typ:
		return bad("Type %d, the group's type is %d", h.Type, typ)
	case uint32(h.BufferIndex) != b.index:
		return bad("BufferIndex %d in a slot for buffer %d", h.BufferIndex, b.index)
	}
	b.mem = b.mem[:h.BufferSize]
	if n := b.Next(); n < HeaderSize || n > len(b.mem) {
		if b.State() != hv.EventLogBufferStateFree {
			return bad("NextBufferOffset %#x outside [%#x, %#x]", n, HeaderSize, len(b.mem))
		}
	}
	return nil
}

// Index is the buffer's index.
func (b *Buffer) Index() uint32 { return b.index }

// Header returns the buffer header in place. Fields the hypervisor changes
// while the buffer is in use are read with State and Next.
func (b *Buffer) Header() *hv.EventlogBufferHeader {
	return (*hv.EventlogBufferHeader)(unsafe.Pointer(unsafe.SliceData(b.mem)))
}

// State loads BufferState atomically.
func (b *Buffer) State() hv.EventlogBufferState {
	return hv.EventlogBufferState(atomic.LoadUint32((*uint32)(unsafe.Pointer(&b.Header().BufferState))))
}

// Next loads NextBufferOffset atomically: every entry below it is complete.
func (b *Buffer) Next() int {
	return int(atomic.LoadUint32(&b.Header().NextBufferOffset))
}

// Bytes returns the buffer's memory.
func (b *Buffer) Bytes() []byte { return b.mem }
